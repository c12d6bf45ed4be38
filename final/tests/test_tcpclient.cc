// The client side: TcpClient, and through it its Connector (non-blocking connect, SO_ERROR,
// back-off; test_connector.cc tests it alone). The servers are the library's own TcpServer in a
// loop thread of their own, or plain sockets where a test needs a server that misbehaves in a
// precise way.
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"
#include "mymuduo/net/TcpClient.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::EventLoop;
using mymuduo::net::EventLoopThread;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpClient;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::countOpenFds;
using testutil::LoopInThread;
using testutil::TestServer;
using testutil::waitFor;
namespace sockets = mymuduo::net::sockets;

using Clock = std::chrono::steady_clock;

namespace {

/// A loopback port that nobody listens on: bound (so the kernel picks a free one), never
/// listened on, then released. A connect to it is refused until someone listens there.
uint16_t reservePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress any(0, true);
  REQUIRE(::bind(fd, any.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  InetAddress bound(sockets::getLocalAddr(fd));
  ::close(fd);
  return bound.port();
}

/// A plain listening socket on 127.0.0.1:port (SO_REUSEADDR), with the given backlog.
int listenOn(uint16_t port, int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  InetAddress addr("127.0.0.1", port);
  REQUIRE(::bind(fd, addr.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

/// What a client saw, written in its loop thread.
struct ClientEvents {
  std::atomic<int> ups{0};
  std::atomic<int> downs{0};
  std::mutex mutex;
  std::vector<std::pair<int, bool>> errors;  // (errno, willRetry)
  std::vector<Clock::time_point> errorTimes;

  void attach(TcpClient& client) {
    client.setConnectionCallback([this](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        ++ups;
      } else {
        ++downs;
      }
    });
    client.setConnectErrorCallback([this](int err, bool willRetry) {
      std::lock_guard<std::mutex> lock(mutex);
      errors.emplace_back(err, willRetry);
      errorTimes.push_back(Clock::now());
    });
  }
  size_t errorCount() {
    std::lock_guard<std::mutex> lock(mutex);
    return errors.size();
  }
  std::pair<int, bool> error(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return errors.at(i);
  }
};

/// Waits until every task queued to loop so far has run.
void settle(EventLoop* loop) {
  for (int i = 0; i < 2; ++i) {
    std::promise<void> done;
    loop->queueInLoop([&done] { done.set_value(); });
    done.get_future().wait();
  }
}

void serveEcho(TcpServer& server) { server.setMessageCallback(testutil::echo); }

}  // namespace
TEST_CASE("TcpClient echoes a message through a TcpServer in the same process",
          "[ch09][s2][tcpclient]") {
  TestServer server(serveEcho);
  LoopInThread clientLoop;
  std::promise<std::string> reply;
  std::string received;  // client loop thread only
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "echo");
  events.attach(client);
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      ++events.ups;
      conn->send("hello, server\n");
    } else {
      ++events.downs;
    }
  });
  client.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
    received += buf->retrieveAllAsString();
    if (received.size() == 14) reply.set_value(received);
  });
  client.connect();
  auto future = reply.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  CHECK(future.get() == "hello, server\n");
  REQUIRE(client.connection() != nullptr);
  CHECK(client.connection()->connected());
  CHECK(client.connection()->peerAddress().port() == server.port());

  // disconnect(): our FIN, the server closes its side, the connection goes down.
  client.disconnect();
  REQUIRE(waitFor([&] { return events.downs == 1; }));
  settle(clientLoop.loop());
  CHECK(client.connection() == nullptr);
  CHECK(events.ups == 1);
  CHECK(events.errorCount() == 0);
}

