// What makes StaticFileHandler a file server people use, beyond confinement: dotfiles hidden
// unless asked for, absolute symlinks that stay inside the root, the MIME table and a
// mime.types file, and the Server header every answer of HttpServer carries. Over HTTP on the
// scratch root of HttpTestUtil.h, and the pure helpers alone.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/base/Timestamp.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/http/StaticFileUtil.h"

using mymuduo::Timestamp;
using mymuduo::http::AccessLogEntry;
using mymuduo::http::commonLogLine;
using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::http::MimeTypeMap;
using mymuduo::http::StaticFileHandler;
using mymuduo::net::InetAddress;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::makeDir;
using testutil::makeSymlink;
using testutil::Response;
using testutil::ScratchRoot;
using testutil::writeFile;

namespace {

/// One GET of `target` on a connection of its own.
Response fetchFile(uint16_t port, const std::string& target) {
  Client client(port);
  client.send("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n");
  return client.read();
}

/// The handler's options with one confinement and no system mime.types: the tests then type
/// files the same on every machine.
StaticFileHandler::Options plainOptions(StaticFileHandler::Confinement confinement) {
  StaticFileHandler::Options options;
  options.confinement = confinement;
  options.mimeTypesFile.clear();
  return options;
}

/// Adds dotfiles to a scratch root: .env and .git/config at the top, list/.hidden below, and
/// shown -> .env, a link without a dot in its name.
void addDotfiles(const ScratchRoot& scratch) {
  writeFile(scratch.root + "/.env", "TOKEN=dotfile\n");
  makeDir(scratch.root + "/.git");
  writeFile(scratch.root + "/.git/config", "[core]\n");
  writeFile(scratch.root + "/list/.hidden", "hidden\n");
  makeSymlink(".env", scratch.root + "/shown");
}

}  // namespace

TEST_CASE("dotfiles are 404 and unlisted unless the handler is made to serve them",
          "[ch13][s3][dotfiles]") {
  ScratchRoot scratch;
  addDotfiles(scratch);
  {
    HttpTestServer server(StaticFileHandler(scratch.root));
    for (const char* target :
         {"/.env", "/.git/config", "/.git/", "/.git", "/list/.hidden", "/%2eenv", "/sub/../.env",
          "/list/%2Ehidden", "/.git/../hello.txt"}) {
      INFO("GET " << target);
      Response r = fetchFile(server.port(), target);
      // "/.git/../hello.txt" is "/hello.txt" once its dot segments are resolved.
      CHECK(r.status == (std::string(target) == "/.git/../hello.txt" ? 200 : 404));
      CHECK(r.body.find("TOKEN") == std::string::npos);
    }
    Response top = fetchFile(server.port(), "/");
    CHECK(top.body.find(".env") == std::string::npos);
    CHECK(top.body.find(".git") == std::string::npos);
    Response list = fetchFile(server.port(), "/list/");
    CHECK(list.body.find(".hidden") == std::string::npos);
    CHECK(list.body.find("<a href=\"../\">../</a>") != std::string::npos);  // not a dotfile
    // The rule is about the path asked for: a link named without a dot is served.
    CHECK(fetchFile(server.port(), "/shown").body == "TOKEN=dotfile\n");
  }
  StaticFileHandler::Options options;
  options.dotfiles = true;
  HttpTestServer server(StaticFileHandler(scratch.root, options));
  CHECK(fetchFile(server.port(), "/.env").body == "TOKEN=dotfile\n");
  CHECK(fetchFile(server.port(), "/.git/config").status == 200);
  CHECK(fetchFile(server.port(), "/.git").status == 301);
  CHECK(fetchFile(server.port(), "/").body.find("<a href=\".env\">.env</a>") != std::string::npos);
  CHECK(fetchFile(server.port(), "/list/").body.find(".hidden") != std::string::npos);
}

