// TcpConnection's receive and close paths and the single-loop TcpServer, over real loopback
// sockets. The server runs in a loop thread of its own; the test thread is a plain blocking
// client.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
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

/// Everything one connection delivered to the message callback, handed over when it goes
/// down.
struct Collector {
  std::string bytes;  // loop thread only until `done` is fulfilled
  std::promise<std::string> done;

  void install(TcpServer& s) {
    s.setConnectionCallback([this](const TcpConnectionPtr& conn) {
      if (!conn->connected()) done.set_value(bytes);
    });
    s.setMessageCallback([this](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      bytes += buf->retrieveAllAsString();
    });
  }
  std::string wait() {
    auto f = done.get_future();
    if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      throw std::runtime_error("the connection did not go down");
    }
    return f.get();
  }
};

}  // namespace

TEST_CASE("1 byte and 64 KB and 10 MB messages arrive whole and in order",
          "[ch06][s2][tcpconnection]") {
  for (size_t size : {size_t{1}, size_t{64 * 1024}, size_t{10 * 1024 * 1024}}) {
    INFO("message of " << size << " bytes");
    Collector collector;
    TestServer server([&](TcpServer& s) { collector.install(s); });
    const std::string message = pattern(size);
    int fd = connectTo(server.port());
    testutil::writeAll(fd, message);
    ::close(fd);
    std::string received = collector.wait();
    CHECK(received.size() == message.size());
    CHECK(received == message);
  }
}

TEST_CASE("bytes a message callback leaves in the buffer come back with the next data",
          "[ch06][s2][tcpconnection]") {
  std::mutex mutex;
  std::vector<std::string> lines;  // complete lines, guarded by mutex
  std::atomic<int> calls{0};
  TestServer server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      // Consume complete lines only; a partial line stays for the next call.
      while (const char* crlf = buf->findCRLF()) {
        std::lock_guard<std::mutex> lock(mutex);
        lines.push_back(std::string(buf->peek(), crlf));
        buf->retrieveUntil(crlf + 2);
      }
      ++calls;
    });
  });
  int fd = connectTo(server.port());
  int seen = 0;
  // One write at a time, each read by the server before the next: three separate reads.
  for (const char* piece : {"hel", "lo\r\nwor", "ld\r\n"}) {
    testutil::writeAll(fd, piece);
    REQUIRE(testutil::waitFor([&] { return calls > seen; }));
    seen = calls;
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(lines == std::vector<std::string>{"hello", "world"});
}

TEST_CASE("a connection gives its input buffer back after a read that leaves it empty",
          "[ch06][s2][tcpconnection]") {
  ConnectionEvents events;
  std::atomic<int> calls{0};
  std::atomic<size_t> capacityInCallback{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback(std::ref(events));
    s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      capacityInCallback = buf->internalCapacity();
      while (const char* crlf = buf->findCRLF()) buf->retrieveUntil(crlf + 2);
      ++calls;
    });
  });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  // Read in the loop thread, after the handleRead() that ran the callback has returned: a
  // task queued while the loop handles an event runs after that event's handler.
  auto capacityNow = [&] {
    size_t capacity = 0;
    server.runSync([&] { capacity = events.last.lock()->inputBuffer()->internalCapacity(); });
    return capacity;
  };
  CHECK(capacityNow() == 0);  // a connection that has read nothing holds no buffer

  int seen = 0;
  // Each piece is read on its own; the callback consumes complete lines only.
  for (auto [piece, keeps] :
       {std::pair{"ping\r\n", false}, std::pair{"hel", true}, std::pair{"lo\r\n", false}}) {
    INFO("after " << piece);
    testutil::writeAll(fd, piece);
    REQUIRE(testutil::waitFor([&] { return calls > seen; }));
    seen = calls;
    CHECK(capacityInCallback >= Buffer::kCheapPrepend + Buffer::kInitialSize);
    if (keeps) {
      CHECK(capacityNow() >= Buffer::kCheapPrepend + Buffer::kInitialSize);  // "hel" is in it
    } else {
      CHECK(capacityNow() == 0);
    }
  }
  ::close(fd);
  REQUIRE(events.waitDown());
}

