#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace mymuduo {
namespace net {

/// An IPv4 socket address (sockaddr_in). A plain value: copy it freely, across threads too.
class InetAddress {
 public:
  /// Listening address: 0.0.0.0:port, or 127.0.0.1:port when loopbackOnly. Port 0 lets the
  /// kernel choose; read the choice back from the bound socket.
  explicit InetAddress(uint16_t port = 0, bool loopbackOnly = false);
  /// ip is dotted-decimal ("192.168.1.10"). Throws std::invalid_argument if it is not.
  InetAddress(const std::string& ip, uint16_t port);
  explicit InetAddress(const struct sockaddr_in& addr) : addr_(addr) {}

  std::string toIp() const;      // "127.0.0.1"
  std::string toIpPort() const;  // "127.0.0.1:8000"
  uint16_t port() const;

  const struct sockaddr* getSockAddr() const;
  void setSockAddr(const struct sockaddr_in& addr) { addr_ = addr; }

 private:
  struct sockaddr_in addr_;
};

}  // namespace net
}  // namespace mymuduo
