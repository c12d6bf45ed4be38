// Flow control: stopRead() and startRead(). A server whose output to a peer backs up stops
// reading that peer, so the kernel's buffers fill and TCP slows the peer down, instead of the
// output buffer growing without end.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using namespace testutil;

TEST_CASE("an echo server that stops reading at 1 MiB of output echoes 64 MiB in bounded memory",
          "[ch07][s2][flowcontrol]") {
  constexpr size_t kTotal = 64 * 1024 * 1024;
  constexpr size_t kHighWater = 1024 * 1024;
  std::atomic<size_t> maxOutput{0};
  std::promise<void> stoppedOnce;
  std::atomic<bool> stopped{false};
  TestServer server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      conn->send(buf);
      size_t queued = conn->outputBuffer()->readableBytes();
      maxOutput = std::max(maxOutput.load(), queued);
      if (queued > kHighWater) {
        conn->stopRead();
        if (!stopped.exchange(true)) stoppedOnce.set_value();
      }
    });
    s.setWriteCompleteCallback([](const TcpConnectionPtr& conn) { conn->startRead(); });
  });
  int fd = connectTo(server.port());
  const std::string data = pattern(kTotal);
  std::promise<void> wroteAll;
  std::thread writer([&] {
    writeAll(fd, data);
    ::shutdown(fd, SHUT_WR);
    wroteAll.set_value();
  });
  // The client reads nothing until the server stops reading it or it has written everything:
  // without flow control the server reads all 64 MiB and queues them in its output buffer.
  auto stoppedFuture = stoppedOnce.get_future();
  auto wroteFuture = wroteAll.get_future();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (stoppedFuture.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready &&
         wroteFuture.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
  }
  std::string received = readUntilEof(fd, kTotal);
  writer.join();
  ::close(fd);
  CHECK(received.size() == kTotal);
  CHECK(received == data);
  // One read's worth past the mark at most: the input buffer grows by at most 64 KiB + what
  // it had, and each read's bytes are echoed before the check.
  CHECK(maxOutput <= kHighWater + 4 * 1024 * 1024);
}

TEST_CASE("a send that meets a reset while reading is stopped still closes the connection",
          "[ch07][s2][flowcontrol]") {
  // With reading off and nothing queued the fd has no interest left, so the poller reports
  // nothing for it, not even the hang-up: the failed send itself must close.
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  TcpConnectionPtr conn = events.last.lock();
  REQUIRE(conn);
  server.runSync([&] { conn->stopRead(); });
  struct linger reset = {1, 0};  // close() sends RST
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(fd);
  // Sends until one meets the reset; after that the connection is no longer kConnected.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (conn->connected() && std::chrono::steady_clock::now() < deadline) {
    server.runSync([&] { conn->send(std::string_view("x")); });
  }
  REQUIRE_FALSE(conn->connected());
  CHECK(events.waitDown());
}

TEST_CASE("startRead after the peer's EOF does not read the EOF again", "[ch07][s2][flowcontrol]") {
  // With a half-close callback the connection stops reading at the EOF and stays open for the
  // reply. Reading on again would report the EOF on every poll, and call back again each time.
  std::atomic<int> halfCloses{0};
  std::promise<TcpConnectionPtr> halfClosed;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->setHalfCloseCallback([&](const TcpConnectionPtr& c) {
        c->startRead();
        if (++halfCloses == 1) halfClosed.set_value(c);
      });
    });
  });
  int fd = connectTo(server.port());
  ::shutdown(fd, SHUT_WR);
  TcpConnectionPtr conn = halfClosed.get_future().get();
  server.settle();  // polls in between: an EOF read again would have called back by now
  server.settle();
  CHECK(halfCloses == 1);
  conn->send(std::string_view("reply"));
  conn->shutdown();
  CHECK(readUntilEof(fd) == "reply");
  ::close(fd);
}

TEST_CASE(
    "stopRead and startRead on a connection held after its server and loop are gone do nothing",
    "[ch07][s2][flowcontrol]") {
  // Like send(), shutdown() and forceClose(), they are safe from any thread at any time. The
  // loop's pages are unmapped when it ends, so a call that still used it would fault.
  UnmappedLoopThread runner;
  ConnectionEvents events;
  std::unique_ptr<TcpServer> server;
  runner.runSync([&] {
    server = std::make_unique<TcpServer>(runner.loop(), InetAddress(0, true), "t");
    server->setConnectionCallback(std::ref(events));
    server->start();
  });
  int fd = connectTo(server->listenAddress().port());
  REQUIRE(events.waitUp());
  TcpConnectionPtr conn = events.last.lock();
  REQUIRE(conn);
  runner.runSync([&] { server.reset(); });
  runner.stop();
  REQUIRE(conn->disconnected());
  conn->stopRead();
  conn->startRead();
  conn->send(std::string_view("late"));
  conn->shutdown();
  conn->forceClose();
  CHECK(conn->disconnected());
  CHECK(events.downs == 1);
  ::close(fd);
}
