// Hidden tests of chapter 13's exercise "Precompressed files" (see the chapter README). Hidden
// ([.exercise]): ctest and a plain run skip them; run them with
//   build/13/ch13_tests "[ex13]"
// They build on the shipped code and fail there: StaticFileHandler sends page.html itself
// whatever Accept-Encoding says, until the exercise is done.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/StaticFileHandler.h"

namespace {

/// What the tests serve: page.html and its precompressed copy page.html.gz (not real gzip: the
/// server never looks inside, and text keeps a failure's report readable), and plain.txt, which
/// has no copy.
const char kPlainPage[] = "<p>the page, uncompressed</p>\n";
const char kGzipPage[] = "GZIP: this stands for the gzip of the page";

/// A scratch root with those three files, beside ScratchRoot's own.
struct PrecompressedRoot {
  PrecompressedRoot() {
    testutil::writeFile(scratch.root + "/page.html", kPlainPage);
    testutil::writeFile(scratch.root + "/page.html.gz", kGzipPage);
    testutil::writeFile(scratch.root + "/plain.txt", "plain\n");
  }
  testutil::ScratchRoot scratch;
};

/// One request for `target` with the header lines `extra`, on a connection of its own.
testutil::Response fetchEncoded(uint16_t port, const std::string& target, const std::string& extra,
                                const std::string& method = "GET") {
  testutil::Client client(port);
  client.send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n");
  return client.read(method == "HEAD");
}

}  // namespace

TEST_CASE("exercise 13: a client that accepts gzip gets the precompressed file",
          "[.exercise][ex13]") {
  PrecompressedRoot files;
  testutil::HttpTestServer server(mymuduo::http::StaticFileHandler(files.scratch.root));
  const std::string plainTag = fetchEncoded(server.port(), "/page.html", "").header("ETag");
  for (const char* accept : {"gzip", "GZIP", "deflate, gzip;q=0.5", "gzip;q=1.0, br", "x-gzip", "*",
                             "br;q=1, *;q=0.1"}) {
    INFO("Accept-Encoding: " << accept);
    testutil::Response r = fetchEncoded(server.port(), "/page.html",
                                        std::string("Accept-Encoding: ") + accept + "\r\n");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Encoding") == "gzip");
    CHECK(r.header("Content-Type") == "text/html; charset=utf-8");  // the type of page.html
    CHECK(r.header("Vary") == "Accept-Encoding");
    CHECK(r.body == kGzipPage);
    // Another representation: another entity tag, or a cache would mix the two up.
    CHECK_FALSE(r.header("ETag").empty());
    CHECK(r.header("ETag") != plainTag);
  }
  testutil::Response head =
      fetchEncoded(server.port(), "/page.html", "Accept-Encoding: gzip\r\n", "HEAD");
  CHECK(head.header("Content-Encoding") == "gzip");
  CHECK(head.header("Content-Length") == std::to_string(sizeof kGzipPage - 1));
}

TEST_CASE(
    "exercise 13: a client that refuses gzip gets the file itself and "
    "both answers vary",
    "[.exercise][ex13]") {
  PrecompressedRoot files;
  testutil::HttpTestServer server(mymuduo::http::StaticFileHandler(files.scratch.root));
  for (const char* extra :
       {"", "Accept-Encoding: gzip;q=0\r\n", "Accept-Encoding: gzip; q=0.000\r\n",
        "Accept-Encoding: br\r\n", "Accept-Encoding: identity\r\n", "Accept-Encoding: *;q=0\r\n",
        "Accept-Encoding: *, gzip;q=0\r\n"}) {
    INFO(extra);
    testutil::Response r = fetchEncoded(server.port(), "/page.html", extra);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Encoding").empty());
    CHECK(r.header("Vary") == "Accept-Encoding");
    CHECK(r.body == kPlainPage);
  }
  // No copy beside it: nothing varies.
  testutil::Response plain = fetchEncoded(server.port(), "/plain.txt", "Accept-Encoding: gzip\r\n");
  CHECK(plain.body == "plain\n");
  CHECK(plain.header("Content-Encoding").empty());
  CHECK(plain.header("Vary").empty());
  // Asked for by its own name, the .gz is a file like any other.
  testutil::Response direct =
      fetchEncoded(server.port(), "/page.html.gz", "Accept-Encoding: gzip\r\n");
  CHECK(direct.header("Content-Type") == "application/gzip");
  CHECK(direct.header("Content-Encoding").empty());
  CHECK(direct.body == kGzipPage);
}

TEST_CASE(
    "exercise 13: ranges and validators of a precompressed file are "
    "those of the .gz",
    "[.exercise][ex13]") {
  PrecompressedRoot files;
  testutil::HttpTestServer server(mymuduo::http::StaticFileHandler(files.scratch.root));
  const std::string gzip = "Accept-Encoding: gzip\r\n";
  const std::string gz = kGzipPage;
  // A range counts the bytes that are sent: those of the .gz.
  testutil::Response part =
      fetchEncoded(server.port(), "/page.html", gzip + "Range: bytes=0-3\r\n");
  CHECK(part.status == 206);
  CHECK(part.header("Content-Encoding") == "gzip");
  CHECK(part.header("Content-Range") == "bytes 0-3/" + std::to_string(gz.size()));
  CHECK(part.body == gz.substr(0, 4));
  testutil::Response plainPart = fetchEncoded(server.port(), "/page.html", "Range: bytes=0-3\r\n");
  CHECK(plainPart.body == "<p>t");
  // The .gz's entity tag gets a 304 only from a client that accepts gzip.
  const std::string tag = fetchEncoded(server.port(), "/page.html", gzip).header("ETag");
  testutil::Response same =
      fetchEncoded(server.port(), "/page.html", gzip + "If-None-Match: " + tag + "\r\n", "HEAD");
  CHECK(same.status == 304);
  CHECK(same.header("Vary") == "Accept-Encoding");
  testutil::Response other =
      fetchEncoded(server.port(), "/page.html", "If-None-Match: " + tag + "\r\n");
  CHECK(other.status == 200);
  CHECK(other.body == kPlainPage);
}
