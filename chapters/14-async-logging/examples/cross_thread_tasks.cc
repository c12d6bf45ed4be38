// One EventLoop in the main thread, and the two ways work reaches it from four worker threads:
// a task posted with runInLoop(), and bytes written into a pipe whose read end the loop
// watches through a Channel. Every line printed names the thread it runs in: always the loop's.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

int main() {
  using mymuduo::Thread;
  using mymuduo::Timestamp;
  using mymuduo::net::Channel;
  using mymuduo::net::EventLoop;
  namespace CurrentThread = mymuduo::CurrentThread;

  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    std::perror("pipe2");
    return 1;
  }
  EventLoop loop;
  std::printf("loop thread tid %d\n", CurrentThread::tid());

  constexpr int kWorkers = 4;
  int tasks = 0;  // touched only in the loop thread, like everything below
  size_t bytes = 0;
  auto quitWhenDone = [&] {
    if (tasks == kWorkers && bytes == kWorkers * sizeof(int)) loop.quit();
  };

  Channel reader(&loop, fds[0]);
  reader.setReadCallback([&](Timestamp) {
    int posters[kWorkers];
    ssize_t n = ::read(fds[0], posters, sizeof posters);  // whatever has arrived, all at once
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(int)); ++i) {
      std::printf("pipe: tid %d wrote, read in tid %d\n", posters[i], CurrentThread::tid());
    }
    if (n > 0) bytes += static_cast<size_t>(n);
    quitWhenDone();
  });
  reader.enableReading();

  std::vector<std::unique_ptr<Thread>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(std::make_unique<Thread>([&, i] {
      int poster = CurrentThread::tid();
      loop.runInLoop([&, i, poster] {
        std::printf("task %d posted by tid %d runs in tid %d\n", i, poster, CurrentThread::tid());
        ++tasks;
        quitWhenDone();
      });
      if (::write(fds[1], &poster, sizeof poster) != sizeof poster) std::perror("write");
    }));
    workers.back()->start();
  }
  loop.loop();
  for (auto& w : workers) w->join();
  std::printf("all %d tasks and %zu pipe bytes handled in the loop thread\n", tasks, bytes);

  reader.disableAll();  // a Channel leaves its loop before it dies, and before its fd closes
  reader.remove();
  ::close(fds[0]);
  ::close(fds[1]);
}
