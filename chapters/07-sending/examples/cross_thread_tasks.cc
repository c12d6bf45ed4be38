// One EventLoop in the main thread; four worker threads post tasks to it with runInLoop().
// Every task prints the thread it runs in: always the loop's, whoever posted it.
#include <cstdio>
#include <memory>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/EventLoop.h"

int main() {
  using mymuduo::Thread;
  using mymuduo::net::EventLoop;
  namespace CurrentThread = mymuduo::CurrentThread;

  EventLoop loop;
  std::printf("loop thread tid %d\n", CurrentThread::tid());

  constexpr int kWorkers = 4;
  int done = 0;  // touched only in the loop thread
  std::vector<std::unique_ptr<Thread>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(std::make_unique<Thread>([&loop, &done, i] {
      int poster = CurrentThread::tid();
      loop.runInLoop([&loop, &done, i, poster] {
        std::printf("task %d posted by tid %d runs in tid %d\n", i, poster, CurrentThread::tid());
        if (++done == kWorkers) loop.quit();
      });
    }));
    workers.back()->start();
  }
  loop.loop();
  for (auto& w : workers) w->join();
  std::printf("all %d tasks ran in the loop thread\n", done);
}
