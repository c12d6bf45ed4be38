#include "mymuduo/net/TcpServer.h"

#include <cassert>
#include <charconv>
#include <future>

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
      option_(option),
      listeners_([&] {
        std::vector<std::unique_ptr<Listener>> listeners;
        listeners.push_back(std::make_unique<Listener>(Listener{
            loop, std::make_unique<Acceptor>(loop, listenAddr, option != kNoReusePort), {}}));
        return listeners;
      }()),
      listenAddr_(listeners_[0]->acceptor->listenAddress()),
      ipPort_(listenAddr_.toIpPort()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback),
      threadPool_(std::make_unique<EventLoopThreadPool>(loop, name_)) {}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  loop_->cancel(drainTimer_);
  for (const auto& owned : listeners_) {
    Listener* listener = owned.get();
    // In the listener's loop, which owns its acceptor and its map: at once for the server's
    // loop, queued for an IO loop, which runs it before the join below lets its thread end.
    listener->loop->runInLoop([listener] {
      listener->acceptor.reset();
      ConnectionMap connections;
      connections.swap(listener->connections);
      for (auto& item : connections) {
        TcpConnectionPtr conn(std::move(item.second));
        // In the connection's own loop, like everything it does. When that is the loop we
        // are in (no IO threads, or kListenPerLoop), it is torn down right here.
        conn->getLoop()->runInLoop([conn] { conn->connectDestroyed(); });
      }
    });
  }
  // Join the IO threads now, while every member is still intact: a connection closing in an
  // IO loop at this moment still calls removeConnection() on us. Each loop runs the tasks
  // queued to it (the ones above among them) before its loop() returns.
  threadPool_.reset();
}

InetAddress TcpServer::listenAddress() const { return listenAddr_; }

void TcpServer::setTcpNoDelay(bool on) {
  tcpNoDelay_ = on;
  Acceptor* acceptor = listeners_[0]->acceptor.get();
  if (acceptor) acceptor->setTcpNoDelay(on);  // drained before it started: no socket left
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
      if (draining_) return;  // drained before it started
      std::vector<EventLoop*> ioLoops = threadPool_->getAllLoops();
      if (option_ == kListenPerLoop && ioLoops[0] != loop_) {
        // Each IO loop listens in its own thread. Wait for them all: as with one acceptor, a
        // client may connect as soon as start() has run, and a port with no socket listening
        // yet would refuse it.
        std::vector<std::future<void>> listening;
        listening.reserve(ioLoops.size());
        for (EventLoop* ioLoop : ioLoops) listening.push_back(listenIn(ioLoop));
        for (auto& f : listening) f.wait();
      } else {
        listenIn(loop_);  // listeners_[0], the socket the constructor bound
      }
    });
  }
}

std::future<void> TcpServer::listenIn(EventLoop* ioLoop) {
  loop_->assertInLoopThread();
  if (ioLoop != loop_) {
    // Bound here, so that a port taken meanwhile aborts now and not in an IO thread; the
    // same port as listeners_[0], which SO_REUSEPORT on both allows.
    listeners_.push_back(std::make_unique<Listener>(
        Listener{ioLoop, std::make_unique<Acceptor>(ioLoop, listenAddr_, true), {}}));
    if (tcpNoDelay_) listeners_.back()->acceptor->setTcpNoDelay(true);
  }
  Listener* listener = listeners_.back().get();
  listener->acceptor->setNewConnectionCallback(
      [this, listener](int sockfd, const InetAddress& peerAddr) {
        newConnection(listener, sockfd, peerAddr);
      });
  auto listening = std::make_shared<std::promise<void>>();
  ioLoop->runInLoop([listener, listening] {
    listener->acceptor->listen();
    listening->set_value();
  });
  return listening->get_future();
}

