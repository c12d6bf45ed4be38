#pragma once
// Helpers for the TcpServer and TcpConnection tests: a server running in a loop thread of its
// own, and a recorder of connection callbacks. The test thread plays a plain blocking client.

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "TestUtil.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

namespace testutil {

/// A TcpServer on 127.0.0.1:<ephemeral> (or on listenAddr) living in its own loop thread.
class TestServer {
 public:
  /// setup runs in the loop thread, before start().
  explicit TestServer(
      const std::function<void(mymuduo::net::TcpServer&)>& setup,
      const mymuduo::net::InetAddress& listenAddr = mymuduo::net::InetAddress(0, true)) {
    runSync([&] {
      server_ = std::make_unique<mymuduo::net::TcpServer>(loop(), listenAddr, "test");
      setup(*server_);
      server_->start();
    });
    port_ = server_->listenAddress().port();
  }
  ~TestServer() { stop(); }

  mymuduo::net::EventLoop* loop() const { return runner_.loop(); }
  uint16_t port() const { return port_; }
  /// Destroys the server in its loop thread, live connections and all.
  void stop() {
    runSync([this] { server_.reset(); });
  }
  /// Waits until every task the loop had queued when we were called has run and been
  /// destroyed (with the references it held). A task runs in a batch with the others queued
  /// in the same iteration, and the batch is destroyed after its last task; so wait for one
  /// batch to run our marker, then for the next.
  void settle() {
    runSync([] {});
    runSync([] {});
  }
  /// Runs f in the loop thread and waits for it.
  void runSync(const std::function<void()>& f) {
    std::promise<void> done;
    loop()->queueInLoop([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  LoopInThread runner_;
  std::unique_ptr<mymuduo::net::TcpServer> server_;
  uint16_t port_ = 0;
};

/// Counts connection ups and downs, and remembers the connection (without keeping it alive).
struct ConnectionEvents {
  std::atomic<int> ups{0};
  std::atomic<int> downs{0};
  std::promise<void> up;
  std::promise<void> down;
  std::weak_ptr<mymuduo::net::TcpConnection> last;  // written before `up` is fulfilled

  void operator()(const mymuduo::net::TcpConnectionPtr& conn) {
    if (conn->connected()) {
      last = conn;
      if (++ups == 1) up.set_value();
    } else if (++downs == 1) {
      down.set_value();
    }
  }
  bool waitUp() {
    return up.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  }
  bool waitDown() {
    return down.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  }
};

}  // namespace testutil
