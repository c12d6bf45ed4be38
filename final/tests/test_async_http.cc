// HttpServer::setAsyncHttpCallback(): handlers that answer later through an HttpResponder, from
// another thread, out of order, after the client left, or never. Over real loopback sockets;
// the server runs in a loop thread of its own, the answers come from the test thread.
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponder.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponder;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// The requests the server handed over, with their responders, as the test thread sees them.
class Inbox {
 public:
  void put(std::string path, HttpResponder responder) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.emplace_back(std::move(path), std::move(responder));
    cond_.notify_all();
  }
  /// Waits until `n` requests came (or 20 s passed: then the test fails).
  bool waitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cond_.wait_for(lock, seconds(20), [&] { return items_.size() >= n; });
  }
  std::pair<std::string, HttpResponder> at(size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.at(i);
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::pair<std::string, HttpResponder>> items_;
};

HttpResponse text(const std::string& body) {
  HttpResponse response(false);
  response.setStatusCode(HttpResponse::k200Ok);
  response.setContentType("text/plain");
  response.setBody(body);
  return response;
}

/// A server whose handler puts every request into `inbox` and answers nothing itself.
std::function<void(HttpServer&)> intoInbox(Inbox* inbox, double idleTimeout = 60) {
  return [inbox, idleTimeout](HttpServer& server) {
    server.setIdleTimeout(idleTimeout);
    server.setAsyncHttpCallback([inbox](const HttpRequest& request, HttpResponder responder) {
      inbox->put(request.path(), std::move(responder));
    });
  };
}

/// Whether nothing arrives on the client's socket for `wait`: what must not go out yet.
bool quietFor(Client& client, milliseconds wait) {
  struct pollfd pfd = {client.fd(), POLLIN, 0};
  return ::poll(&pfd, 1, static_cast<int>(wait.count())) == 0;
}

std::string get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"; }

}  // namespace

