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
}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reuseport)
    : loop_(loop),
      acceptSocket_(sockets::createNonblockingOrDie()),
      acceptChannel_(loop, acceptSocket_.fd()),
      idleFd_(openIdleFd()) {
  if (idleFd_ < 0) {
    LOG_SYSFATAL << "Acceptor: cannot open the spare fd";
  }
  acceptSocket_.setReuseAddr(true);
  if (reuseport) {
    acceptSocket_.setReusePort(true);
  }
  acceptSocket_.bindAddress(listenAddr);
  acceptChannel_.setReadCallback([this](Timestamp) { handleRead(); });
}

Acceptor::~Acceptor() {
  acceptChannel_.disableAll();
  acceptChannel_.remove();
  ::close(idleFd_);
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
    if (savedErrno == EMFILE) {
      // Out of fds: the pending connection stays in the backlog, the listening socket stays
      // readable, and a level-triggered poller would wake us again at once, forever. Give up
      // the spare fd, accept the connection, close it (the peer sees the refusal), and take
      // the spare back.
      ::close(idleFd_);
      idleFd_ = ::accept(acceptSocket_.fd(), nullptr, nullptr);
      if (idleFd_ >= 0) ::close(idleFd_);
      idleFd_ = openIdleFd();
    }
  }
}

}  // namespace net
}  // namespace mymuduo
