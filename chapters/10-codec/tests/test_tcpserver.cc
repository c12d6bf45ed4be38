// The names TcpServer gives its connections.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/TcpConnection.h"

using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::connectTo;
using testutil::TestServer;

TEST_CASE("TcpServer names each connection server-name-ip:port#serial", "[ch06][tcpserver]") {
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
