// Watches the read end of a pipe with an EventLoop. A second thread writes three messages and
// closes its end; the loop prints each message as it arrives and stops at the hang-up.
// Run with MYMUDUO_USE_POLL=1 to use poll(2) instead of epoll(7): the output is the same.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mymuduo/base/Thread.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

int main() {
  using mymuduo::Thread;
  using mymuduo::Timestamp;
  using mymuduo::net::Channel;
  using mymuduo::net::EventLoop;

  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    std::perror("pipe2");
    return 1;
  }
  std::printf("backend: %s\n", ::getenv("MYMUDUO_USE_POLL") ? "poll" : "epoll");

  EventLoop loop;
  Channel reader(&loop, fds[0]);
  reader.setReadCallback([&](Timestamp when) {
    char buf[256];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      std::printf("%s read %zd bytes: %.*s", when.toFormattedString().c_str(), n,
                  static_cast<int>(n), buf);
    }
  });
  reader.setCloseCallback([&] {
    std::printf("writer closed the pipe, quitting\n");
    reader.disableAll();
    loop.quit();
  });
  reader.enableReading();

  Thread writer([wfd = fds[1]] {
    const char* messages[] = {"hello\n", "from another\n", "thread\n"};
    for (const char* m : messages) {
      ::usleep(200 * 1000);
      if (::write(wfd, m, std::strlen(m)) < 0) std::perror("write");
    }
    ::close(wfd);
  });
  writer.start();
  loop.loop();
  writer.join();
  reader.remove();
  ::close(fds[0]);
}
