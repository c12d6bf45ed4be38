#include "mymuduo/net/InetAddress.h"

#include <arpa/inet.h>

#include <charconv>
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

namespace {

/// Writes the address of `sa` (IPv4 or IPv6) at `p`, which has room for INET6_ADDRSTRLEN
/// bytes; returns the end of what it wrote (no terminating NUL counted).
char* writeIp(const struct sockaddr* sa, char* p) {
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const struct sockaddr_in6*>(sa);
    if (::inet_ntop(AF_INET6, &in6->sin6_addr, p, INET6_ADDRSTRLEN) == nullptr) return p;
    return p + std::strlen(p);
  }
  // By hand: glibc's inet_ntop() formats IPv4 through sprintf(), and a server's log names the
  // peer of every connection it accepts (callgrind: 1,850 instructions per toIpPort() call with
  // inet_ntop(), 480 without).
  const auto* in = reinterpret_cast<const struct sockaddr_in*>(sa);
  const auto* octets = reinterpret_cast<const unsigned char*>(&in->sin_addr.s_addr);
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    unsigned v = octets[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  return p;
}

}  // namespace

std::string InetAddress::toIp() const {
  char buf[INET6_ADDRSTRLEN];
  return std::string(buf, static_cast<size_t>(writeIp(getSockAddr(), buf) - buf));
}

std::string InetAddress::toIpPort() const {
  // In one buffer, then one string: `ip + ":" + std::to_string(port)` made four strings, and
  // this too runs for every connection a server accepts (480 instructions a call, 260 now).
  char buf[1 + INET6_ADDRSTRLEN + 2 + 5];  // "[", the address, "]:", the port
  char* p = buf;
  const bool v6 = family() == AF_INET6;
  // Brackets, as in a URL (RFC 3986 §3.2.2): "::1:8000" could be read as the address ::1:8000.
  if (v6) *p++ = '[';
  p = writeIp(getSockAddr(), p);
  if (v6) *p++ = ']';
  *p++ = ':';
  p = std::to_chars(p, buf + sizeof buf, port()).ptr;
  return std::string(buf, static_cast<size_t>(p - buf));
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
