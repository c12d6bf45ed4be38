#include "mymuduo/net/TcpServer.h"

#include <cassert>
#include <charconv>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Acceptor.h"
#include "mymuduo/net/EventLoop.h"

namespace mymuduo {
namespace net {

TcpServer::TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
                     Option option)
    : loop_(loop),
      name_(std::move(name)),
      acceptor_(std::make_unique<Acceptor>(loop, listenAddr, option == kReusePort)),
      ipPort_(acceptor_->listenAddress().toIpPort()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback) {
  acceptor_->setNewConnectionCallback(
      [this](int sockfd, const InetAddress& peerAddr) { newConnection(sockfd, peerAddr); });
}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  for (auto& item : connections_) {
    TcpConnectionPtr conn(item.second);
    item.second.reset();
    // The connection outlives us through this task; its close callback must not call back
    // into this destroyed server.
    conn->setCloseCallback([](const TcpConnectionPtr&) {});
    conn->getLoop()->runInLoop([conn] { conn->connectDestroyed(); });
  }
}

InetAddress TcpServer::listenAddress() const { return acceptor_->listenAddress(); }

void TcpServer::start() {
  if (!started_.exchange(true)) {
    loop_->runInLoop([this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;  // destroyed before this hop ran
      assert(!acceptor_->listening());
      acceptor_->listen();
    });
  }
}

void TcpServer::newConnection(int sockfd, const InetAddress& peerAddr) {
  loop_->assertInLoopThread();
  // "<name>-<ip:port>#<id>" in one allocation, on every accept: `a + "-" + b + ...` grows a
  // temporary part by part and may reallocate it at several of the steps.
  char id[24];  // any uint64_t in decimal
  char* idEnd = std::to_chars(id, id + sizeof id, nextConnId_++).ptr;
  std::string connName;
  connName.reserve(name_.size() + ipPort().size() + 2 + static_cast<size_t>(idEnd - id));
  connName.append(name_).append(1, '-').append(ipPort()).append(1, '#').append(id, idEnd);
  LOG_INFO << "TcpServer::newConnection [" << name_ << "] - new connection [" << connName
           << "] from " << peerAddr.toIpPort();
  auto conn = std::make_shared<TcpConnection>(loop_, connName, sockfd, peerAddr);
  connections_[std::move(connName)] = conn;
  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  conn->setCloseCallback([this](const TcpConnectionPtr& c) { removeConnection(c); });
  conn->getLoop()->runInLoop([conn] { conn->connectEstablished(); });
}

void TcpServer::removeConnection(const TcpConnectionPtr& conn) {
  loop_->runInLoop([this, conn] { removeConnectionInLoop(conn); });
}

void TcpServer::removeConnectionInLoop(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  LOG_INFO << "TcpServer::removeConnectionInLoop [" << name_ << "] - connection " << conn->name();
  size_t n = connections_.erase(conn->name());
  assert(n == 1);
  (void)n;
  // Not destroyed here: we are inside the connection's own event handling. The queued task
  // holds the last reference, and runs after that handling has returned.
  conn->getLoop()->queueInLoop([conn] { conn->connectDestroyed(); });
}

}  // namespace net
}  // namespace mymuduo
