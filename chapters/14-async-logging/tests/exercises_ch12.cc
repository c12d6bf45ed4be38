// Hidden tests of chapter 12's exercise "408 Request Timeout" (see the chapter README). Hidden
// ([.exercise]): ctest and a plain run skip them; run them with
//   build/12/ch12_tests "[ex12]"
// They build on the shipped code and fail there: when the idle timeout ends a connection in the
// middle of a request, HttpServer closes it without a word until the exercise answers 408 first.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "HttpTestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using std::chrono::milliseconds;
using testutil::Client;
using testutil::Clock;
using testutil::HttpTestServer;
using testutil::Response;

namespace {

/// Answers every request with "<path>", so that a test sees which request an answer is for.
void echoPath(const HttpRequest& request, HttpResponse* response) {
  response->setStatusCode(HttpResponse::k200Ok);
  response->setContentType("text/plain");
  response->setBody(request.path());
}

/// Sends `partial`, which never becomes a whole request, and checks that the idle timeout ends
/// the connection with a 408 that says "Connection: close", then a clean EOF.
void expect408(Client& client, const std::string& partial) {
  auto start = Clock::now();
  client.send(partial);
  Response r = client.read(false, std::chrono::seconds(5));
  auto waited = Clock::now() - start;
  CHECK(r.statusLine == "HTTP/1.1 408 Request Timeout");
  CHECK(r.header("Connection") == "close");
  CHECK(waited >= milliseconds(250));  // sent by the idle timer, not at once
  CHECK(client.readEof(std::chrono::seconds(5)));
}

}  // namespace

TEST_CASE("exercise 12: a request cut short by the idle timeout is answered 408 before the close",
          "[.exercise][ex12]") {
  HttpTestServer server(echoPath, [](HttpServer& s) { s.setIdleTimeout(0.3); });
  Client client(server.port());

  SECTION("part of a request line") { expect408(client, "GE"); }
  SECTION("headers without the empty line that ends them") {
    expect408(client, "GET /slow HTTP/1.1\r\nHost: test\r\n");
  }
  SECTION("a body shorter than its Content-Length") {
    expect408(client, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc");
  }
  SECTION("part of the request after a complete one") {
    client.send("GET /first HTTP/1.1\r\nHost: test\r\n\r\n");
    Response first = client.read(false, std::chrono::seconds(5));
    REQUIRE(first.body == "/first");
    CHECK(first.header("Connection") == "keep-alive");
    expect408(client, "GET /sec");
  }
  // No request begun: nothing to answer, and the connection still ends at the timeout.
  SECTION("nothing sent at all: closed without an answer") {
    auto start = Clock::now();
    CHECK(client.readEof(std::chrono::seconds(5)));
    CHECK(Clock::now() - start >= milliseconds(250));
  }
  SECTION("nothing sent after a complete answer: closed without an answer") {
    client.send("GET /only HTTP/1.1\r\nHost: test\r\n\r\n");
    CHECK(client.read(false, std::chrono::seconds(5)).body == "/only");
    CHECK(client.readEof(std::chrono::seconds(5)));
  }
}
