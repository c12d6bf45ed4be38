// InetAddress and the sockets:: wrappers, before any socket is connected.
#include <catch2/catch.hpp>
#include <csignal>
#include <stdexcept>
#include <string>

#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"

using mymuduo::net::InetAddress;
namespace sockets = mymuduo::net::sockets;

TEST_CASE("InetAddress parses dotted decimal and rejects anything else",
          "[ch05][s1][inetaddress]") {
  CHECK(InetAddress("127.0.0.1", 8000).toIpPort() == "127.0.0.1:8000");
  CHECK(InetAddress("10.1.2.3", 0).toIp() == "10.1.2.3");
  CHECK(InetAddress(8000).toIpPort() == "0.0.0.0:8000");
  CHECK(InetAddress(8000, true).toIpPort() == "127.0.0.1:8000");
  CHECK(InetAddress(65535).port() == 65535);
  CHECK(InetAddress("255.255.255.255", 65535).toIpPort() == "255.255.255.255:65535");
  // toIp() formats IPv4 by hand: each of the 256 values of an octet, in every position.
  std::string wrong;
  for (int v = 0; v < 256; ++v) {
    std::string ip = std::to_string(v) + "." + std::to_string(255 - v) + "." +
                     std::to_string((v * 7) % 256) + "." + std::to_string(v);
    if (InetAddress(ip, 0).toIp() != ip) wrong += ip + " ";
  }
  CHECK(wrong.empty());
  for (const char* bad : {"", "localhost", "256.0.0.1", "1.2.3", "1.2.3.4.5", "0x7f.0.0.1"}) {
    INFO("ip '" << bad << "'");
    CHECK_THROWS_AS(InetAddress(bad, 80), std::invalid_argument);
  }
}

TEST_CASE("creating a socket makes the process ignore SIGPIPE", "[ch05][s1][socket]") {
  int fd = sockets::createNonblockingOrDie();
  struct sigaction current;
  REQUIRE(::sigaction(SIGPIPE, nullptr, &current) == 0);
  CHECK(current.sa_handler == SIG_IGN);
  sockets::close(fd);
}

TEST_CASE("InetAddress holds an IPv6 address and prints it in brackets with its port",
          "[ch05][s1][inetaddress]") {
  InetAddress loopback("::1", 8000);
  CHECK(loopback.family() == AF_INET6);
  CHECK(loopback.toIp() == "::1");
  CHECK(loopback.toIpPort() == "[::1]:8000");
  CHECK(InetAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535).toIpPort() ==
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  CHECK(loopback.port() == 8000);
  CHECK(InetAddress("fe80::1:2", 0).toIp() == "fe80::1:2");
  CHECK(InetAddress("0:0:0:0:0:0:0:1", 1).toIp() == "::1");  // printed in its shortest form
  CHECK(InetAddress(80, true, true).toIpPort() == "[::1]:80");
  CHECK(InetAddress(80, false, true).toIpPort() == "[::]:80");
  CHECK(InetAddress(80, true).family() == AF_INET);  // IPv4 unless asked
  for (const char* bad : {"[::1]", "::g", "1:2:3:4:5:6:7:8:9", ":::", "::1%lo", "127.0.0.1:80"}) {
    INFO(bad);
    CHECK_THROWS_AS(InetAddress(bad, 80), std::invalid_argument);
  }
}
