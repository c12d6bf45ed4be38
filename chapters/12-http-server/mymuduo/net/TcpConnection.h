#pragma once

#include <any>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/InetAddress.h"

namespace mymuduo {
namespace net {

class Channel;
class EventLoop;
class Socket;

/// One TCP connection, for both servers and clients.
///
/// Owns the connected Socket (so it closes the fd), its Channel, and its input and output
/// Buffers. Lifetime is shared: the TcpServer (or TcpClient) holds it while it is open, user
/// code may hold it as long as it likes, and every task sent to the loop holds it too
/// (shared_from_this), so the object outlives anything that can still touch it.
/// Thread safety: send(), shutdown(), forceClose(), stopRead() and startRead() are safe from
/// any thread at any time: the copy of the bytes is made before send() returns, and on a
/// connection that is down they do nothing, also when its server and the server's loops are
/// gone. Everything else runs in the loop thread. Only the loop thread sets kDisconnected, and
/// other threads change the state only by a compare-and-swap that never replaces it.
/// After the DOWN callback no other callback of the connection runs.
class TcpConnection : noncopyable, public std::enable_shared_from_this<TcpConnection> {
 public:
  /// Made by TcpServer/TcpClient from a connected fd, which it takes over.
  TcpConnection(EventLoop* loop, std::string name, int sockfd, const InetAddress& peerAddr);
  ~TcpConnection();

  /// The loop the connection lives in. It may end with the connection's server: from another
  /// thread, use it only while something keeps that loop alive.
  EventLoop* getLoop() const { return loop_; }
  const std::string& name() const { return name_; }
  /// Read from the socket on the first call (getsockname(2)), not when the connection is
  /// made: few connections are ever asked, and the call is a measurable share of the cost of a
  /// short connection.
  InetAddress localAddress() const;
  const InetAddress& peerAddress() const { return peerAddr_; }
  bool connected() const { return state_ == kConnected; }
  bool disconnected() const { return state_ == kDisconnected; }

  void send(std::string_view message);
  void send(const void* data, size_t len);
  /// Sends and empties *buf. Not connected any more: does nothing, and *buf keeps its bytes.
  void send(Buffer* buf);
  /// Closes our writing half once the queued output is sent; the peer sees EOF.
  void shutdown();
  /// Closes at once, dropping queued output.
  void forceClose();
  void setTcpNoDelay(bool on);
  /// Stops reading from the socket: what the peer sends meanwhile waits in the kernel, and
  /// TCP's flow control slows the peer down, instead of the input buffer growing while the
  /// user is not ready for more (a server whose output to this peer backs up).
  /// startRead() resumes; after the peer's EOF reading stays off. Safe from any thread.
  void stopRead();
  void startRead();
  /// Whether the connection is being read (not stopped, peer's EOF not seen). Loop thread.
  bool isReading() const;
  /// Queues `task` to the connection's loop unless the connection is down; returns whether it
  /// did. Safe from any thread at any time: a loop marks its connections down before it ends,
  /// so a task queued here finds the loop running, and a connection that is down never
  /// touches its loop, which may be gone. The task runs after the connection's other queued
  /// work; it may find the connection closed by then (check disconnected()).
  bool queueInLoopUnlessDown(std::function<void()> task);

  void setContext(std::any context) { context_ = std::move(context); }
  const std::any& getContext() const { return context_; }
  std::any* getMutableContext() { return &context_; }

  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }
  void setHighWaterMarkCallback(HighWaterMarkCallback cb, size_t highWaterMark) {
    highWaterMarkCallback_ = std::move(cb);
    highWaterMark_ = highWaterMark;
  }
  /// Half-close. When the peer shuts down its writing half we read EOF. By default the
  /// connection then closes as soon as the output queued at that moment is written, so a reply
  /// produced later (by a timer, another thread) is dropped. With this callback set, the
  /// connection stops reading, calls it, and stays open for writing until the user calls
  /// shutdown() or forceClose() - it is the user's to end. Set it in the connection callback.
  void setHalfCloseCallback(HalfCloseCallback cb) { halfCloseCallback_ = std::move(cb); }
  /// For the owning server or client only.
  void setCloseCallback(CloseCallback cb) { closeCallback_ = std::move(cb); }

  Buffer* inputBuffer() { return &inputBuffer_; }
  Buffer* outputBuffer() { return &outputBuffer_; }

  /// Called by the owner once, in the loop thread, when it has taken the connection in.
  void connectEstablished();
  /// Called by the owner once, in the loop thread, when it has let the connection go.
  void connectDestroyed();

 private:
  enum StateE { kDisconnected, kConnecting, kConnected, kDisconnecting };

  void handleRead(Timestamp receiveTime);
  void handleWrite();
  void handleClose();
  void handleError();
  void sendInLoop(const void* data, size_t len);
  void shutdownInLoop();
  void forceCloseInLoop();
  void stopReadInLoop();
  void startReadInLoop();
  bool isInLoopThread() const;
  void setDisconnected();
  void queueWriteComplete();
  ssize_t writeSome(const void* data, size_t len);
  void setState(StateE s) { state_ = s; }
  const char* stateToString() const;

  EventLoop* const loop_;
  const std::string name_;
  std::atomic<StateE> state_{kConnecting};
  /// Held by another thread from its check that we are not down until its task is queued, and
  /// by the loop thread while it marks us down (see queueInLoopUnlessDown()).
  std::mutex downMutex_;
  /// We read the peer's EOF but stay open: for the output queued then, or for the user's
  /// reply if halfCloseCallback_ is set. Reading is off (loop thread only).
  bool peerHalfClosed_ = false;
  std::unique_ptr<Socket> socket_;
  std::unique_ptr<Channel> channel_;
  mutable std::once_flag localAddrOnce_;
  mutable InetAddress localAddr_;  // set once, under localAddrOnce_
  const InetAddress peerAddr_;

  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  HighWaterMarkCallback highWaterMarkCallback_;
  HalfCloseCallback halfCloseCallback_;
  CloseCallback closeCallback_;
  size_t highWaterMark_ = 64 * 1024 * 1024;

  Buffer inputBuffer_;
  Buffer outputBuffer_;
  std::any context_;
};

}  // namespace net
}  // namespace mymuduo
