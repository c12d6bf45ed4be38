#pragma once

#include <any>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

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
/// Owns the connected Socket (so it closes the fd), its Channel, and its input Buffer.
/// Lifetime is shared: the TcpServer holds it while it is open, user code may hold it as long
/// as it likes, and every task sent to the loop holds it too (shared_from_this), so the
/// object outlives anything that can still touch it.
/// Thread safety: the accessors are safe from any thread; everything else runs in the loop
/// thread. This chapter only receives: sending arrives in chapter 07.
class TcpConnection : noncopyable, public std::enable_shared_from_this<TcpConnection> {
 public:
  /// Made by TcpServer/TcpClient from a connected fd, which it takes over.
  TcpConnection(EventLoop* loop, std::string name, int sockfd, const InetAddress& peerAddr);
  ~TcpConnection();

  EventLoop* getLoop() const { return loop_; }
  const std::string& name() const { return name_; }
  /// Read from the socket on the first call (getsockname(2)), not when the connection is
  /// made: few connections are ever asked, and the call is a measurable share of the cost of a
  /// short connection.
  InetAddress localAddress() const;
  const InetAddress& peerAddress() const { return peerAddr_; }
  bool connected() const { return state_ == kConnected; }
  bool disconnected() const { return state_ == kDisconnected; }

  void setTcpNoDelay(bool on);

  void setContext(std::any context) { context_ = std::move(context); }
  const std::any& getContext() const { return context_; }
  std::any* getMutableContext() { return &context_; }

  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  /// For the owning server or client only.
  void setCloseCallback(CloseCallback cb) { closeCallback_ = std::move(cb); }

  Buffer* inputBuffer() { return &inputBuffer_; }

  /// Called by the owner once, in the loop thread, when it has taken the connection in.
  void connectEstablished();
  /// Called by the owner once, in the loop thread, when it has let the connection go.
  void connectDestroyed();

 private:
  enum StateE { kDisconnected, kConnecting, kConnected };

  void handleRead(Timestamp receiveTime);
  void handleClose();
  void handleError();
  void setState(StateE s) { state_ = s; }
  const char* stateToString() const;

  EventLoop* const loop_;
  const std::string name_;
  std::atomic<StateE> state_{kConnecting};
  std::unique_ptr<Socket> socket_;
  std::unique_ptr<Channel> channel_;
  mutable std::once_flag localAddrOnce_;
  mutable InetAddress localAddr_;  // set once, under localAddrOnce_
  const InetAddress peerAddr_;

  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  CloseCallback closeCallback_;

  Buffer inputBuffer_;
  std::any context_;
};

}  // namespace net
}  // namespace mymuduo
