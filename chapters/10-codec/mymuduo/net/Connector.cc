#include "mymuduo/net/Connector.h"

#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

namespace {

// Errors a later attempt may not see: nobody listening yet, a network or route that may
// come back, a handshake that timed out, the local ports in use for the moment. Everything
// else (EACCES, EPERM, EAFNOSUPPORT, EBADF, ENOTSOCK...) says the attempt itself is wrong,
// and repeating it every 30 seconds forever would only hide that.
bool isRetryable(int err) {
  switch (err) {
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ETIMEDOUT:
    case ECONNRESET:
    case EAGAIN:
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case ENETDOWN:
    case EHOSTDOWN:
      return true;
    default:
      return false;
  }
}

}  // namespace

Connector::Connector(EventLoop* loop, const InetAddress& serverAddr)
    : loop_(loop), serverAddr_(serverAddr) {
  LOG_DEBUG << "Connector::ctor[" << this << "]";
}

Connector::~Connector() {
  LOG_DEBUG << "Connector::dtor[" << this << "]";
  // The owner stopped us in the loop first (TcpClient does), or we never connected.
  assert(!channel_);
}

void Connector::setRetryDelayMs(int initialMs, int maxMs) {
  assert(0 < initialMs && initialMs <= maxMs);
  initRetryDelayMs_ = initialMs;
  maxRetryDelayMs_ = maxMs;
  retryDelayMs_ = initialMs;
}

void Connector::start() {
  connect_ = true;
  loop_->runInLoop([self = shared_from_this()] { self->startInLoop(); });
}

void Connector::startInLoop() {
  loop_->assertInLoopThread();
  if (!connect_) {
    LOG_DEBUG << "Connector::startInLoop - stopped before the attempt";
  } else if (state_ == kConnecting || retryTimer_.sequence() != 0) {
    LOG_DEBUG << "Connector::startInLoop - an attempt is already under way";
  } else {
    connect();  // from kDisconnected, or kConnected after the last connection went down
  }
}

void Connector::stop() {
  connect_ = false;
  loop_->runInLoop([self = shared_from_this()] { self->stopInLoop(); });
}

void Connector::stopInLoop() {
  loop_->assertInLoopThread();
  if (retryTimer_.sequence() != 0) {
    loop_->cancel(retryTimer_);
    retryTimer_ = TimerId();
  }
  if (state_ == kConnecting) {
    int sockfd = removeAndResetChannel();
    sockets::close(sockfd);
    setState(kDisconnected);
  }
}

void Connector::restart() {
  loop_->assertInLoopThread();
  // The connection handed over last time went down. Not an attempt under way: that one stays
  // (its socket and channel are ours), and startInLoop() leaves it alone.
  if (state_ == kConnected) setState(kDisconnected);
  retryDelayMs_ = initRetryDelayMs_;
  connect_ = true;
  startInLoop();
}

void Connector::connect() {
  int sockfd = sockets::createNonblockingOrDie(serverAddr_.family());
  // What a server's connections inherit from its listening socket (Acceptor), a client's
  // socket is given here.
  int on = 1;
  if (::setsockopt(sockfd, SOL_SOCKET, SO_KEEPALIVE, &on, static_cast<socklen_t>(sizeof on)) < 0) {
    LOG_SYSERR << "Connector: SO_KEEPALIVE failed on fd " << sockfd;
  }
  int ret = sockets::connect(sockfd, serverAddr_.getSockAddr());
  int savedErrno = (ret == 0) ? 0 : errno;
  switch (savedErrno) {
    case 0:            // not seen on Linux (see the chapter text); a guard
    case EINPROGRESS:  // the usual answer of a non-blocking connect
    case EINTR:
    case EISCONN:
      connecting(sockfd);
      break;
    default:
      // Refused, unreachable, or wrong: decided at once, without waiting for writable.
      failed(sockfd, savedErrno);
      break;
  }
}