TEST_CASE("an asynchronous handler answers from a worker thread", "[ch12][s2][asynchttp]") {
  // A worker thread that answers each request it is given: what a handler that asks a backend
  // does. Under ThreadSanitizer this is the cross-thread hand-off of the answer.
  std::mutex mutex;
  std::condition_variable cond;
  std::deque<std::pair<std::string, HttpResponder>> work;
  bool quit = false;
  std::thread worker([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      cond.wait(lock, [&] { return quit || !work.empty(); });
      if (work.empty()) return;
      auto item = std::move(work.front());
      work.pop_front();
      lock.unlock();
      CHECK(item.second.respond(text("worker: " + item.first)));
      CHECK_FALSE(item.second.respond(text("twice")));  // only the first answer counts
      lock.lock();
    }
  });
  {
    HttpTestServer server(nullptr, [&](HttpServer& s) {
      s.setThreadNum(2);
      s.setAsyncHttpCallback([&](const HttpRequest& request, HttpResponder responder) {
        std::lock_guard<std::mutex> lock(mutex);
        work.emplace_back(request.path(), std::move(responder));
        cond.notify_one();
      });
    });
    for (int c = 0; c < 4; ++c) {
      Client client(server.port());
      for (int i = 0; i < 5; ++i) {
        std::string path = "/" + std::to_string(c) + "/" + std::to_string(i);
        client.send(get(path));
        Response r = client.read();
        REQUIRE(r.status == 200);
        REQUIRE(r.body == "worker: " + path);
        REQUIRE(r.header("Connection") == "keep-alive");
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    quit = true;
  }
  cond.notify_one();
  worker.join();
}

TEST_CASE("pipelined requests answered out of order go out in request order",
          "[ch12][s2][asynchttp]") {
  Inbox inbox;
  HttpTestServer server(nullptr, intoInbox(&inbox));
  Client client(server.port());
  client.send(get("/a") + get("/b") + "HEAD /c HTTP/1.1\r\nHost: t\r\n\r\n");
  // All three are handed over before the first is answered: a proxy asks its backends at once.
  REQUIRE(inbox.waitFor(3));
  REQUIRE(inbox.at(2).second.respond(text("answer c")));
  REQUIRE(inbox.at(1).second.respond(text("answer b")));
  // Nothing may go out before /a's answer: the answers of b and c wait for it.
  CHECK(quietFor(client, milliseconds(100)));
  REQUIRE(inbox.at(0).second.respond(text("answer a")));
  Response a = client.read();
  Response b = client.read();
  Response c = client.read(/*headOnly=*/true);
  CHECK(a.body == "answer a");
  CHECK(b.body == "answer b");
  CHECK(c.status == 200);
  CHECK(c.header("Content-Length") == "8");  // HEAD: the length of the body it did not send
  CHECK(client.pending().empty());
}

TEST_CASE("an answer after the client reset its connection is dropped and the server goes on",
          "[ch12][s2][asynchttp]") {
  Inbox inbox;
  HttpTestServer server(nullptr, intoInbox(&inbox));
  {
    Client client(server.port());
    client.send(get("/1") + get("/2"));
    REQUIRE(inbox.waitFor(2));
    // Closed with a reset (SO_LINGER 0): the connection goes down at once, though answers
    // are under way (a reset is no half-close: nobody is left to read them).
    struct linger lg = {1, 0};
    REQUIRE(::setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
  }
  HttpResponder first = inbox.at(0).second;
  HttpResponder second = inbox.at(1).second;
  REQUIRE(testutil::waitFor([&] { return !first.connected() && !second.connected(); }));
  CHECK_FALSE(first.respond(text("to nobody")));
  CHECK_FALSE(second.respond(text("too late")));
  inbox.clear();
  // The same server still answers.
  Client next(server.port());
  next.send(get("/next"));
  REQUIRE(inbox.waitFor(1));
  REQUIRE(inbox.at(0).second.respond(text("still here")));
  CHECK(next.read().body == "still here");
}

TEST_CASE("a responder dropped unanswered answers 500 and the connection closes",
          "[ch12][s2][asynchttp]") {
  HttpTestServer server(nullptr, [](HttpServer& s) {
    s.setAsyncHttpCallback([](const HttpRequest& request, HttpResponder) {
      if (request.path() == "/throw") throw std::runtime_error("handler failed");
    });
  });
  for (const char* path : {"/drop", "/throw"}) {
    Client client(server.port());
    client.send(get(path) + get("/never"));
    Response r = client.read();
    CHECK(r.status == 500);
    CHECK(r.header("Connection") == "close");
    CHECK(client.readEof());  // the pipelined second request is never answered
  }
}

TEST_CASE("the idle timer does not close a connection that waits for its handler",
          "[ch12][s2][asynchttp]") {
  Inbox inbox;
  HttpTestServer server(nullptr, intoInbox(&inbox, /*idleTimeout=*/0.2));
  Client client(server.port());
  client.send(get("/slow"));
  REQUIRE(inbox.waitFor(1));
  // Five idle timeouts without an answer: the connection must still be open.
  std::this_thread::sleep_for(milliseconds(1000));
  REQUIRE(inbox.at(0).second.connected());
  REQUIRE(inbox.at(0).second.respond(text("at last")));
  CHECK(client.read().body == "at last");
  // Answered, the connection is idle again, and the timeout closes it.
  auto took = client.waitClosed(seconds(10));
  CHECK(took < seconds(5));
}

TEST_CASE("a 100 Continue waits for the answers to the requests before it",
          "[ch12][s2][asynchttp]") {
  Inbox inbox;
  HttpTestServer server(nullptr, intoInbox(&inbox));
  Client client(server.port());
  client.send(get("/first") +
              "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
              "Expect: 100-continue\r\n\r\n");
  REQUIRE(inbox.waitFor(1));
  CHECK(quietFor(client, milliseconds(100)));  // no 100 before /first
  REQUIRE(inbox.at(0).second.respond(text("first")));
  CHECK(client.read().body == "first");
  CHECK(client.read().status == 100);
  client.send("hello");
  REQUIRE(inbox.waitFor(2));
  REQUIRE(inbox.at(1).second.respond(text("uploaded")));
  CHECK(client.read().body == "uploaded");
}

TEST_CASE("drain lets an answer under way finish with Connection: close", "[ch12][s2][asynchttp]") {
  Inbox inbox;
  HttpServer* http = nullptr;
  HttpTestServer server(nullptr, [&](HttpServer& s) {
    http = &s;
    intoInbox (&inbox)(s);
  });
  Client client(server.port());
  client.send(get("/under-way"));
  REQUIRE(inbox.waitFor(1));
  http->drain(10, [] {});
  // The drain does not close the connection under the handler's feet.
  CHECK(quietFor(client, milliseconds(100)));
  REQUIRE(inbox.at(0).second.respond(text("done")));
  Response r = client.read();
  CHECK(r.body == "done");
  CHECK(r.header("Connection") == "close");
  CHECK(client.readEof());
}

TEST_CASE("answering after the server was destroyed is safe and goes nowhere",
          "[ch12][s2][asynchttp]") {
  Inbox inbox;
  auto server = std::make_unique<HttpTestServer>(nullptr, intoInbox(&inbox));
  Client client(server->port());
  client.send(get("/orphan"));
  REQUIRE(inbox.waitFor(1));
  server.reset();  // its loops are gone
  CHECK_FALSE(inbox.at(0).second.respond(text("nobody")));
  inbox.clear();  // and the last copy goes unanswered: no 500 either, and no crash
}
