// The send side of TcpConnection over real loopback sockets: send() from any thread, the
// output buffer, write-complete and high-water-mark callbacks, shutdown() and forceClose().
// The server runs in a loop thread of its own; the test thread is a plain blocking client.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::ConnectionEvents;
using testutil::connectTo;
using testutil::echo;
using testutil::pattern;
using testutil::readUntilEof;
using testutil::serverFdOf;
using testutil::TestServer;

namespace {

constexpr size_t kLarge = 16 * 1024 * 1024;  // far more than loopback socket buffers hold

/// Waits until the kernel has seen the peer's reset on fd (POLLERR), for at most 5 s.
bool waitForReset(int fd) {
  struct pollfd pfd = {fd, 0, 0};  // POLLERR and POLLHUP are reported without asking
  return ::poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLERR) != 0;
}

/// close() that sends RST instead of FIN.
void resetAndClose(int fd) {
  struct linger lingerZero = {1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerZero, sizeof lingerZero);
  ::close(fd);
}

/// In a child with SIGPIPE at its default action and the log captured: runs body(server, fd,
/// conn) against a server whose connections report to the returned output. body returns
/// false on a failure it has printed. The child exits 0 once the connection went down.
testutil::ChildResult runWithDefaultSigpipe(
    const std::function<bool(TestServer&, int, const TcpConnectionPtr&)>& body) {
  return testutil::runInChild([&] {
    mymuduo::Logger::setLogLevel(mymuduo::Logger::INFO);
    bool ok = false;
    try {
      ConnectionEvents events;
      TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
      // After the server's first socket, which set SIGPIPE to be ignored.
      ::signal(SIGPIPE, SIG_DFL);
      int fd = connectTo(server.port());
      if (events.waitUp()) {
        TcpConnectionPtr conn = events.last.lock();
        ok = body(server, fd, conn) && events.waitDown();
      }
    } catch (const std::exception& e) {
      std::printf("exception: %s\n", e.what());
    }
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  });
}

}  // namespace