void Connector::connecting(int sockfd) {
  setState(kConnecting);
  assert(!channel_);
  channel_ = std::make_unique<Channel>(loop_, sockfd);
  // `this` in the callbacks: tied, the channel holds us for the whole of its handleEvent(). One
  // event may run handleError() and then handleWrite(), and the first may report a failure
  // whose callback destroys our owner and its reference to us.
  channel_->tie(shared_from_this());
  channel_->setWriteCallback([this] { handleWrite(); });
  channel_->setErrorCallback([this] { handleError(); });
  // Writable means the handshake is over - successfully or not. SO_ERROR tells which.
  channel_->enableWriting();
}

int Connector::removeAndResetChannel() {
  channel_->disableAll();
  channel_->remove();
  int sockfd = channel_->fd();
  // We may be inside this channel's own handleEvent(): destroy it after the event is handled,
  // in a task that owns it (and not `this`, which may be gone by then).
  loop_->queueInLoop([channel = std::shared_ptr<Channel>(std::move(channel_))] {});
  return sockfd;
}

void Connector::handleWrite() {
  LOG_TRACE << "Connector::handleWrite state=" << state_;
  if (state_ != kConnecting) {
    return;  // handleError() in the same event has already dealt with the socket
  }
  int sockfd = removeAndResetChannel();
  int err = sockets::getSocketError(sockfd);
  if (err != 0) {
    LOG_WARN << "Connector::handleWrite - SO_ERROR = " << err << " " << strerror_tl(err);
    failed(sockfd, err);
  } else if (sockets::isSelfConnect(sockfd)) {
    // Nobody listens there: the kernel picked that very port for our end, and TCP's
    // simultaneous open connected the socket to itself. A refusal, retried like one.
    LOG_WARN << "Connector::handleWrite - self connect";
    failed(sockfd, ECONNREFUSED);
  } else {
    setState(kConnected);
    if (connect_ && newConnectionCallback_) {
      // A copy, and ourselves held: the callback may destroy our owner, which replaces the
      // callback and lets go of us while it runs.
      auto self = shared_from_this();
      NewConnectionCallback callback = newConnectionCallback_;
      callback(sockfd);
    } else {
      sockets::close(sockfd);  // stopped while the handshake finished
    }
  }
}

void Connector::handleError() {
  if (state_ == kConnecting) {
    int sockfd = removeAndResetChannel();
    int err = sockets::getSocketError(sockfd);
    LOG_WARN << "Connector::handleError - SO_ERROR = " << err << " " << strerror_tl(err);
    failed(sockfd, err);
  }
}

void Connector::failed(int sockfd, int err) {
  // The attempt is over before anyone hears of it: the callback may call stop(), start a new
  // attempt, or destroy our owner, and each must find no socket of ours half taken down.
  auto self = shared_from_this();  // see handleWrite(); we look at our state after the callback
  sockets::close(sockfd);
  setState(kDisconnected);
  const bool retryable = isRetryable(err);
  if (!retryable) {
    errno = err;
    LOG_SYSERR << "Connector::connect to " << serverAddr_.toIpPort() << " - giving up";
  }
  if (errorCallback_) {
    ErrorCallback callback = errorCallback_;
    callback(err, retryable && connect_);
  }
  // Unless the callback stopped us, or started an attempt of its own.
  if (retryable && connect_ && state_ == kDisconnected && retryTimer_.sequence() == 0) {
    scheduleRetry();
  }
}

void Connector::scheduleRetry() {
  LOG_INFO << "Connector::scheduleRetry - retry connecting to " << serverAddr_.toIpPort() << " in "
           << retryDelayMs_ << " milliseconds";
  // A weak_ptr, not shared_from_this(): a pending retry must not keep the Connector (and
  // with it a 30-second wait) alive after its TcpClient is gone.
  retryTimer_ = loop_->runAfter(retryDelayMs_ / 1000.0, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->retryTimer_ = TimerId();
      self->startInLoop();
    }
  });
  retryDelayMs_ = std::min(retryDelayMs_ * 2, maxRetryDelayMs_);
}

}  // namespace net
}  // namespace mymuduo
