#pragma once
// Helpers shared by the tests of this chapter: run code in a child process, run an
// EventLoop in a thread of its own, and a plain blocking client socket to talk to servers.

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <stdexcept>
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

/// Checks pred every millisecond until it holds (true) or `limit` has passed (false); for
/// state that another thread changes and that the test cannot be told about directly.
inline bool waitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

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

/// Writes all of data, or throws.
inline void writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) throw std::runtime_error("write failed");
    done += static_cast<size_t>(n);
  }
}

/// Reads until EOF, an error (a reset) or `limit` bytes, and returns what arrived. Neither
/// of those within `timeout` throws: a peer that never closes must fail the test, never pass
/// for one that did.
inline std::string readUntilEof(int fd, size_t limit = SIZE_MAX,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::string received;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (received.size() < limit) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd pfd = {fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) != 1) {
      throw std::runtime_error("readUntilEof: no EOF after " + std::to_string(received.size()) +
                               " bytes and " + std::to_string(timeout.count()) + " ms");
    }
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit - received.size()));
    if (n <= 0) break;
    received.append(buf, static_cast<size_t>(n));
  }
  return received;
}

/// Deterministic bytes that differ from position to position, so a lost, repeated or
/// reordered chunk shows up in a comparison.
inline std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 31 + i / 251) % 256);
  return s;
}

/// How many fds the process has open, from /proc/self/fd (the directory's own fd included,
/// the same in every count): compare two counts to find a leak.
inline int countOpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

/// The other end of the loopback TCP connection `fd` when this process holds it too (the server
/// under test runs in a thread of the test): the socket whose local and peer addresses are
/// `fd`'s peer and local addresses. -1 if there is none.
inline int peerFdInProcess(int fd) {
  struct sockaddr_storage local {};
  struct sockaddr_storage peer {};
  socklen_t len = sizeof local;
  if (::getsockname(fd, reinterpret_cast<struct sockaddr*>(&local), &len) != 0) return -1;
  socklen_t peerLen = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<struct sockaddr*>(&peer), &peerLen) != 0) return -1;
  for (int other = 0; other < 4096; ++other) {
    struct sockaddr_storage otherLocal {};
    struct sockaddr_storage otherPeer {};
    socklen_t l1 = sizeof otherLocal;
    socklen_t l2 = sizeof otherPeer;
    if (other == fd ||
        ::getsockname(other, reinterpret_cast<struct sockaddr*>(&otherLocal), &l1) != 0 ||
        ::getpeername(other, reinterpret_cast<struct sockaddr*>(&otherPeer), &l2) != 0) {
      continue;
    }
    if (l1 == peerLen && l2 == len && std::memcmp(&otherLocal, &peer, l1) == 0 &&
        std::memcmp(&otherPeer, &local, l2) == 0) {
      return other;
    }
  }
  return -1;
}

}  // namespace testutil
