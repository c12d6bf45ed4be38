// Hidden tests of chapter 07's exercise "Close idle connections" (see the chapter README).
// Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/07/ch07_tests "[ex07]"
// They compile without the exercise done and fail with a message until TcpServer has
// setIdleTimeout(double).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

using Clock = std::chrono::steady_clock;

namespace {

template <typename S, typename = void>
struct HasIdleTimeout : std::false_type {};
template <typename S>
struct HasIdleTimeout<S, std::void_t<decltype(std::declval<S&>().setIdleTimeout(0.5))>>
    : std::true_type {};

/// Reads exactly n bytes, or throws after 10 s.
[[maybe_unused]] std::string readExactly(int fd, size_t n) {
  std::string s = testutil::readUntilEof(fd, n, std::chrono::seconds(10));
  if (s.size() != n) throw std::runtime_error("connection ended early");
  return s;
}

// A template, so the branch not taken is never instantiated.
template <typename Server>
void checkIdleTimeout() {
  using mymuduo::net::Buffer;
  using mymuduo::net::TcpConnectionPtr;
  if constexpr (HasIdleTimeout<Server>::value) {
    const double timeout = 0.5;
    testutil::ConnectionEvents events;
    bool shutdownAtOnce = false;
    bool active = false;
    SECTION("a silent client is closed after the timeout") {}
    SECTION("a client that never closes after our shutdown() is closed too") {
      shutdownAtOnce = true;
    }
    SECTION("an active client is not cut off") { active = true; }
    testutil::TestServer server([&](Server& s) {
      s.setIdleTimeout(timeout);
      s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
        events(conn);
        if (conn->connected() && shutdownAtOnce) conn->shutdown();  // kDisconnecting
      });
      s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, mymuduo::Timestamp) {
        conn->send(buf);  // echo
      });
    });
    auto started = Clock::now();
    int fd = testutil::connectTo(server.port());
    try {
      if (active) {
        // Three timeouts long, a message every 100 ms: never idle for long. (A pace, not a
        // wait for something to happen.)
        for (int i = 0; i < 15; ++i) {
          testutil::writeAll(fd, "ping");
          CHECK(readExactly(fd, 4) == "ping");
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        CHECK(events.downs == 0);
        started = Clock::now();
      }
      // Now silent: the server must end the connection on its own, and not too soon.
      CHECK(events.waitDown());
      CHECK(Clock::now() - started >= std::chrono::milliseconds(400));
      if (!shutdownAtOnce) {
        CHECK(testutil::readUntilEof(fd, SIZE_MAX, std::chrono::seconds(10)).empty());
      }
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    server.settle();
    CHECK(events.ups == 1);
    CHECK(events.downs == 1);
  } else {
    FAIL(
        "TcpServer::setIdleTimeout(double) is missing: do the exercise \"Close idle "
        "connections\" of chapter 07");
  }
}

}  // namespace

TEST_CASE("exercise 07: TcpServer closes connections idle longer than its idle timeout",
          "[.exercise][ex07]") {
  checkIdleTimeout<mymuduo::net::TcpServer>();
}
