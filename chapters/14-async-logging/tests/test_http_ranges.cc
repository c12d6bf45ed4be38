// Range requests (RFC 9110 §14): parseByteRange() alone, then StaticFileHandler over HTTP on the
// scratch root of HttpTestUtil.h, through both of the server's file paths: a body of up to
// 16 KiB read with pread() behind the header, a larger one sent with sendfile(), each from an
// offset.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/http/StaticFileUtil.h"

using mymuduo::http::ByteRange;
using mymuduo::http::StaticFileHandler;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;
using testutil::ScratchRoot;

namespace {

struct RangeCase {
  std::string value;
  uint64_t size;
  ByteRange::Kind kind;
  uint64_t first;
  uint64_t last;
};

/// The request for `target` with the header lines `extra` ("Name: value\r\n" each).
std::string rangeRequest(const std::string& target, const std::string& extra,
                         const std::string& method = "GET") {
  return method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

/// One request on a connection of its own (kept alive, closed when the client goes).
Response rangeRoundTrip(uint16_t port, const std::string& target, const std::string& extra,
                        const std::string& method = "GET") {
  Client client(port);
  client.send(rangeRequest(target, extra, method));
  return client.read(method == "HEAD");
}

}  // namespace

TEST_CASE("parseByteRange reads one range of each form and ignores what it cannot serve",
          "[ch13][s3][ranges]") {
  const uint64_t kB = 1000;
  const std::string twentyNines(20, '9');
  const auto whole = ByteRange::kWhole;
  const auto partial = ByteRange::kPartial;
  const auto unsatisfiable = ByteRange::kUnsatisfiable;
  const std::vector<RangeCase> cases = {
      {"bytes=0-499", kB, partial, 0, 499},
      {"bytes=500-999", kB, partial, 500, 999},
      {"bytes=500-", kB, partial, 500, 999},
      {"bytes=-200", kB, partial, 800, 999},
      {"bytes=-2000", kB, partial, 0, 999},  // a suffix longer than the file: all of it
      {"bytes=0-0", kB, partial, 0, 0},
      {"bytes=999-", kB, partial, 999, 999},
      {"bytes=900-5000", kB, partial, 900, 999},  // a last position past the end: the end
      {"bytes=0-" + twentyNines, kB, partial, 0, 999},
      {"bytes=3-0005", kB, partial, 3, 5},
      {"BYTES=0-9", kB, partial, 0, 9},      // a range unit is case-insensitive
      {"bytes=, 0-9 ,", kB, partial, 0, 9},  // empty list elements are ignored
      {"bytes=0-0", 1, partial, 0, 0},
      {"bytes=-1", 1, partial, 0, 0},
      {"bytes=1000-", kB, unsatisfiable, 0, 0},
      {"bytes=1000-2000", kB, unsatisfiable, 0, 0},
      {"bytes=" + twentyNines + "-", kB, unsatisfiable, 0, 0},
      {"bytes=-0", kB, unsatisfiable, 0, 0},
      {"bytes=0-", 0, unsatisfiable, 0, 0},
      {"bytes=1-", 1, unsatisfiable, 0, 0},
      {"bytes=-5", 0, whole, 0, 0},  // the last bytes of an empty file: no 206 can say so
      {"bytes=5-3", kB, whole, 0, 0},
      {"bytes=" + twentyNines + "-" + std::string(19, '9') + "8", kB, whole, 0, 0},
      {"bytes=00005-3", kB, whole, 0, 0},
      {"bytes=0-1,5-9", kB, whole, 0, 0},
      {"bytes=0-1, bytes=5-9", kB, whole, 0, 0},  // two Range fields, combined by the parser
      {"items=0-9", kB, whole, 0, 0},
      {"bytes 0-9", kB, whole, 0, 0},
      {"bytes=", kB, whole, 0, 0},
      {"bytes=-", kB, whole, 0, 0},
      {"bytes=a-b", kB, whole, 0, 0},
      {"bytes=1-2-3", kB, whole, 0, 0},
      {"bytes=+1-2", kB, whole, 0, 0},
      {"bytes=0x10-20", kB, whole, 0, 0},
      {"bytes =0-9", kB, whole, 0, 0},
      {"", kB, whole, 0, 0},
  };
  for (const RangeCase& c : cases) {
    INFO("Range: " << c.value << " of " << c.size << " bytes");
    ByteRange r = mymuduo::http::parseByteRange(c.value, c.size);
    CHECK(r.kind == c.kind);
    if (c.kind == partial) {
      CHECK(r.first == c.first);
      CHECK(r.last == c.last);
    }
  }
  // 10 KB of ranges, and a first position of 10,000 digits: one pass, one answer each.
  std::string many = "bytes=0-0";
  while (many.size() < 10000) many += ",0-0";
  CHECK(mymuduo::http::parseByteRange(many, kB).kind == whole);
  CHECK(mymuduo::http::parseByteRange("bytes=" + std::string(10000, '9') + "-", kB).kind ==
        unsatisfiable);
}

TEST_CASE("a Range gets 206 with Content-Range from the inline and the sendfile paths",
          "[ch13][s3][ranges]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  const std::string data = testutil::pattern(300 * 1024);
  // One keep-alive connection: a body that did not match its Content-Length would misframe
  // every answer after it.
  Client client(server.port());

  client.send(rangeRequest("/hello.txt", "Range: bytes=0-4\r\n"));
  Response small = client.read();
  CHECK(small.status == 206);
  CHECK(small.statusLine == "HTTP/1.1 206 Partial Content");
  CHECK(small.body == "hello");
  CHECK(small.header("Content-Range") == "bytes 0-4/13");
  CHECK(small.header("Content-Length") == "5");
  CHECK(small.header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(small.header("Accept-Ranges") == "bytes");
  CHECK_FALSE(small.header("ETag").empty());

  // 1000 bytes from the middle of a large file: read with pread() at the offset.
  client.send(rangeRequest("/data.bin", "Range: bytes=1000-1999\r\n"));
  Response middle = client.read();
  CHECK(middle.status == 206);
  CHECK(middle.header("Content-Range") == "bytes 1000-1999/307200");
  CHECK((middle.body == data.substr(1000, 1000)));

  // Over 16 KiB: sendfile() from the offset.
  client.send(rangeRequest("/data.bin", "Range: bytes=100000-\r\n"));
  Response tail = client.read();
  CHECK(tail.status == 206);
  CHECK(tail.header("Content-Range") == "bytes 100000-307199/307200");
  CHECK(tail.header("Content-Length") == "207200");
  CHECK((tail.body == data.substr(100000)));

  client.send(rangeRequest("/data.bin", "Range: bytes=-70000\r\n"));
  Response suffix = client.read();
  CHECK(suffix.status == 206);
  CHECK(suffix.header("Content-Range") == "bytes 237200-307199/307200");
  CHECK((suffix.body == data.substr(237200)));

  client.send(rangeRequest("/data.bin", ""));
  Response all = client.read();
  CHECK(all.status == 200);
  CHECK(all.header("Accept-Ranges") == "bytes");
  CHECK(all.header("Content-Range").empty());
  CHECK((all.body == data));
}

TEST_CASE("HEAD with a Range gets the headers of the 206 and no body", "[ch13][s3][ranges]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  for (const char* range : {"bytes=100000-", "bytes=0-4"}) {
    INFO(range);
    client.send(rangeRequest("/data.bin", std::string("Range: ") + range + "\r\n", "HEAD"));
    Response head = client.read(true);
    CHECK(head.status == 206);
    CHECK_FALSE(head.header("Content-Range").empty());
  }
  client.send(rangeRequest("/data.bin", "Range: bytes=100000-\r\n", "HEAD"));
  Response head = client.read(true);
  CHECK(head.header("Content-Length") == "207200");
  CHECK(head.header("Content-Range") == "bytes 100000-307199/307200");
  // A body after the HEAD answers would stand where this one starts.
  client.send(rangeRequest("/hello.txt", ""));
  Response next = client.read();
  CHECK(next.status == 200);
  CHECK(next.body == "hello, world\n");
}

TEST_CASE("a Range that selects nothing is 416 with the length of the file", "[ch13][s3][ranges]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  for (const char* range :
       {"bytes=13-", "bytes=13-20", "bytes=-0", "bytes=99999999999999999999-"}) {
    INFO(range);
    client.send(rangeRequest("/hello.txt", std::string("Range: ") + range + "\r\n"));
    Response r = client.read();
    CHECK(r.status == 416);
    CHECK(r.statusLine == "HTTP/1.1 416 Range Not Satisfiable");
    CHECK(r.header("Content-Range") == "bytes */13");
    CHECK(r.body.find("hello") == std::string::npos);
  }
  client.send(rangeRequest("/hello.txt", "Range: bytes=12-\r\n"));
  Response last = client.read();
  CHECK(last.status == 206);
  CHECK(last.body == "\n");
}

