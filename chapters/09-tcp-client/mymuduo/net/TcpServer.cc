#include "mymuduo/net/TcpServer.h"

#include <cassert>
#include <charconv>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Acceptor.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThreadPool.h"

namespace mymuduo {
namespace net {

TcpServer::TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
                     Option option)
    : loop_(loop),
      name_(std::move(name)),
      acceptor_(std::make_unique<Acceptor>(loop, listenAddr, option == kReusePort)),
      ipPort_(acceptor_->listenAddress().toIpPort()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback),
      threadPool_(std::make_unique<EventLoopThreadPool>(loop, name_)) {
  acceptor_->setNewConnectionCallback(
      [this](int sockfd, const InetAddress& peerAddr) { newConnection(sockfd, peerAddr); });
}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  for (auto& item : connections_) {
    TcpConnectionPtr conn(item.second);
    item.second.reset();
    // In the connection's own loop, like everything it does. With no IO threads that is our
    // loop, and the connection is torn down right here.
    conn->getLoop()->runInLoop([conn] { conn->connectDestroyed(); });
  }
  // Join the IO threads now, while every member is still intact: a connection closing in an
  // IO loop at this moment still calls removeConnection() on us. Each loop runs the tasks
  // queued to it (the connectDestroyed() above among them) before its loop() returns.
  threadPool_.reset();
}

InetAddress TcpServer::listenAddress() const { return acceptor_->listenAddress(); }

void TcpServer::setThreadNum(int numThreads) {
  assert(numThreads >= 0);
  threadPool_->setThreadNum(numThreads);
}

void TcpServer::start() {
  if (!started_.exchange(true)) {
    loop_->runInLoop([this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;  // destroyed before this hop ran
      // The IO loops exist before the first connection can be accepted.
      threadPool_->start(threadInitCallback_);
      assert(!acceptor_->listening());
      acceptor_->listen();
    });
  }
}

void TcpServer::newConnection(int sockfd, const InetAddress& peerAddr) {
  loop_->assertInLoopThread();
  EventLoop* ioLoop = threadPool_->getNextLoop();
  // "<name>-<ip:port>#<id>" in one allocation, on every accept: `a + "-" + b + ...` grows a
  // temporary part by part and may reallocate it at several of the steps.
  char id[24];  // any uint64_t in decimal
  char* idEnd = std::to_chars(id, id + sizeof id, nextConnId_++).ptr;
  std::string connName;
  connName.reserve(name_.size() + ipPort().size() + 2 + static_cast<size_t>(idEnd - id));
  connName.append(name_).append(1, '-').append(ipPort()).append(1, '#').append(id, idEnd);
  LOG_INFO << "TcpServer::newConnection [" << name_ << "] - new connection [" << connName
           << "] from " << peerAddr.toIpPort();
  auto conn = std::make_shared<TcpConnection>(ioLoop, connName, sockfd, peerAddr);
  connections_[connName] = conn;
  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  conn->setCloseCallback([this](const TcpConnectionPtr& c) { removeConnection(c); });
  // Everything above happens before this task runs: the queue's lock orders it.
  ioLoop->runInLoop([conn] { conn->connectEstablished(); });
}

void TcpServer::removeConnection(const TcpConnectionPtr& conn) {
  // In the connection's IO loop: connections_ belongs to our loop, so hop there. The IO
  // threads are joined before ~TcpServer returns, so `this` is still alive here; but the
  // hop may run after it, hence the weak_ptr.
  loop_->runInLoop([this, alive = std::weak_ptr<bool>(alive_), conn] {
    if (alive.expired()) {
      return;  // ~TcpServer has queued connectDestroyed() for it already
    }
    removeConnectionInLoop(conn);
  });
}

void TcpServer::removeConnectionInLoop(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  LOG_INFO << "TcpServer::removeConnectionInLoop [" << name_ << "] - connection " << conn->name();
  size_t n = connections_.erase(conn->name());
  assert(n == 1);
  (void)n;
  // Back to the connection's loop: the channel is removed from its poller there. Queued, not
  // run: with no IO threads we are inside the connection's own event handling; with IO
  // threads it must wait for the IO loop anyway. From here only tasks hold the connection:
  // this one and, until its batch ends, the one running us. ~TcpConnection runs in the thread
  // of whichever goes last, in any case after connectDestroyed().
  conn->getLoop()->queueInLoop([conn] { conn->connectDestroyed(); });
}

}  // namespace net
}  // namespace mymuduo
