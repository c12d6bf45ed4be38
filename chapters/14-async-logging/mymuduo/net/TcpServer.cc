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
      listenAddr_(acceptor_->listenAddress()),
      ipPort_(listenAddr_.toIpPort()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback),
      threadPool_(std::make_unique<EventLoopThreadPool>(loop, name_)) {
  acceptor_->setNewConnectionCallback(
      [this](int sockfd, const InetAddress& peerAddr) { newConnection(sockfd, peerAddr); });
}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  loop_->cancel(drainTimer_);
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

InetAddress TcpServer::listenAddress() const { return listenAddr_; }

void TcpServer::setTcpNoDelay(bool on) {
  if (acceptor_) acceptor_->setTcpNoDelay(on);  // drained before it started: no socket left
}

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
      if (!acceptor_) return;  // drained before it started
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
  // Back to the connection's loop: the channel is removed from its poller there. Inside the
  // loop's event handling (the connection's own handleEvent(), with no IO threads), or from
  // another thread, it is queued. From a queued task of that loop (forceClose() runs there) it
  // runs at once: no handler of the connection is on the stack, and a task queued by a running
  // task costs the loop a wakeup, a write and a read of its eventfd. From here only tasks hold
  // the connection; ~TcpConnection runs in the thread of whichever goes last, in any case after
  // connectDestroyed().
  EventLoop* ioLoop = conn->getLoop();
  if (ioLoop->isInLoopThread() && !ioLoop->eventHandling()) {
    conn->connectDestroyed();
  } else {
    ioLoop->queueInLoop([conn] { conn->connectDestroyed(); });
  }
  if (draining_ && connections_.empty()) drainDone();
}

void TcpServer::drain(double timeoutSeconds, DrainCallback onDrain, std::function<void()> done) {
  // Queued, never run at once: called from a callback of the acceptor's own event (a connection
  // callback with no IO threads), destroying the acceptor here would pull it out from under
  // the handler that is still running.
  loop_->queueInLoop([this, alive = std::weak_ptr<bool>(alive_), timeoutSeconds,
                      onDrain = std::move(onDrain), done = std::move(done)]() mutable {
    if (alive.expired() || draining_) return;
    drainDone_ = std::move(done);
    drainInLoop(timeoutSeconds, onDrain);
  });
}

void TcpServer::drainInLoop(double timeoutSeconds, const DrainCallback& onDrain) {
  loop_->assertInLoopThread();
  draining_ = true;
  // NaN and negatives mean "at once"; more than about 31 years, which no client takes, would
  // overflow the timer's microseconds.
  if (!(timeoutSeconds > 0)) timeoutSeconds = 0;
  if (timeoutSeconds > 1e9) timeoutSeconds = 1e9;
  // The listening socket closes: a client's connect is refused from now on, where one merely
  // not accepted would wait in the backlog until the process exits.
  acceptor_.reset();
  LOG_INFO << "TcpServer::drain [" << name_ << "] - " << connections_.size()
           << " connection(s) open, stopped listening";
  if (connections_.empty()) {
    drainDone();
    return;
  }
  for (const auto& item : connections_) {
    const TcpConnectionPtr& conn = item.second;
    // After the connectEstablished() that newConnection() queued to the same loop.
    conn->getLoop()->runInLoop([conn, onDrain] {
      if (!conn->connected()) return;  // closing already
      if (onDrain) {
        onDrain(conn);
      } else {
        conn->shutdown();
      }
    });
  }
  drainTimer_ = loop_->runAfter(timeoutSeconds, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    LOG_INFO << "TcpServer::drain [" << name_ << "] - deadline, force-closing "
             << connections_.size() << " connection(s)";
    for (const auto& item : connections_) item.second->forceClose();
  });
}

void TcpServer::drainDone() {
  loop_->cancel(drainTimer_);
  std::function<void()> done = std::move(drainDone_);
  drainDone_ = nullptr;
  // Last: done may end the loop, or destroy this server.
  if (done) done();
}

}  // namespace net
}  // namespace mymuduo
