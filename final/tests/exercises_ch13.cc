// Hidden tests of chapter 13's exercise "Conditional GET" (see the chapter README). Hidden
// ([.exercise]): ctest and a plain run skip them; run them with
//   build/13/ch13_tests "[ex13]"
// They build on the shipped code and fail there: StaticFileHandler answers every GET with the
// whole file until the exercise is done.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/StaticFileHandler.h"

namespace {

/// A scratch root with hello.txt, its mtime fixed to Sun, 06 Nov 1994 08:49:37 GMT.
struct ConditionalRoot {
  ConditionalRoot() {
    char tmpl[] = "/tmp/mymuduo-conditional-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    root = tmpl;
    {
      std::ofstream out(root + "/hello.txt", std::ios::binary);
      out << "hello, world\n";
    }
    struct timespec times[2] = {{784111777, 0}, {784111777, 0}};
    ::utimensat(AT_FDCWD, (root + "/hello.txt").c_str(), times, 0);
  }
  ~ConditionalRoot() {
    ::unlink((root + "/hello.txt").c_str());
    ::rmdir(root.c_str());
  }
  std::string root;
};

/// What came back: the status, one header and everything after the blank line.
struct Answer {
  int status = 0;
  std::string lastModified;
  std::string body;
};

/// One request with "Connection: close" and If-Modified-Since: `since` (none when empty),
/// read up to the server's EOF: every byte after the headers is body, none may follow a 304.
Answer conditionalGet(uint16_t port, const std::string& since, const std::string& method = "GET") {
  std::string request = method + " /hello.txt HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
  if (!since.empty()) request += "If-Modified-Since: " + since + "\r\n";
  int fd = testutil::connectTo(port);
  std::string all;
  try {
    testutil::writeAll(fd, request + "\r\n");
    all = testutil::readUntilEof(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  size_t end = all.find("\r\n\r\n");
  if (all.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos) {
    throw std::runtime_error("not an HTTP/1.1 response: " + all.substr(0, 80));
  }
  Answer a;
  a.status = std::atoi(all.c_str() + 9);
  size_t at = all.find("\r\nLast-Modified: ");
  if (at != std::string::npos && at < end) {
    size_t from = at + 17;
    a.lastModified = all.substr(from, all.find("\r\n", from) - from);
  }
  a.body = all.substr(end + 4);
  return a;
}

}  // namespace

TEST_CASE("exercise 13: If-Modified-Since not older than the file gets 304 Not Modified",
          "[.exercise][ex13]") {
  ConditionalRoot scratch;
  testutil::HttpTestServer server(mymuduo::http::StaticFileHandler(scratch.root));
  const std::string lastModified = "Sun, 06 Nov 1994 08:49:37 GMT";

  Answer first = conditionalGet(server.port(), "");
  REQUIRE(first.status == 200);
  REQUIRE(first.lastModified == lastModified);

  SECTION("the date the first response gave") {
    Answer r = conditionalGet(server.port(), first.lastModified);
    CHECK(r.status == 304);
    CHECK(r.body.empty());
  }
  SECTION("a later date") {
    CHECK(conditionalGet(server.port(), "Mon, 07 Nov 1994 08:49:37 GMT").status == 304);
  }
  SECTION("HEAD too") { CHECK(conditionalGet(server.port(), lastModified, "HEAD").status == 304); }
  SECTION("an older date gets the file") {
    Answer r = conditionalGet(server.port(), "Sun, 06 Nov 1994 08:49:36 GMT");
    CHECK(r.status == 200);
    CHECK(r.body == "hello, world\n");
  }
  SECTION("a date that is not IMF-fixdate is ignored: the file") {
    Answer r = conditionalGet(server.port(), "yesterday");
    CHECK(r.status == 200);
    CHECK(r.body == "hello, world\n");
  }
}
