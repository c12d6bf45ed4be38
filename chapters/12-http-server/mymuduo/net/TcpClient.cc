#include "mymuduo/net/TcpClient.h"

#include <cassert>
#include <future>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Connector.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

TcpClient::TcpClient(EventLoop* loop, const InetAddress& serverAddr, std::string name)
    : loop_(loop),
      connector_(std::make_shared<Connector>(loop, serverAddr)),
      name_(std::move(name)),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback) {
  // `this` in the connector's callbacks: they run in the loop, and teardownInLoop() removes
  // them in the loop before the client is gone, so none can run after.
  connector_->setNewConnectionCallback([this](int sockfd) { newConnection(sockfd); });
  connector_->setErrorCallback([this](int err, bool willRetry) {
    // A copy: the callback may destroy the client, and with it connectErrorCallback_.
    ConnectErrorCallback callback = connectErrorCallback_;
    if (callback) callback(err, willRetry);
  });
  LOG_INFO << "TcpClient::TcpClient[" << name_ << "] - connector " << connector_.get();
}

TcpClient::~TcpClient() {
  LOG_INFO << "TcpClient::~TcpClient[" << name_ << "] - connector " << connector_.get();
  if (loop_->isInLoopThread()) {
    teardownInLoop();
  } else {
    // Everything that can call back into the client runs in the loop, so the teardown runs
    // there too, and we wait: when the destructor returns, the loop has no path left to us.
    std::promise<void> done;
    loop_->runInLoop([this, &done] {
      teardownInLoop();
      done.set_value();
    });
    done.get_future().wait();
  }
}

void TcpClient::teardownInLoop() {
  loop_->assertInLoopThread();
  alive_.reset();
  // An attempt in flight or a pending retry ends here, and the connector (which a queued
  // task may keep alive a little longer) forgets us.
  connector_->stop();
  connector_->setNewConnectionCallback(nullptr);
  connector_->setErrorCallback(nullptr);

  TcpConnectionPtr conn;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    conn.swap(connection_);
  }
  if (conn) {
    assert(loop_ == conn->getLoop());
    // Nothing of the connection may call us again. Set in the loop, where handleClose() reads
    // it; and we may be inside handleClose() right now (destroyed by the DOWN callback).
    conn->setCloseCallback([](const TcpConnectionPtr&) {});
    // Closed now, not queued: its callbacks are the user's, and none may run after we return.
    // Closed even if the user still holds it. use_count() cannot tell whether they do: it
    // also counts the library's own references (the tie while one of the connection's
    // callbacks runs, a task queued with shared_from_this()), so "close it only if ours is
    // the only reference" would leave open a connection nobody will close, to be destroyed
    // still connected when that reference goes.
    conn->connectDestroyed();
  }
}

void TcpClient::connect() {
  LOG_INFO << "TcpClient::connect[" << name_ << "] - connecting to "
           << connector_->serverAddress().toIpPort();
  connect_ = true;
  // In the loop, where connection_ changes: whether a connection is up decides what to do.
  loop_->runInLoop([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) connectInLoop();
  });
}

void TcpClient::connectInLoop() {
  loop_->assertInLoopThread();
  if (!connect_) return;  // disconnect() or stop() came after
  TcpConnectionPtr conn = connection();
  if (!conn) {
    connector_->start();
  } else if (conn->connected()) {
    LOG_INFO << "TcpClient::connect[" << name_ << "] - already connected";
  } else {
    reconnect_ = true;  // it is closing: connect again once it is down (removeConnection())
  }
}

void TcpClient::setRetryDelayMs(int initialMs, int maxMs) {
  connector_->setRetryDelayMs(initialMs, maxMs);
}

void TcpClient::disconnect() {
  connect_ = false;
  TcpConnectionPtr conn = connection();
  if (conn) {
    conn->shutdown();
  }
}

void TcpClient::stop() {
  connect_ = false;
  connector_->stop();
}

void TcpClient::newConnection(int sockfd) {
  loop_->assertInLoopThread();
  InetAddress peerAddr(sockets::getPeerAddr(sockfd));
  std::string connName = name_ + ":" + peerAddr.toIpPort() + "#" + std::to_string(nextConnId_++);
  auto conn = std::make_shared<TcpConnection>(loop_, connName, sockfd, peerAddr);
  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  // `this`: replaced by teardownInLoop() before the client goes (both in the loop thread).
  conn->setCloseCallback([this](const TcpConnectionPtr& c) { removeConnection(c); });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // connect() waits for the last connection to go down: never two at once.
    assert(!connection_);
    connection_ = conn;
  }
  conn->connectEstablished();
}

void TcpClient::removeConnection(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  assert(loop_ == conn->getLoop());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    assert(connection_ == conn);
    connection_.reset();
  }
  // Queued: we are inside the connection's own handleClose().
  loop_->queueInLoop([conn] { conn->connectDestroyed(); });
  const bool reconnect = reconnect_;
  reconnect_ = false;
  if (connect_ && (retry_ || reconnect)) {
    LOG_INFO << "TcpClient::removeConnection[" << name_ << "] - reconnecting to "
             << connector_->serverAddress().toIpPort();
    connector_->restart();
  }
}

}  // namespace net
}  // namespace mymuduo
