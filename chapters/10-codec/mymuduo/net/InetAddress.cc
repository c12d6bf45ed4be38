#include "mymuduo/net/InetAddress.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace mymuduo {
namespace net {

InetAddress::InetAddress(uint16_t port, bool loopbackOnly) {
  std::memset(&addr_, 0, sizeof addr_);
  addr_.sin_family = AF_INET;
  addr_.sin_addr.s_addr = htonl(loopbackOnly ? INADDR_LOOPBACK : INADDR_ANY);
  addr_.sin_port = htons(port);
}

InetAddress::InetAddress(const std::string& ip, uint16_t port) {
  std::memset(&addr_, 0, sizeof addr_);
  addr_.sin_family = AF_INET;
  addr_.sin_port = htons(port);
  // inet_pton accepts only the strict dotted-decimal form, unlike inet_addr ("1" or
  // "0x7f.1" would pass there), and it reports failure instead of returning a valid address.
  if (::inet_pton(AF_INET, ip.c_str(), &addr_.sin_addr) != 1) {
    throw std::invalid_argument("InetAddress: not an IPv4 address: '" + ip + "'");
  }
}

std::string InetAddress::toIp() const {
  char buf[INET_ADDRSTRLEN] = "";
  ::inet_ntop(AF_INET, &addr_.sin_addr, buf, sizeof buf);
  return buf;
}

std::string InetAddress::toIpPort() const { return toIp() + ":" + std::to_string(port()); }

uint16_t InetAddress::port() const { return ntohs(addr_.sin_port); }

const struct sockaddr* InetAddress::getSockAddr() const {
  return reinterpret_cast<const struct sockaddr*>(&addr_);
}

}  // namespace net
}  // namespace mymuduo
