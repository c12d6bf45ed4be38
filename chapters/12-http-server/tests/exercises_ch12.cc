// Hidden tests of chapter 12's exercise "A request limit per connection" (see the chapter
// README). Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/12/ch12_tests "[ex12]"
// They build on the shipped code and fail there: HttpServer keeps a connection alive for as
// many requests as the client sends, until the exercise closes it after its 1000th, as nginx
// does by default (keepalive_requests 1000).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "HttpTestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;

namespace {

constexpr int kLimit = 1000;

/// Answers every request with "<path>", so that a test sees which request an answer is for.
void echoPath(const HttpRequest& request, HttpResponse* response) {
  response->setStatusCode(HttpResponse::k200Ok);
  response->setContentType("text/plain");
  response->setBody(request.path());
}

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

/// Sends `count` requests one at a time (/<tag><first>, /<tag><first + 1>, ...) and returns
/// how many of them were answered in order and with "Connection: keep-alive".
int keptAlive(Client& client, const std::string& tag, int first, int count) {
  int kept = 0;
  for (int i = first; i < first + count; ++i) {
    client.send(get("/" + tag + std::to_string(i)));
    Response r = client.read(false, std::chrono::seconds(5));
    if (r.status == 200 && r.body == "/" + tag + std::to_string(i) &&
        r.header("Connection") == "keep-alive") {
      ++kept;
    }
  }
  return kept;
}

/// Sends request number kLimit (counted from 1) and checks that its answer is the last one:
/// "Connection: close", then the server's FIN with nothing after it.
void expectLastAnswer(Client& client, const std::string& tag) {
  client.send(get("/" + tag + std::to_string(kLimit)));
  Response last = client.read(false, std::chrono::seconds(5));
  CHECK(last.status == 200);
  CHECK(last.body == "/" + tag + std::to_string(kLimit));
  REQUIRE(last.header("Connection") == "close");
  CHECK(client.readEof(std::chrono::seconds(5)));
}

}  // namespace

TEST_CASE("exercise 12: the 1000th request on a connection is answered with Connection: close",
          "[.exercise][ex12]") {
  HttpTestServer server(echoPath);

  SECTION("one request at a time") {
    Client client(server.port());
    CHECK(keptAlive(client, "r", 1, kLimit - 1) == kLimit - 1);
    expectLastAnswer(client, "r");
  }

  SECTION("pipelined, with more requests behind the 1000th") {
    Client client(server.port());
    std::string requests;
    for (int i = 1; i <= kLimit + 10; ++i) requests += get("/p" + std::to_string(i));
    client.send(requests);
    int kept = 0;
    for (int i = 1; i < kLimit; ++i) {
      Response r = client.read(false, std::chrono::seconds(5));
      if (r.body == "/p" + std::to_string(i) && r.header("Connection") == "keep-alive") ++kept;
    }
    CHECK(kept == kLimit - 1);
    Response last = client.read(false, std::chrono::seconds(5));
    CHECK(last.body == "/p" + std::to_string(kLimit));
    REQUIRE(last.header("Connection") == "close");
    // The requests behind it are read and dropped, never answered; the connection ends
    // cleanly (a FIN, no reset that could destroy the answers still unread).
    CHECK(client.readEof(std::chrono::seconds(5)));
  }
}

TEST_CASE("exercise 12: the request limit counts each connection on its own",
          "[.exercise][ex12]") {
  HttpTestServer server(echoPath);
  Client a(server.port());
  Client b(server.port());
  // Interleaved: a count shared by the whole server would end b's connection at its 400th.
  CHECK(keptAlive(a, "a", 1, 600) == 600);
  CHECK(keptAlive(b, "b", 1, 600) == 600);
  CHECK(keptAlive(a, "a", 601, kLimit - 601) == kLimit - 601);
  expectLastAnswer(a, "a");
  CHECK(keptAlive(b, "b", 601, kLimit - 601) == kLimit - 601);
  expectLastAnswer(b, "b");
  // A new connection starts from zero.
  Client c(server.port());
  CHECK(keptAlive(c, "c", 1, 1) == 1);
}
