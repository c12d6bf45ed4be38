// The main/sub Reactor: a TcpServer whose connections live in IO loops of their own (the
// EventLoopThread and EventLoopThreadPool under it have test files of their own). Servers run in
// a loop thread of their own (the main loop); clients are plain blocking sockets driven by the
// test thread or a few threads.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::Logger;
using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::connectTo;
using testutil::countOpenFds;
using testutil::echo;
using testutil::readUntilEof;
using testutil::TestServer;
using testutil::waitFor;
using testutil::writeAll;
namespace CurrentThread = mymuduo::CurrentThread;

namespace {

constexpr int kIoLoops = 4;

/// Remembers each IO loop and its thread, in the order the pool created them; install it
/// as the thread init callback, which runs in each IO thread.
class IoLoops {
 public:
  void operator()(EventLoop* loop) {
    std::lock_guard<std::mutex> lock(mutex_);
    order_.push_back(loop);
    tids_[loop] = CurrentThread::tid();
  }
  std::vector<EventLoop*> order() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return order_;
  }
  int tidOf(EventLoop* loop) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tids_.find(loop);
    return it == tids_.end() ? -1 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<EventLoop*> order_;
  std::map<EventLoop*, int> tids_;
};

/// Counts ups and downs per connection name; shared by the IO threads, hence the lock.
class UpDownCounter {
 public:
  void operator()(const TcpConnectionPtr& conn) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (conn->connected()) {
      ++ups_;
      conns_.push_back(conn);
    } else {
      ++downs_;
      ++downsByName_[conn->name()];
    }
  }
  int ups() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ups_;
  }
  int downs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return downs_;
  }
  /// How many connections went down exactly once; with downs() == n, all n went down once.
  int downOnce() const {
    std::lock_guard<std::mutex> lock(mutex_);
    int once = 0;
    for (const auto& item : downsByName_) once += item.second == 1 ? 1 : 0;
    return once;
  }
  /// The connections that came up, held; release them with the result.
  std::vector<TcpConnectionPtr> takeConnections() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(conns_);
  }

 private:
  mutable std::mutex mutex_;
  int ups_ = 0;
  int downs_ = 0;
  std::map<std::string, int> downsByName_;
  std::vector<TcpConnectionPtr> conns_;
};

/// Lowers the log level for a test whose peers reset on purpose, and restores it.
class QuietLog {
 public:
  QuietLog() : saved_(Logger::logLevel()) { Logger::setLogLevel(Logger::ERROR); }
  ~QuietLog() { Logger::setLogLevel(saved_); }

 private:
  Logger::LogLevel saved_;
};

const char* optionName(TcpServer::Option option) {
  return option == TcpServer::kListenPerLoop ? "kListenPerLoop" : "kNoReusePort";
}

std::vector<int> connectMany(uint16_t port, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(connectTo(port));
  return fds;
}

}  // namespace

