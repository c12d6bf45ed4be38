// The send side of TcpConnection over real loopback sockets: send() from any thread, the
// output buffer, write-complete and high-water-mark callbacks, shutdown() and forceClose().
// The server runs in a loop thread of its own; the test thread is a plain blocking client.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::ConnectionEvents;
using testutil::connectTo;
using testutil::pattern;
using testutil::readUntilEof;
using testutil::TestServer;

namespace {

constexpr size_t kLarge = 16 * 1024 * 1024;  // far more than loopback socket buffers hold

void echo(const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); }

}  // namespace

TEST_CASE("echo of 1 byte and 64 KB and 10 MB messages keeps every byte", "[ch07][sending]") {
  TestServer server([](TcpServer& s) { s.setMessageCallback(echo); });
  for (size_t size : {size_t{1}, size_t{64 * 1024}, size_t{10 * 1024 * 1024}}) {
    INFO("message of " << size << " bytes");
    const std::string message = pattern(size);
    int fd = connectTo(server.port());
    // Write from another thread while this one reads: neither side's buffers can hold 10 MB.
    std::thread writer([&] {
      testutil::writeAll(fd, message);
      ::shutdown(fd, SHUT_WR);
    });
    std::string received = readUntilEof(fd);
    writer.join();
    ::close(fd);
    CHECK(received.size() == message.size());
    CHECK(received == message);
  }
}

TEST_CASE("send() of a temporary string from another thread delivers the exact bytes",
          "[ch07][sending]") {
  std::promise<TcpConnectionPtr> connected;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) connected.set_value(conn);
    });
  });
  int fd = connectTo(server.port());
  TcpConnectionPtr conn = connected.get_future().get();

  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string line = std::to_string(i) + ":" + std::string(1000, static_cast<char>('a' + i % 26));
    expected += line;
    // The temporary dies as soon as send() returns; the loop thread writes later.
    conn->send(std::string(line));
  }
  conn->shutdown();
  conn.reset();
  CHECK(readUntilEof(fd) == expected);
  ::close(fd);
}

TEST_CASE("writing to a peer that has gone does not kill the process", "[ch07][sending]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback(std::ref(events));
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      // Far more than the socket buffers hold: the rest is written as the peer reads, but
      // the peer has closed, so a later write fails with EPIPE (SIGPIPE, were it not ignored).
      for (int i = 0; i < 16; ++i) conn->send(pattern(1024 * 1024));
    });
  });
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "go");
  ::close(fd);
  REQUIRE(events.waitDown());
  CHECK(events.ups == 1);
  CHECK(events.downs == 1);
}

TEST_CASE("a half-closed client still receives the whole reply", "[ch07][sending]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback(std::ref(events));
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      conn->send(pattern(kLarge));
    });
  });
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "request");
  ::shutdown(fd, SHUT_WR);  // our EOF reaches the server while its reply is still queued
  std::string reply = readUntilEof(fd);
  ::close(fd);
  CHECK(reply.size() == kLarge);
  CHECK(reply == pattern(kLarge));
  REQUIRE(events.waitDown());  // and then the server closed
}

TEST_CASE("shutdown() sends the queued output first", "[ch07][sending]") {
  TestServer server([](TcpServer& s) {
    s.setConnectionCallback([](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        conn->send(pattern(kLarge));
        conn->shutdown();
      }
    });
  });
  int fd = connectTo(server.port());
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() == kLarge);
  CHECK(received == pattern(kLarge));
}

TEST_CASE("forceClose() closes at once and drops queued output", "[ch07][sending]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      if (conn->connected()) {
        conn->send(pattern(kLarge));
        conn->forceClose();
      }
    });
  });
  int fd = connectTo(server.port());
  REQUIRE(events.waitDown());
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() < kLarge);
  CHECK(events.downs == 1);
}

TEST_CASE("the high-water mark callback fires once when queued output crosses it",
          "[ch07][sending]") {
  std::atomic<int> calls{0};
  std::atomic<size_t> reported{0};
  std::promise<void> allQueued;
  constexpr size_t kMark = 1024 * 1024;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->setHighWaterMarkCallback(
          [&](const TcpConnectionPtr&, size_t queued) {
            ++calls;
            reported = queued;
          },
          kMark);
      for (int i = 0; i < 16; ++i) conn->send(pattern(kMark));
      conn->getLoop()->queueInLoop([&] { allQueued.set_value(); });  // after the callback
      conn->shutdown();
    });
  });
  int fd = connectTo(server.port());
  allQueued.get_future().wait();  // we have read nothing yet: most of it is queued
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() == 16 * kMark);
  CHECK(calls == 1);
  CHECK(reported >= kMark);
}

TEST_CASE("a peer reset during a large write ends the connection cleanly",
          "[ch07][sending]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      if (conn->connected()) conn->send(pattern(kLarge));
    });
  });
  int fd = connectTo(server.port());
  CHECK(readUntilEof(fd, 64 * 1024).size() == 64 * 1024);
  struct linger lingerZero = {1, 0};  // close() now sends RST instead of FIN
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerZero, sizeof lingerZero) == 0);
  ::close(fd);
  REQUIRE(events.waitDown());
  server.settle();  // the queued connectDestroyed() has run
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
}

TEST_CASE("a connection force-closed right before quit() is torn down before loop() returns",
          "[ch07][sending]") {
  mymuduo::net::EventLoop loop;  // in the test thread: loop() returns here
  TcpServer server(&loop, mymuduo::net::InetAddress(0, true), "quitting");
  std::weak_ptr<mymuduo::net::TcpConnection> seen;
  server.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    buf->retrieveAll();
    seen = conn;
    // forceClose() queues the close; the close queues connectDestroyed(): two more rounds
    // of functors, both after quit().
    conn->forceClose();
    loop.quit();
  });
  server.start();
  int fd = connectTo(server.listenAddress().port());
  testutil::writeAll(fd, "x");
  loop.loop();
  CHECK(seen.expired());  // connectDestroyed() ran and dropped the last reference
  struct pollfd pfd = {fd, POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 5000) == 1);  // the server's socket is closed already
  char c;
  CHECK(::read(fd, &c, 1) == 0);  // EOF
  ::close(fd);
}
