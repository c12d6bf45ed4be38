// HttpRequest on its own, before there is a parser to fill it in: repeated header fields are
// combined, and the method names are known case-sensitively.

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "mymuduo/http/HttpRequest.h"

using mymuduo::http::HttpRequest;

TEST_CASE("HttpRequest combines repeated headers in order", "[ch11][s1][http]") {
  HttpRequest r;
  r.addHeader("Accept", "a");
  r.addHeader("X", "1");
  r.addHeader("accept", "b");
  r.addHeader("ACCEPT", "c");
  CHECK(r.getHeader("Accept") == "a, b, c");
  CHECK(r.headerValue("aCCEPT") == "a");  // the first one only
  // Every line is kept, as sent: names in their spelling, in order.
  REQUIRE(r.headers().size() == 4);
  CHECK(r.headers()[0] == HttpRequest::Header("Accept", "a"));
  CHECK(r.headers()[1] == HttpRequest::Header("X", "1"));
  CHECK(r.headers()[2] == HttpRequest::Header("accept", "b"));
  CHECK(r.headers()[3] == HttpRequest::Header("ACCEPT", "c"));
  // Names compare so: ASCII letters fold, nothing else does. Every pair of bytes, both orders.
  auto lower = [](int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; };
  int wrong = 0;
  for (int x = 0; x < 256; ++x) {
    for (int y = 0; y < 256; ++y) {
      const std::string a(1, static_cast<char>(x));
      const std::string b(1, static_cast<char>(y));
      if (mymuduo::http::equalsIgnoreCase(a, b) != (lower(x) == lower(y))) ++wrong;
    }
  }
  CHECK(wrong == 0);
  CHECK_FALSE(mymuduo::http::equalsIgnoreCase("Host", "Hosts"));
}

TEST_CASE("HttpRequest header views stay valid in a copy and a move and clear() empties them",
          "[ch11][s1][http]") {
  HttpRequest r;
  r.addHeader("Host", "h");  // short: a string this small keeps its bytes inside the object
  r.addHeader("X-Long", std::string(100, 'v'));
  HttpRequest copy(r);
  HttpRequest moved(std::move(r));
  for (const HttpRequest* q : {&copy, &moved}) {
    CHECK(q->headerValue("host") == "h");
    CHECK(q->headerValue("X-LONG") == std::string(100, 'v'));
    CHECK(q->headers().size() == 2);
  }
  copy.clear();
  CHECK(copy.headers().empty());
  CHECK_FALSE(copy.hasHeader("Host"));
  CHECK(copy.headerValue("Host").empty());
  CHECK(copy.getHeader("Host").empty());
}

TEST_CASE("HttpRequest setMethod knows the methods case-sensitively", "[ch11][s1][http]") {
  HttpRequest r;
  for (const char* m :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH"}) {
    REQUIRE(r.setMethod(m));
    CHECK(std::string(r.methodString()) == m);
  }
  CHECK_FALSE(r.setMethod("get"));
  CHECK_FALSE(r.setMethod("GETX"));
  CHECK_FALSE(r.setMethod(""));
  CHECK(r.method() == HttpRequest::kPatch);  // left as it was
  CHECK(std::string(HttpRequest().methodString()) == "UNKNOWN");
}