TEST_CASE("connections are spread round robin and every callback runs in the IO loop's thread",
          "[ch08][s3][threadpool]") {
  constexpr int kConns = 8;
  IoLoops ioLoops;
  std::atomic<int> wrongThread{0};
  std::atomic<int> messages{0};
  std::atomic<int> writeCompletes{0};
  std::mutex mutex;
  std::map<int, EventLoop*> loopById;  // connection id (the #N in its name) -> its loop
  int ups = 0;
  int downs = 0;
  auto checkThread = [&](const TcpConnectionPtr& conn) {
    if (ioLoops.tidOf(conn->getLoop()) != CurrentThread::tid()) ++wrongThread;
  };
  TestServer server([&](TcpServer& s) {
    s.setThreadNum(kIoLoops);
    s.setThreadInitCallback(std::ref(ioLoops));
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      checkThread(conn);
      std::lock_guard<std::mutex> lock(mutex);
      if (conn->connected()) {
        ++ups;
        int id = std::stoi(conn->name().substr(conn->name().rfind('#') + 1));
        loopById[id] = conn->getLoop();
      } else {
        ++downs;
      }
    });
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp t) {
      checkThread(conn);
      ++messages;
      echo(conn, buf, t);
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      checkThread(conn);
      ++writeCompletes;
    });
  });
  std::vector<EventLoop*> order = ioLoops.order();
  REQUIRE(order.size() == kIoLoops);

  // One at a time: the kernel queues the handshakes in this order, and accept takes them so.
  std::vector<int> fds = connectMany(server.port(), kConns);
  for (int i = 0; i < kConns; ++i) {
    std::string hello = "hello " + std::to_string(i);
    writeAll(fds[static_cast<size_t>(i)], hello);
    CHECK(readUntilEof(fds[static_cast<size_t>(i)], hello.size()) == hello);
  }
  for (int fd : fds) ::close(fd);
  REQUIRE(waitFor([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return downs == kConns;
  }));
  server.stop();  // joins the IO threads: every callback has returned

  CHECK(ups == kConns);
  CHECK(wrongThread == 0);
  CHECK(messages >= kConns);
  CHECK(writeCompletes >= kConns);
  REQUIRE(loopById.size() == kConns);
  std::map<EventLoop*, int> perLoop;
  for (const auto& [id, loop] : loopById) {
    INFO("connection #" << id);
    CHECK(loop == order[static_cast<size_t>(id - 1) % kIoLoops]);
    CHECK(loop != server.loop());
    ++perLoop[loop];
  }
  for (EventLoop* loop : order) CHECK(perLoop[loop] == kConns / kIoLoops);
}

TEST_CASE(
    "with kListenPerLoop every IO loop accepts and serves its connections while the main "
    "loop is busy",
    "[ch08][s3][threadpool]") {
  constexpr int kConns = 64;
  IoLoops ioLoops;
  std::atomic<int> wrongThread{0};
  std::mutex mutex;
  std::map<EventLoop*, int> perLoop;  // all three guarded by mutex: written in the IO threads
  std::vector<std::weak_ptr<mymuduo::net::TcpConnection>> watched;
  int downs = 0;
  TestServer server(
      [&](TcpServer& s) {
        s.setThreadNum(kIoLoops);
        s.setThreadInitCallback(std::ref(ioLoops));
        s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
          if (ioLoops.tidOf(conn->getLoop()) != CurrentThread::tid()) ++wrongThread;
          std::lock_guard<std::mutex> lock(mutex);
          if (conn->connected()) {
            ++perLoop[conn->getLoop()];
            watched.push_back(conn);
          } else {
            ++downs;
          }
        });
        s.setMessageCallback(echo);
      },
      InetAddress(0, true), TcpServer::kListenPerLoop);
  std::vector<EventLoop*> order = ioLoops.order();
  REQUIRE(order.size() == kIoLoops);

  // The main loop is stuck in a task until the end: nothing here may need it. The connections
  // are accepted, served, closed and destroyed in their IO loops alone.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.loop()->queueInLoop([released] { released.wait(); });
  std::vector<int> fds = connectMany(server.port(), kConns);
  for (int i = 0; i < kConns; ++i) {
    std::string hello = "hello " + std::to_string(i);
    writeAll(fds[static_cast<size_t>(i)], hello);
    CHECK(readUntilEof(fds[static_cast<size_t>(i)], hello.size()) == hello);
  }
  for (int fd : fds) ::close(fd);
  bool allGone = waitFor([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return downs == kConns &&
           std::all_of(watched.begin(), watched.end(), [](const auto& w) { return w.expired(); });
  });
  release.set_value();
  server.stop();
  CHECK(allGone);
  CHECK(wrongThread == 0);
  // The kernel spreads connections over the listening sockets by a hash of the addresses:
  // with 64 connections, a loop left without one would happen about once in 10^8 runs.
  CHECK(perLoop.count(server.loop()) == 0);
  for (EventLoop* loop : order) CHECK(perLoop[loop] > 0);
}

