// HttpRequest on its own, before there is a parser to fill it in: repeated header fields are
// combined, and the method names are known case-sensitively.

#include <catch2/catch.hpp>
#include <string>

#include "mymuduo/http/HttpRequest.h"

using mymuduo::http::HttpRequest;

TEST_CASE("HttpRequest combines repeated headers in order", "[ch11][s1][http]") {
  HttpRequest r;
  r.addHeader("Accept", "a");
  r.addHeader("accept", "b");
  r.addHeader("ACCEPT", "c");
  CHECK(r.getHeader("Accept") == "a, b, c");
  CHECK(r.headers().size() == 1);
  CHECK(r.headers().begin()->first == "Accept");  // the first spelling is kept
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