TEST_CASE("a TcpClient's connection has SO_KEEPALIVE", "[ch09][s2][tcpclient]") {
  int listenFd = listenOn(0, 4);
  LoopInThread clientLoop;
  TcpClient client(clientLoop.loop(), InetAddress(sockets::getLocalAddr(listenFd)), "keepalive");
  client.connect();
  int accepted = ::accept(listenFd, nullptr, nullptr);
  REQUIRE(accepted >= 0);
  int clientFd = testutil::peerFdInProcess(accepted);
  REQUIRE(clientFd >= 0);
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(clientFd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
  CHECK(on == 1);
  client.stop();
  ::close(accepted);
  ::close(listenFd);
}

TEST_CASE("TcpClient retries until a server that starts later is up", "[ch09][s2][tcpclient]") {
  uint16_t port = reservePort();
  LoopInThread clientLoop;
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "late");
  events.attach(client);
  client.connect();
  // Refused first, so the connector is waiting for its retry when the server comes up.
  REQUIRE(waitFor([&] { return events.errorCount() >= 1; }));
  CHECK(events.error(0) == std::make_pair(ECONNREFUSED, true));

  LoopInThread serverLoop;
  std::unique_ptr<TcpServer> server;
  std::promise<void> started;
  serverLoop.loop()->runInLoop([&] {
    // The Acceptor sets SO_REUSEADDR: the port we released may still have a refused
    // attempt of ours in its history.
    server = std::make_unique<TcpServer>(serverLoop.loop(), InetAddress("127.0.0.1", port), "late");
    server->start();
    started.set_value();
  });
  started.get_future().wait();
  REQUIRE(waitFor([&] { return events.ups == 1; }));
  CHECK(client.connection()->peerAddress().port() == port);

  client.disconnect();
  REQUIRE(waitFor([&] { return events.downs == 1; }));
  std::promise<void> gone;
  serverLoop.loop()->runInLoop([&] {
    server.reset();
    gone.set_value();
  });
  gone.get_future().wait();
}

TEST_CASE("TcpClient reports ECONNREFUSED and retries with exponential back-off",
          "[ch09][s2][tcpclient]") {
  uint16_t port = reservePort();
  LoopInThread clientLoop;
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "refused");
  events.attach(client);
  client.setRetryDelayMs(40, 160);  // 500 ms doubling up to 30 s unless set
  client.connect();
  REQUIRE(waitFor([&] { return events.errorCount() >= 6; }));
  client.stop();
  settle(clientLoop.loop());
  std::lock_guard<std::mutex> lock(events.mutex);
  for (size_t i = 0; i < 6; ++i) {
    CHECK(events.errors[i].first == ECONNREFUSED);
    CHECK(events.errors[i].second);
  }
  // Doubling, then capped: 40, 80, 160, 160, 160 ms at least between attempts. A timer never
  // fires early, so these lower bounds hold on any machine.
  using std::chrono::milliseconds;
  const int expected[] = {40, 80, 160, 160, 160};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(events.errorTimes[i + 1] - events.errorTimes[i] >= milliseconds(expected[i]));
  }
  CHECK(events.ups == 0);
}

TEST_CASE("TcpClient retries on an unreachable network", "[ch09][s2][tcpclient]") {
  // 255.255.255.255 is the limited broadcast address: Linux refuses a TCP connect to a
  // broadcast route at once with ENETUNREACH, whatever the routing table holds.
  LoopInThread clientLoop;
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("255.255.255.255", 9), "unreachable");
  events.attach(client);
  client.connect();
  REQUIRE(waitFor([&] { return events.errorCount() >= 1; }));
  client.stop();
  settle(clientLoop.loop());
  CHECK(events.error(0) == std::make_pair(ENETUNREACH, true));
  CHECK(events.ups == 0);
}

TEST_CASE("TcpClient gives up on an address the socket cannot use", "[ch09][s2][tcpclient]") {
  // A link-local IPv6 address names no interface without a scope id: connect(2) fails with
  // EINVAL at once, on any machine with IPv6, and no retry can change that.
  LoopInThread clientLoop;
  ClientEvents events;
  int fdsBefore = countOpenFds();
  TcpClient client(clientLoop.loop(), InetAddress("fe80::1", 9), "no-scope");
  events.attach(client);
  client.connect();
  REQUIRE(waitFor([&] { return events.errorCount() >= 1; }));
  CHECK(events.error(0) == std::make_pair(EINVAL, false));
  // Given up: no timer, so nothing happens within the first retry delay (500 ms) and more.
  settle(clientLoop.loop());
  CHECK(countOpenFds() == fdsBefore);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(events.errorCount() == 1);
  CHECK(events.ups == 0);
}

