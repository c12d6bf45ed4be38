// The graceful stop, TcpServer::drain() and HttpServer::drain(), over real loopback sockets.
// Each server runs in a loop thread of its own; drain() is called from the test thread (it is
// safe from any thread) or from a callback, and `done` fulfils a promise the test waits on.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <future>
#include <string>

#include "HttpTestUtil.h"
#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpServer.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;
using testutil::TestServer;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// Whether a connect to 127.0.0.1:port is refused (nothing listens there any more).
bool refused(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress addr("127.0.0.1", port);
  int rc = ::connect(fd, addr.getSockAddr(), sizeof(struct sockaddr_in));
  int err = errno;
  ::close(fd);
  return rc != 0 && err == ECONNREFUSED;
}

/// A round trip through an echo server: afterwards the server has accepted the connection (one
/// only completed by the kernel would be reset when the listening socket closes).
void roundTrip(int fd) {
  testutil::writeAll(fd, "ping");
  std::string got;
  char buf[16];
  while (got.size() < 4) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    REQUIRE(n > 0);
    got.append(buf, static_cast<size_t>(n));
  }
  REQUIRE(got == "ping");
}

bool ready(std::future<void>& f, milliseconds wait) {
  return f.wait_for(wait) == std::future_status::ready;
}

HttpServer::HttpCallback hello() {
  return [](const HttpRequest&, HttpResponse* resp) {
    resp->setStatusCode(HttpResponse::k200Ok);
    resp->setContentType("text/plain");
    resp->setBody("hello\n");
  };
}

}  // namespace

TEST_CASE("TcpServer::drain refuses new connections at once and is done when the last one closes",
          "[ch12][s2][drain]") {
  // One loop that accepts and serves, or two IO loops listening each on a socket of its own.
  const bool perLoop = GENERATE(false, true);
  INFO((perLoop ? "kListenPerLoop, 2 IO loops" : "no IO threads"));
  TcpServer* server = nullptr;
  TestServer ts(
      [&](TcpServer& s) {
        if (perLoop) s.setThreadNum(2);
        server = &s;
        s.setMessageCallback(testutil::echo);
      },
      InetAddress(0, true), perLoop ? TcpServer::kListenPerLoop : TcpServer::kNoReusePort);
  int fd = testutil::connectTo(ts.port());
  roundTrip(fd);

  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  server->drain(20, nullptr, [&] { donePromise.set_value(); });
  CHECK(testutil::waitFor([&] { return refused(ts.port()); }));
  // The default cue is shutdown(): our end reads EOF, and the server waits for our FIN.
  CHECK(testutil::readUntilEof(fd).empty());
  CHECK_FALSE(ready(done, milliseconds(0)));
  ::close(fd);
  CHECK(ready(done, seconds(20)));
  CHECK(server->listenAddress().port() == ts.port());  // still answers without its acceptor
}

TEST_CASE("TcpServer::drain force-closes what is still open at its deadline", "[ch12][s2][drain]") {
  // One loop that accepts and serves, or two IO loops listening each on a socket of its own.
  const bool perLoop = GENERATE(false, true);
  INFO((perLoop ? "kListenPerLoop, 2 IO loops" : "no IO threads"));
  TcpServer* server = nullptr;
  TestServer ts(
      [&](TcpServer& s) {
        if (perLoop) s.setThreadNum(2);
        server = &s;
        s.setMessageCallback(testutil::echo);
      },
      InetAddress(0, true), perLoop ? TcpServer::kListenPerLoop : TcpServer::kNoReusePort);
  int fd = testutil::connectTo(ts.port());
  roundTrip(fd);

  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  bool cued = false;  // written in the loop thread, read after the promise synchronises
  auto start = std::chrono::steady_clock::now();
  server->drain(
      0.3, [&](const TcpConnectionPtr&) { cued = true; },  // a cue the connection ignores
      [&] { donePromise.set_value(); });
  REQUIRE(ready(done, seconds(20)));
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(300));
  CHECK(cued);
  testutil::readUntilEof(fd);  // closed under us: EOF or a reset, not a wait
  ::close(fd);
}

