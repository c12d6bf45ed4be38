// HttpServer over real loopback sockets: the server runs in a loop thread of its own (or with
// IO threads), the test thread is a plain blocking client that reads with timeouts.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define MYMUDUO_HAVE_MALLINFO2 1
#else
#define MYMUDUO_HAVE_MALLINFO2 0
#endif
// A sanitizer brings its own allocator, which mallinfo2() knows nothing about.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MYMUDUO_SANITIZED_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MYMUDUO_SANITIZED_MALLOC 1
#endif
#endif
#ifndef MYMUDUO_SANITIZED_MALLOC
#define MYMUDUO_SANITIZED_MALLOC 0
#endif

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::net::InetAddress;
using testutil::Client;
using testutil::countOpenFds;
using testutil::HttpTestServer;
using testutil::pattern;
using testutil::Response;
using testutil::waitFor;
using testutil::writeAll;

using std::chrono::milliseconds;
using testutil::Clock;

namespace {

/// The callback of most tests:
///   /big           a 4 MiB string body
///   /echo          the request's body
///   anything else  "<METHOD> <path>", so a test can see which request an answer belongs to
struct Router {
  void operator()(const HttpRequest& request, HttpResponse* response) const {
    response->setStatusCode(HttpResponse::k200Ok);
    response->setContentType("text/plain");
    if (request.path() == "/big") {
      response->setBody(pattern(4 * 1024 * 1024));
    } else if (request.path() == "/echo") {
      response->setBody(request.body());
    } else {
      response->setBody(std::string(request.methodString()) + " " + request.path());
    }
  }
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

/// The largest send buffer TCP's autotuning gives a socket: the third field of tcp_wmem.
size_t maxSendBuffer() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_wmem");
  size_t low = 0;
  size_t initial = 0;
  size_t max = 0;
  in >> low >> initial >> max;
  return max > 0 ? max : size_t{4} << 20;
}

#if MYMUDUO_HAVE_MALLINFO2 && !MYMUDUO_SANITIZED_MALLOC
/// Bytes the process has allocated and not freed: the heap's in-use blocks and the mmap()ed
/// ones (glibc, all arenas).
size_t heapInUse() {
  struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}
#endif

/// The resident set size of this process, from /proc/self/statm.
size_t residentBytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0;
  size_t resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("every response has a Date (IMF-fixdate) and a Content-Length",
          "[ch12][s2][httpserver]") {
  HttpTestServer server([](const HttpRequest& request, HttpResponse* response) {
    response->setStatusCode(request.path() == "/" ? HttpResponse::k200Ok
                                                  : HttpResponse::k404NotFound);
    if (request.path() == "/") response->setBody("hello");
  });
  Client client(server.port());
  client.send(get("/") + get("/missing"));
  const std::regex imfFixdate(
      R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)");
  Response ok = client.read();
  CHECK(ok.statusLine == "HTTP/1.1 200 OK");
  CHECK(std::regex_match(ok.header("Date"), imfFixdate));
  CHECK(ok.header("Content-Length") == "5");
  CHECK(ok.body == "hello");
  Response missing = client.read();
  CHECK(missing.statusLine == "HTTP/1.1 404 Not Found");
  CHECK(std::regex_match(missing.header("Date"), imfFixdate));
  CHECK(missing.header("Content-Length") == "0");

  // A Date the callback set, in any case, is the only one; the rest is written around it.
  HttpResponse own(false);
  own.setStatusCode(HttpResponse::k200Ok);
  own.addHeader("date", "Sun, 06 Nov 1994 08:49:37 GMT");
  own.setBody("hi");
  mymuduo::net::Buffer wire;
  own.appendToBuffer(&wire);
  const std::string bytes = wire.retrieveAllAsString();
  CHECK(bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(bytes.find("\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n") != std::string::npos);
  CHECK(bytes.find("ate: ") == bytes.rfind("ate: "));  // one Date line, whatever its case
  // What the callback added is found in any case.
  CHECK(own.hasHeader("DATE"));
  CHECK_FALSE(own.hasHeader("Dat"));
  const std::string tail = "\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi";
  CHECK(bytes.size() > tail.size());
  CHECK(bytes.compare(bytes.size() - tail.size(), tail.size(), tail) == 0);
}

TEST_CASE("a 204 response has no Content-Length and no body", "[ch12][s2][httpserver]") {
  HttpTestServer server([](const HttpRequest& request, HttpResponse* response) {
    if (request.path() == "/none") {
      response->setStatusCode(static_cast<HttpResponse::HttpStatusCode>(204));
      response->setStatusMessage("No Content");
    } else {
      response->setStatusCode(HttpResponse::k200Ok);
    }
    response->setBody("a body that must not be sent");
  });
  Client client(server.port());
  client.send(get("/none") + get("/some"));
  Response none = client.read(true);
  CHECK(none.statusLine == "HTTP/1.1 204 No Content");
  CHECK(none.headers.count("Content-Length") == 0);
  CHECK(!none.header("Date").empty());
  // A body after the 204 would stand where the next response starts.
  Response some = client.read();
  CHECK(some.statusLine == "HTTP/1.1 200 OK");
  CHECK(some.body == "a body that must not be sent");
}

TEST_CASE("HEAD gets GET's headers and Content-Length but no body", "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  client.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  Response head = client.read(true);
  CHECK(head.status == 200);
  CHECK(head.header("Content-Length") == "11");  // the body GET would get: "HEAD /hello"
  // Had a body followed the header, it would now stand where this response starts.
  client.send(get("/after"));
  Response after = client.read();
  CHECK(after.statusLine == "HTTP/1.1 200 OK");
  CHECK(after.body == "GET /after");
}

TEST_CASE("HTTP/1.1 keeps the connection for the next request", "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  for (int i = 0; i < 3; ++i) {
    client.send(get("/r" + std::to_string(i)));
    Response r = client.read();
    CHECK(r.body == "GET /r" + std::to_string(i));
    CHECK(r.header("Connection") != "close");
  }
}

TEST_CASE("HTTP/1.0 closes after the response unless it asks for keep-alive",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  SECTION("plain HTTP/1.0: Connection: close, then EOF") {
    Client client(server.port());
    client.send("GET /old HTTP/1.0\r\n\r\n");
    Response r = client.read();
    CHECK(r.body == "GET /old");
    CHECK(r.header("Connection") == "close");
    CHECK(client.readEof());
  }
  SECTION("HTTP/1.0 with Connection: keep-alive is answered keep-alive and kept") {
    Client client(server.port());
    client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Response first = client.read();
    CHECK(first.header("Connection") == "keep-alive");
    client.send("GET /b HTTP/1.0\r\n\r\n");
    Response second = client.read();
    CHECK(second.body == "GET /b");
    CHECK(second.header("Connection") == "close");
    CHECK(client.readEof());
  }
}

TEST_CASE("Connection: close ends the connection after that response", "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  client.send(get("/last", "Connection: close\r\n"));
  Response r = client.read();
  CHECK(r.body == "GET /last");
  CHECK(r.header("Connection") == "close");
  CHECK(client.readEof());
}

TEST_CASE("a Connection: close answer closes the socket at once without waiting for the client",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  client.send(get("/last", "Connection: close\r\n"));
  CHECK(client.read().body == "GET /last");
  REQUIRE(client.readEof());
  // A socket only shut down would still read (and throw away) this byte; a closed one answers
  // it with a reset, which Linux reports on a socket past the peer's FIN as EPIPE.
  client.send("x");
  CHECK(waitFor([&] {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(client.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
    return err == EPIPE || err == ECONNRESET;
  }));
}

TEST_CASE("an HttpServer's connections have TCP_NODELAY from its listening socket",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  client.send(get("/a"));
  client.read();  // accepted, and its session started
  int serverFd = testutil::peerFdInProcess(client.fd());
  REQUIRE(serverFd >= 0);
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(serverFd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0);
  CHECK(on == 1);
}

TEST_CASE("pipelined requests in one write are answered in order with a large body among them",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  std::string requests;
  for (int i = 0; i < 12; ++i) {
    requests += i == 5 ? get("/big") : get("/p" + std::to_string(i));
  }
  client.send(requests);
  for (int i = 0; i < 12; ++i) {
    Response r = client.read();
    REQUIRE(r.status == 200);
    if (i == 5) {
      // 4 MiB: more than the socket takes at once, so the answers behind it wait in order.
      CHECK(r.body == pattern(4 * 1024 * 1024));
    } else {
      CHECK(r.body == "GET /p" + std::to_string(i));
    }
  }
}

TEST_CASE("a bad request is answered with its status and then the connection closes",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  struct Case {
    int status;
    std::string request;
  };
  std::string manyHeaders;
  for (int i = 0; i < 70; ++i)
    manyHeaders += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
  const std::vector<Case> cases = {
      {414, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: test\r\n\r\n"},
      {431, "GET / HTTP/1.1\r\nHost: test\r\n" + manyHeaders + "\r\n"},
      {413, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\n\r\n"},
      {400, "GET / HTTP/1.1\r\nHost: test\r\nBad Header\r\n\r\n"},
  };
  for (const Case& c : cases) {
    INFO("expected status " << c.status);
    Client client(server.port());
    client.send(c.request);
    Response r = client.read();
    CHECK(r.status == c.status);
    CHECK(r.header("Connection") == "close");
    CHECK(r.header("Content-Type").find("text/plain") == 0);
    CHECK(client.readEof());
  }
}

TEST_CASE("after a bad request the server reads the rest so that no reset destroys the answer",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  for (int round = 0; round < 3; ++round) {
    Client client(server.port());
    // Far more than one read takes, and more than the socket buffers hold: the server answers
    // after its first read, and only a server that goes on reading lets all of it through.
    // The answer meanwhile waits, unread, in our receive queue.
    std::string data = "GET / HTTP/1.1\r\nHost: test\r\nBad Header\r\n\r\n";
    data += std::string(16 * 1024 * 1024, 'j');
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(client.fd(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server closed early and reset us
      sent += static_cast<size_t>(n);
    }
    CHECK(sent == data.size());
    client.shutdownWrite();
    bool gotResponse = false;
    bool cleanEof = false;
    try {
      gotResponse = client.read().status == 400;
      cleanEof = client.readEof();
    } catch (const std::exception& e) {
      WARN(e.what());
    }
    CHECK(gotResponse);
    CHECK(cleanEof);
  }
}

TEST_CASE("a client that half-closes after its requests still gets every response",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  SECTION("a small, a large string, and one answered only after the large one") {
    Client client(server.port());
    client.send(get("/small") + get("/big") + get("/late"));
    client.shutdownWrite();
    CHECK(client.read().body == "GET /small");
    CHECK(client.read().body == pattern(4 * 1024 * 1024));
    CHECK(client.read().body == "GET /late");
    CHECK(client.readEof());
  }
  SECTION("an incomplete request at EOF is dropped and the connection closed") {
    Client client(server.port());
    client.send(get("/whole") + "GET /half HTTP/1.1\r\nHo");
    client.shutdownWrite();
    CHECK(client.read().body == "GET /whole");
    CHECK(client.readEof());
  }
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the body is sent",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  client.send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto deadline = Clock::now() + std::chrono::seconds(20);
  const std::string continueLine = "HTTP/1.1 100 Continue\r\n\r\n";
  while (client.pending().size() < continueLine.size()) REQUIRE(client.readSome(deadline) > 0);
  CHECK(client.pending() == continueLine);
  client.pending().clear();
  client.send("hello");
  Response r = client.read();
  CHECK(r.status == 200);
  CHECK(r.body == "hello");
}

TEST_CASE("the idle timeout closes a client that dribbles its header while others are served",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{}, [](HttpServer& s) { s.setIdleTimeout(0.5); });
  Client slow(server.port());
  auto start = Clock::now();
  std::atomic<bool> stop{false};
  // One byte every 100 ms, for up to 4 s: far longer than the timeout, and never a whole
  // request; each byte is fresh activity that must not count.
  std::thread dribbler([&] {
    const std::string request = get("/slow", "X-Padding: " + std::string(100, 'p') + "\r\n");
    for (size_t i = 0; i < 40 && !stop; ++i) {
      if (::send(slow.fd(), &request[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  // Joins on every way out, a failed REQUIRE included (a joinable std::thread would terminate).
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      thread.join();
    }
  } joiner{stop, dribbler};
  {
    Client other(server.port());
    auto asked = Clock::now();
    other.send(get("/other"));
    Response r = other.read(false, milliseconds(2000));
    CHECK(r.body == "GET /other");
    CHECK(Clock::now() - asked < milliseconds(400));  // not held up behind the slow one
  }
  slow.waitClosed(milliseconds(10000));
  auto closedAfter = Clock::now() - start;
  CHECK(closedAfter >= milliseconds(450));
  CHECK(closedAfter < milliseconds(2500));  // the dribble alone would last 4 s
}

TEST_CASE("the idle timeout counts from the end of the previous response",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{}, [](HttpServer& s) { s.setIdleTimeout(0.3); });
  Client client(server.port());
  for (int i = 0; i < 3; ++i) {
    client.send(get("/r"));
    CHECK(client.read().body == "GET /r");
    std::this_thread::sleep_for(milliseconds(200));  // each gap within the timeout, the sum not
  }
  auto idleStart = Clock::now();
  CHECK(client.readEof(std::chrono::seconds(5)));
  CHECK(Clock::now() - idleStart >= milliseconds(50));
}

TEST_CASE("idle connections close in the order their windows started and a later one still does",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{}, [](HttpServer& s) { s.setIdleTimeout(0.4); });
  // first's window restarts after second's began, so it is now behind it in the loop's list.
  Client first(server.port());
  Client second(server.port());
  std::this_thread::sleep_for(milliseconds(200));  // a pace: half a timeout
  first.send(get("/again"));
  CHECK(first.read().body == "GET /again");
  CHECK(second.readEof(std::chrono::seconds(5)));
  struct pollfd pfd = {first.fd(), POLLIN, 0};
  CHECK(::poll(&pfd, 1, 0) == 0);  // second's deadline passed, first's not yet
  CHECK(first.readEof(std::chrono::seconds(5)));

  // The list empties: a client that leaves on its own takes its window with it, and the timer
  // armed for it stays. A connection made after it must still be closed at its own deadline.
  {
    Client leaving(server.port());
    leaving.send(get("/bye"));
    CHECK(leaving.read().body == "GET /bye");
  }
  std::this_thread::sleep_for(milliseconds(200));
  Client later(server.port());
  auto connected = Clock::now();
  CHECK(later.readEof(std::chrono::seconds(5)));
  CHECK(Clock::now() - connected >= milliseconds(350));
}

TEST_CASE("500 concurrent clients are all answered", "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{}, [](HttpServer& s) { s.setThreadNum(2); });
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 500; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    clients.back()->send(get("/c" + std::to_string(i)));
  }
  int answered = 0;
  for (int i = 0; i < 500; ++i) {
    if (clients[static_cast<size_t>(i)]->read().body == "GET /c" + std::to_string(i)) ++answered;
  }
  CHECK(answered == 500);
}

TEST_CASE("a client that pipelines requests and reads nothing is not read until its answers drain",
          "[ch12][s2][httpserver]") {
  HttpTestServer server(Router{});
  Client client(server.port());
  // A small send buffer, fixed: once the server stops reading, our sends block after little.
  int sndbuf = 64 * 1024;
  REQUIRE(::setsockopt(client.fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) == 0);
  client.send(get("/warm"));
  client.read();
  size_t baseline = residentBytes();
  // Requests of 31 bytes whose answers are about four times larger, never read. A server that
  // reads on queues those answers without end; one that stops at the high-water mark lets the
  // socket buffers fill and our sends block.
  const std::string request = get("/x");
  std::string block;
  while (block.size() < 64 * 1024) block += request;
  const size_t cap = 32 * 1024 * 1024;
  size_t sent = 0;
  while (sent < cap) {
    size_t offset = sent % block.size();  // the stream stays a sequence of whole requests
    ssize_t n = ::send(client.fd(), block.data() + offset, block.size() - offset,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    REQUIRE(errno == EAGAIN);
    // Blocked: unblocked again only by a server that reads. 300 ms of none means it does not.
    struct pollfd pfd = {client.fd(), POLLOUT, 0};
    if (::poll(&pfd, 1, 300) == 0) break;
  }
  size_t growth = residentBytes() - std::min(baseline, residentBytes());
  INFO("sent " << sent / 1024 << " KiB of requests; server process grew by " << growth / 1024
               << " KiB");
  // Stopped reading: our sends blocked long before the cap. (The memory this saves is measured
  // by the stress test of http_hello, out of process; here ASan's quarantine would blur it.)
  CHECK(sent < cap);
  // Then every whole request sent is answered, in order.
  size_t requests = sent / request.size();
  size_t answered = 0;
  for (size_t i = 0; i < requests; ++i) {
    if (client.read().body == "GET /x") ++answered;
  }
  CHECK(answered == requests);
}

TEST_CASE("a callback that throws is answered 500 and the connection closed without a second call",
          "[ch12][s2][httpserver]") {
  std::atomic<int> thrown{0};
  HttpTestServer server([&thrown](const HttpRequest& request, HttpResponse* response) {
    if (request.path() == "/std") {
      ++thrown;
      throw std::runtime_error("the callback failed");
    }
    if (request.path() == "/int") {
      ++thrown;
      throw 42;  // not a std::exception
    }
    response->setStatusCode(HttpResponse::k200Ok);
    response->setBody(std::string(request.methodString()) + " " + request.path());
  });
  int expected = 0;
  for (const char* path : {"/std", "/int"}) {
    INFO("GET " << path);
    const int fdsBefore = countOpenFds();
    Client client(server.port());
    // A second request pipelined behind it: the 500 closes the connection, so it is never
    // answered, and never dispatched either.
    client.send(get(path) + get("/pipelined"));
    Response r = client.read(false, std::chrono::seconds(5));
    CHECK(r.status == 500);
    CHECK(r.header("Connection") == "close");
    CHECK(client.readEof(std::chrono::seconds(5)));
    // More bytes after the answer: read and thrown away. A parser left at "request complete"
    // would dispatch the same request again when they arrive.
    client.send(get(path));
    client.shutdownWrite();
    // The server closes its end when it reads our EOF, after every byte before it.
    CHECK(waitFor([&] { return countOpenFds() == fdsBefore + 1; }));
    CHECK(thrown == ++expected);
  }
  Client other(server.port());
  other.send(get("/other"));
  CHECK(other.read().body == "GET /other");
  CHECK(thrown == expected);
}

TEST_CASE("idle keep-alive connections give back the memory of a large answer",
          "[ch12][s2][httpserver]") {
#if MYMUDUO_SANITIZED_MALLOC || !MYMUDUO_HAVE_MALLINFO2
  WARN("skipped: needs glibc's mallinfo2(), which a sanitizer's own allocator does not keep");
#else
  // Heap bytes in use, not the resident size: glibc keeps freed memory mapped, so the RSS says
  // little about what the server still holds.
  constexpr size_t kBody = 4 << 20;
  constexpr int kConnections = 10;
  HttpTestServer server([](const HttpRequest& request, HttpResponse* response) {
    response->setStatusCode(HttpResponse::k200Ok);
    response->setBody(request.path() == "/big" ? std::string(kBody, 'b') : "small");
  });
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    clients.back()->send(get("/small"));
    REQUIRE(clients.back()->read().body == "small");
  }
  const size_t baseline = heapInUse();
  for (auto& client : clients) {
    client->send(get("/big"));
    REQUIRE(client->read().body.size() == kBody);
    std::string().swap(client->pending());  // the client's own copy must not count
  }
  // Each response is done once its last byte left the output buffer; wait for that.
  size_t inUse = 0;
  bool small = waitFor([&] {
    inUse = heapInUse();
    return inUse < baseline + 2 * kBody;
  });
  INFO("heap in use grew by " << (inUse - std::min(inUse, baseline)) / 1024 << " KiB with "
                              << kConnections << " idle connections after a " << kBody / 1024
                              << " KiB answer each");
  CHECK(small);
#endif
}

TEST_CASE("a large string body read steadily outlasts the idle timeout", "[ch12][s2][httpserver]") {
  // A body the kernel cannot absorb: the server's send buffer grows up to tcp_wmem's maximum
  // (4 MiB by default), our receive buffer is fixed small. Read at a pace that takes three
  // idle timeouts, most of it still waits in the server's output buffer when the first one
  // ends; it drains all the while, and that is progress.
  const size_t size = std::min(std::max<size_t>(24 << 20, 4 * maxSendBuffer()), size_t{128} << 20);
  const std::string body = pattern(size);
  HttpTestServer server(
      [&body](const HttpRequest&, HttpResponse* response) {
        response->setStatusCode(HttpResponse::k200Ok);
        response->setBody(body);
      },
      [](HttpServer& s) { s.setIdleTimeout(1.0); });
  Client client(server.port());
  int rcvbuf = 64 * 1024;
  REQUIRE(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
  client.send(get("/big"));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(40);
  const double bytesPerSecond = static_cast<double>(size) / 3.0;
  size_t headerEnd;
  while ((headerEnd = client.pending().find("\r\n\r\n")) == std::string::npos ||
         client.pending().size() < headerEnd + 4 + size) {
    std::chrono::duration<double> elapsed = Clock::now() - start;
    if (static_cast<double>(client.pending().size()) > bytesPerSecond * elapsed.count()) {
      std::this_thread::sleep_for(milliseconds(5));  // ahead of the pace
      continue;
    }
    ssize_t n = client.readSome(deadline);
    INFO("the connection ended after " << client.pending().size() / 1024 << " KiB and "
                                       << elapsed.count() << " s");
    REQUIRE(n > 0);
  }
  const auto took = Clock::now() - start;
  INFO("the body took " << std::chrono::duration_cast<milliseconds>(took).count() << " ms");
  CHECK(took > std::chrono::seconds(2));  // else the idle timeout was never put to the test
  Response r = client.read();
  CHECK(r.status == 200);
  CHECK(r.body == body);
}

TEST_CASE("an idle timeout too long to represent or not positive is no timeout",
          "[ch12][s2][httpserver]") {
  // Converted to the clock's nanoseconds, 1e300 or infinity does not fit: undefined behaviour,
  // which on x86-64 gave the most negative count, a deadline long past, and every connection
  // closed at once.
  for (double seconds : {1e300, std::numeric_limits<double>::infinity(), 1e10, -1.0,
                         std::numeric_limits<double>::quiet_NaN()}) {
    INFO("setIdleTimeout(" << seconds << ")");
    HttpTestServer server(Router{}, [seconds](HttpServer& s) { s.setIdleTimeout(seconds); });
    Client client(server.port());
    client.send(get("/a"));
    CHECK(client.read(false, std::chrono::seconds(5)).body == "GET /a");
    struct pollfd pfd = {client.fd(), POLLIN, 0};
    CHECK(::poll(&pfd, 1, 300) == 0);  // no end of the connection, nothing at all, for 300 ms
    client.send(get("/b"));
    CHECK(client.read(false, std::chrono::seconds(5)).body == "GET /b");
  }
}