TEST_CASE("hasDotSegment finds a segment that starts with a dot", "[ch13][s3][dotfiles]") {
  using mymuduo::http::hasDotSegment;
  CHECK(hasDotSegment("/.env"));
  CHECK(hasDotSegment("/a/.git/config"));
  CHECK(hasDotSegment("/a/..b"));
  CHECK(hasDotSegment("/.well-known/x"));
  CHECK_FALSE(hasDotSegment("/"));
  CHECK_FALSE(hasDotSegment("/a.b/c."));
  CHECK_FALSE(hasDotSegment("/archive.tar.gz"));
}

TEST_CASE("an absolute symlink into the root is served and no link out ever is",
          "[ch13][s3][files]") {
  ScratchRoot scratch;
  // ScratchRoot has inside-link -> hello.txt, link-file -> ../secret and
  // abs-link -> <base>/secret; add absolute links that stay inside, and a loop.
  makeSymlink(scratch.root + "/hello.txt", scratch.root + "/abs-in");
  makeSymlink(scratch.root + "/sub", scratch.root + "/abs-sub");
  makeSymlink(scratch.base + "/www/../www/hello.txt", scratch.root + "/abs-out-and-in");
  makeSymlink(scratch.root + "/missing", scratch.root + "/abs-missing");
  makeSymlink("loop", scratch.root + "/loop");
  for (auto confinement : {StaticFileHandler::kAuto, StaticFileHandler::kRealpath}) {
    INFO("confinement " << (confinement == StaticFileHandler::kAuto ? "openat2" : "realpath"));
    StaticFileHandler handler(scratch.root, plainOptions(confinement));
    for (const char* inside : {"abs-in", "abs-sub/index.html", "abs-out-and-in", "inside-link"}) {
      INFO(inside);
      int fd = handler.openBeneath(inside, O_RDONLY);
      CHECK(fd >= 0);
      if (fd >= 0) ::close(fd);
    }
    for (const char* outside : {"abs-link", "link-file", "link-dir/secret", "sibling"}) {
      INFO(outside);
      errno = 0;
      int fd = handler.openBeneath(outside, O_RDONLY);
      CHECK(fd == -1);
      CHECK((errno == EXDEV || errno == ELOOP));
      if (fd >= 0) ::close(fd);
    }

    HttpTestServer server(handler);
    CHECK(fetchFile(server.port(), "/abs-in").body == "hello, world\n");
    CHECK(fetchFile(server.port(), "/inside-link").body == "hello, world\n");
    CHECK(fetchFile(server.port(), "/abs-out-and-in").body == "hello, world\n");
    CHECK(fetchFile(server.port(), "/abs-sub/").body == "<p>sub index</p>\n");
    CHECK(fetchFile(server.port(), "/abs-sub").status == 301);
    for (const char* target : {"/abs-link", "/link-file", "/abs-missing", "/loop", "/sibling"}) {
      INFO("GET " << target);
      Response r = fetchFile(server.port(), target);
      CHECK(r.status == 404);
      CHECK(r.body.find(testutil::kOutside) == std::string::npos);
    }
    // The listing follows links as a request would: abs-sub is a directory beneath the root.
    Response top = fetchFile(server.port(), "/");
    CHECK(top.body.find("<a href=\"abs-sub/\">abs-sub/</a>") != std::string::npos);
    CHECK(top.body.find("<a href=\"abs-link\">abs-link</a>") != std::string::npos);
  }
}

