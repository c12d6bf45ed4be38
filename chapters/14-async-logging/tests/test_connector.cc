// Connector, the non-blocking connect under TcpClient, on its own: sockets::isSelfConnect(),
// the exact back-off delays, and restart() while an attempt is under way. test_tcpclient.cc
// drives it through TcpClient.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <future>
#include <memory>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Connector.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"
#include "mymuduo/net/TcpServer.h"

using mymuduo::net::Connector;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpServer;
using testutil::countOpenFds;
using testutil::LoopInThread;
using testutil::TestServer;
namespace sockets = mymuduo::net::sockets;

namespace {

// reservePort(), listenOn() and settle() of test_tcpclient.cc, under names of their own: the
// test files of one chapter may share a unity build.

/// A loopback port that nobody listens on: bound (so the kernel picks a free one), never
/// listened on, then released. A connect to it is refused until someone listens there.
uint16_t reserveUnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress any(0, true);
  REQUIRE(::bind(fd, any.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  InetAddress bound(sockets::getLocalAddr(fd));
  ::close(fd);
  return bound.port();
}

/// A plain listening socket on 127.0.0.1:port (SO_REUSEADDR), with the given backlog.
int listenOnLoopback(uint16_t port, int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  InetAddress addr("127.0.0.1", port);
  REQUIRE(::bind(fd, addr.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

/// Waits until every task queued to loop so far has run.
void settleLoop(EventLoop* loop) {
  for (int i = 0; i < 2; ++i) {
    std::promise<void> done;
    loop->queueInLoop([&done] { done.set_value(); });
    done.get_future().wait();
  }
}

}  // namespace

TEST_CASE("isSelfConnect detects a socket connected to itself", "[ch09][s1][tcpclient]") {
  // Bound to a port, then connected to that same address: TCP's simultaneous open connects
  // the socket to itself, which is what a Connector meets by chance on an ephemeral port.
  uint16_t port = reserveUnusedPort();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress addr("127.0.0.1", port);
  REQUIRE(::bind(fd, addr.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  REQUIRE(::connect(fd, addr.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  CHECK(sockets::isSelfConnect(fd));
  ::close(fd);

  TestServer server([](TcpServer&) {});
  int other = testutil::connectTo(server.port());
  CHECK_FALSE(sockets::isSelfConnect(other));
  ::close(other);
}

TEST_CASE("Connector doubles its retry delay up to the cap and restart() starts over",
          "[ch09][s1][tcpclient]") {
  // The delay each failed attempt schedules, read in the error callback: exact, unlike times.
  LoopInThread loop;
  auto connector =
      std::make_shared<Connector>(loop.loop(), InetAddress("127.0.0.1", reserveUnusedPort()));
  connector->setRetryDelayMs(5, 40);
  std::vector<int> delays;  // loop thread only
  std::promise<void> sixFailed;
  std::promise<void> sevenFailed;
  connector->setErrorCallback([&](int err, bool willRetry) {
    CHECK(err == ECONNREFUSED);
    CHECK(willRetry);
    delays.push_back(connector->retryDelayMs());
    if (delays.size() == 6) {
      connector->stop();
      sixFailed.set_value();
    } else if (delays.size() == 7) {
      connector->stop();
      sevenFailed.set_value();
    }
  });
  connector->start();
  sixFailed.get_future().wait();
  // As TcpClient does when a connection made earlier went down: from the first delay again.
  loop.loop()->runInLoop([&] { connector->restart(); });
  sevenFailed.get_future().wait();
  std::promise<std::vector<int>> seen;
  loop.loop()->runInLoop([&] { seen.set_value(delays); });
  CHECK(seen.get_future().get() == std::vector<int>{5, 10, 20, 40, 40, 40, 5});
}

TEST_CASE("Connector restart() while an attempt is under way leaves that attempt alone",
          "[ch09][s1][tcpclient]") {
  // A backlog of 0 takes one connection and drops the next SYN: our attempt stays in the
  // handshake. restart() then must not start a second attempt over the first one's socket.
  int listenFd = listenOnLoopback(0, 0);
  InetAddress bound(sockets::getLocalAddr(listenFd));
  int filler = testutil::connectTo(bound.port());
  LoopInThread loop;
  int fdsBefore = countOpenFds();
  auto connector = std::make_shared<Connector>(loop.loop(), InetAddress("127.0.0.1", bound.port()));
  connector->start();
  settleLoop(loop.loop());
  CHECK(countOpenFds() == fdsBefore + 1);  // the connecting socket
  loop.loop()->runInLoop([&] { connector->restart(); });
  settleLoop(loop.loop());
  CHECK(countOpenFds() == fdsBefore + 1);  // still that one
  connector->stop();
  settleLoop(loop.loop());
  CHECK(countOpenFds() == fdsBefore);
  ::close(filler);
  ::close(listenFd);
}