TEST_CASE("echo of 1 byte and 64 KB and 10 MB messages keeps every byte", "[ch07][s1][sending]") {
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
          "[ch07][s1][sending]") {
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

TEST_CASE("writing to a peer that has gone does not kill the process", "[ch07][s1][sending]") {
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

TEST_CASE("a half-closed client still receives the whole reply", "[ch07][s1][sending]") {
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

TEST_CASE("shutdown() sends the queued output first", "[ch07][s1][sending]") {
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

TEST_CASE("forceClose() closes at once and drops queued output", "[ch07][s1][sending]") {
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
          "[ch07][s1][sending]") {
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

TEST_CASE("a peer reset during a large write ends the connection cleanly", "[ch07][s1][sending]") {
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
          "[ch07][s1][sending]") {
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

TEST_CASE("forceClose() from other threads while the peer closes reports DOWN once",
          "[ch07][s1][sending]") {
  // forceClose() used to check the state and then store kDisconnecting: a store that lands
  // just after the loop's handleClose() revived the connection for a queued forceCloseInLoop().
  for (int i = 0; i < 200; ++i) {
    INFO("connection " << i);
    ConnectionEvents events;
    TestServer server([&](TcpServer& s) { s.setConnectionCallback(std::ref(events)); });
    int fd = connectTo(server.port());
    REQUIRE(events.waitUp());
    TcpConnectionPtr conn = events.last.lock();
    std::atomic<bool> stop{false};
    auto hammer = [&] {
      while (!stop) conn->forceClose();
    };
    std::thread closer1(hammer);
    std::thread closer2(hammer);
    ::close(fd);
    REQUIRE(events.waitDown());
    stop = true;
    closer1.join();
    closer2.join();
    conn.reset();
    server.settle();  // every queued forceCloseInLoop() has run
    REQUIRE(events.downs == 1);
    REQUIRE(events.last.expired());
  }
}

TEST_CASE("a reset peer kills no process whose SIGPIPE is at its default action",
          "[ch07][s1][sending]") {
  SECTION("output queued when the reset arrives: the loop's error callback ends it") {
    auto child = runWithDefaultSigpipe([](TestServer&, int fd, const TcpConnectionPtr& conn) {
      conn->send(pattern(kLarge));
      readUntilEof(fd, 64 * 1024);
      resetAndClose(fd);
      return true;
    });
    INFO(child.output);
    REQUIRE_FALSE(WIFSIGNALED(child.status));
    CHECK(WEXITSTATUS(child.status) == 0);
    CHECK(child.output.find("handleError") != std::string::npos);
    CHECK(child.output.find(" ERROR ") == std::string::npos);
  }
  SECTION("output queued and the reset's error already taken: handleWrite() finds the peer gone") {
    auto child =
        runWithDefaultSigpipe([](TestServer& server, int fd, const TcpConnectionPtr& conn) {
          bool ok = false;
          server.runSync([&] {
            int serverFd = serverFdOf(conn);
            conn->send(pattern(kLarge));  // more than the socket takes: the rest is queued
            resetAndClose(fd);
            ok = waitForReset(serverFd);
            // Taking SO_ERROR leaves a socket on which the next send() fails with EPIPE, the
            // error that raises SIGPIPE: what a reset arriving while the loop runs can leave.
            int err = 0;
            socklen_t len = sizeof err;
            ok = ok && ::getsockopt(serverFd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                 err == ECONNRESET;
          });
          return ok;
        });
    INFO(child.output);
    REQUIRE_FALSE(WIFSIGNALED(child.status));
    CHECK(WEXITSTATUS(child.status) == 0);
    CHECK(child.output.find("handleWrite") != std::string::npos);
    CHECK(child.output.find(" ERROR ") == std::string::npos);
  }
  SECTION("nothing queued: send() writes directly and finds the peer gone") {
    auto child =
        runWithDefaultSigpipe([](TestServer& server, int fd, const TcpConnectionPtr& conn) {
          bool ok = false;
          // In the loop thread, so the loop sees neither the FIN nor the reset before us.
          server.runSync([&] {
            int serverFd = serverFdOf(conn);  // while it still has a peer to match
            ::close(fd);
            conn->send("the peer has closed: its kernel answers this with a reset");
            ok = waitForReset(serverFd);
            conn->send("this write fails with EPIPE");
          });
          return ok;
        });
    INFO(child.output);
    REQUIRE_FALSE(WIFSIGNALED(child.status));
    CHECK(WEXITSTATUS(child.status) == 0);
    CHECK(child.output.find("sendInLoop") != std::string::npos);
    CHECK(child.output.find(" ERROR ") == std::string::npos);
  }
}

TEST_CASE("shutdown() after the peer reset logs no error", "[ch07][s1][sending]") {
  auto child = runWithDefaultSigpipe([](TestServer& server, int fd, const TcpConnectionPtr& conn) {
    bool ok = false;
    server.runSync([&] {
      int serverFd = serverFdOf(conn);  // while it still has a peer to match
      resetAndClose(fd);
      ok = waitForReset(serverFd);
      conn->shutdown();  // shutdown(2) fails with ENOTCONN
    });
    return ok;
  });
  INFO(child.output);
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 0);
  CHECK(child.output.find("shutdownWrite") != std::string::npos);
  CHECK(child.output.find(" ERROR ") == std::string::npos);
}

TEST_CASE("by default a reply sent after the peer half-closed is dropped", "[ch07][s1][sending]") {
  ConnectionEvents events;
  std::promise<bool> lateReply;  // whether the connection was still up when it was sent
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback(std::ref(events));
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      conn->getLoop()->runAfter(0.05, [&lateReply, conn] {
        bool connected = conn->connected();
        conn->send("late reply");
        conn->shutdown();
        lateReply.set_value(connected);
      });
    });
  });
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "request");
  ::shutdown(fd, SHUT_WR);
  CHECK(readUntilEof(fd).empty());
  ::close(fd);
  auto sent = lateReply.get_future();
  REQUIRE(sent.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  CHECK_FALSE(sent.get());
  REQUIRE(events.waitDown());
  server.settle();
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
}

TEST_CASE("with a half-close callback a late reply reaches the half-closed peer",
          "[ch07][s1][sending]") {
  ConnectionEvents events;
  std::atomic<int> halfCloses{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      if (!conn->connected()) return;
      conn->setHalfCloseCallback([&](const TcpConnectionPtr& c) {
        ++halfCloses;
        // The reply is produced later, after the peer's EOF; shutdown() ends the connection.
        c->getLoop()->runAfter(0.05, [c] {
          c->send("late reply");
          c->shutdown();
        });
      });
    });
    s.setMessageCallback(
        [](const TcpConnectionPtr&, Buffer* buf, Timestamp) { buf->retrieveAll(); });
  });
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "request");
  ::shutdown(fd, SHUT_WR);
  CHECK(readUntilEof(fd) == "late reply");
  ::close(fd);
  REQUIRE(events.waitDown());
  server.settle();
  CHECK(halfCloses == 1);
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
}