void TcpServer::newConnection(Listener* listener, int sockfd, const InetAddress& peerAddr) {
  listener->loop->assertInLoopThread();
  // The main loop hands the connection to the next IO loop; an IO loop that accepted it
  // keeps it.
  EventLoop* ioLoop = listener->loop == loop_ ? threadPool_->getNextLoop() : listener->loop;
  // "<name>-<ip:port>#<id>" in one allocation, on every accept: `a + "-" + b + ...` grows a
  // temporary part by part and may reallocate it at several of the steps.
  char id[24];  // any uint64_t in decimal
  char* idEnd =
      std::to_chars(id, id + sizeof id, nextConnId_.fetch_add(1, std::memory_order_relaxed)).ptr;
  std::string connName;
  connName.reserve(name_.size() + ipPort().size() + 2 + static_cast<size_t>(idEnd - id));
  connName.append(name_).append(1, '-').append(ipPort()).append(1, '#').append(id, idEnd);
  LOG_INFO << "TcpServer::newConnection [" << name_ << "] - new connection [" << connName
           << "] from " << peerAddr.toIpPort();
  auto conn = std::make_shared<TcpConnection>(ioLoop, connName, sockfd, peerAddr);
  listener->connections[std::move(connName)] = conn;
  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  conn->setCloseCallback(
      [this, listener](const TcpConnectionPtr& c) { removeConnection(listener, c); });
  if (ioLoop == listener->loop) {
    conn->connectEstablished();  // at once: a task holding conn would cost an allocation
  } else {
    // Everything above happens before the task runs: the queue's lock orders it.
    ioLoop->queueInLoop([conn] { conn->connectEstablished(); });
  }
}

void TcpServer::removeConnection(Listener* listener, const TcpConnectionPtr& conn) {
  // In the connection's IO loop: the map belongs to the listener's loop. With kListenPerLoop, or
  // without IO threads, that is this loop: at once, and no task to wrap (this one is too large
  // for std::function's inline storage, an allocation per connection).
  if (listener->loop->isInLoopThread()) {
    removeConnectionInLoop(listener, conn);
    return;
  }
  // Else hop there. The IO threads are joined before ~TcpServer returns, so `this` is still
  // alive here; but the hop may run after it, hence the weak_ptr.
  listener->loop->queueInLoop([this, alive = std::weak_ptr<bool>(alive_), listener, conn] {
    if (alive.expired()) {
      return;  // ~TcpServer has queued connectDestroyed() for it already
    }
    removeConnectionInLoop(listener, conn);
  });
}

void TcpServer::removeConnectionInLoop(Listener* listener, const TcpConnectionPtr& conn) {
  listener->loop->assertInLoopThread();
  LOG_INFO << "TcpServer::removeConnectionInLoop [" << name_ << "] - connection " << conn->name();
  size_t n = listener->connections.erase(conn->name());
  assert(n == 1);
  (void)n;
  // Back to the connection's loop: the channel is removed from its poller there. Inside the
  // loop's event handling (the connection's own handleEvent(), with no IO threads or with
  // kListenPerLoop), or from another thread, it is queued. From a queued task of that loop
  // (forceClose() runs there) it runs at once: no handler of the connection is on the stack,
  // and a task queued by a running task costs the loop a wakeup, a write and a read of its
  // eventfd. From here only tasks hold the connection; ~TcpConnection runs in the thread of
  // whichever goes last, in any case after connectDestroyed().
  EventLoop* ioLoop = conn->getLoop();
  if (ioLoop->isInLoopThread() && !ioLoop->eventHandling()) {
    conn->connectDestroyed();
  } else {
    ioLoop->queueInLoop([conn] { conn->connectDestroyed(); });
  }
  if (listener->draining && listener->connections.empty()) listenerDrained(listener);
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
  // Armed first: a server with no connection is done (and cancels it) before the loop below
  // returns.
  drainTimer_ = loop_->runAfter(timeoutSeconds, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    LOG_INFO << "TcpServer::drain [" << name_ << "] - deadline, force-closing what is open";
    for (const auto& owned : listeners_) {
      Listener* listener = owned.get();
      listener->loop->runInLoop([listener] {
        for (const auto& item : listener->connections) item.second->forceClose();
      });
    }
  });
  LOG_INFO << "TcpServer::drain [" << name_ << "] - stopped listening";
  listenersDraining_ = listeners_.size();
  // Copied: the last listener to drain may run done(), which may destroy this server.
  std::vector<Listener*> listeners;
  for (const auto& owned : listeners_) listeners.push_back(owned.get());
  for (Listener* listener : listeners) {
    // The IO loops run these before their threads are joined, so `this` is alive in them.
    listener->loop->runInLoop([this, listener, onDrain] { drainListener(listener, onDrain); });
  }
}

void TcpServer::drainListener(Listener* listener, const DrainCallback& onDrain) {
  listener->loop->assertInLoopThread();
  // The listening socket closes: a client's connect is refused from now on, where one merely
  // not accepted would wait in the backlog until the process exits.
  listener->acceptor.reset();
  if (listener->connections.empty()) {
    listenerDrained(listener);
    return;
  }
  listener->draining = true;
  for (const auto& item : listener->connections) {
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
}

void TcpServer::listenerDrained(Listener* listener) {
  listener->draining = false;
  loop_->runInLoop([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired() && --listenersDraining_ == 0) drainDone();
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
