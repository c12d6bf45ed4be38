#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {

class Acceptor;
class EventLoop;
class EventLoopThreadPool;

/// A TCP server: accepts connections in its own loop and hands each one to an IO loop.
///
/// Owns its Acceptor, its EventLoopThreadPool (the IO threads) and a TcpConnectionPtr for
/// every open connection; does not own its loop, which must outlive it. The server's loop
/// (the main Reactor) accepts; each connection lives in the IO loop getNextLoop() gave it (a
/// sub Reactor), or in the server's loop when there are no IO threads.
/// Thread rules:
/// - every callback of a connection (connection, message, write complete, high-water mark,
///   half-close) runs in that connection's IO loop thread, never in two threads at once;
/// - with setThreadNum(n > 1) different connections' callbacks run in different threads at
///   the same time, so state the user shares between connections needs a lock (or an atomic);
///   state of one connection (its context) is touched only from its own loop;
/// - setThreadNum(), setThreadInitCallback() and the callback setters before start();
///   start() is safe from any thread and idempotent (one still queued when the server is
///   destroyed does nothing); the destructor runs in the server's loop thread, closes every
///   connection still open (each gets its DOWN callback, once, in its IO loop), and returns
///   after the IO threads have been joined: after it returns no callback given to the server
///   runs again;
/// - drain() is safe from any thread; its callbacks run as it says.
class TcpServer : noncopyable {
 public:
  enum Option { kNoReusePort, kReusePort };
  /// Runs in each IO thread with its loop, before that loop starts.
  using ThreadInitCallback = std::function<void(EventLoop*)>;
  /// drain()'s cue to one open connection, in its IO loop.
  using DrainCallback = std::function<void(const TcpConnectionPtr&)>;

  TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
            Option option = kNoReusePort);
  ~TcpServer();

  const std::string& name() const { return name_; }
  EventLoop* getLoop() const { return loop_; }
  /// The bound address; with port 0 asked, it carries the port the kernel chose.
  InetAddress listenAddress() const;
  const std::string& ipPort() const { return ipPort_; }

  /// How many IO threads: 0 (the default) keeps every connection in the server's loop;
  /// n > 0 spreads the connections over n IO loops, round robin. Before start().
  void setThreadNum(int numThreads);
  void setThreadInitCallback(ThreadInitCallback cb) { threadInitCallback_ = std::move(cb); }
  /// TCP_NODELAY for every connection, set once on the listening socket: Linux copies a
  /// listening socket's options into each socket it accepts, so no connection pays a
  /// setsockopt() of its own. Before start().
  void setTcpNoDelay(bool on);

  /// Starts the IO threads, then listens, in the server's loop. Safe from any thread; calls
  /// after the first do nothing.
  void start();

  /// Set these before start(); they are copied into every new connection.
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }

  /// A graceful stop. In the server's loop: closes the listening socket at once (a new
  /// connection is refused), then calls `onDrain` for each open connection in its IO loop, the
  /// cue to finish what it is doing and close (a null `onDrain`: shutdown() after the output
  /// queued). Connections still open `timeoutSeconds` later are force-closed. `done` runs in the
  /// server's loop once no connection is left. Safe from any thread; calls after the first do
  /// nothing. The server stays usable for nothing but its destruction.
  void drain(double timeoutSeconds, DrainCallback onDrain, std::function<void()> done);

 private:
  void newConnection(int sockfd, const InetAddress& peerAddr);
  void removeConnection(const TcpConnectionPtr& conn);  // in the connection's IO loop
  void removeConnectionInLoop(const TcpConnectionPtr& conn);
  void drainInLoop(double timeoutSeconds, const DrainCallback& onDrain);
  void drainDone();

  using ConnectionMap = std::map<std::string, TcpConnectionPtr>;

  EventLoop* loop_;  // the acceptor loop, the main Reactor
  const std::string name_;
  std::unique_ptr<Acceptor> acceptor_;  // null once drain() closed the listening socket
  // The bound address, read once from acceptor_ (so declared after it): it names every
  // connection, and outlives the acceptor.
  const InetAddress listenAddr_;
  const std::string ipPort_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  ThreadInitCallback threadInitCallback_;
  std::unique_ptr<EventLoopThreadPool> threadPool_;
  // Expires when the server does. A start() queued from another thread, and a close that hops
  // from an IO loop to our loop, hold a weak_ptr to it: one that arrives after ~TcpServer sees
  // it expired and leaves the server alone.
  const std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::atomic<bool> started_{false};
  uint64_t nextConnId_ = 1;    // loop thread only; 64 bits never wrap in practice
  ConnectionMap connections_;  // loop thread only
  // drain()'s state, loop thread only: whether it began, and what runs once connections_ is
  // empty (null before drain() and after it ran).
  bool draining_ = false;
  std::function<void()> drainDone_;
  TimerId drainTimer_;
};

}  // namespace net
}  // namespace mymuduo
