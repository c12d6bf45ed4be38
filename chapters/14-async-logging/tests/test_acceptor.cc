#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Acceptor.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"

using mymuduo::Timestamp;
using mymuduo::net::Acceptor;
using mymuduo::net::Channel;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;
namespace sockets = mymuduo::net::sockets;
using testutil::connectTo;

namespace {

/// What the server did with a client: sent "ok\n", closed it, or nothing within 5 s.
std::string outcome(int fd) {
  struct pollfd pfd = {fd, POLLIN, 0};
  if (::poll(&pfd, 1, 5000) != 1) return "timeout";
  char buf[16];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  return "closed";
}

/// CPU time (user + system) a process has used, in milliseconds.
long cpuMillis(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  // After the command name: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return (utime + stime) * 1000 / ::sysconf(_SC_CLK_TCK);
}

/// The scheduler state of a process ('R' running or runnable, 'S' asleep...), from /proc.
char processState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

}  // namespace

TEST_CASE("an Acceptor on port 0 accepts and reports the peer", "[ch05][s3][acceptor]") {
  EventLoop loop;
  Acceptor acceptor(&loop, InetAddress(0, true), false);
  int accepted = -1;
  InetAddress peer;
  acceptor.setNewConnectionCallback([&](int fd, const InetAddress& peerAddr) {
    accepted = fd;
    peer = peerAddr;
    loop.quit();
  });
  CHECK_FALSE(acceptor.listening());
  acceptor.listen();
  CHECK(acceptor.listening());
  uint16_t port = acceptor.listenAddress().port();
  REQUIRE(port != 0);

  int client = connectTo(port);
  loop.loop();
  REQUIRE(accepted >= 0);
  CHECK((::fcntl(accepted, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(accepted, F_GETFD) & FD_CLOEXEC) != 0);
  InetAddress clientAddr(sockets::getLocalAddr(client));
  CHECK(peer.toIpPort() == clientAddr.toIpPort());
  CHECK(InetAddress(sockets::getLocalAddr(accepted)).port() == port);
  CHECK(InetAddress(sockets::getPeerAddr(accepted)).toIpPort() == clientAddr.toIpPort());
  ::close(accepted);
  ::close(client);
}

TEST_CASE("SO_REUSEPORT is set only when asked for", "[ch05][s3][acceptor]") {
  testutil::ChildResult shared = testutil::runInChild([] {
    EventLoop loop;
    Acceptor first(&loop, InetAddress(0, true), true);
    first.listen();  // two bound sockets may share a port anyway; two listening ones may not
    Acceptor second(&loop, first.listenAddress(), true);  // same port: fine with reuseport
    second.listen();
  });
  CHECK(WIFEXITED(shared.status));
  CHECK(WEXITSTATUS(shared.status) == 0);

  testutil::ChildResult exclusive = testutil::runInChild([] {
    EventLoop loop;
    Acceptor first(&loop, InetAddress(0, true), false);
    first.listen();
    Acceptor second(&loop, first.listenAddress(), false);  // must abort: address in use
  });
  REQUIRE(WIFSIGNALED(exclusive.status));
  CHECK(exclusive.output.find("bindOrDie") != std::string::npos);
}

TEST_CASE("out of fds (EMFILE) the acceptor neither spins nor stops serving",
          "[ch05][s3][acceptor]") {
  int toParent[2];
  int toChild[2];
  REQUIRE(::pipe(toParent) == 0);
  REQUIRE(::pipe(toChild) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The server: accepts, greets with "ok\n", and keeps every connection open. Quietly:
    // every refused connection would log an error, and with no fd to spare even the
    // sanitizers' own checks in that logging code can fail.
    mymuduo::Logger::setLogLevel(mymuduo::Logger::FATAL);
    EventLoop loop;
    Acceptor acceptor(&loop, InetAddress(0, true), false);
    std::vector<int> held;
    acceptor.setNewConnectionCallback([&](int fd, const InetAddress&) {
      (void)::write(fd, "ok\n", 3);
      held.push_back(fd);
    });
    acceptor.listen();
    Channel control(&loop, toChild[0]);
    control.setReadCallback([&](Timestamp) {
      char command = 0;
      if (::read(toChild[0], &command, 1) != 1 || command == 'q') {
        loop.quit();
      } else if (command == 'f') {  // free the held connections
        for (int fd : held) ::close(fd);
        held.clear();
        (void)::write(toParent[1], "d", 1);
      }
    });
    control.enableReading();
    // Leave room for exactly four more fds.
    int probe = ::dup(0);
    ::close(probe);
    struct rlimit rl;
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = static_cast<rlim_t>(probe + 4);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    uint16_t port = acceptor.listenAddress().port();
    (void)::write(toParent[1], &port, sizeof port);
    loop.loop();
    control.disableAll();
    control.remove();
    ::_exit(0);
  }

  ::close(toParent[1]);  // so that a child that dies gives us EOF, not a hang
  ::close(toChild[0]);
  uint16_t port = 0;
  REQUIRE(::read(toParent[0], &port, sizeof port) == sizeof port);
  constexpr int kClients = 12;
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connectTo(port));

  // Eight of these cannot be accepted. Without the spare-fd trick the listening socket stays
  // readable and the server burns a whole core; with it the server goes back to sleep.
  long cpuBefore = cpuMillis(pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  long cpuSpent = cpuMillis(pid) - cpuBefore;

  int greeted = 0;
  int refused = 0;
  for (int fd : clients) {
    std::string result = outcome(fd);
    if (result == "ok\n") ++greeted;
    if (result == "closed") ++refused;
    ::close(fd);
  }

  // Free the fds; the server must accept again.
  REQUIRE(::write(toChild[1], "f", 1) == 1);
  char done = 0;
  REQUIRE(::read(toParent[0], &done, 1) == 1);
  int late = connectTo(port);
  std::string lateResult = outcome(late);
  ::close(late);

  REQUIRE(::write(toChild[1], "q", 1) == 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(toParent[0]);
  ::close(toChild[1]);

  CHECK(cpuSpent < 100);
  CHECK(greeted >= 1);
  CHECK(greeted + refused == kClients);
  CHECK(refused >= kClients - 4);
  CHECK(lateResult == "ok\n");
  CHECK(WIFEXITED(status));
}

TEST_CASE("out of fds with no spare fd the acceptor pauses instead of spinning",
          "[ch05][s3][acceptor]") {
  int toParent[2];
  int toChild[2];
  REQUIRE(::pipe(toParent) == 0);
  REQUIRE(::pipe(toChild) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The server: greets each connection with "ok\n" and closes it.
    mymuduo::Logger::setLogLevel(mymuduo::Logger::FATAL);
    EventLoop loop;
    Channel control(&loop, toChild[0]);
    // Two fillers, freed on command, then the listening socket at the lowest free fd.
    int fillers[2] = {::dup(0), ::dup(0)};
    int listenFd = ::dup(0);
    ::close(listenFd);
    Acceptor acceptor(&loop, InetAddress(0, true), false);
    acceptor.setNewConnectionCallback([](int fd, const InetAddress&) {
      (void)::write(fd, "ok\n", 3);
      ::close(fd);
    });
    acceptor.listen();
    control.setReadCallback([&](Timestamp) {
      char command = 0;
      if (::read(toChild[0], &command, 1) != 1 || command == 'q') {
        loop.quit();
      } else if (command == 'f') {
        for (int fd : fillers) ::close(fd);
        (void)::write(toParent[1], "d", 1);
      }
    });
    control.enableReading();
    // Every fd below the limit is in use, and the spare (opened after the listening socket)
    // is at or above it: giving the spare up frees no fd that accept() may use, and opening
    // it again fails. From the first EMFILE on, the acceptor has no spare.
    struct rlimit rl;
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = static_cast<rlim_t>(listenFd + 1);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    uint16_t port = acceptor.listenAddress().port();
    (void)::write(toParent[1], &port, sizeof port);
    loop.loop();
    control.disableAll();
    control.remove();
    ::_exit(0);
  }

  ::close(toParent[1]);
  ::close(toChild[0]);
  uint16_t port = 0;
  REQUIRE(::read(toParent[0], &port, sizeof port) == sizeof port);
  constexpr int kClients = 4;
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connectTo(port));

  // None of them can be accepted. Re-reading the readable listening socket at once would
  // burn a core; pausing costs a wakeup every retry delay. A spinning server is runnable ('R')
  // however busy the machine is, even when it gets little CPU; a paused one is asleep.
  long cpuBefore = cpuMillis(pid);
  int asleep = 0;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(6));
    if (processState(pid) == 'S') ++asleep;
  }
  long cpuSpent = cpuMillis(pid) - cpuBefore;

  // Free two fds: the server must take up accepting again, the waiting clients first.
  REQUIRE(::write(toChild[1], "f", 1) == 1);
  char done = 0;
  REQUIRE(::read(toParent[0], &done, 1) == 1);
  int greeted = 0;
  for (int fd : clients) {
    if (outcome(fd) == "ok\n") ++greeted;
    ::close(fd);
  }
  int late = connectTo(port);
  std::string lateResult = outcome(late);
  ::close(late);

  REQUIRE(::write(toChild[1], "q", 1) == 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(toParent[0]);
  ::close(toChild[1]);

  CHECK(cpuSpent < 100);
  CHECK(asleep >= 40);
  CHECK(greeted == kClients);
  CHECK(lateResult == "ok\n");
  CHECK(WIFEXITED(status));
}

