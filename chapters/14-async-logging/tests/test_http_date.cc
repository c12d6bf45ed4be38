// The HTTP date (RFC 9110 §5.6.7): every response carries one in its Date header.
#include <catch2/catch.hpp>
#include <ctime>
#include <string>

#include "mymuduo/http/HttpDate.h"

TEST_CASE("formatHttpDate writes IMF-fixdate", "[ch12][s1][http]") {
  using mymuduo::http::formatHttpDate;
  CHECK(formatHttpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  CHECK(formatHttpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(formatHttpDate(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST_CASE("httpDateNow is the current second as an HTTP date", "[ch12][s1][http]") {
  using mymuduo::http::formatHttpDate;
  const std::time_t before = ::time(nullptr);
  const std::string now(mymuduo::http::httpDateNow());
  const std::time_t after = ::time(nullptr);
  CHECK((now == formatHttpDate(before) || now == formatHttpDate(after)));
}