TEST_CASE("a peer reset is no half-close: the connection goes down at once",
          "[ch07][s1][sending]") {
  ConnectionEvents events;
  std::atomic<int> halfCloses{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      // A server that answers after the peer's EOF: a reset must not look like one.
      if (conn->connected())
        conn->setHalfCloseCallback([&](const TcpConnectionPtr&) { ++halfCloses; });
    });
    s.setMessageCallback(
        [](const TcpConnectionPtr&, Buffer* buf, Timestamp) { buf->retrieveAll(); });
  });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  struct linger lingerZero = {1, 0};  // close() now sends RST instead of FIN
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerZero, sizeof lingerZero) == 0);
  ::close(fd);
  REQUIRE(events.waitDown());
  server.settle();
  CHECK(halfCloses == 0);
  CHECK(events.downs == 1);
  CHECK(events.last.expired());
}

TEST_CASE("the write-complete callback fires once per drained reply and in the loop thread",
          "[ch07][s1][sending]") {
  std::atomic<int> completions{0};
  std::atomic<int> early{0};  // calls with output still queued or from another thread
  TestServer server([&](TcpServer& s) {
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      conn->send(pattern(kLarge));  // far more than one write takes
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->getLoop()->isInLoopThread() || conn->outputBuffer()->readableBytes() != 0) {
        ++early;
      }
      ++completions;
    });
  });
  int fd = connectTo(server.port());
  for (int round = 1; round <= 2; ++round) {
    testutil::writeAll(fd, "go");
    CHECK(readUntilEof(fd, kLarge) == pattern(kLarge));
    REQUIRE(testutil::waitFor([&] { return completions >= round; }));
  }
  server.settle();
  ::close(fd);
  CHECK(completions == 2);
  CHECK(early == 0);
}

TEST_CASE("a send() queued from another thread keeps its connection alive until it runs",
          "[ch07][s1][sending]") {
  // A TcpServer of our own: the loop thread destroys it while the send() is queued.
  testutil::LoopInThread runner;
  ConnectionEvents events;
  std::unique_ptr<TcpServer> server;
  std::promise<uint16_t> port;
  runner.loop()->runInLoop([&] {
    server = std::make_unique<TcpServer>(runner.loop(), mymuduo::net::InetAddress(0, true), "t");
    server->setConnectionCallback(std::ref(events));
    server->start();
    port.set_value(server->listenAddress().port());
  });
  int fd = connectTo(port.get_future().get());
  REQUIRE(events.waitUp());

  std::promise<void> sendQueued;
  std::promise<bool> aliveAfterServerGone;
  runner.loop()->queueInLoop([&] {
    sendQueued.get_future().wait();
    server.reset();  // drops the server's reference; ours is gone too
    aliveAfterServerGone.set_value(!events.last.expired());
  });
  {
    TcpConnectionPtr conn = events.last.lock();
    REQUIRE(conn);
    conn->send("queued behind the loop's current task");
  }
  sendQueued.set_value();
  // Only the queued send holds the connection now; it must, or it runs on a dead object.
  CHECK(aliveAfterServerGone.get_future().get());
  CHECK(readUntilEof(fd).empty());  // the connection was closed before the send ran
  ::close(fd);
  std::promise<bool> expired;
  runner.loop()->queueInLoop([&] { expired.set_value(events.last.expired()); });
  CHECK(expired.get_future().get());
  CHECK(events.downs == 1);
}

TEST_CASE("after a large reply drains the loop sleeps and the connection still works",
          "[ch07][s1][sending]") {
  TestServer server([](TcpServer& s) {
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      std::string request = buf->retrieveAllAsString();
      conn->send(request == "big" ? pattern(kLarge) : request);
    });
  });
  int tid = 0;
  server.runSync([&] { tid = mymuduo::CurrentThread::tid(); });
  auto iteration = [&] {
    int64_t n = 0;
    server.runSync([&] { n = server.loop()->iteration(); });
    return n;
  };
  int fd = connectTo(server.port());
  testutil::writeAll(fd, "big");
  CHECK(readUntilEof(fd, kLarge) == pattern(kLarge));
  // Writing must be off again: a loop still asking for POLLOUT wakes at once, forever.
  REQUIRE(testutil::waitUntilSleeping(tid));
  int64_t before = iteration();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(iteration() - before <= 4);  // the two runSync() calls, not a spinning loop
  testutil::writeAll(fd, "ping");
  CHECK(readUntilEof(fd, 4) == "ping");
  ::close(fd);
}

TEST_CASE("a connection gives its output buffer back once the queued output drains",
          "[ch07][s1][sending]") {
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback(std::ref(events));
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      std::string request = buf->retrieveAllAsString();
      conn->send(request == "big" ? pattern(kLarge) : request);
    });
  });
  int fd = connectTo(server.port());
  REQUIRE(events.waitUp());
  // Read in the loop thread: a task queued while handleWrite() runs runs after it returns.
  auto outputCapacity = [&] {
    size_t capacity = 0;
    server.runSync([&] { capacity = events.last.lock()->outputBuffer()->internalCapacity(); });
    return capacity;
  };
  testutil::writeAll(fd, "ping");
  CHECK(readUntilEof(fd, 4) == "ping");
  CHECK(outputCapacity() == 0);  // written directly: the output buffer was never needed

  testutil::writeAll(fd, "big");
  CHECK(readUntilEof(fd, kLarge) == pattern(kLarge));
  CHECK(outputCapacity() == 0);  // it held most of 16 MiB, and drained

  testutil::writeAll(fd, "pong");
  CHECK(readUntilEof(fd, 4) == "pong");
  ::close(fd);
  REQUIRE(events.waitDown());
}

