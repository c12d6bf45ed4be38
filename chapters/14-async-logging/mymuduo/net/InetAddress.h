#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace mymuduo {
namespace net {

/// An IPv4 or IPv6 socket address: a sockaddr_in or a sockaddr_in6 in one union, the family
/// field telling which (both structs start with it). A plain value: copy it freely, across
/// threads too.
class InetAddress {
 public:
  /// Listening address: the wildcard (0.0.0.0, or :: when ipv6) or, when loopbackOnly, the
  /// loopback address (127.0.0.1 or ::1), with `port`. Port 0 lets the kernel choose; read the
  /// choice back from the bound socket.
  explicit InetAddress(uint16_t port = 0, bool loopbackOnly = false, bool ipv6 = false);
  /// ip is an IPv4 dotted-decimal ("192.168.1.10") or an IPv6 literal ("::1", "fe80::1",
  /// without brackets). Throws std::invalid_argument if it is neither.
  InetAddress(const std::string& ip, uint16_t port);
  explicit InetAddress(const struct sockaddr_in& addr) : addr6_() { addr_ = addr; }
  /// Either family: what getsockname() and accept() fill in a sockaddr_in6-sized buffer.
  explicit InetAddress(const struct sockaddr_in6& addr) { setSockAddrInet6(addr); }

  sa_family_t family() const { return addr_.sin_family; }
  std::string toIp() const;      // "127.0.0.1", "::1"
  std::string toIpPort() const;  // "127.0.0.1:8000", "[::1]:8000"
  uint16_t port() const;

  const struct sockaddr* getSockAddr() const;
  void setSockAddrInet6(const struct sockaddr_in6& addr6);

 private:
  union {
    struct sockaddr_in addr_;
    struct sockaddr_in6 addr6_;
  };
};

}  // namespace net
}  // namespace mymuduo
