// The client side: Connector (non-blocking connect, SO_ERROR, back-off) and TcpClient. The
// servers are the library's own TcpServer in a loop thread of their own, or plain sockets
// where a test needs a server that misbehaves in a precise way.
#include <netinet/in.h>
#include <poll.h>
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

namespace {

using Clock = std::chrono::steady_clock;

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

void echo(TcpServer& server) {
  server.setMessageCallback(
      [](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); });
}

}  // namespace

TEST_CASE("isSelfConnect detects a socket connected to itself", "[ch09][tcpclient]") {
  // Bound to a port, then connected to that same address: TCP's simultaneous open connects
  // the socket to itself, which is what a Connector meets by chance on an ephemeral port.
  uint16_t port = reservePort();
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

TEST_CASE("TcpClient echoes a message through a TcpServer in the same process",
          "[ch09][tcpclient]") {
  TestServer server(echo);
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

TEST_CASE("TcpClient retries until a server that starts later is up", "[ch09][tcpclient]") {
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
          "[ch09][tcpclient]") {
  uint16_t port = reservePort();
  LoopInThread clientLoop;
  ClientEvents events;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", port), "refused");
  events.attach(client);
  client.connect();
  REQUIRE(waitFor([&] { return events.errorCount() >= 3; }));
  client.stop();
  settle(clientLoop.loop());
  std::lock_guard<std::mutex> lock(events.mutex);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(events.errors[i].first == ECONNREFUSED);
    CHECK(events.errors[i].second);
  }
  // The first retry comes after 500 ms, the second after 1000 ms: no storm.
  using std::chrono::milliseconds;
  CHECK(events.errorTimes[1] - events.errorTimes[0] >= milliseconds(450));
  CHECK(events.errorTimes[2] - events.errorTimes[1] >= milliseconds(950));
  CHECK(events.ups == 0);
}

TEST_CASE("TcpClient retries on an unreachable network", "[ch09][tcpclient]") {
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

TEST_CASE("TcpClient gives up on an address the socket cannot use", "[ch09][tcpclient]") {
  // An IPv4 socket asked to connect to a sockaddr whose family says AF_INET6: connect(2)
  // fails with EAFNOSUPPORT at once, on any machine, and no retry can change that.
  struct sockaddr_in raw;
  std::memset(&raw, 0, sizeof raw);
  raw.sin_family = AF_INET6;
  raw.sin_port = htons(9);
  raw.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  LoopInThread clientLoop;
  ClientEvents events;
  int fdsBefore = countOpenFds();
  TcpClient client(clientLoop.loop(), InetAddress(raw), "wrong-family");
  events.attach(client);
  client.connect();
  REQUIRE(waitFor([&] { return events.errorCount() >= 1; }));
  CHECK(events.error(0) == std::make_pair(EAFNOSUPPORT, false));
  // Given up: no timer, so nothing happens within the first retry delay (500 ms) and more.
  settle(clientLoop.loop());
  CHECK(countOpenFds() == fdsBefore);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(events.errorCount() == 1);
  CHECK(events.ups == 0);
}

TEST_CASE("TcpClient stop while connecting leaves no fd and no timer", "[ch09][tcpclient]") {
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
          "[ch09][tcpclient]") {
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
          "[ch09][tcpclient]") {
  // In a child: the bug this guards against ends in an assert (a connection destroyed while
  // still connected) or, without asserts, in a channel the poller still points to.
  testutil::ChildResult r = testutil::runInChild([] {
    testutil::ConnectionEvents serverEvents;
    TestServer server([&](TcpServer& s) {
      s.setConnectionCallback([&](const TcpConnectionPtr& conn) { serverEvents(conn); });
      echo(s);
    });
    EventLoopThread clientThread;
    EventLoop* loop = clientThread.startLoop();
    ClientEvents events;
    auto client =
        std::make_unique<TcpClient>(loop, InetAddress("127.0.0.1", server.port()), "self-destroyed");
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
          "[ch09][tcpclient]") {
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
