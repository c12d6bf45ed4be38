#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace net {

class Connector;
class EventLoop;

/// A TCP client: one connection at a time to one server, made by a Connector, optionally
/// made again whenever it goes down (enableRetry()).
///
/// Owns its Connector (shared, see Connector) and holds the current TcpConnectionPtr while
/// the connection is up; does not own its loop, which must outlive it. The connection lives
/// in the client's loop, and every callback runs there.
/// Thread rules:
/// - connect(), disconnect(), stop(), connection(), retry() and enableRetry() are safe from
///   any thread; the callback setters and setRetryDelayMs() before connect();
/// - one connection at a time: connect() while a connection is up does nothing, and while one
///   is closing (after disconnect()) it connects again once that one is down;
/// - the destructor runs in the loop thread, also inside the client's own callbacks, or in
///   another thread while the loop is running: it hands the teardown to the loop and waits for
///   it. (From another thread with the loop not running it would wait forever; that is a
///   programming error.)
/// - the destructor closes a live connection, also one the user still holds (that
///   TcpConnectionPtr stays valid, disconnected; send() on it does nothing), and the
///   connection's DOWN callback runs before the destructor returns. Once it has returned, no
///   callback given to the client runs again. The DOWN callback runs inside the destructor:
///   it must not use what its owner has already destroyed (declare the client after the
///   members its callbacks use, so that it is destroyed before them).
class TcpClient : noncopyable {
 public:
  /// Called when a connection attempt fails (see Connector::ErrorCallback), in the loop.
  using ConnectErrorCallback = std::function<void(int err, bool willRetry)>;

  TcpClient(EventLoop* loop, const InetAddress& serverAddr, std::string name);
  ~TcpClient();

  /// Starts connecting (and retrying with back-off while the server refuses).
  void connect();
  /// Shuts down the writing half of the live connection; it closes when the server closes.
  void disconnect();
  /// Stops connecting: a pending attempt or retry is abandoned. A live connection stays.
  void stop();

  /// The current connection, or null.
  TcpConnectionPtr connection() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connection_;
  }

  EventLoop* getLoop() const { return loop_; }
  bool retry() const { return retry_; }
  /// After a connection goes down (not by disconnect()), connect again.
  void enableRetry() { retry_ = true; }
  /// The back-off between attempts while the server refuses (Connector::setRetryDelayMs()):
  /// 500 ms doubling up to 30 s unless set. Before connect().
  void setRetryDelayMs(int initialMs, int maxMs);
  const std::string& name() const { return name_; }

  /// Set these before connect(); they are copied into every new connection.
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }
  void setConnectErrorCallback(ConnectErrorCallback cb) { connectErrorCallback_ = std::move(cb); }

 private:
  void connectInLoop();
  void newConnection(int sockfd);                       // loop thread
  void removeConnection(const TcpConnectionPtr& conn);  // loop thread
  void teardownInLoop();                                // the destructor's work, in the loop

  EventLoop* const loop_;
  const std::shared_ptr<Connector> connector_;
  const std::string name_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  ConnectErrorCallback connectErrorCallback_;
  std::atomic<bool> retry_{false};
  std::atomic<bool> connect_{false};
  int nextConnId_ = 1;      // loop thread only
  bool reconnect_ = false;  // loop thread only: connect() came while the connection was closing
  // Reset by the teardown, in the loop: a task of connect() that runs after it finds it expired
  // and leaves the client alone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  mutable std::mutex mutex_;
  TcpConnectionPtr connection_;  // guarded by mutex_; written in the loop thread only
};

}  // namespace net
}  // namespace mymuduo