TEST_CASE("kListenPerLoop without IO threads serves in the server's loop",
          "[ch08][s3][threadpool]") {
  std::atomic<EventLoop*> connLoop{nullptr};
  TestServer server(
      [&](TcpServer& s) {
        s.setConnectionCallback([&](const TcpConnectionPtr& conn) { connLoop = conn->getLoop(); });
        s.setMessageCallback(echo);
      },
      InetAddress(0, true), TcpServer::kListenPerLoop);
  int fd = connectTo(server.port());
  writeAll(fd, "ping");
  CHECK(readUntilEof(fd, 4) == "ping");
  ::close(fd);
  server.stop();
  CHECK(connLoop.load() == server.loop());
}

TEST_CASE("a TcpServer destroyed with 100 open connections on 4 IO loops closes each once",
          "[ch08][s3][threadpool]") {
  const TcpServer::Option option = GENERATE(TcpServer::kNoReusePort, TcpServer::kListenPerLoop);
  INFO(optionName(option));
  constexpr int kConns = 100;
  int fdsBefore = countOpenFds();
  {
    UpDownCounter counter;
    auto server = std::make_unique<TestServer>(
        [&](TcpServer& s) {
          s.setThreadNum(kIoLoops);
          s.setConnectionCallback(std::ref(counter));
        },
        InetAddress(0, true), option);
    std::vector<int> fds = connectMany(server->port(), kConns);
    REQUIRE(waitFor([&] { return counter.ups() == kConns; }));
    counter.takeConnections();  // hold none: the server's map must be the last owner

    server->stop();  // ~TcpServer in its loop thread; it returns after the IO threads joined
    CHECK(counter.downs() == kConns);
    CHECK(counter.downOnce() == kConns);
    for (int fd : fds) {
      CHECK(readUntilEof(fd, SIZE_MAX, std::chrono::seconds(5)).empty());  // EOF
      ::close(fd);
    }
  }
  CHECK(countOpenFds() == fdsBefore);
}

TEST_CASE("a TcpServer destroyed while its peers close reports each DOWN once",
          "[ch08][s3][threadpool]") {
  const TcpServer::Option option = GENERATE(TcpServer::kNoReusePort, TcpServer::kListenPerLoop);
  INFO(optionName(option));
  // Closes reach the main loop from the IO loops while ~TcpServer runs there: the hops that
  // arrive after it must leave the dead server alone. With kListenPerLoop they race the
  // destructor's task in each IO loop instead.
  constexpr int kConns = 100;
  int fdsBefore = countOpenFds();
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    UpDownCounter counter;
    auto server = std::make_unique<TestServer>(
        [&](TcpServer& s) {
          s.setThreadNum(kIoLoops);
          s.setConnectionCallback(std::ref(counter));
        },
        InetAddress(0, true), option);
    std::vector<int> fds = connectMany(server->port(), kConns);
    REQUIRE(waitFor([&] { return counter.ups() == kConns; }));
    counter.takeConnections();
    for (int fd : fds) ::close(fd);
    server->stop();
    CHECK(counter.downs() == kConns);
    CHECK(counter.downOnce() == kConns);
  }
  CHECK(countOpenFds() == fdsBefore);
}

