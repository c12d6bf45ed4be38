// What one iteration of the loop costs with poll(2) and with epoll(7) as the number of idle fds
// it watches grows. The loop watches N idle eventfds and one more whose read callback reads it
// and makes it ready again, so every iteration has exactly one ready fd; the time of a run of
// iterations (fewer as N grows, so that a run stays short; median of three runs) is divided by
// their number.
//   poller_cost [--csv] [MAX_IDLE=10000]
// Prints a table (CSV with --csv): idle fds, microseconds per iteration with each backend. The
// claim it checks:
// poll's cost grows with the fds watched, epoll's with the fds ready.
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Timestamp;
using mymuduo::net::Channel;
using mymuduo::net::EventLoop;

namespace {

/// Microseconds per loop iteration with `idle` idle fds; the backend is chosen by the
/// environment when the loop is made (MYMUDUO_USE_POLL).
double microsPerIteration(int idle) {
  const int iterations = std::clamp(5000000 / (idle + 1000), 200, 5000);
  EventLoop loop;
  std::vector<std::unique_ptr<Channel>> idleChannels;
  for (int i = 0; i < idle; ++i) {
    int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
      std::perror("eventfd");
      std::exit(1);
    }
    idleChannels.push_back(std::make_unique<Channel>(&loop, fd));
    idleChannels.back()->setReadCallback([](Timestamp) {});
    idleChannels.back()->enableReading();
  }
  int activeFd = ::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);  // ready from the start
  Channel active(&loop, activeFd);
  int left = iterations;
  active.setReadCallback([&](Timestamp) {
    uint64_t value = 0;
    if (::read(activeFd, &value, sizeof value) != sizeof value) std::perror("read");
    if (--left == 0) {
      loop.quit();
      return;
    }
    value = 1;
    if (::write(activeFd, &value, sizeof value) != sizeof value) std::perror("write");
  });
  active.enableReading();

  auto start = std::chrono::steady_clock::now();
  loop.loop();
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;

  active.disableAll();
  active.remove();
  ::close(activeFd);
  for (auto& channel : idleChannels) {
    channel->disableAll();
    channel->remove();
    ::close(channel->fd());
  }
  return elapsed.count() / iterations;
}

double medianOfThree(int idle) {
  double runs[3];
  for (double& run : runs) run = microsPerIteration(idle);
  std::sort(runs, runs + 3);
  return runs[1];
}

}  // namespace

int main(int argc, char* argv[]) {
  const bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
  const int first = csv ? 2 : 1;
  long maxIdle = argc > first ? std::strtol(argv[first], nullptr, 10) : 10000;
  // Each idle fd is an fd: raise the soft limit as far as the hard one allows.
  struct rlimit limit = {RLIM_INFINITY, RLIM_INFINITY};  // as if unlimited, should getrlimit fail
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (csv) {
    std::printf("idle_fds,poll_us_per_iteration,epoll_us_per_iteration\n");
  } else {
    std::printf("%9s  %14s  %14s\n", "idle fds", "poll us/iter", "epoll us/iter");
  }
  for (long idle : {0L, 10L, 100L, 1000L, 10000L, 100000L}) {
    if (idle > maxIdle) break;
    if (static_cast<rlim_t>(idle) + 64 > limit.rlim_cur) {
      std::fprintf(csv ? stderr : stdout, "%9ld  (skipped: RLIMIT_NOFILE is %llu)\n", idle,
                   static_cast<unsigned long long>(limit.rlim_cur));
      continue;
    }
    ::setenv("MYMUDUO_USE_POLL", "1", 1);
    double poll = medianOfThree(static_cast<int>(idle));
    ::unsetenv("MYMUDUO_USE_POLL");
    double epoll = medianOfThree(static_cast<int>(idle));
    std::printf(csv ? "%ld,%.2f,%.2f\n" : "%9ld  %14.2f  %14.2f\n", idle, poll, epoll);
  }
}