TEST_CASE("connection callbacks fire once each and the connection dies after the last",
          "[ch06][s2][tcpconnection]") {
  ConnectionEvents events;
  std::atomic<bool> aliveInDownCallback{false};
  std::promise<void> gotPing;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) aliveInDownCallback = !events.last.expired();
      events(conn);
    });
    s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      if (buf->retrieveAllAsString() == "ping") gotPing.set_value();
    });
  });
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "ping");
  REQUIRE(gotPing.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  ::close(fd);
  REQUIRE(events.waitDown());
  server.settle();
  CHECK(events.ups == 1);
  CHECK(events.downs == 1);
  CHECK(aliveInDownCallback);
  CHECK(events.last.expired());
}

TEST_CASE("a peer reset ends the connection cleanly", "[ch06][s2][tcpconnection]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  testutil::writeAll(fd, "some bytes the server reads");
  struct linger lingerZero = {1, 0};  // close() now sends RST instead of FIN
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerZero, sizeof lingerZero) == 0);
  ::close(fd);
  REQUIRE(events.waitDown());
  server.settle();  // the queued connectDestroyed() has run
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
}

TEST_CASE("a peer reset is logged as a warning and not as an error", "[ch06][s2][tcpconnection]") {
  // In a child, whose output we capture: the server's log lines are what is under test.
  auto child = testutil::runInChild([] {
    mymuduo::Logger::setLogLevel(mymuduo::Logger::INFO);
    ConnectionEvents events;
    bool down = false;
    {
      TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
      int fd = connectTo(server.port());
      if (!events.waitUp()) ::_exit(2);
      testutil::writeAll(fd, "some bytes");
      struct linger lingerZero = {1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerZero, sizeof lingerZero);
      ::close(fd);  // sends RST
      down = events.waitDown();
    }
    ::_exit(down ? 0 : 3);
  });
  INFO(child.output);
  REQUIRE(WIFEXITED(child.status));
  REQUIRE(WEXITSTATUS(child.status) == 0);
  CHECK(child.output.find("Connection reset by peer") != std::string::npos);
  CHECK(child.output.find(" ERROR ") == std::string::npos);
}

TEST_CASE("destroying a TcpServer closes its live connections", "[ch06][s2][tcpserver]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  server.stop();
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
  CHECK(readUntilEof(fd).empty());  // the client sees EOF
  ::close(fd);
}

TEST_CASE("a DOWN callback that throws still lets the connection go", "[ch06][s2][tcpconnection]") {
  // The exception is logged and dropped, like any callback's, and the close goes on: the server
  // forgets the connection and its channel leaves the poller.
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      if (!conn->connected()) throw std::runtime_error("thrown by the DOWN callback");
    });
  });

  SECTION("the peer closes") {
    int fd = connectTo(server.port());
    REQUIRE(events.waitUp());
    ::close(fd);
    REQUIRE(events.waitDown());
    server.settle();
    CHECK(events.last.expired());  // the server let go of it: the close callback ran
  }

  SECTION("the server is destroyed") {
    int fd = connectTo(server.port());
    REQUIRE(events.waitUp());
    server.stop();  // ~Channel would abort on a channel still in the poller
    CHECK(events.downs == 1);
    CHECK(events.last.expired());
    ::close(fd);
  }
}

TEST_CASE("a start() queued from another thread that arrives after the server is gone does nothing",
          "[ch06][s2][tcpserver]") {
  // start() is safe from any thread: from another one it hops into the loop. Here the loop is
  // busy while start() is called, and the task ahead of the hop destroys the server.
  testutil::LoopInThread runner;
  std::unique_ptr<TcpServer> server;
  std::promise<void> created;
  runner.loop()->runInLoop([&] {
    server = std::make_unique<TcpServer>(runner.loop(), mymuduo::net::InetAddress(0, true), "t");
    created.set_value();
  });
  created.get_future().wait();
  std::promise<void> startCalled;
  std::promise<void> destroyed;
  runner.loop()->queueInLoop([&] {
    startCalled.get_future().wait();  // the loop is held here while start() is queued
    server.reset();
    destroyed.set_value();
  });
  server->start();
  startCalled.set_value();
  destroyed.get_future().wait();
  std::promise<void> after;  // runs after the queued start(): it touched no freed server
  runner.loop()->queueInLoop([&] { after.set_value(); });
  CHECK(after.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
}