TEST_CASE("send() from another thread wakes the sleeping loop at once", "[ch07][s1][sending]") {
  std::promise<TcpConnectionPtr> connected;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) connected.set_value(conn);
    });
  });
  int tid = 0;
  server.runSync([&] { tid = mymuduo::CurrentThread::tid(); });
  int fd = connectTo(server.port());
  TcpConnectionPtr conn = connected.get_future().get();
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 20; ++i) {
    REQUIRE(testutil::waitUntilSleeping(tid));  // blocked in poll, with a 10 s timeout
    auto start = std::chrono::steady_clock::now();
    conn->send("x");
    REQUIRE(readUntilEof(fd, 1, std::chrono::seconds(2)) == "x");
    slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
  }
  CHECK(slowest < std::chrono::milliseconds(500));
  conn->forceClose();
  conn.reset();
  ::close(fd);
}

TEST_CASE("send() from another thread racing the end of the server and its loop touches neither",
          "[ch07][s1][sending]") {
  // send(Buffer*) from another thread checks that the connection is up, copies the buffer, then
  // hands the copy to the loop. Copying 128 MiB takes long enough for the server and its loop
  // to be destroyed meanwhile: the hand-off must then find the connection down and leave the
  // loop alone. The loop's pages are unmapped, so a touch would fault in every build.
  testutil::UnmappedLoopThread runner;
  ConnectionEvents events;
  std::unique_ptr<TcpServer> server;
  runner.runSync([&] {
    server = std::make_unique<TcpServer>(runner.loop(), mymuduo::net::InetAddress(0, true), "t");
    server->setConnectionCallback(std::ref(events));
    server->start();
  });
  int fd = connectTo(server->listenAddress().port());
  REQUIRE(events.waitUp());
  TcpConnectionPtr conn = events.last.lock();
  REQUIRE(conn);

  Buffer big;
  big.append(std::string(128 * 1024 * 1024, 'x'));
  std::atomic<bool> sending{false};
  std::thread sender([&] {
    sending = true;
    conn->send(&big);
  });
  while (!sending) std::this_thread::yield();
  runner.runSync([&] { server.reset(); });  // the connection goes DOWN in the loop thread
  runner.stop();                            // and the loop is gone
  sender.join();
  CHECK(conn->disconnected());
  CHECK(events.downs == 1);
  ::close(fd);
}

TEST_CASE("a write-complete or high-water callback queued before DOWN does not run after it",
          "[ch07][s1][sending]") {
  // Both callbacks are queued, so that they never run inside send(). Here the connection goes
  // down before they run: the server is destroyed in the same task that sent.
  testutil::LoopInThread runner;
  std::vector<std::string> seen;  // loop thread only
  std::unique_ptr<TcpServer> server;
  std::promise<uint16_t> port;
  std::promise<TcpConnectionPtr> up;
  runner.loop()->runInLoop([&] {
    server = std::make_unique<TcpServer>(runner.loop(), mymuduo::net::InetAddress(0, true), "t");
    server->setConnectionCallback([&](const TcpConnectionPtr& conn) {
      seen.push_back(conn->connected() ? "up" : "down");
      if (conn->connected()) {
        conn->setHighWaterMarkCallback(
            [&](const TcpConnectionPtr&, size_t) { seen.push_back("high-water"); }, 1024);
        up.set_value(conn);
      }
    });
    server->setWriteCompleteCallback([&](const TcpConnectionPtr&) { seen.push_back("complete"); });
    server->start();
    port.set_value(server->listenAddress().port());
  });
  int fd = connectTo(port.get_future().get());
  TcpConnectionPtr conn = up.get_future().get();
  std::promise<void> done;
  runner.loop()->queueInLoop([&] {
    conn->send("short");          // written at once: its write-complete is queued
    conn->send(pattern(kLarge));  // queued far past the mark: the high-water callback too
    server.reset();               // DOWN, now
    runner.loop()->queueInLoop([&] { done.set_value(); });
  });
  done.get_future().wait();
  std::promise<std::vector<std::string>> result;
  runner.loop()->runInLoop([&] { result.set_value(seen); });
  CHECK(result.get_future().get() == std::vector<std::string>{"up", "down"});
  ::close(fd);
}
