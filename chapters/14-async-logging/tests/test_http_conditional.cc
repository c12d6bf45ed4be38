// Conditional requests (RFC 9110 §13): the date parser, entity tags and their comparison alone,
// then StaticFileHandler's preconditions over HTTP on the scratch root of HttpTestUtil.h, whose
// hello.txt was last modified on Sun, 06 Nov 1994 08:49:37 GMT.
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpDate.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/http/StaticFileUtil.h"

using mymuduo::http::entityTagListMatches;
using mymuduo::http::StaticFileHandler;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;
using testutil::ScratchRoot;

namespace {

/// hello.txt's modification time, and the forms of that date.
constexpr std::time_t kHelloMtime = 784111777;
const char kHelloDate[] = "Sun, 06 Nov 1994 08:49:37 GMT";

/// A GET (or HEAD) of `target` with the header lines `extra`, on `client`'s connection. A 304
/// has no Content-Length: its answer ends with the blank line, as the answer to HEAD does.
Response conditionalRequest(Client& client, const std::string& target, const std::string& extra,
                            const std::string& method = "GET", bool expectBody = true) {
  client.send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n");
  return client.read(method == "HEAD" || !expectBody);
}

/// One GET of /hello.txt with `extra` on a connection of its own: its status.
int helloStatus(uint16_t port, const std::string& extra) {
  Client client(port);
  client.send("GET /hello.txt HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n");
  // Read the head first: a 304 or 412 decides whether a body follows.
  Response r = client.read(true);
  if (r.status == 200) {
    CHECK(r.header("Content-Length") == "13");
  } else if (r.status == 304) {
    CHECK(r.headers.count("Content-Length") == 0);
  }
  return r.status;
}

}  // namespace