TEST_CASE("mimeTypeForPath knows the formats of the web", "[ch13][s3][mime]") {
  using mymuduo::http::mimeTypeForPath;
  struct MimeCase {
    const char* path;
    const char* type;
  };
  for (const MimeCase& c : std::vector<MimeCase>{
           {"/a.htm", "text/html; charset=utf-8"},
           {"/m.mjs", "text/javascript; charset=utf-8"},
           {"/a.js.map", "application/json"},
           {"/site.webmanifest", "application/manifest+json"},
           {"/feed.xml", "application/xml"},
           {"/t.csv", "text/csv; charset=utf-8"},
           {"/c.ics", "text/calendar; charset=utf-8"},
           {"/i.avif", "image/avif"},
           {"/i.bmp", "image/bmp"},
           {"/i.TIFF", "image/tiff"},
           {"/favicon.ico", "image/vnd.microsoft.icon"},
           {"/v.mp4", "video/mp4"},
           {"/v.webm", "video/webm"},
           {"/v.ogv", "video/ogg"},
           {"/a.ogg", "audio/ogg"},
           {"/a.oga", "audio/ogg"},
           {"/a.opus", "audio/ogg"},
           {"/a.mp3", "audio/mpeg"},
           {"/a.wav", "audio/wav"},
           {"/a.flac", "audio/flac"},
           {"/a.m4a", "audio/mp4"},
           {"/a.aac", "audio/aac"},
           {"/v.mkv", "video/x-matroska"},
           {"/v.mov", "video/quicktime"},
           {"/f.woff", "font/woff"},
           {"/f.woff2", "font/woff2"},
           {"/f.ttf", "font/ttf"},
           {"/f.otf", "font/otf"},
           {"/f.eot", "application/vnd.ms-fontobject"},
           {"/d.pdf", "application/pdf"},
           {"/d.epub", "application/epub+zip"},
           {"/d.rtf", "application/rtf"},
           {"/z.zip", "application/zip"},
           {"/archive.tar.gz", "application/gzip"},
           {"/archive.tgz", "application/gzip"},
           {"/archive.tar", "application/x-tar"},
           {"/archive.tar.bz2", "application/x-bzip2"},
           {"/archive.tar.xz", "application/x-xz"},
           {"/archive.7z", "application/x-7z-compressed"},
           {"/archive.tar.zst", "application/zstd"},
           {"/m.wasm", "application/wasm"},
           {"/unknown.xyz", "application/octet-stream"},
       }) {
    INFO(c.path);
    CHECK(std::string(mimeTypeForPath(c.path)) == c.type);
  }
}

TEST_CASE("a mime.types file types what the built-in table does not know", "[ch13][s3][mime]") {
  using mymuduo::http::mimeTypeForPath;
  using mymuduo::http::parseMimeTypes;
  const std::string text =
      "# a comment line\n"
      "text/html\t\t\thtml htm\n"  // the table's type wins: it has the charset
      "application/x-foo  foo FOO2 # comment after\n"
      "application/x-first dup\r\n"
      "application/x-second dup\n"
      "bad-type-no-slash  bad1\n"
      "text/evil\x01type  bad2\n"
      "text/ spaced\n"
      "/x nothing\n"
      "application/x-empty\n"
      "\n";
  const MimeTypeMap types = parseMimeTypes(text);
  CHECK(types.at("foo") == "application/x-foo");
  CHECK(types.at("foo2") == "application/x-foo");   // extensions are lowercased
  CHECK(types.at("dup") == "application/x-first");  // the first line that lists it
  CHECK(types.count("bad1") == 0);
  CHECK(types.count("bad2") == 0);
  CHECK(types.count("spaced") == 0);
  CHECK(types.count("nothing") == 0);
  CHECK(types.count("comment") == 0);
  CHECK(std::string(mimeTypeForPath("/a.html", &types)) == "text/html; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/a.Foo", &types)) == "application/x-foo");
  CHECK(std::string(mimeTypeForPath("/a.foo")) == "application/octet-stream");

  // Through the handler, with a scratch file in place of /etc/mime.types.
  ScratchRoot scratch;
  const std::string mimeFile = scratch.base + "/mime.types";
  writeFile(mimeFile, text);
  writeFile(scratch.root + "/data.foo", "foo\n");
  writeFile(scratch.root + "/page.html", "<p>page</p>\n");
  StaticFileHandler::Options options;
  options.mimeTypesFile = mimeFile;
  HttpTestServer withFile(StaticFileHandler(scratch.root, options));
  CHECK(fetchFile(withFile.port(), "/data.foo").header("Content-Type") == "application/x-foo");
  CHECK(fetchFile(withFile.port(), "/page.html").header("Content-Type") ==
        "text/html; charset=utf-8");
  options.mimeTypesFile = scratch.base + "/no-such-file";
  HttpTestServer without(StaticFileHandler(scratch.root, options));
  CHECK(fetchFile(without.port(), "/data.foo").header("Content-Type") ==
        "application/octet-stream");
}