TEST_CASE("TcpClient stop while connecting leaves no fd and no timer", "[ch09][s2][tcpclient]") {
  LoopInThread clientLoop;
  ClientEvents events;

  SECTION("stop during the handshake") {
    // A backlog of 0 takes one connection; the server never accepts, so the next SYN is
    // dropped and our connect stays in SYN_SENT: the connector is in kConnecting.
    int listenFd = listenOn(0, 0);
    InetAddress bound(sockets::getLocalAddr(listenFd));
    int filler = testutil::connectTo(bound.port());
    int fdsBefore = countOpenFds();
    TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", bound.port()), "syn-sent");
    events.attach(client);
    client.connect();
    settle(clientLoop.loop());
    CHECK(countOpenFds() == fdsBefore + 1);  // the connecting socket
    client.stop();
    settle(clientLoop.loop());
    CHECK(countOpenFds() == fdsBefore);
    CHECK(events.ups == 0);
    CHECK(events.errorCount() == 0);
    ::close(filler);
    ::close(listenFd);
  }

  SECTION("stop while waiting to retry") {
    uint16_t port = reservePort();
    int fdsBefore = countOpenFds();
    TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "backing-off");
    events.attach(client);
    client.connect();
    REQUIRE(waitFor([&] { return events.errorCount() >= 1; }));
    client.stop();
    settle(clientLoop.loop());
    CHECK(countOpenFds() == fdsBefore);
    // Listen where the retry would go: a cancelled retry never arrives. 1.5 s is three times
    // the pending retry delay.
    int listenFd = listenOn(port, 16);
    struct pollfd pfd = {listenFd, POLLIN, 0};
    CHECK(::poll(&pfd, 1, 1500) == 0);
    ::close(listenFd);
    CHECK(events.errorCount() == 1);
    CHECK(events.ups == 0);
  }
}

TEST_CASE("TcpClient destroyed from another thread closes its live connection once",
          "[ch09][s2][tcpclient]") {
  testutil::ConnectionEvents serverEvents;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) { serverEvents(conn); });
  });
  EventLoopThread clientThread;
  EventLoop* loop = clientThread.startLoop();
  ClientEvents events;
  auto client =
      std::make_unique<TcpClient>(loop, InetAddress("127.0.0.1", server.port()), "doomed");
  events.attach(*client);

  SECTION("the client holds the only reference") {
    client->connect();
    REQUIRE(waitFor([&] { return events.ups == 1; }));
    // From the test thread while the client's loop runs: the destructor tears down in the
    // loop and waits. The connection outlives the client and closes on its own.
    client.reset();
    REQUIRE(waitFor([&] { return events.downs == 1; }));
    REQUIRE(serverEvents.waitDown());
    settle(loop);
    CHECK(events.downs == 1);
    CHECK(serverEvents.downs == 1);
  }

  SECTION("the user still holds the connection") {
    client->connect();
    REQUIRE(waitFor([&] { return events.ups == 1; }));
    TcpConnectionPtr conn = client->connection();
    client.reset();
    // Closed all the same; the user's copy is a disconnected connection, safe to use.
    REQUIRE(waitFor([&] { return events.downs == 1; }));
    settle(loop);
    CHECK_FALSE(conn->connected());
    conn->send("ignored");
    conn->forceClose();
    settle(loop);
    CHECK(events.downs == 1);
    conn.reset();  // the fd closes with the last reference
    REQUIRE(serverEvents.waitDown());
    CHECK(serverEvents.downs == 1);
  }
}

