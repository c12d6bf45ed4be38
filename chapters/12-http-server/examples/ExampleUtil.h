#pragma once
// Small helpers the example programs share: strict number parsing for their arguments, and
// a clean stop on SIGINT/SIGTERM.

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <utility>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

namespace example {

/// Parses a whole decimal number in [min, max]; false on anything else ("12x", "", "-").
inline bool parseNumber(const char* text, long min, long max, long* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

/// Turns SIGINT and SIGTERM into loop.quit(), through a signalfd watched by the loop: the
/// signal arrives as an ordinary readable fd, so no code runs in a signal handler.
/// Construct it in the main thread before starting any other thread (they inherit the
/// blocked signal mask, so the signals can only arrive through the signalfd).
/// With `firstSignal`, the first signal runs it instead (a graceful stop that quits the loop
/// once it is done) and a second one quits at once.
class QuitOnSignals {
 public:
  explicit QuitOnSignals(mymuduo::net::EventLoop* loop, std::function<void()> firstSignal = nullptr)
      : loop_(loop),
        fd_(makeSignalFd()),
        channel_(loop, fd_),
        firstSignal_(std::move(firstSignal)) {
    channel_.setReadCallback([this](mymuduo::Timestamp) {
      struct signalfd_siginfo info;
      int signo =
          ::read(fd_, &info, sizeof info) == sizeof info ? static_cast<int>(info.ssi_signo) : 0;
      if (firstSignal_) {
        LOG_INFO << "signal " << signo << " received, stopping gracefully (again: at once)";
        std::function<void()> stop = std::move(firstSignal_);
        firstSignal_ = nullptr;
        stop();
        return;
      }
      LOG_INFO << "signal " << signo << " received, quitting";
      loop_->quit();
    });
    channel_.enableReading();
  }
  ~QuitOnSignals() {
    channel_.disableAll();
    channel_.remove();
    ::close(fd_);
  }

 private:
  static int makeSignalFd() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    int fd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) LOG_SYSFATAL << "signalfd";
    return fd;
  }

  mymuduo::net::EventLoop* loop_;
  int fd_;
  mymuduo::net::Channel channel_;
  std::function<void()> firstSignal_;
};

}  // namespace example
