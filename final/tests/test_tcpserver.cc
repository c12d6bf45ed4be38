// The names TcpServer gives its connections, over IPv4 and IPv6, and the options they get.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::connectTo;
using testutil::TestServer;

TEST_CASE("TcpServer names each connection server-name-ip:port#serial", "[ch06][s2][tcpserver]") {
  std::mutex mutex;
  std::vector<std::string> names;  // guarded by mutex: written in the loop thread
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      std::lock_guard<std::mutex> lock(mutex);
      if (conn->connected()) names.push_back(conn->name());
    });
  });
  for (int i = 0; i < 2; ++i) {  // one after the other, so that the serials are in order
    int fd = connectTo(server.port());
    REQUIRE(testutil::waitFor([&] {
      std::lock_guard<std::mutex> lock(mutex);
      return names.size() == static_cast<size_t>(i + 1);
    }));
    ::close(fd);
  }
  server.stop();

  std::string prefix = "test-127.0.0.1:" + std::to_string(server.port()) + "#";
  REQUIRE(names.size() == 2);
  CHECK(names[0] == prefix + "1");
  CHECK(names[1] == prefix + "2");
}

TEST_CASE("a TcpServer's connections have SO_KEEPALIVE from its listening socket",
          "[ch06][s2][tcpserver]") {
  std::mutex mutex;
  bool up = false;  // guarded by mutex: written in the loop thread
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      std::lock_guard<std::mutex> lock(mutex);
      up = conn->connected();
    });
  });
  int fd = connectTo(server.port());
  REQUIRE(testutil::waitFor([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return up;
  }));
  int serverFd = testutil::peerFdInProcess(fd);
  REQUIRE(serverFd >= 0);
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(serverFd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
  CHECK(on == 1);
  ::close(fd);
  server.stop();
}

TEST_CASE("TcpServer on IPv6 loopback names a connection with the bracketed address",
          "[ch06][s2][tcpserver]") {
  std::mutex mutex;
  std::vector<std::string> names;  // all three guarded by mutex: written in the loop thread
  std::string peerIp;
  std::string received;
  TestServer server(
      [&](TcpServer& s) {
        s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
          std::lock_guard<std::mutex> lock(mutex);
          if (conn->connected()) {
            names.push_back(conn->name());
            peerIp = conn->peerAddress().toIp();
          }
        });
        s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
          std::lock_guard<std::mutex> lock(mutex);
          received += buf->retrieveAllAsString();
        });
      },
      InetAddress(0, true, true));
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  InetAddress addr("::1", server.port());
  REQUIRE(::connect(fd, addr.getSockAddr(), sizeof(struct sockaddr_in6)) == 0);
  REQUIRE(::write(fd, "over six", 8) == 8);
  REQUIRE(testutil::waitFor([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return received == "over six";
  }));
  ::close(fd);
  server.stop();

  REQUIRE(names.size() == 1);
  CHECK(names[0] == "test-[::1]:" + std::to_string(server.port()) + "#1");
  CHECK(peerIp == "::1");
}