TEST_CASE("TcpClient destroyed in its connection's own callback closes the connection once",
          "[ch09][s2][tcpclient]") {
  // In a child: the bug this guards against ends in an assert (a connection destroyed while
  // still connected) or, without asserts, in a channel the poller still points to.
  testutil::ChildResult r = testutil::runInChild([] {
    testutil::ConnectionEvents serverEvents;
    TestServer server([&](TcpServer& s) {
      s.setConnectionCallback([&](const TcpConnectionPtr& conn) { serverEvents(conn); });
      serveEcho(s);
    });
    EventLoopThread clientThread;
    EventLoop* loop = clientThread.startLoop();
    ClientEvents events;
    auto client = std::make_unique<TcpClient>(loop, InetAddress("127.0.0.1", server.port()),
                                              "self-destroyed");
    events.attach(*client);
    client->setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      client.reset();  // in the loop thread, while the connection's own callback runs
    });
    client->connect();
    bool ok = waitFor([&] { return events.ups == 1; });
    loop->runInLoop([&] {
      if (TcpConnectionPtr conn = client ? client->connection() : nullptr) conn->send("x");
    });
    ok = ok && waitFor([&] { return events.downs == 1; }) && serverEvents.waitDown();
    settle(loop);
    ok = ok && events.downs == 1 && serverEvents.downs == 1;
    std::printf("ups %d downs %d server downs %d\n", events.ups.load(), events.downs.load(),
                serverEvents.downs.load());
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  });
  INFO(r.output);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
}

TEST_CASE("TcpClient with enableRetry reconnects after the server closes the connection",
          "[ch09][s2][tcpclient]") {
  std::atomic<int> accepted{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      // The server drops the first connection at once and keeps the second.
      if (conn->connected() && ++accepted == 1) conn->forceClose();
    });
  });
  LoopInThread clientLoop;
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "again");
  events.attach(client);
  client.enableRetry();
  CHECK(client.retry());
  client.connect();
  REQUIRE(waitFor([&] { return events.ups == 2; }));
  CHECK(events.downs == 1);
  // Our connect completes from the listen backlog, possibly before the server accepts.
  REQUIRE(waitFor([&] { return accepted == 2; }));
  CHECK(client.connection() != nullptr);

  // disconnect() is the user's doing: no reconnection after it.
  client.disconnect();
  REQUIRE(waitFor([&] { return events.downs == 2; }));
  settle(clientLoop.loop());
  CHECK(events.ups == 2);
  CHECK(accepted == 2);
}

namespace {

/// Brings up the loopback interface of the network namespace we are in.
bool loopbackUp() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strcpy(ifr.ifr_name, "lo");
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST_CASE("a connect that reaches its own socket is refused and retried", "[ch09][s2][tcpclient]") {
  // A self-connect happens by chance when the kernel picks the server's port as our end's
  // ephemeral port. To make it happen every time, a child process gets a network namespace of
  // its own whose only ephemeral port is the one we connect to. Nobody listens there; TCP's
  // simultaneous open connects the socket to itself, and the Connector must not hand that on.
  testutil::ChildResult r = testutil::runInChild([] {
    // A user namespace too when we are not root: creating one needs no privilege.
    int flags = CLONE_NEWNET | (::geteuid() == 0 ? 0 : CLONE_NEWUSER);
    if (::unshare(flags) != 0) ::_exit(77);
    int range = ::open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY | O_CLOEXEC);
    if (range < 0 || !loopbackUp()) ::_exit(77);
    const uint16_t port = 40000;
    const std::string onePort = std::to_string(port) + " " + std::to_string(port);
    if (::write(range, onePort.data(), onePort.size()) != static_cast<ssize_t>(onePort.size())) {
      ::_exit(77);
    }
    ::close(range);
    bool ok = false;
    {
      LoopInThread clientLoop;
      ClientEvents events;
      TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "self");
      events.attach(client);
      client.setRetryDelayMs(5, 5);
      client.connect();
      ok = waitFor([&] { return events.errorCount() >= 3 || events.ups > 0; });
      client.stop();
      settle(clientLoop.loop());
      // The first attempt met itself; the next find the port still taken (EADDRNOTAVAIL).
      ok = ok && events.ups == 0 && events.error(0) == std::make_pair(ECONNREFUSED, true);
      std::printf("ups %d, first error %d\n", events.ups.load(),
                  events.errorCount() > 0 ? events.error(0).first : 0);
    }
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  });
  INFO(r.output);
  REQUIRE(WIFEXITED(r.status));
  if (WEXITSTATUS(r.status) == 77) {
    WARN("not run: this system gives a process no network namespace of its own");
    return;
  }
  CHECK(WEXITSTATUS(r.status) == 0);
}

