#include "mymuduo/net/Socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

namespace {

void setOption(int fd, int level, int name, bool on, const char* what) {
  int optval = on ? 1 : 0;
  if (::setsockopt(fd, level, name, &optval, static_cast<socklen_t>(sizeof optval)) < 0) {
    LOG_SYSERR << what << " failed on fd " << fd;
  }
}

}  // namespace

void Socket::bindAddress(const InetAddress& addr) {
  sockets::bindOrDie(sockfd_.get(), addr.getSockAddr());
}

void Socket::listen() { sockets::listenOrDie(sockfd_.get()); }

int Socket::accept(InetAddress* peeraddr) {
  struct sockaddr_in6 addr;
  std::memset(&addr, 0, sizeof addr);
  int connfd = sockets::accept(sockfd_.get(), &addr);
  if (connfd >= 0) {
    peeraddr->setSockAddrInet6(addr);
  }
  return connfd;
}

void Socket::shutdownWrite() { sockets::shutdownWrite(sockfd_.get()); }

void Socket::setTcpNoDelay(bool on) {
  setOption(sockfd_.get(), IPPROTO_TCP, TCP_NODELAY, on, "TCP_NODELAY");
}

void Socket::setReuseAddr(bool on) {
  setOption(sockfd_.get(), SOL_SOCKET, SO_REUSEADDR, on, "SO_REUSEADDR");
}

void Socket::setReusePort(bool on) {
  setOption(sockfd_.get(), SOL_SOCKET, SO_REUSEPORT, on, "SO_REUSEPORT");
}

void Socket::setKeepAlive(bool on) {
  setOption(sockfd_.get(), SOL_SOCKET, SO_KEEPALIVE, on, "SO_KEEPALIVE");
}

}  // namespace net
}  // namespace mymuduo
