// A ticking clock: one repeating timer prints the time every second, a one-shot timer
// cancels it after five ticks, and another stops the loop a little later.
#include <cstdio>

#include "mymuduo/net/EventLoop.h"

int main() {
  using mymuduo::Timestamp;
  using mymuduo::net::EventLoop;
  using mymuduo::net::TimerId;

  EventLoop loop;
  int ticks = 0;
  TimerId tick = loop.runEvery(1.0, [&] {
    std::printf("tick %d at %s\n", ++ticks, Timestamp::now().toFormattedString(false).c_str());
    std::fflush(stdout);
  });
  loop.runAfter(5.5, [&] {
    std::printf("cancelling the clock after %d ticks\n", ticks);
    loop.cancel(tick);
  });
  loop.runAfter(6.5, [&] {
    std::printf("quit\n");
    loop.quit();
  });
  loop.loop();
}
