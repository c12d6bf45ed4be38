#include <catch2/catch.hpp>
#include <string>

#include "mymuduo/http/HttpContext.h"
#include "mymuduo/net/Buffer.h"

using mymuduo::Timestamp;
using mymuduo::http::HttpContext;
using mymuduo::http::HttpRequest;
using mymuduo::net::Buffer;

TEST_CASE("HttpContext parses a GET and leaves the next pipelined request", "[ch10][http]") {
  Buffer buf;
  buf.append(std::string("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                         "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  HttpContext ctx;
  REQUIRE(ctx.parseRequest(&buf, Timestamp::now()));
  REQUIRE(ctx.gotAll());
  CHECK(ctx.request().method() == HttpRequest::kGet);
  CHECK(ctx.request().path() == "/a");
  CHECK(ctx.request().query() == "b=1");
  CHECK(ctx.request().getHeader("host") == "x");
  ctx.reset();
  REQUIRE(ctx.parseRequest(&buf, Timestamp::now()));
  REQUIRE(ctx.gotAll());
  CHECK(ctx.request().method() == HttpRequest::kPost);
  CHECK(ctx.request().body() == "abc");
  CHECK(buf.readableBytes() == 0);
}

TEST_CASE("HttpContext rejects a request without Host", "[ch10][http]") {
  Buffer buf;
  buf.append(std::string("GET / HTTP/1.1\r\n\r\n"));
  HttpContext ctx;
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp::now()));
  CHECK(ctx.errorStatus() == 400);
}
