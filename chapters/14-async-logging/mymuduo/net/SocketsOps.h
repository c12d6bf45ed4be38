#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <cstddef>

namespace mymuduo {
namespace net {
namespace sockets {

/// Thin wrappers over the socket system calls, with the error handling every caller needs.
/// "OrDie" functions abort with the errno text: they fail only on programming or
/// configuration errors (a port in use, no fds left at start-up).

/// A non-blocking, close-on-exec TCP socket of `family` (AF_INET or AF_INET6). The first call
/// also ignores SIGPIPE for the whole process: writing to a peer that has closed must return
/// EPIPE, not kill us.
int createNonblockingOrDie(sa_family_t family = AF_INET);

/// addr is an AF_INET or AF_INET6 address; its family gives the length bind(2) is told.
void bindOrDie(int sockfd, const struct sockaddr* addr);
void listenOrDie(int sockfd);
/// Returns the new connection's fd (non-blocking, close-on-exec), or -1 with errno set
/// for the errors a server must survive (EAGAIN, ECONNABORTED, EMFILE...).
/// addr: a sockaddr_in6, big enough for either family; its family field says which it holds.
int accept(int sockfd, struct sockaddr_in6* addr);
/// Starts connecting; on a non-blocking socket usually -1 with errno EINPROGRESS. Returns
/// connect(2)'s result with errno as it left it: the caller (Connector) sorts the errors.
/// addr is an AF_INET or AF_INET6 address, as for bindOrDie.
int connect(int sockfd, const struct sockaddr* addr);
void close(int sockfd);
void shutdownWrite(int sockfd);
/// send(2) with MSG_NOSIGNAL: a write to a peer that has gone fails with EPIPE and raises no
/// SIGPIPE, whose default action ends the process - whatever the program does with the signal.
ssize_t send(int sockfd, const void* data, size_t len);

/// The pending error of a socket (SO_ERROR), as an errno value.
int getSocketError(int sockfd);
/// Either family, in a sockaddr_in6 (see accept); InetAddress takes it as it is.
struct sockaddr_in6 getLocalAddr(int sockfd);
struct sockaddr_in6 getPeerAddr(int sockfd);
/// True when the socket is connected to itself: local address == peer address. TCP's
/// simultaneous open lets a connect to a local port nobody listens on succeed, if the kernel
/// happens to choose that very port as the connecting socket's own.
bool isSelfConnect(int sockfd);

}  // namespace sockets
}  // namespace net
}  // namespace mymuduo
