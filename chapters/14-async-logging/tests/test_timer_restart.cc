// Timer on its own, before any queue or loop: restart() keeps a repeating timer on its
// schedule.
#include <catch2/catch.hpp>
#include <chrono>

#include "mymuduo/net/Timer.h"

using mymuduo::net::Timer;
using mymuduo::net::TimerClock;

TEST_CASE("a repeating timer that fell behind skips the ticks it missed", "[ch04][s1][timer]") {
  using std::chrono::milliseconds;
  TimerClock::time_point t0 = TimerClock::now();
  Timer timer([] {}, t0, milliseconds(10), Timer::nextSequence());
  timer.restart(t0 + milliseconds(3));                 // it ran 3 ms late
  CHECK(timer.expiration() == t0 + milliseconds(10));  // not 13 ms: no drift
  timer.restart(t0 + milliseconds(45));  // the loop stalled past the ticks at 20, 30 and 40
  CHECK(timer.expiration() == t0 + milliseconds(50));  // the next tick, once, in phase
  timer.restart(t0 + milliseconds(50));                // exactly on time
  CHECK(timer.expiration() == t0 + milliseconds(60));
}
