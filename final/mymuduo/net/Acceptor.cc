#include "mymuduo/net/Acceptor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

namespace {
int openIdleFd() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// Long enough that a paused acceptor costs nothing, short enough that clients in the backlog
// (whose connect has already succeeded) are served soon after fds are free again.
constexpr double kAcceptRetrySeconds = 0.1;
}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reuseport)
    : loop_(loop),
      acceptSocket_(sockets::createNonblockingOrDie(listenAddr.family())),
      acceptChannel_(loop, acceptSocket_.fd()),
      idleFd_(openIdleFd()) {
  if (idleFd_ < 0) {
    LOG_SYSFATAL << "Acceptor: cannot open the spare fd";
  }
  acceptSocket_.setReuseAddr(true);
  // For the connections: Linux copies a listening socket's options into each socket it
  // accepts, so SO_KEEPALIVE set once here costs no connection a setsockopt() of its own.
  acceptSocket_.setKeepAlive(true);
  if (reuseport) {
    acceptSocket_.setReusePort(true);
  }
  acceptSocket_.bindAddress(listenAddr);
  acceptChannel_.setReadCallback([this](Timestamp) { handleRead(); });
}

Acceptor::~Acceptor() {
  loop_->cancel(retryTimer_);
  acceptChannel_.disableAll();
  acceptChannel_.remove();
  if (idleFd_ >= 0) ::close(idleFd_);
}

void Acceptor::listen() {
  loop_->assertInLoopThread();
  listening_ = true;
  acceptSocket_.listen();
  acceptChannel_.enableReading();
}

InetAddress Acceptor::listenAddress() const {
  return InetAddress(sockets::getLocalAddr(acceptSocket_.fd()));
}

void Acceptor::handleRead() {
  loop_->assertInLoopThread();
  InetAddress peerAddr;
  int connfd = acceptSocket_.accept(&peerAddr);
  if (connfd >= 0) {
    if (newConnectionCallback_) {
      newConnectionCallback_(connfd, peerAddr);
    } else {
      sockets::close(connfd);
    }
  } else {
    int savedErrno = errno;  // logging may change errno
    LOG_SYSERR << "in Acceptor::handleRead";
    if (savedErrno == EMFILE && idleFd_ >= 0) {
      // Out of fds: the pending connection stays in the backlog, the listening socket stays
      // readable, and a level-triggered poller would wake us again at once, forever. Give up
      // the spare fd, accept the connection, close it (the peer sees the refusal), and take
      // the spare back - which fails if another thread took the fd meanwhile: then -1, and
      // the next EMFILE pauses instead.
      ::close(idleFd_);
      idleFd_ = ::accept(acceptSocket_.fd(), nullptr, nullptr);
      if (idleFd_ >= 0) ::close(idleFd_);
      idleFd_ = openIdleFd();
    } else if (savedErrno == EMFILE || savedErrno == ENFILE || savedErrno == ENOBUFS ||
               savedErrno == ENOMEM) {
      // No spare, or a shortage that closing one fd of ours does not cure (ENFILE is the
      // whole system's file table; ENOBUFS and ENOMEM are kernel memory). Same spin danger.
      pauseAccepting();
    }
  }
}

void Acceptor::pauseAccepting() {
  acceptChannel_.disableReading();
  retryTimer_ = loop_->runAfter(kAcceptRetrySeconds, [this] { resumeAccepting(); });
}

void Acceptor::resumeAccepting() {
  if (idleFd_ < 0) {
    idleFd_ = openIdleFd();  // fds may be free again; if not, the next EMFILE pauses again
  }
  acceptChannel_.enableReading();
}

}  // namespace net
}  // namespace mymuduo
