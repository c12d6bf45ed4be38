// Starts a few threads and prints each one's name and kernel tid, as seen by its creator right
// after start() and by the thread itself. The two always agree: start() waits for the hand-off.
#include <cstdio>
#include <memory>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/base/Thread.h"

int main() {
  using mymuduo::Thread;
  LOG_INFO << "main thread tid " << mymuduo::CurrentThread::tid();

  std::vector<std::unique_ptr<Thread>> threads;
  for (int i = 0; i < 4; ++i) {
    threads.push_back(std::make_unique<Thread>(
        [] { LOG_INFO << "hello from tid " << mymuduo::CurrentThread::tid(); }));
    threads.back()->start();
    std::printf("started %s, tid %d\n", threads.back()->name().c_str(), threads.back()->tid());
  }
  for (auto& t : threads) t->join();
  std::printf("%d threads created\n", Thread::numCreated());
}
