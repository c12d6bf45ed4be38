#pragma once

#include "mymuduo/base/UniqueFd.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class InetAddress;

/// A TCP socket that owns its fd: a UniqueFd, which closes it when the Socket goes.
/// Not thread safe by itself; each Socket is used by the one thread that owns it.
class Socket : noncopyable {
 public:
  explicit Socket(int sockfd) : sockfd_(sockfd) {}

  int fd() const { return sockfd_.get(); }

  /// Aborts if the address is in use.
  void bindAddress(const InetAddress& localaddr);
  /// Aborts on failure.
  void listen();
  /// On success returns a non-blocking, close-on-exec fd and fills *peeraddr;
  /// on failure returns -1 with errno set.
  int accept(InetAddress* peeraddr);

  void shutdownWrite();

  void setTcpNoDelay(bool on);  // TCP_NODELAY: no Nagle delay for small writes
  void setReuseAddr(bool on);   // SO_REUSEADDR: rebind while old connections sit in TIME_WAIT
  void setReusePort(bool on);   // SO_REUSEPORT: several sockets share one port
  void setKeepAlive(bool on);   // SO_KEEPALIVE

 private:
  const UniqueFd sockfd_;  // closed by its destructor
};

}  // namespace net
}  // namespace mymuduo