TEST_CASE("TcpClient stopped or destroyed in its connect-error callback gives up cleanly",
          "[ch09][s2][tcpclient]") {
  // The obvious reaction to "connection refused": give up, there and then. The attempt must be
  // over when the callback runs, its socket closed, no retry left behind.
  uint16_t port = reservePort();
  LoopInThread clientLoop;
  int fdsBefore = countOpenFds();
  std::atomic<int> errors{0};

  SECTION("stop()") {
    TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "gives-up");
    client.setRetryDelayMs(5, 5);
    client.setConnectErrorCallback([&](int, bool) {
      ++errors;
      client.stop();
    });
    client.connect();
    REQUIRE(waitFor([&] { return errors >= 1; }));
    // Listen where a retry would go: none arrives within 100 times its delay.
    int listenFd = listenOn(port, 16);
    struct pollfd pfd = {listenFd, POLLIN, 0};
    CHECK(::poll(&pfd, 1, 500) == 0);
    ::close(listenFd);
    settle(clientLoop.loop());
    CHECK(errors == 1);
  }

  SECTION("the destructor") {
    auto client =
        std::make_unique<TcpClient>(clientLoop.loop(), InetAddress("127.0.0.1", port), "destroyed");
    client->setRetryDelayMs(5, 5);
    std::promise<void> destroyed;
    client->setConnectErrorCallback([&](int, bool) {
      ++errors;
      client.reset();
      destroyed.set_value();
    });
    client->connect();
    REQUIRE(destroyed.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    settle(clientLoop.loop());
    CHECK(errors == 1);
  }
  CHECK(countOpenFds() == fdsBefore);
}

namespace {

/// A user object that owns a TcpClient and whose callbacks use `this`; what it sees goes to a
/// log that outlives it.
struct ClientOwner {
  ClientOwner(EventLoop* loop, uint16_t port, std::vector<std::string>* events)
      : log(events), client(loop, InetAddress("127.0.0.1", port), "owned") {
    client.setConnectionCallback([this](const TcpConnectionPtr& conn) {
      log->push_back(conn->connected() ? "up" : "down");
    });
    client.setMessageCallback([this](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      log->push_back("message");
    });
  }
  std::vector<std::string>* log;  // before the client: destroyed after it
  TcpClient client;
};

}  // namespace