TEST_CASE("parseHttpDate reads the three date forms and refuses anything else",
          "[ch13][s3][conditional]") {
  using mymuduo::http::parseHttpDate;
  struct DateCase {
    const char* text;
    std::time_t expected;
  };
  for (const DateCase& c : std::vector<DateCase>{
           {"Sun, 06 Nov 1994 08:49:37 GMT", kHelloMtime},
           // RFC 850's two-digit year: the latest with those digits not over 50 years ahead,
           // so 1994 until 2044.
           {"Sunday, 06-Nov-94 08:49:37 GMT", kHelloMtime},
           {"Sun Nov  6 08:49:37 1994", kHelloMtime},  // asctime(): a space before one digit
           {"Wed Nov 16 08:49:37 1994", 784975777},    // the day name is not checked
           {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
           {"Tue, 29 Feb 2000 12:00:00 GMT", 951825600},
           {"Fri, 31 Dec 1999 23:59:60 GMT", 946684800},  // a leap second: the next one
       }) {
    INFO(c.text);
    std::time_t t = -1;
    CHECK(parseHttpDate(c.text, &t));
    CHECK(t == c.expected);
  }
  for (const char* garbage : {"",
                              "yesterday",
                              "Sun, 06 Nov 1994 08:49:37 UTC",
                              "sun, 06 Nov 1994 08:49:37 GMT",
                              "Sun, 06 nov 1994 08:49:37 GMT",
                              "Sun, 6 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 94 08:49:37 GMT",
                              "Sun, 31 Apr 1994 08:49:37 GMT",
                              "Mon, 29 Feb 1900 00:00:00 GMT",
                              "Sun, 06 Nov 1994 24:00:00 GMT",
                              "Sun, 06 Nov 1994 08:60:00 GMT",
                              "Sun, 06 Nov 1994 08:49:61 GMT",
                              " Sun, 06 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 1994 08:49:37 GMT ",
                              "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 1994 08:49:3 GMT",
                              "Sun,06 Nov 1994 08:49:37 GMT",
                              "Sun Nov 6 08:49:37 1994",
                              "Sun Nov  6 08:49:37 94",
                              "Sunday, 06-Nov-1994 08:49:37 GMT",
                              "Sun, 00 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 1994 08:49:37 GMT\r\n"}) {
    INFO("'" << garbage << "'");
    std::time_t t = 42;
    CHECK_FALSE(parseHttpDate(garbage, &t));
    CHECK(t == 42);
  }
}

TEST_CASE("an entity tag is made of the size and the nanoseconds of the mtime",
          "[ch13][s3][conditional]") {
  using mymuduo::http::makeEntityTag;
  struct timespec mtime = {kHelloMtime, 0};
  CHECK(makeEntityTag(13, mtime) == "\"d-ae1b981bc490a00\"");
  struct timespec oneLater = {kHelloMtime, 1};
  CHECK(makeEntityTag(13, oneLater) == "\"d-ae1b981bc490a01\"");
  CHECK(makeEntityTag(14, mtime) != makeEntityTag(13, mtime));
  struct timespec before1970 = {-1, 0};
  CHECK(makeEntityTag(0, before1970).front() == '"');
}

TEST_CASE("entityTagListMatches compares weakly for If-None-Match and strongly for If-Match",
          "[ch13][s3][conditional]") {
  const std::string ours = "\"d-abc\"";
  struct TagCase {
    std::string value;
    bool weak;    // If-None-Match's answer
    bool strong;  // If-Match's answer
  };
  std::string thousand;
  for (int i = 0; i < 1000; ++i) thousand += "\"tag" + std::to_string(i) + "\", ";
  const std::vector<TagCase> cases = {
      {"*", true, true},
      {" * ", true, true},
      {ours, true, true},
      {"W/" + ours, true, false},
      {"\"x\", " + ours, true, true},
      {"\"x\"," + ours, true, true},
      {" \"x\" , , W/" + ours + " ", true, false},
      {"\"x\"", false, false},
      {"\"D-ABC\"", false, false},  // opaque tags compare byte for byte
      {"d-abc", false, false},      // not quoted
      {"\"d-abc", false, false},
      {ours + " junk", false, false},
      {ours + ", junk", false, false},  // the whole list must be entity tags
      {ours + "\"x\"", false, false},   // two tags without a comma
      {"w/" + ours, false, false},      // W/ is case-sensitive
      {"\"d-ab c\"", false, false},     // no space inside a tag
      {"*, " + ours, false, false},     // "*" stands alone
      {"", false, false},
      {",", false, false},
      {thousand + ours, true, true},
      {thousand + "\"last\"", false, false},
  };
  for (const TagCase& c : cases) {
    INFO("'" << c.value.substr(0, 60) << "'");
    CHECK(entityTagListMatches(c.value, ours, true) == c.weak);
    CHECK(entityTagListMatches(c.value, ours, false) == c.strong);
  }
}

TEST_CASE("If-None-Match with the ETag gets 304 without a body and the connection goes on",
          "[ch13][s3][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  Response first = conditionalRequest(client, "/hello.txt", "");
  REQUIRE(first.status == 200);
  const std::string etag = first.header("ETag");
  CHECK(etag.size() > 2);
  CHECK(first.header("Last-Modified") == kHelloDate);

  for (const std::string& value : {etag, "W/" + etag, std::string("*"), "\"x\", " + etag}) {
    INFO("If-None-Match: " << value);
    Response r =
        conditionalRequest(client, "/hello.txt", "If-None-Match: " + value + "\r\n", "GET", false);
    CHECK(r.statusLine == "HTTP/1.1 304 Not Modified");
    CHECK(r.header("ETag") == etag);
    CHECK(r.header("Last-Modified") == kHelloDate);
    CHECK(r.headers.count("Content-Length") == 0);
    CHECK(r.headers.count("Content-Type") == 0);
  }
  Response head =
      conditionalRequest(client, "/hello.txt", "If-None-Match: " + etag + "\r\n", "HEAD");
  CHECK(head.status == 304);
  // A large file, which would have been streamed: none of it may follow the 304.
  const std::string bigTag = conditionalRequest(client, "/data.bin", "").header("ETag");
  CHECK(bigTag != etag);
  Response big =
      conditionalRequest(client, "/data.bin", "If-None-Match: " + bigTag + "\r\n", "GET", false);
  CHECK(big.status == 304);
  // Had any body followed a 304, it would now stand where this answer starts.
  Response after = conditionalRequest(client, "/hello.txt", "If-None-Match: \"other\"\r\n");
  CHECK(after.status == 200);
  CHECK(after.body == "hello, world\n");
  CHECK(client.pending().empty());
}

TEST_CASE("If-Modified-Since decides only without If-None-Match", "[ch13][s3][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  const uint16_t port = server.port();
  Client probe(port);
  const std::string etag = conditionalRequest(probe, "/hello.txt", "").header("ETag");
  const std::string ims = "If-Modified-Since: ";
  struct ImsCase {
    std::string extra;
    int status;
  };
  for (const ImsCase& c : std::vector<ImsCase>{
           {ims + kHelloDate + "\r\n", 304},
           {ims + "Mon, 07 Nov 1994 08:49:37 GMT\r\n", 304},
           {ims + "Sunday, 06-Nov-94 08:49:37 GMT\r\n", 304},
           {ims + "Sun Nov  6 08:49:37 1994\r\n", 304},
           {ims + "Sun, 06 Nov 1994 08:49:36 GMT\r\n", 200},  // a second older: the file
           {ims + "yesterday\r\n", 200},                      // not a date: ignored
           {ims + kHelloDate + "\r\n" + ims + kHelloDate + "\r\n", 200},  // twice: no date
           // If-None-Match present: If-Modified-Since is not looked at.
           {"If-None-Match: \"other\"\r\n" + ims + kHelloDate + "\r\n", 200},
           {"If-None-Match: " + etag + "\r\n" + ims + "Sat, 01 Jan 1994 00:00:00 GMT\r\n", 304},
       }) {
    INFO(c.extra);
    CHECK(helloStatus(port, c.extra) == c.status);
  }
}

TEST_CASE("If-Match and If-Unmodified-Since that fail get 412 before any 304",
          "[ch13][s3][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  const uint16_t port = server.port();
  Client probe(port);
  const std::string etag = conditionalRequest(probe, "/hello.txt", "").header("ETag");
  struct PreconditionCase {
    std::string extra;
    int status;
  };
  for (const PreconditionCase& c : std::vector<PreconditionCase>{
           {"If-Match: \"other\"\r\n", 412},
           {"If-Match: " + etag + "\r\n", 200},
           {"If-Match: *\r\n", 200},
           {"If-Match: W/" + etag + "\r\n", 412},  // strong comparison
           {"If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 412},
           {std::string("If-Unmodified-Since: ") + kHelloDate + "\r\n", 200},
           {"If-Unmodified-Since: soon\r\n", 200},
           // With If-Match, If-Unmodified-Since is not looked at (RFC 9110 §13.2.2).
           {"If-Match: " + etag + "\r\nIf-Unmodified-Since: Sat, 01 Jan 1994 00:00:00 GMT\r\n",
            200},
           {"If-Match: \"other\"\r\nIf-None-Match: " + etag + "\r\n", 412},
           {"If-Match: " + etag + "\r\nIf-None-Match: " + etag + "\r\n", 304},
           {"If-None-Match: " + etag + "\r\nRange: bytes=0-4\r\n", 304},
       }) {
    INFO(c.extra);
    CHECK(helloStatus(port, c.extra) == c.status);
  }
  Client client(port);
  Response failed = conditionalRequest(client, "/hello.txt", "If-Match: \"other\"\r\n");
  CHECK(failed.statusLine == "HTTP/1.1 412 Precondition Failed");
  CHECK(failed.body.find("hello") == std::string::npos);
  // Preconditions belong to files: a missing one is 404 whatever they say.
  CHECK(conditionalRequest(client, "/missing", "If-Match: \"other\"\r\n").status == 404);
  CHECK(conditionalRequest(client, "/missing", "If-None-Match: *\r\n").status == 404);
}

TEST_CASE("the ETag changes with the file and an old one gets the new file",
          "[ch13][s3][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  const uint16_t port = server.port();
  Client client(port);
  const std::string path = scratch.root + "/hello.txt";
  const std::string before = conditionalRequest(client, "/hello.txt", "").header("ETag");
  // The same size and the same second, one nanosecond later: a strong tag must still change.
  struct timespec times[2] = {{kHelloMtime, 1}, {kHelloMtime, 1}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  Response same = conditionalRequest(client, "/hello.txt", "If-None-Match: " + before + "\r\n");
  CHECK(same.status == 200);
  CHECK(same.header("ETag") != before);
  CHECK(same.header("Last-Modified") == kHelloDate);  // seconds only: it cannot tell
  testutil::writeFile(path, "hello again\n");
  Response changed =
      conditionalRequest(client, "/hello.txt", "If-None-Match: " + same.header("ETag") + "\r\n");
  CHECK(changed.status == 200);
  CHECK(changed.body == "hello again\n");
}

TEST_CASE("an If-None-Match with a thousand entity tags gets a bounded answer",
          "[ch13][s3][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  const std::string etag = conditionalRequest(client, "/hello.txt", "").header("ETag");
  std::string thousand;
  for (int i = 0; i < 1000; ++i) thousand += "W/\"" + std::to_string(i) + "-0\", ";
  CHECK(
      conditionalRequest(client, "/hello.txt", "If-None-Match: " + thousand + "\"x\"\r\n").status ==
      200);
  CHECK(conditionalRequest(client, "/hello.txt", "If-None-Match: " + thousand + etag + "\r\n",
                           "GET", false)
            .status == 304);
  CHECK(
      conditionalRequest(client, "/hello.txt", "If-None-Match: " + thousand + "junk\r\n").status ==
      200);
  CHECK(conditionalRequest(client, "/hello.txt", "").body == "hello, world\n");
}
