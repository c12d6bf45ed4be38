#include "mymuduo/net/SocketsOps.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "mymuduo/base/Logger.h"

namespace mymuduo {
namespace net {

namespace {

void ignoreSigPipeOnce() {
  // A function-local static is initialised exactly once, even with threads racing here.
  static const bool ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
}

socklen_t addrLen(const struct sockaddr* addr) {
  return static_cast<socklen_t>(addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                            : sizeof(struct sockaddr_in));
}

// Room for either family: the kernel fills in what the socket is.
constexpr socklen_t kAddr6Len = static_cast<socklen_t>(sizeof(struct sockaddr_in6));

}  // namespace

int sockets::createNonblockingOrDie(sa_family_t family) {
  ignoreSigPipeOnce();
  int sockfd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (sockfd < 0) {
    LOG_SYSFATAL << "sockets::createNonblockingOrDie";
  }
  return sockfd;
}

void sockets::bindOrDie(int sockfd, const struct sockaddr* addr) {
  if (::bind(sockfd, addr, addrLen(addr)) < 0) {
    LOG_SYSFATAL << "sockets::bindOrDie";
  }
}

void sockets::listenOrDie(int sockfd) {
  if (::listen(sockfd, SOMAXCONN) < 0) {
    LOG_SYSFATAL << "sockets::listenOrDie";
  }
}

int sockets::accept(int sockfd, struct sockaddr_in6* addr) {
  socklen_t len = kAddr6Len;
  int connfd = ::accept4(sockfd, reinterpret_cast<struct sockaddr*>(addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (connfd < 0) {
    int savedErrno = errno;
    switch (savedErrno) {
      case EAGAIN:
      case ECONNABORTED:
      case EINTR:
      case EPROTO:
      case EPERM:
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
      // Network errors already pending on the new connection, which Linux reports from
      // accept itself (accept(2), "Error handling"): the connection is gone, we are not.
      case ENETDOWN:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case ENETUNREACH:
        // Expected under load or by a peer's doing: the caller decides what to do.
        break;
      default:
        // EBADF, EFAULT, EINVAL, ENOTSOCK, EOPNOTSUPP...: a bug in the program.
        LOG_SYSFATAL << "unexpected error of ::accept";
    }
    errno = savedErrno;
  }
  return connfd;
}

int sockets::connect(int sockfd, const struct sockaddr* addr) {
  return ::connect(sockfd, addr, addrLen(addr));
}

void sockets::close(int sockfd) {
  if (::close(sockfd) < 0) {
    LOG_SYSERR << "sockets::close";
  }
}

void sockets::shutdownWrite(int sockfd) {
  if (::shutdown(sockfd, SHUT_WR) < 0) {
    int savedErrno = errno;  // logging may change errno
    if (savedErrno == ENOTCONN) {
      // The peer reset the connection first: there is no writing half left to close, and
      // that is the peer's doing, not an error of ours.
      LOG_WARN << "sockets::shutdownWrite - " << strerror_tl(savedErrno);
    } else {
      LOG_SYSERR << "sockets::shutdownWrite";
    }
  }
}

ssize_t sockets::send(int sockfd, const void* data, size_t len) {
  return ::send(sockfd, data, len, MSG_NOSIGNAL);
}

int sockets::getSocketError(int sockfd) {
  int optval = 0;
  socklen_t optlen = static_cast<socklen_t>(sizeof optval);
  if (::getsockopt(sockfd, SOL_SOCKET, SO_ERROR, &optval, &optlen) < 0) {
    return errno;
  }
  return optval;
}

struct sockaddr_in6 sockets::getLocalAddr(int sockfd) {
  struct sockaddr_in6 localaddr;
  std::memset(&localaddr, 0, sizeof localaddr);
  socklen_t len = kAddr6Len;
  if (::getsockname(sockfd, reinterpret_cast<struct sockaddr*>(&localaddr), &len) < 0) {
    LOG_SYSERR << "sockets::getLocalAddr";
  }
  return localaddr;
}

struct sockaddr_in6 sockets::getPeerAddr(int sockfd) {
  struct sockaddr_in6 peeraddr;
  std::memset(&peeraddr, 0, sizeof peeraddr);
  socklen_t len = kAddr6Len;
  if (::getpeername(sockfd, reinterpret_cast<struct sockaddr*>(&peeraddr), &len) < 0) {
    LOG_SYSERR << "sockets::getPeerAddr";
  }
  return peeraddr;
}

bool sockets::isSelfConnect(int sockfd) {
  struct sockaddr_in6 localaddr = getLocalAddr(sockfd);
  struct sockaddr_in6 peeraddr = getPeerAddr(sockfd);
  if (localaddr.sin6_family == AF_INET) {
    const auto* local4 = reinterpret_cast<const struct sockaddr_in*>(&localaddr);
    const auto* peer4 = reinterpret_cast<const struct sockaddr_in*>(&peeraddr);
    return local4->sin_port == peer4->sin_port && local4->sin_addr.s_addr == peer4->sin_addr.s_addr;
  }
  return localaddr.sin6_port == peeraddr.sin6_port &&
         std::memcmp(&localaddr.sin6_addr, &peeraddr.sin6_addr, sizeof localaddr.sin6_addr) == 0;
}

}  // namespace net
}  // namespace mymuduo