TEST_CASE("no callback of a TcpClient runs after its destructor returned",
          "[ch09][s2][tcpclient]") {
  // The owner is deleted in the loop thread while connected; the connection's DOWN must come
  // before the deletion returns, and nothing after it: the owner's memory is gone by then.
  TestServer server([&](TcpServer& s) { serveEcho(s); });
  LoopInThread clientLoop;
  std::vector<std::string> log;  // loop thread only
  ClientOwner* owner = nullptr;
  clientLoop.loop()->runInLoop([&] {
    owner = new ClientOwner(clientLoop.loop(), server.port(), &log);
    owner->client.connect();
  });
  std::promise<void> up;
  clientLoop.loop()->runInLoop([&] {
    // Polled from the loop, which writes log: sends a message once up, then deletes the owner
    // while the echo may still be on its way.
    std::function<void()> poll = [&] {
      if (log.empty()) {
        clientLoop.loop()->runAfter(0.001, poll);
        return;
      }
      owner->client.connection()->send("ping");
      delete owner;
      log.push_back("deleted");
      up.set_value();
    };
    poll();
  });
  REQUIRE(up.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  settle(clientLoop.loop());
  // Give the server's echo time to come back to a client that no longer exists.
  server.settle();
  settle(clientLoop.loop());
  std::promise<std::vector<std::string>> seen;
  clientLoop.loop()->runInLoop([&] { seen.set_value(log); });
  CHECK(seen.get_future().get() == std::vector<std::string>{"up", "down", "deleted"});
}

TEST_CASE("TcpClient connect() after disconnect() reconnects once the old connection is down",
          "[ch09][s2][tcpclient]") {
  std::atomic<int> accepted{0};
  std::atomic<int> open{0};
  std::atomic<int> mostOpen{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        ++accepted;
        mostOpen = std::max(mostOpen.load(), ++open);
      } else {
        --open;
      }
    });
    serveEcho(s);
  });
  LoopInThread clientLoop;
  std::vector<std::string> log;  // loop thread only
  std::atomic<int> ups{0};
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "again");
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    log.push_back(conn->connected() ? "up" : "down");
    if (conn->connected()) ++ups;
  });
  client.connect();
  REQUIRE(waitFor([&] { return ups == 1; }));

  SECTION("connect() while connected does nothing") {
    client.connect();
    settle(clientLoop.loop());
    server.settle();
    CHECK(accepted == 1);
    CHECK(client.connection() != nullptr);
  }

  SECTION("connect() right after disconnect()") {
    client.disconnect();
    client.connect();
    REQUIRE(waitFor([&] { return ups == 2; }));
    REQUIRE(waitFor([&] { return accepted == 2; }));
    settle(clientLoop.loop());
    std::promise<std::vector<std::string>> seen;
    clientLoop.loop()->runInLoop([&] { seen.set_value(log); });
    CHECK(seen.get_future().get() == std::vector<std::string>{"up", "down", "up"});
    CHECK(mostOpen == 1);  // never two at once
    CHECK(client.connection() != nullptr);
  }
}

TEST_CASE("TcpClient connect() in its own DOWN callback reconnects once", "[ch09][s2][tcpclient]") {
  std::atomic<int> accepted{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      // The first connection is dropped at once; the second is kept.
      if (conn->connected() && ++accepted == 1) conn->forceClose();
    });
  });
  LoopInThread clientLoop;
  std::atomic<int> ups{0};
  std::atomic<int> downs{0};
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "again");
  client.enableRetry();  // with retry on, the reconnect is asked for twice
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      ++ups;
    } else {
      ++downs;
      client.connect();
    }
  });
  client.connect();
  REQUIRE(waitFor([&] { return ups == 2; }));
  settle(clientLoop.loop());
  server.settle();
  CHECK(accepted == 2);
  CHECK(downs == 1);
  CHECK(client.connection() != nullptr);
}

TEST_CASE("TcpClient echoes through a TcpServer over IPv6 loopback", "[ch09][s2][tcpclient]") {
  TestServer server(serveEcho, InetAddress(0, true, true));
  LoopInThread clientLoop;
  std::promise<std::string> reply;
  std::string received;  // client loop thread only
  std::string localIp;   // client loop thread only, read after the reply
  std::atomic<int> downs{0};
  TcpClient client(clientLoop.loop(), InetAddress("::1", server.port()), "echo6");
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      localIp = conn->localAddress().toIp();
      conn->send("hello over IPv6\n");
    } else {
      ++downs;
    }
  });
  client.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
    received += buf->retrieveAllAsString();
    if (received.size() == 16) reply.set_value(received);
  });
  client.connect();
  auto future = reply.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  CHECK(future.get() == "hello over IPv6\n");
  CHECK(localIp == "::1");
  REQUIRE(client.connection() != nullptr);
  CHECK(client.connection()->peerAddress().toIpPort() == "[::1]:" + std::to_string(server.port()));
  client.disconnect();
  REQUIRE(waitFor([&] { return downs == 1; }));
  settle(clientLoop.loop());
}
