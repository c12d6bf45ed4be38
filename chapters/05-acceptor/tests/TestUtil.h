#pragma once
// Helpers shared by the tests of this chapter: run code in a child process, run an
// EventLoop in a thread of its own, connect a plain client socket.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "mymuduo/base/Thread.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

namespace testutil {

struct ChildResult {
  int status = 0;      // as filled in by waitpid
  std::string output;  // everything the child wrote to stdout and stderr
};

/// Runs body in a forked child with its output captured; for code that is expected to abort.
inline ChildResult runInChild(const std::function<void()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::signal(SIGABRT, SIG_DFL);  // not Catch's handler: the parent judges how we died
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    body();
    ::_exit(0);
  }
  ::close(fds[1]);
  ChildResult result;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  ::waitpid(pid, &result.status, 0);
  return result;
}

/// The scheduler state of one of our threads ('R' running, 'S' sleeping...), from /proc.
inline char threadState(int tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');  // the command name may itself contain spaces
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

/// Waits until thread tid is asleep in the kernel: for a loop thread, blocked in poll.
inline bool waitUntilSleeping(int tid, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (threadState(tid) == 'S') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

/// An EventLoop created and run in a thread of its own; for tests that drive a loop from
/// outside. The destructor quits the loop and joins the thread.
class LoopInThread {
 public:
  LoopInThread()
      : thread_([this] {
          mymuduo::net::EventLoop loop;
          loopPromise_.set_value(&loop);
          loop.loop();
          returnedAt_ = std::chrono::steady_clock::now();
          // The loop is destroyed in its own thread, after loop() returned.
        }) {
    thread_.start();
    loop_ = loopPromise_.get_future().get();
  }

  ~LoopInThread() {
    if (!joined_) {
      loop_->quit();
      join();
    }
  }

  mymuduo::net::EventLoop* loop() const { return loop_; }
  int tid() const { return thread_.tid(); }
  void join() {
    thread_.join();
    joined_ = true;
  }
  /// When loop() returned; valid after join().
  std::chrono::steady_clock::time_point returnedAt() const { return returnedAt_; }

 private:
  std::promise<mymuduo::net::EventLoop*> loopPromise_;
  mymuduo::Thread thread_;
  mymuduo::net::EventLoop* loop_ = nullptr;
  bool joined_ = false;
  std::chrono::steady_clock::time_point returnedAt_;
};

/// A blocking client socket connected to 127.0.0.1:port. The kernel completes the handshake
/// from the listen backlog, before the server calls accept.
inline int connectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  mymuduo::net::InetAddress server("127.0.0.1", port);
  if (::connect(fd, server.getSockAddr(), sizeof(struct sockaddr_in)) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
  }
  return fd;
}

}  // namespace testutil
