#pragma once
// Helpers of the HTTP tests: an HttpServer in a loop thread of its own, and a blocking client
// that parses the responses (framed by Content-Length) coming back on its socket.

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

namespace testutil {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// An HttpServer on 127.0.0.1:<ephemeral>, created, run and destroyed in a loop thread.
class HttpTestServer {
 public:
  explicit HttpTestServer(mymuduo::http::HttpServer::HttpCallback cb,
                          const std::function<void(mymuduo::http::HttpServer&)>& setup = {}) {
    runSync([&] {
      server_ = std::make_unique<mymuduo::http::HttpServer>(
          runner_.loop(), mymuduo::net::InetAddress(0, true), "test");
      server_->setHttpCallback(std::move(cb));
      if (setup) setup(*server_);
      server_->start();
      port_ = server_->listenAddress().port();
    });
  }
  ~HttpTestServer() {
    runSync([this] { server_.reset(); });
  }
  uint16_t port() const { return port_; }

 private:
  void runSync(const std::function<void()>& f) {
    std::promise<void> done;
    runner_.loop()->queueInLoop([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  LoopInThread runner_;
  std::unique_ptr<mymuduo::http::HttpServer> server_;
  uint16_t port_ = 0;
};

/// Orders header names without regard to ASCII case, as a client must compare them.
struct NameLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return ::strcasecmp(a.c_str(), b.c_str()) < 0;
  }
};

struct Response {
  int status = 0;
  std::string statusLine;
  std::map<std::string, std::string, NameLess> headers;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A blocking client that parses responses (Content-Length framed) from its socket.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(connectTo(port)) {}
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  void send(const std::string& data) { writeAll(fd_, data); }
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  /// Reads one response; for the answer to HEAD pass headOnly (no body follows the headers).
  /// Throws when it does not arrive within `timeout` or the connection ends before it.
  Response read(bool headOnly = false, milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = Clock::now() + timeout;
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) fill(deadline);
    Response r;
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    size_t lineEnd = head.find("\r\n");
    r.statusLine = head.substr(0, lineEnd);
    r.status = std::atoi(r.statusLine.c_str() + 9);
    while (lineEnd != std::string::npos) {
      size_t next = head.find("\r\n", lineEnd + 2);
      std::string line = head.substr(lineEnd + 2, next - lineEnd - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t value = line.find_first_not_of(' ', colon + 1);
        r.headers[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
      }
      lineEnd = next;
    }
    size_t length = headOnly || r.status / 100 == 1
                        ? 0
                        : static_cast<size_t>(std::stoull(r.header("Content-Length")));
    while (pending_.size() < length) fill(deadline);
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  /// Waits for the server's FIN: true when the connection ended cleanly (EOF, no byte left
  /// over, no reset) within `timeout`.
  bool readEof(milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      ssize_t n = readSome(deadline);
      if (n == 0) return pending_.empty();
      if (n < 0) return false;
    }
  }

  /// Reads whatever arrives until the connection ends (EOF or reset) or `timeout` passes;
  /// returns how long that took.
  Clock::duration waitClosed(milliseconds timeout) {
    auto start = Clock::now();
    auto deadline = start + timeout;
    while (readSome(deadline) > 0) {
    }
    return Clock::now() - start;
  }

  /// How many bytes are buffered in the client but not yet parsed.
  std::string& pending() { return pending_; }
  /// Reads some bytes into pending(): >0 bytes read, 0 EOF, -1 an error (a reset); throws at
  /// the deadline.
  ssize_t readSome(Clock::time_point deadline, size_t max = 65536) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    struct pollfd pfd = {fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) != 1) {
      throw std::runtime_error("client: timed out with " + std::to_string(pending_.size()) +
                               " bytes unparsed");
    }
    char buf[65536];
    ssize_t n = ::read(fd_, buf, std::min(sizeof buf, max));
    if (n > 0) pending_.append(buf, static_cast<size_t>(n));
    return n;
  }

 private:
  void fill(Clock::time_point deadline) {
    if (readSome(deadline) <= 0) {
      throw std::runtime_error("client: connection ended with " + std::to_string(pending_.size()) +
                               " bytes unparsed");
    }
  }

  int fd_;
  std::string pending_;
};

}  // namespace testutil
