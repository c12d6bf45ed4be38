// Hidden tests of chapter 09's exercise "Connect timeout" (see the chapter README). Hidden
// ([.exercise]): ctest and a plain run skip them; run them with
//   build/09/ch09_tests "[ex09]"
// They compile without the exercise done and fail with a message until Connector has
// setConnectTimeout(double).
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/net/Connector.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"

namespace {

using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;

template <typename C, typename = void>
struct HasConnectTimeout : std::false_type {};
template <typename C>
struct HasConnectTimeout<C, std::void_t<decltype(std::declval<C&>().setConnectTimeout(0.5))>>
    : std::true_type {};

/// A plain listening socket on 127.0.0.1:<ephemeral> with the given backlog.
[[maybe_unused]] int listenOnAnyPort(int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress addr("127.0.0.1", 0);
  REQUIRE(::bind(fd, addr.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

/// Runs f in `loop`'s thread and waits for it.
[[maybe_unused]] void runSync(EventLoop* loop, const std::function<void()>& f) {
  std::promise<void> done;
  loop->queueInLoop([&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

/// What a connector reported, written in its loop thread.
struct Reports {
  std::mutex mutex;
  std::vector<std::pair<int, bool>> errors;  // (errno, willRetry)
  std::vector<int> fds;                      // connected fds handed over
  std::promise<void> first;
  bool fulfilled = false;
  void note() {
    if (!fulfilled) {
      fulfilled = true;
      first.set_value();
    }
  }
};

// A template, so the branch not taken is never instantiated.
template <typename Connector>
void checkConnectTimeout() {
  if constexpr (HasConnectTimeout<Connector>::value) {
    testutil::LoopInThread loopThread;
    EventLoop* loop = loopThread.loop();
    Reports reports;
    auto attach = [&](Connector& c) {
      c.setErrorCallback([&](int err, bool willRetry) {
        std::lock_guard<std::mutex> lock(reports.mutex);
        reports.errors.emplace_back(err, willRetry);
        reports.note();
      });
      c.setNewConnectionCallback([&](int fd) {
        std::lock_guard<std::mutex> lock(reports.mutex);
        reports.fds.push_back(fd);
        reports.note();
      });
    };

    SECTION("an attempt the server never answers ends in ETIMEDOUT, and a retry follows") {
      // A backlog of 0 takes one connection; nobody accepts it, so the next SYN is dropped
      // and a connect stays in SYN_SENT for as long as the kernel retries (minutes).
      int listenFd = listenOnAnyPort(0);
      InetAddress bound(mymuduo::net::sockets::getLocalAddr(listenFd));
      int filler = testutil::connectTo(bound.port());
      auto connector = std::make_shared<Connector>(loop, InetAddress("127.0.0.1", bound.port()));
      attach(*connector);
      connector->setConnectTimeout(0.2);
      auto started = std::chrono::steady_clock::now();
      connector->start();
      bool reported = reports.first.get_future().wait_for(std::chrono::seconds(10)) ==
                      std::future_status::ready;
      auto elapsed = std::chrono::steady_clock::now() - started;
      connector->stop();
      runSync(loop, [&] { connector.reset(); });
      REQUIRE(reported);
      std::lock_guard<std::mutex> lock(reports.mutex);
      REQUIRE(reports.errors.size() >= 1);
      CHECK(reports.errors[0].first == ETIMEDOUT);
      CHECK(reports.errors[0].second);  // willRetry
      CHECK(reports.fds.empty());
      CHECK(elapsed >= std::chrono::milliseconds(150));
      CHECK(elapsed < std::chrono::seconds(5));
      ::close(filler);
      ::close(listenFd);
    }

    SECTION("a connection made in time is not touched by the timeout") {
      int listenFd = listenOnAnyPort(16);
      InetAddress bound(mymuduo::net::sockets::getLocalAddr(listenFd));
      auto connector = std::make_shared<Connector>(loop, InetAddress("127.0.0.1", bound.port()));
      attach(*connector);
      connector->setConnectTimeout(0.1);
      connector->start();
      REQUIRE(reports.first.get_future().wait_for(std::chrono::seconds(10)) ==
              std::future_status::ready);
      // A timer of the same loop due after the timeout: when it runs, a timeout timer left
      // armed would already have fired (timers run in the order they expire).
      std::promise<void> later;
      loop->runAfter(0.3, [&] { later.set_value(); });
      REQUIRE(later.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
      connector->stop();
      runSync(loop, [&] { connector.reset(); });
      std::lock_guard<std::mutex> lock(reports.mutex);
      CHECK(reports.errors.empty());
      REQUIRE(reports.fds.size() == 1);
      struct sockaddr_in peer {};
      socklen_t len = sizeof peer;
      // Still open and still connected: the timeout did not close it behind our back.
      CHECK(::getpeername(reports.fds[0], reinterpret_cast<struct sockaddr*>(&peer), &len) == 0);
      ::close(reports.fds[0]);
      ::close(listenFd);
    }
  } else {
    FAIL(
        "Connector::setConnectTimeout(double) is missing: do the exercise \"Connect timeout\" "
        "of chapter 09");
  }
}

}  // namespace

TEST_CASE("exercise 09: a connect timeout turns a silent server into ETIMEDOUT",
          "[.exercise][ex09]") {
  checkConnectTimeout<mymuduo::net::Connector>();
}
