#pragma once
// Helpers for the TcpServer and TcpConnection tests: a server running in a loop thread of its
// own, a recorder of connection callbacks, an echo callback and a way to find a connection's
// fd. The test thread plays a plain blocking client.

#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <new>
#include <stdexcept>
#include <thread>

#include "TestUtil.h"
#include "mymuduo/base/Timestamp.h"
#include "mymuduo/net/Buffer.h"
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
      const mymuduo::net::InetAddress& listenAddr = mymuduo::net::InetAddress(0, true),
      mymuduo::net::TcpServer::Option option = mymuduo::net::TcpServer::kNoReusePort) {
    runSync([&] {
      server_ = std::make_unique<mymuduo::net::TcpServer>(loop(), listenAddr, "test", option);
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

/// An EventLoop in a thread of its own, like LoopInThread, but on pages mapped for it alone and
/// unmapped as soon as the loop is destroyed: a use of the loop after its end faults at once, in
/// every build, where freed memory would often still read back as a loop.
class UnmappedLoopThread {
 public:
  UnmappedLoopThread() : thread_([this] { run(); }) { loop_ = ready_.get_future().get(); }
  ~UnmappedLoopThread() { stop(); }

  mymuduo::net::EventLoop* loop() const { return loop_; }
  /// Runs f in the loop thread and waits for it.
  void runSync(const std::function<void()>& f) {
    std::promise<void> done;
    loop_->queueInLoop([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  /// Quits the loop; returns once it is destroyed and its pages are gone.
  void stop() {
    if (!thread_.joinable()) return;
    loop_->quit();
    thread_.join();
  }

 private:
  void run() {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t size = (sizeof(mymuduo::net::EventLoop) + page - 1) / page * page;
    void* memory =
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::runtime_error("mmap failed");
    // Placement new, and the destructor called by hand: the memory is not the heap's.
    auto* loop = new (memory) mymuduo::net::EventLoop;
    ready_.set_value(loop);
    loop->loop();
    loop->~EventLoop();
    ::munmap(memory, size);
  }

  std::promise<mymuduo::net::EventLoop*> ready_;
  mymuduo::net::EventLoop* loop_ = nullptr;
  std::thread thread_;  // last: it uses the members above
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

/// A message callback that sends every byte back.
inline void echo(const mymuduo::net::TcpConnectionPtr& conn, mymuduo::net::Buffer* buf,
                 mymuduo::Timestamp) {
  conn->send(buf);
}

/// The server side's fd of conn, found by its two ports: TcpConnection does not expose it.
/// Only while connected: getpeername() fails once the peer has reset.
inline int serverFdOf(const mymuduo::net::TcpConnectionPtr& conn) {
  for (int fd = 0; fd < 1024; ++fd) {
    struct sockaddr_in local = {};
    struct sockaddr_in peer = {};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<struct sockaddr*>(&local), &len) != 0) continue;
    len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<struct sockaddr*>(&peer), &len) != 0) continue;
    if (ntohs(local.sin_port) == conn->localAddress().port() &&
        ntohs(peer.sin_port) == conn->peerAddress().port()) {
      return fd;
    }
  }
  return -1;
}

}  // namespace testutil
