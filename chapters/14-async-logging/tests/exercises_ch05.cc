// Hidden exercise tests: `[.exercise]` keeps them out of the default run and out of CTest.
// They fail until the exercise "Accept up to 16 connections per wakeup" in this chapter's
// README is done. Run them with: build/05/ch05_tests "[exercise]"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/net/Acceptor.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using mymuduo::net::Acceptor;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;

namespace {

// The listening socket of this process on 127.0.0.1:port, or -1. Acceptor does not show its
// fd, so look for it.
int findListeningFd(uint16_t port) {
  for (int fd = 0; fd < 1024; ++fd) {
    struct sockaddr_in addr {};
    socklen_t len = sizeof addr;
    int accepting = 0;
    socklen_t optlen = sizeof accepting;
    if (::getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &len) == 0 &&
        addr.sin_family == AF_INET && ntohs(addr.sin_port) == port &&
        ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &optlen) == 0 && accepting) {
      return fd;
    }
  }
  return -1;
}

// How many connections wait in a listening socket's accept queue: for a socket in LISTEN,
// Linux reports that count in tcpi_unacked.
unsigned acceptQueueLength(int listenFd) {
  struct tcp_info info {};
  socklen_t len = sizeof info;
  if (::getsockopt(listenFd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_unacked;
}

}  // namespace

TEST_CASE("exercise 05: one wakeup of the acceptor accepts up to 16 waiting connections",
          "[.exercise][ex05]") {
  constexpr int kClients = 20;
  EventLoop loop;
  Acceptor acceptor(&loop, InetAddress(0, true), false);
  int accepted = 0;
  int stopAt = 1;  // the first wakeup: quit as soon as it has accepted anything
  acceptor.setNewConnectionCallback([&](int fd, const InetAddress&) {
    ::close(fd);
    if (++accepted == stopAt) loop.quit();  // loop() returns after this iteration
  });
  acceptor.listen();
  uint16_t port = acceptor.listenAddress().port();
  int listenFd = findListeningFd(port);
  REQUIRE(listenFd >= 0);

  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(testutil::connectTo(port));
  // The handshakes finish in the kernel; wait (bounded) until all 20 wait in the queue.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (acceptQueueLength(listenFd) < kClients && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(acceptQueueLength(listenFd) == kClients);

  loop.loop();  // one iteration: one call of handleRead()
  CHECK(accepted == 16);

  stopAt = kClients;  // the rest comes with the next wakeup
  loop.loop();
  CHECK(accepted == kClients);
  for (int fd : clients) ::close(fd);
}