TEST_CASE("200 clients with 100 messages each on 4 IO loops get every byte back in order",
          "[ch08][s3][threadpool]") {
  const TcpServer::Option option = GENERATE(TcpServer::kNoReusePort, TcpServer::kListenPerLoop);
  INFO(optionName(option));
  constexpr int kClients = 200;
  constexpr int kMessages = 100;
  constexpr int kClientThreads = 4;
  TestServer server(
      [](TcpServer& s) {
        s.setThreadNum(kIoLoops);
        s.setMessageCallback(echo);
      },
      InetAddress(0, true), option);
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&, t] {
      try {
        std::vector<int> fds = connectMany(server.port(), kClients / kClientThreads);
        // Every client has a message in flight at once, so the IO loops all work together;
        // the sizes differ, so the stream boundaries do not line up with the messages.
        for (int m = 0; m < kMessages; ++m) {
          std::vector<std::string> sent;
          for (size_t c = 0; c < fds.size(); ++c) {
            std::string msg = std::to_string(t) + "/" + std::to_string(c) + "/" +
                              std::to_string(m) + ":" +
                              testutil::pattern((static_cast<size_t>(m) * 7 + c) % 300);
            writeAll(fds[c], msg);
            sent.push_back(std::move(msg));
          }
          for (size_t c = 0; c < fds.size(); ++c) {
            if (readUntilEof(fds[c], sent[c].size(), std::chrono::seconds(10)) != sent[c]) {
              ++mismatches;
            }
          }
        }
        for (int fd : fds) ::close(fd);
      } catch (const std::exception&) {
        ++failures;  // a read that timed out, or a refused connection
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(failures == 0);
  CHECK(mismatches == 0);
}

TEST_CASE("send() from worker threads to connections on other loops while peers close",
          "[ch08][s3][threadpool]") {
  QuietLog quiet;  // the closing peers reset connections with unread data: warnings
  constexpr int kConns = 40;
  constexpr int kWorkers = 3;
  UpDownCounter counter;
  TestServer server([&](TcpServer& s) {
    s.setThreadNum(kIoLoops);
    s.setConnectionCallback(std::ref(counter));
  });
  std::vector<int> fds = connectMany(server.port(), kConns);
  REQUIRE(waitFor([&] { return counter.ups() == kConns; }));
  std::vector<TcpConnectionPtr> conns = counter.takeConnections();

  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<int> sends{0};
  std::vector<std::thread> workers;  // every worker sends to every connection, on every loop
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      while (!go) std::this_thread::yield();
      const std::string message = "from worker " + std::to_string(w) + "\n";
      while (!stop) {
        for (const TcpConnectionPtr& conn : conns) {
          conn->send(message);
          ++sends;
        }
        std::this_thread::yield();
      }
    });
  }
  go = true;
  REQUIRE(waitFor([&] { return sends > kConns * kWorkers; }));  // the sends are under way
  for (int fd : fds) ::close(fd);
  bool allDown = waitFor([&] { return counter.downs() == kConns; });
  stop = true;
  for (auto& w : workers) w.join();
  REQUIRE(allDown);
  std::vector<std::weak_ptr<mymuduo::net::TcpConnection>> watched(conns.begin(), conns.end());
  conns.clear();
  server.stop();
  // A DOWN callback runs before its connection's close hop reaches the server's loop; a hop
  // still under way when the server went is queued there with the connection, and dropped
  // (the server is gone) only when that loop runs it.
  server.settle();
  CHECK(counter.downs() == kConns);
  CHECK(counter.downOnce() == kConns);
  CHECK(std::all_of(watched.begin(), watched.end(), [](const auto& w) { return w.expired(); }));
}

TEST_CASE("forceClose() from workers racing the peers' close reports DOWN once per connection",
          "[ch08][s3][threadpool]") {
  const TcpServer::Option option = GENERATE(TcpServer::kNoReusePort, TcpServer::kListenPerLoop);
  INFO(optionName(option));
  QuietLog quiet;
  constexpr int kConns = 40;
  constexpr int kWorkers = 3;  // not a divisor of kIoLoops: each worker meets every loop
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    UpDownCounter counter;
    TestServer server(
        [&](TcpServer& s) {
          s.setThreadNum(kIoLoops);
          s.setConnectionCallback(std::ref(counter));
        },
        InetAddress(0, true), option);
    std::vector<int> fds = connectMany(server.port(), kConns);
    REQUIRE(waitFor([&] { return counter.ups() == kConns; }));
    std::vector<TcpConnectionPtr> conns = counter.takeConnections();

    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        while (!go) std::this_thread::yield();
        for (size_t i = static_cast<size_t>(w); i < conns.size(); i += kWorkers) {
          conns[i]->forceClose();
          conns[i]->forceClose();  // a second call changes nothing
        }
      });
    }
    go = true;
    for (int fd : fds) ::close(fd);  // the peers close at the same time
    for (auto& w : workers) w.join();
    REQUIRE(waitFor([&] { return counter.downs() == kConns; }));
    conns.clear();
    server.stop();  // every queued forceCloseInLoop() runs before its IO loop ends
    CHECK(counter.downs() == kConns);
    CHECK(counter.downOnce() == kConns);
  }
}
