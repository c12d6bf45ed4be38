#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace net {

class Acceptor;
class EventLoop;

/// A TCP server: accepts connections and gives each one the user's callbacks.
///
/// Owns its Acceptor and holds a TcpConnectionPtr for every open connection. In this chapter
/// every connection lives in the server's own loop (one Reactor); chapter 08 adds IO threads.
/// start() is safe from any thread and idempotent (one still queued when the server is destroyed
/// does nothing); the destructor must run in the loop thread, and closes every connection still
/// open: each gets its DOWN callback before the destructor returns, and after it returns no
/// callback given to the server runs again.
class TcpServer : noncopyable {
 public:
  enum Option { kNoReusePort, kReusePort };

  TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
            Option option = kNoReusePort);
  ~TcpServer();

  const std::string& name() const { return name_; }
  EventLoop* getLoop() const { return loop_; }
  /// The bound address; with port 0 asked, it carries the port the kernel chose.
  InetAddress listenAddress() const;
  const std::string& ipPort() const { return ipPort_; }

  /// Starts listening. Safe from any thread; calls after the first do nothing.
  void start();

  /// Set these before start(); they are copied into every new connection.
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }

 private:
  void newConnection(int sockfd, const InetAddress& peerAddr);
  void removeConnection(const TcpConnectionPtr& conn);  // safe from any thread
  void removeConnectionInLoop(const TcpConnectionPtr& conn);

  using ConnectionMap = std::map<std::string, TcpConnectionPtr>;

  EventLoop* loop_;  // the acceptor loop
  const std::string name_;
  std::unique_ptr<Acceptor> acceptor_;
  // The bound address, read once from acceptor_ (so declared after it): it names every
  // connection.
  const std::string ipPort_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  // Expires when the server does: a start() queued from another thread that runs after
  // ~TcpServer sees it expired and leaves the server alone.
  const std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::atomic<bool> started_{false};
  uint64_t nextConnId_ = 1;    // loop thread only; 64 bits never wrap in practice
  ConnectionMap connections_;  // loop thread only
};

}  // namespace net
}  // namespace mymuduo
