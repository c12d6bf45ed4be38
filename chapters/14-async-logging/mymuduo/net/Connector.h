#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {

class Channel;
class EventLoop;

/// Makes one outgoing TCP connection: a non-blocking connect, then the wait for the socket to
/// become writable and the check of SO_ERROR, with retries after an exponential back-off.
/// It hands the connected fd to its owner and keeps nothing of it.
///
/// Owned by a TcpClient through a shared_ptr; it owns the connecting socket (until it hands
/// it over or closes it) and its Channel. Its retry timer holds only a weak_ptr to it, so a
/// timer that fires after the Connector is gone does nothing, and stop() cancels the timer
/// anyway. Tasks queued to the loop hold a shared_ptr, so they never outlive it.
/// Thread safety: start() and stop() are safe from any thread (they hop into the loop);
/// restart() and everything else run in the loop thread, callbacks included. The owner's
/// loop must outlive it. A callback may call stop(), start() or restart(), and may let go of
/// the owner's reference (the owner destroyed inside its own callback): an attempt is over,
/// its socket handed on or closed, before any callback hears of it, and the Connector keeps
/// itself alive until its callback has returned.
class Connector : noncopyable, public std::enable_shared_from_this<Connector> {
 public:
  /// Called in the loop thread with a connected fd, which the callee takes over.
  using NewConnectionCallback = std::function<void(int sockfd)>;
  /// Called in the loop thread when an attempt failed: err is the errno value, willRetry
  /// whether a retry is scheduled (false: the error is one a retry cannot cure).
  using ErrorCallback = std::function<void(int err, bool willRetry)>;

  static constexpr int kInitRetryDelayMs = 500;
  static constexpr int kMaxRetryDelayMs = 30 * 1000;

  Connector(EventLoop* loop, const InetAddress& serverAddr);
  ~Connector();

  /// Set these before start().
  void setNewConnectionCallback(NewConnectionCallback cb) {
    newConnectionCallback_ = std::move(cb);
  }
  void setErrorCallback(ErrorCallback cb) { errorCallback_ = std::move(cb); }

  const InetAddress& serverAddress() const { return serverAddr_; }
  /// The back-off: the first retry after initialMs, each next one after twice the last, never
  /// more than maxMs apart. Before start().
  void setRetryDelayMs(int initialMs, int maxMs);
  /// How long the next retry waits, if one is scheduled: read in the error callback, the delay
  /// after this failure. Loop thread only.
  int retryDelayMs() const { return retryDelayMs_; }

  /// Starts connecting. Any thread.
  void start();
  /// Starts again from the first retry delay, after a connection made earlier went down; an
  /// attempt or a retry already under way goes on instead. Loop thread only.
  void restart();
  /// Stops connecting: closes a socket still connecting and cancels a pending retry. A
  /// connection already handed over is not touched. Any thread.
  void stop();

 private:
  enum States { kDisconnected, kConnecting, kConnected };

  void setState(States s) { state_ = s; }
  void startInLoop();
  void stopInLoop();
  void connect();
  void connecting(int sockfd);
  void handleWrite();
  void handleError();
  /// Closes sockfd, reports err, then schedules the next attempt or gives up, by the kind of
  /// error and whether we still want to connect.
  void failed(int sockfd, int err);
  void scheduleRetry();
  int removeAndResetChannel();

  EventLoop* const loop_;
  const InetAddress serverAddr_;
  std::atomic<bool> connect_{false};  // wanted by the user: set by start(), cleared by stop()
  States state_ = kDisconnected;      // loop thread only
  std::unique_ptr<Channel> channel_;  // while connecting
  NewConnectionCallback newConnectionCallback_;
  ErrorCallback errorCallback_;
  int initRetryDelayMs_ = kInitRetryDelayMs;
  int maxRetryDelayMs_ = kMaxRetryDelayMs;
  int retryDelayMs_ = kInitRetryDelayMs;  // loop thread only
  TimerId retryTimer_;                    // loop thread only; names no timer when none is pending
};

}  // namespace net
}  // namespace mymuduo