TEST_CASE("an Acceptor listens on ::1 and reports an IPv6 peer", "[ch05][s3][acceptor]") {
  EventLoop loop;
  Acceptor acceptor(&loop, InetAddress(0, true, true), false);
  int accepted = -1;
  InetAddress peer;
  acceptor.setNewConnectionCallback([&](int fd, const InetAddress& peerAddr) {
    accepted = fd;
    peer = peerAddr;
    loop.quit();
  });
  acceptor.listen();
  InetAddress listening = acceptor.listenAddress();
  REQUIRE(listening.family() == AF_INET6);
  REQUIRE(listening.port() != 0);

  int client = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(client >= 0);
  InetAddress server("::1", listening.port());
  REQUIRE(::connect(client, server.getSockAddr(), sizeof(struct sockaddr_in6)) == 0);
  loop.loop();
  REQUIRE(accepted >= 0);
  InetAddress clientAddr(sockets::getLocalAddr(client));
  CHECK(peer.family() == AF_INET6);
  CHECK(peer.toIp() == "::1");
  CHECK(peer.toIpPort() == clientAddr.toIpPort());
  CHECK(InetAddress(sockets::getLocalAddr(accepted)).toIpPort() == listening.toIpPort());
  ::close(accepted);
  ::close(client);
}
