#include "mymuduo/net/TcpConnection.h"

#include <cassert>
#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/Socket.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

namespace {

// The peer reset the connection (ECONNRESET; EPIPE when the reset reached a socket that had
// already seen its FIN). That is the peer's doing, not a fault of ours: a warning, not an error.
bool isPeerReset(int err) { return err == ECONNRESET || err == EPIPE; }

// A read or write on the connection's socket that failed with err, logged by who is to blame:
// the peer's reset as a warning, anything else as an error with errno's text.
void logSocketError(const char* where, const std::string& name, int err) {
  if (isPeerReset(err)) {
    LOG_WARN << where << " [" << name << "] - " << strerror_tl(err);
  } else {
    errno = err;  // LOG_SYSERR appends errno's text, and logging may have changed errno
    LOG_SYSERR << where << " [" << name << "]";
  }
}

}  // namespace

void defaultConnectionCallback(const TcpConnectionPtr& conn) {
  LOG_TRACE << conn->localAddress().toIpPort() << " -> " << conn->peerAddress().toIpPort() << " is "
            << (conn->connected() ? "UP" : "DOWN");
}

void defaultMessageCallback(const TcpConnectionPtr&, Buffer* buf, Timestamp) { buf->retrieveAll(); }

TcpConnection::TcpConnection(EventLoop* loop, std::string name, int sockfd,
                             const InetAddress& peerAddr)
    : loop_(loop),
      name_(std::move(name)),
      socket_(std::make_unique<Socket>(sockfd)),
      channel_(std::make_unique<Channel>(loop, sockfd)),
      peerAddr_(peerAddr) {
  channel_->setReadCallback([this](Timestamp receiveTime) { handleRead(receiveTime); });
  channel_->setCloseCallback([this] { handleClose(); });
  channel_->setErrorCallback([this] { handleError(); });
  LOG_DEBUG << "TcpConnection::ctor[" << name_ << "] at " << this << " fd=" << sockfd;
}

InetAddress TcpConnection::localAddress() const {
  std::call_once(localAddrOnce_,
                 [this] { localAddr_ = InetAddress(sockets::getLocalAddr(socket_->fd())); });
  return localAddr_;
}

TcpConnection::~TcpConnection() {
  LOG_DEBUG << "TcpConnection::dtor[" << name_ << "] at " << this << " fd=" << channel_->fd()
            << " state=" << stateToString();
  assert(state_ == kDisconnected);
}

void TcpConnection::setTcpNoDelay(bool on) { socket_->setTcpNoDelay(on); }

void TcpConnection::connectEstablished() {
  loop_->assertInLoopThread();
  assert(state_ == kConnecting);
  setState(kConnected);
  channel_->tie(shared_from_this());
  channel_->enableReading();
  connectionCallback_(shared_from_this());
}

void TcpConnection::connectDestroyed() {
  loop_->assertInLoopThread();
  if (state_ == kConnected) {
    // The owner let go without a close from the peer (a server shutting down).
    setState(kDisconnected);
    channel_->disableAll();
    // Guarded: a DOWN callback that throws must not keep the channel in the poller.
    invokeCallback("TcpConnection: the connection callback",
                   [this] { connectionCallback_(shared_from_this()); });
  }
  channel_->remove();
}

void TcpConnection::handleRead(Timestamp receiveTime) {
  loop_->assertInLoopThread();
  int savedErrno = 0;
  ssize_t n = inputBuffer_.readFd(channel_->fd(), &savedErrno);
  if (n > 0) {
    messageCallback_(shared_from_this(), &inputBuffer_, receiveTime);
    // Most connections sit idle between messages, and a kept input buffer would cost each
    // of them 1 KiB. Giving it back costs a busy connection one malloc/free pair per read:
    // readFd() then reads into its stack array and append() allocates. glibc serves that
    // 1032-byte block from its per-thread cache, which is cheap next to the read and the
    // callback.
    inputBuffer_.releaseIfEmpty();
  } else if (n == 0) {
    handleClose();  // the peer closed (or half-closed: we have nothing to send it anyway)
  } else if (savedErrno != EAGAIN && savedErrno != EINTR) {
    logSocketError("TcpConnection::handleRead", name_, savedErrno);
    handleClose();
  }
}

void TcpConnection::handleClose() {
  loop_->assertInLoopThread();
  if (state_ == kDisconnected) return;  // an error and a hang-up may both report the end
  LOG_TRACE << "fd = " << channel_->fd() << " state = " << stateToString();
  setState(kDisconnected);
  channel_->disableAll();
  TcpConnectionPtr guardThis(shared_from_this());
  // Guarded: a DOWN callback that throws must not skip the owner's close callback, or the
  // owner would hold a closed connection for ever.
  invokeCallback("TcpConnection: the connection callback", [&] { connectionCallback_(guardThis); });
  // Last: the owner drops its reference here, and schedules connectDestroyed().
  closeCallback_(guardThis);
}

void TcpConnection::handleError() {
  int err = sockets::getSocketError(channel_->fd());
  if (isPeerReset(err)) {
    LOG_WARN << "TcpConnection::handleError [" << name_ << "] - SO_ERROR = " << err << " "
             << strerror_tl(err);
  } else {
    LOG_ERROR << "TcpConnection::handleError [" << name_ << "] - SO_ERROR = " << err << " "
              << strerror_tl(err);
  }
}

const char* TcpConnection::stateToString() const {
  switch (state_) {
    case kDisconnected:
      return "kDisconnected";
    case kConnecting:
      return "kConnecting";
    case kConnected:
      return "kConnected";
  }
  return "unknown state";
}

}  // namespace net
}  // namespace mymuduo