TEST_CASE("every answer of HttpServer carries Server unless the callback set one",
          "[ch13][s3][httpserver]") {
  ScratchRoot scratch;
  StaticFileHandler files(scratch.root);
  HttpTestServer server([files](const HttpRequest& request, HttpResponse* response) {
    if (request.path() == "/own") {
      response->setStatusCode(HttpResponse::k200Ok);
      response->addHeader("Server", "own/1.0");
    } else if (request.path() == "/throw") {
      throw std::runtime_error("a callback that throws");
    } else {
      files(request, response);
    }
  });
  for (const char* target : {"/hello.txt", "/missing", "/sub", "/list/", "/throw"}) {
    INFO("GET " << target);
    Response r = fetchFile(server.port(), target);
    CHECK(r.header("Server") == "mymuduo");
  }
  // The parser's own answer to a bad request, before any callback.
  Client bad(server.port());
  bad.send("GET /x HTTP/1.1\r\nHost: test\r\nBad Name: 1\r\n\r\n");
  Response badAnswer = bad.read();
  CHECK(badAnswer.status == 400);
  CHECK(badAnswer.header("Server") == "mymuduo");
  // One Server header, the callback's: read the raw bytes, where a second one would show.
  int fd = testutil::connectTo(server.port());
  testutil::writeAll(fd, "GET /own HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  const std::string raw = testutil::readUntilEof(fd);
  ::close(fd);
  CHECK(raw.find("\r\nServer: own/1.0\r\n") != std::string::npos);
  CHECK(raw.find("\r\nServer: mymuduo") == std::string::npos);
}

TEST_CASE("the access log hears one Common Log Format line per answer including bad requests",
          "[ch13][s3][httpserver]") {
  ScratchRoot scratch;
  StaticFileHandler files(scratch.root);
  std::mutex mutex;
  std::vector<std::string> lines;  // guarded by mutex: written in the server's loop thread
  HttpTestServer server(files, [&](HttpServer& s) {
    s.setAccessLogCallback([&](const AccessLogEntry& entry) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(commonLogLine(entry));
    });
  });
  CHECK(fetchFile(server.port(), "/hello.txt").status == 200);
  CHECK(fetchFile(server.port(), "/missing?q=1").status == 404);
  Client bad(server.port());
  bad.send("GET /x HTTP/1.1\r\nHost: test\r\nBad Name: 1\r\n\r\n");
  CHECK(bad.read().status == 400);
  REQUIRE(testutil::waitFor([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return lines.size() == 3;
  }));
  std::lock_guard<std::mutex> lock(mutex);
  // 127.0.0.1 - - [07/Dec/2026:06:50:01 +0000] "GET /hello.txt HTTP/1.1" 200 6
  const std::regex clf(R"re(127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] )re"
                       R"re("(.*)" (\d{3}) (\S+))re");
  std::smatch m;
  REQUIRE(std::regex_match(lines[0], m, clf));
  CHECK(m[1] == "GET /hello.txt HTTP/1.1");
  CHECK(m[2] == "200");
  CHECK(m[3] == "13");  // "hello, world\n"
  REQUIRE(std::regex_match(lines[1], m, clf));
  CHECK(m[1] == "GET /missing?q=1 HTTP/1.1");
  CHECK(m[2] == "404");
  REQUIRE(std::regex_match(lines[2], m, clf));
  CHECK(m[1] == "-");  // no request line that parsed
  CHECK(m[2] == "400");
}

TEST_CASE("commonLogLine escapes what could forge a log line", "[ch13][s3][httpserver]") {
  HttpRequest request;
  REQUIRE(request.setMethod("GET"));
  request.setPath("/a\"b\\c\x01\xff");
  request.setVersion(HttpRequest::kHttp10);
  InetAddress peer("::1", 4000);
  AccessLogEntry entry{peer, Timestamp(0), &request, 200, 0};
  CHECK(commonLogLine(entry) ==
        "::1 - - [01/Jan/1970:00:00:00 +0000] \"GET /a\\x22b\\x5Cc\\x01\\xFF HTTP/1.0\" 200 -");
}
