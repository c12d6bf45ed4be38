#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

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

/// A TCP server: accepts connections and serves each one in an IO loop.
///
/// Owns its Acceptors, its EventLoopThreadPool (the IO threads) and a TcpConnectionPtr for
/// every open connection; does not own its loop, which must outlive it. Two ways to use the
/// IO loops (the Option):
/// - kNoReusePort, kReusePort: the server's loop (the main Reactor) accepts, and each
///   connection lives in the IO loop getNextLoop() gave it (a sub Reactor), or in the
///   server's loop when there are no IO threads; kReusePort sets SO_REUSEPORT, so that other
///   processes may listen on the same port;
/// - kListenPerLoop: every IO loop listens on a socket of its own, all on one port with
///   SO_REUSEPORT, and the kernel spreads the new connections over them; a connection is
///   accepted, served and removed in one loop, which never hands it to another.
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
  enum Option { kNoReusePort, kReusePort, kListenPerLoop };
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
  /// TCP_NODELAY for every connection, set once on each listening socket: Linux copies a
  /// listening socket's options into each socket it accepts, so no connection pays a
  /// setsockopt() of its own. Before start().
  void setTcpNoDelay(bool on);

  /// Starts the IO threads, then listens, in the server's loop (with kListenPerLoop, in every
  /// IO loop, and waits until each one does). Safe from any thread; calls after the first do
  /// nothing.
  void start();

  /// Set these before start(); they are copied into every new connection.
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }

  /// A graceful stop. Closes each listening socket in its loop (a new connection is refused
  /// from then on), then calls `onDrain` for each open connection in its IO loop, the
  /// cue to finish what it is doing and close (a null `onDrain`: shutdown() after the output
  /// queued). Connections still open `timeoutSeconds` later are force-closed. `done` runs in the
  /// server's loop once no connection is left. Safe from any thread; calls after the first do
  /// nothing. The server stays usable for nothing but its destruction.
  void drain(double timeoutSeconds, DrainCallback onDrain, std::function<void()> done);

 private:
  using ConnectionMap = std::map<std::string, TcpConnectionPtr>;
  /// A listening socket and the connections accepted on it, in the map until they close.
  /// The acceptor (null once drain() closed it), the map and `draining` are touched in
  /// `loop`'s thread only.
  struct Listener {
    EventLoop* loop;
    std::unique_ptr<Acceptor> acceptor;
    ConnectionMap connections;
    bool draining = false;  // drain() began here and this map is not yet empty
  };

  std::future<void> listenIn(EventLoop* ioLoop);  // ready once ioLoop listens
  void newConnection(Listener* listener, int sockfd, const InetAddress& peerAddr);
  void removeConnection(Listener* listener, const TcpConnectionPtr& conn);
  void removeConnectionInLoop(Listener* listener, const TcpConnectionPtr& conn);
  void drainInLoop(double timeoutSeconds, const DrainCallback& onDrain);
  void drainListener(Listener* listener, const DrainCallback& onDrain);
  void listenerDrained(Listener* listener);
  void drainDone();

  EventLoop* loop_;  // the main Reactor
  const std::string name_;
  const Option option_;
  // [0] is the server's loop's, bound in the constructor; with kListenPerLoop and IO threads
  // it only holds the port, and start() adds one per IO loop. The vector itself is touched in
  // the server's loop thread only, the Listeners as their comment says.
  std::vector<std::unique_ptr<Listener>> listeners_;
  // The bound address, read once from listeners_[0] (so declared after it): it names every
  // connection, and outlives the acceptors.
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
  std::atomic<uint64_t> nextConnId_{1};  // 64 bits never wrap in practice
  bool tcpNoDelay_ = false;              // for the listening sockets start() adds
  // drain()'s state, loop thread only: whether it began, how many listeners still have
  // connections, and what runs once none has (null before drain() and after it ran).
  bool draining_ = false;
  size_t listenersDraining_ = 0;
  std::function<void()> drainDone_;
  TimerId drainTimer_;
};

}  // namespace net
}  // namespace mymuduo