TEST_CASE("an invalid Range or another unit or several ranges get the whole file",
          "[ch13][s3][ranges]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  for (const char* range : {"bytes=5-3", "items=0-4", "bytes=0-1,3-4", "bytes=x-y", "bytes 0-4"}) {
    INFO(range);
    client.send(rangeRequest("/hello.txt", std::string("Range: ") + range + "\r\n"));
    Response r = client.read();
    CHECK(r.status == 200);
    CHECK(r.body == "hello, world\n");
    CHECK(r.header("Content-Range").empty());
  }
  // Two Range fields: one value "bytes=0-1, bytes=3-4" to the handler, no range of its own.
  client.send(rangeRequest("/hello.txt", "Range: bytes=0-1\r\nRange: bytes=3-4\r\n"));
  Response twice = client.read();
  CHECK(twice.status == 200);
  CHECK(twice.body == "hello, world\n");
  // Not for a directory listing or an error: those have no ranges.
  client.send(rangeRequest("/list/", "Range: bytes=0-4\r\n"));
  CHECK(client.read().status == 200);
  client.send(rangeRequest("/missing", "Range: bytes=0-4\r\n"));
  CHECK(client.read().status == 404);
}

TEST_CASE("If-Range applies the range only for the current ETag or Last-Modified",
          "[ch13][s3][ranges][conditional]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  const uint16_t port = server.port();
  const std::string etag = rangeRoundTrip(port, "/hello.txt", "").header("ETag");
  REQUIRE(etag.size() > 2);
  const std::string range = "Range: bytes=0-4\r\n";
  struct IfRangeCase {
    std::string ifRange;
    int status;
  };
  const std::vector<IfRangeCase> cases = {
      {etag, 206},
      {"Sun, 06 Nov 1994 08:49:37 GMT", 206},  // exactly Last-Modified
      {"Sunday, 06-Nov-94 08:49:37 GMT", 206},
      {"W/" + etag, 200},  // a weak tag never compares strongly
      {"\"other\"", 200},
      {"Sun, 06 Nov 1994 08:49:38 GMT", 200},  // a second later: not the same version
      {"Sun, 06 Nov 1994 08:49:36 GMT", 200},
      {"yesterday", 200},
      {"*", 200},
      {etag + ", " + etag, 200},  // If-Range takes one validator, not a list
  };
  for (const IfRangeCase& c : cases) {
    INFO("If-Range: " << c.ifRange);
    Response r = rangeRoundTrip(port, "/hello.txt", range + "If-Range: " + c.ifRange + "\r\n");
    CHECK(r.status == c.status);
    CHECK(r.body == (c.status == 206 ? "hello" : "hello, world\n"));
  }
  // Without a Range, If-Range changes nothing.
  CHECK(rangeRoundTrip(port, "/hello.txt", "If-Range: \"other\"\r\n").status == 200);
}

TEST_CASE("hostile Range headers get a bounded answer and the server goes on",
          "[ch13][s3][ranges]") {
  ScratchRoot scratch;
  HttpTestServer server(StaticFileHandler(scratch.root));
  Client client(server.port());
  std::string many = "bytes=0-0";
  while (many.size() < 10 * 1024) many += ",0-0";
  std::string longNumber = "bytes=" + std::string(10000, '9') + "-";
  std::string longLast = "bytes=0-" + std::string(10000, '9');
  struct HostileCase {
    std::string range;
    int status;
  };
  for (const HostileCase& c : std::vector<HostileCase>{{many, 200},
                                                       {longNumber, 416},
                                                       {longLast, 206},
                                                       {"bytes=-0", 416},
                                                       {"bytes=5-3", 200},
                                                       {"bytes=-99999999999999999999", 206}}) {
    INFO("Range: " << c.range.substr(0, 40));
    client.send(rangeRequest("/data.bin", "Range: " + c.range + "\r\n"));
    Response r = client.read();
    CHECK(r.status == c.status);
    CHECK(r.body.size() <= 300 * 1024);
  }
  client.send(rangeRequest("/hello.txt", ""));
  CHECK(client.read().body == "hello, world\n");
}