TEST_CASE("TcpServer::drain called from a connection callback in the acceptor's loop",
          "[ch12][s2][drain]") {
  // One loop that accepts and serves, or two IO loops listening each on a socket of its own.
  const bool perLoop = GENERATE(false, true);
  INFO((perLoop ? "kListenPerLoop, 2 IO loops" : "no IO threads"));
  // With no IO threads the connection callback runs inside the acceptor's read handler: a
  // drain() that destroyed the acceptor there would free it under that handler.
  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  TcpServer* server = nullptr;
  TestServer ts(
      [&](TcpServer& s) {
        if (perLoop) s.setThreadNum(2);
        server = &s;
        s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
          if (conn->connected()) server->drain(20, nullptr, [&] { donePromise.set_value(); });
        });
      },
      InetAddress(0, true), perLoop ? TcpServer::kListenPerLoop : TcpServer::kNoReusePort);
  int fd = testutil::connectTo(ts.port());
  CHECK(testutil::readUntilEof(fd).empty());
  // Each listening socket closes in its own loop: the other IO loop's may close a moment later.
  CHECK(testutil::waitFor([&] { return refused(ts.port()); }));
  ::close(fd);
  CHECK(ready(done, seconds(20)));
}

TEST_CASE("TcpServer::drain before start() is done at once and never listens",
          "[ch12][s2][drain]") {
  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  // setup runs before start(): the drain is queued ahead of the start, which then must not
  // listen.
  TestServer ts([&](TcpServer& s) { s.drain(20, nullptr, [&] { donePromise.set_value(); }); });
  CHECK(ready(done, seconds(20)));
  ts.settle();
  CHECK(refused(ts.port()));
}

TEST_CASE(
    "HttpServer::drain closes idle connections and ends the request under way with its answer",
    "[ch12][s2][drain]") {
  HttpServer* server = nullptr;
  HttpTestServer hs(hello(), [&](HttpServer& s) { server = &s; });
  Client busy(hs.port());
  busy.send("GET / HTTP/1.1\r\nHost: t\r\n");  // the end of its header block still to come
  // Accepted in the order they connected: once idle has its answer, busy is accepted too.
  Client idle(hs.port());
  idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(idle.read().header("Connection") != "close");  // kept alive

  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  server->drain(20, [&] { donePromise.set_value(); });
  CHECK(idle.readEof());
  CHECK(testutil::waitFor([&] { return refused(hs.port()); }));
  busy.send("\r\n");
  Response last = busy.read();
  CHECK(last.status == 200);
  CHECK(last.body == "hello\n");
  CHECK(last.header("Connection") == "close");
  CHECK(busy.readEof());
  CHECK_FALSE(ready(done, milliseconds(0)));  // both wait for our FIN
  ::shutdown(idle.fd(), SHUT_RDWR);
  ::shutdown(busy.fd(), SHUT_RDWR);
  CHECK(ready(done, seconds(20)));
}

TEST_CASE("a large answer read slowly when HttpServer::drain starts arrives whole",
          "[ch12][s2][drain]") {
  const std::string body = testutil::pattern(8 * 1024 * 1024);
  HttpServer* server = nullptr;
  HttpTestServer hs(
      [&](const HttpRequest&, HttpResponse* resp) {
        resp->setStatusCode(HttpResponse::k200Ok);
        resp->setBody(body);
      },
      [&](HttpServer& s) { server = &s; });
  Client client(hs.port());
  client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  client.readSome(std::chrono::steady_clock::now() + seconds(20), 1024);  // it has begun

  std::promise<void> donePromise;
  std::future<void> done = donePromise.get_future();
  server->drain(20, [&] { donePromise.set_value(); });
  CHECK(testutil::waitFor([&] { return refused(hs.port()); }));
  Response r = client.read();
  CHECK(r.status == 200);
  CHECK(r.body.size() == body.size());
  CHECK(r.body == body);
  CHECK(client.readEof());
  ::shutdown(client.fd(), SHUT_RDWR);
  CHECK(ready(done, seconds(20)));
}
