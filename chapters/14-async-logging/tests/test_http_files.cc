// StaticFileHandler over HTTP: real requests over sockets to an HttpServer serving a scratch root
// (testutil::ScratchRoot). Next to the root lie files that must never come out of it. The path
// helpers and openBeneath() alone are tested in test_file_paths.cc.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/http/StaticFileHandler.h"

using mymuduo::http::HttpServer;
using mymuduo::http::StaticFileHandler;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::kOutside;
using testutil::makeDir;
using testutil::makeSymlink;
using testutil::Response;
using testutil::ScratchRoot;
using testutil::writeFile;

namespace {

// ---- a server and a client -----------------------------------------------------------------

/// An HttpServer on 127.0.0.1:<ephemeral> serving `root`, living in a loop thread of its own.
class FileServer : public HttpTestServer {
 public:
  FileServer(const std::string& root, StaticFileHandler::Confinement confinement, int ioThreads = 0)
      : HttpTestServer(StaticFileHandler(root, confinement),
                       [ioThreads](HttpServer& server) { server.setThreadNum(ioThreads); }) {}
};

/// Sends `request` (a whole request with "Connection: close") and reads its response; it must
/// be the only one on the connection, and the server must close after it.
Response roundTrip(uint16_t port, const std::string& request, bool headOnly = false) {
  Client client(port);
  client.send(request);
  Response r = client.read(headOnly);
  if (!client.readEof()) throw std::runtime_error("no clean close after the response");
  return r;
}

Response get(uint16_t port, const std::string& target, const std::string& method = "GET") {
  return roundTrip(port,
                   method + " " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
                   method == "HEAD");
}

/// Every path in `targets` is answered without any byte of a file outside the root.
void requireNothingLeaks(uint16_t port, const std::vector<std::string>& targets, int status) {
  for (const std::string& target : targets) {
    INFO("GET " << target);
    Response r = get(port, target);
    CHECK(r.status == status);
    CHECK(r.body.find(kOutside) == std::string::npos);
  }
}

void checkConfinement(StaticFileHandler::Confinement confinement) {
  ScratchRoot scratch;
  FileServer server(scratch.root, confinement);
  const std::string own = "the root's own secret file\n";
  // Dot segments stop at the root: all of these name <root>/secret, decoded before resolving.
  for (const char* target : {"/../secret", "/a/../../secret", "/%2e%2e/secret", "/%2e%2e%2fsecret",
                             "/..%2f..%2fsecret", "/%2E%2E/%2e%2E/secret", "/./sub/../../secret"}) {
    INFO("GET " << target);
    Response r = get(server.port(), target);
    CHECK(r.status == 200);
    CHECK(r.body == own);
  }
  // Symlinks that lead out: refused, whichever way they point.
  requireNothingLeaks(server.port(),
                      {"/link-file", "/link-dir/secret", "/link-dir/www-private/secret",
                       "/abs-link", "/sibling", "/link-dir/", "/link-dir", "/evil-index/"},
                      404);
  // A symlink that stays inside is followed.
  Response inside = get(server.port(), "/inside-link");
  CHECK(inside.status == 200);
  CHECK(inside.body == "hello, world\n");
}

}  // namespace

// ---- over HTTP -----------------------------------------------------------------------------

TEST_CASE("GET serves a file with its type and length and Last-Modified",
          "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/hello.txt");
  CHECK(r.status == 200);
  CHECK(r.body == "hello, world\n");
  CHECK(r.header("content-type") == "text/plain; charset=utf-8");
  CHECK(r.header("content-length") == "13");
  CHECK(r.header("last-modified") == "Sun, 06 Nov 1994 08:49:37 GMT");

  Response md = get(server.port(), "/notes.md");
  CHECK(md.status == 200);
  CHECK(md.header("content-type") == "text/markdown; charset=utf-8");

  Response big = get(server.port(), "/data.bin");
  CHECK(big.status == 200);
  CHECK(big.header("content-type") == "application/octet-stream");
  CHECK(big.header("content-length") == std::to_string(300 * 1024));
  CHECK(big.body == testutil::pattern(300 * 1024));

  Response encoded = get(server.port(), "/list/a%20b.txt");
  CHECK(encoded.status == 200);
  CHECK(encoded.body == "a b\n");
}

TEST_CASE("HEAD answers GET's headers without the body", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/data.bin", "HEAD");
  CHECK(r.status == 200);
  CHECK(r.header("content-length") == std::to_string(300 * 1024));
  CHECK(r.header("content-type") == "application/octet-stream");
  CHECK_FALSE(r.header("last-modified").empty());
  CHECK(r.body.empty());
}

TEST_CASE("missing and non-regular files are 404 and bad paths 400", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  CHECK(get(server.port(), "/missing.txt").status == 404);
  CHECK(get(server.port(), "/sub/missing/deeper").status == 404);
  CHECK(get(server.port(), "/hello.txt/").status == 404);  // a file is not a directory
  CHECK(get(server.port(), "/a%00b").status == 400);
  CHECK(get(server.port(), "/hello.txt%00.png").status == 400);
  CHECK(get(server.port(), "/a%zzb").status == 400);
  CHECK(get(server.port(), "/%").status == 400);
}

TEST_CASE("a FIFO in the root is 404 and opening it does not block the loop",
          "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  // A blocking open() of a FIFO waits for a writer: the loop would hang, this request with it.
  CHECK(get(server.port(), "/fifo").status == 404);
  CHECK(get(server.port(), "/hello.txt").status == 200);
}

TEST_CASE("a file the server may not read is 403", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  writeFile(scratch.root + "/private.txt", "private\n");
  ::chmod((scratch.root + "/private.txt").c_str(), 0);
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/private.txt");
  if (::geteuid() == 0) {
    // root reads it whatever its mode (CAP_DAC_OVERRIDE): nothing to refuse.
    CHECK(r.status == 200);
  } else {
    CHECK(r.status == 403);
    CHECK(r.body.find("private") == std::string::npos);
  }
}

TEST_CASE("methods other than GET and HEAD are 405 with Allow", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response post = roundTrip(server.port(),
                            "POST /hello.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
                            "Connection: close\r\n\r\nhello");
  CHECK(post.status == 405);
  CHECK(post.header("allow") == "GET, HEAD");
  Response del = get(server.port(), "/hello.txt", "DELETE");
  CHECK(del.status == 405);
  CHECK(del.header("allow") == "GET, HEAD");
}

TEST_CASE("a directory without its slash is redirected to it", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/sub");
  CHECK(r.status == 301);
  CHECK(r.header("location") == "/sub/");
  CHECK(get(server.port(), "/sub?lang=en&x=1").header("location") == "/sub/?lang=en&x=1");
  // Built from the resolved path: "//sub" must not become "//sub/", a link to the host "sub".
  CHECK(get(server.port(), "//sub").header("location") == "/sub/");
  CHECK(get(server.port(), "/list/../sub").header("location") == "/sub/");
  CHECK(get(server.port(), "/list/dir2").header("location") == "/list/dir2/");
}

TEST_CASE("a directory with its slash serves index.html", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/sub/");
  CHECK(r.status == 200);
  CHECK(r.body == "<p>sub index</p>\n");
  CHECK(r.header("content-type") == "text/html; charset=utf-8");
  CHECK_FALSE(r.header("last-modified").empty());
}

TEST_CASE("a directory without index.html gets an escaped listing", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/list/");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "text/html; charset=utf-8");
  CHECK(r.header("content-length") == std::to_string(r.body.size()));
  CHECK(r.body.find("<title>Index of /list/</title>") != std::string::npos);
  CHECK(r.body.find("<a href=\"a%20b.txt\">a b.txt</a>") != std::string::npos);
  CHECK(r.body.find("<a href=\"%3Cx%3E%26.txt\">&lt;x&gt;&amp;.txt</a>") != std::string::npos);
  CHECK(r.body.find("<a href=\"x%3Ay\">x:y</a>") != std::string::npos);
  CHECK(r.body.find("<a href=\"dir2/\">dir2/</a>") != std::string::npos);
  CHECK(r.body.find("<a href=\"../\">../</a>") != std::string::npos);
  CHECK(r.body.find("<x>") == std::string::npos);

  Response top = get(server.port(), "/");
  CHECK(top.status == 200);
  CHECK(top.body.find("<a href=\"hello.txt\">") != std::string::npos);
  CHECK(top.body.find("<a href=\"sub/\">sub/</a>") != std::string::npos);
  CHECK(top.body.find("href=\"../\"") == std::string::npos);  // nothing above the root
}

TEST_CASE("traversal never leaves the root (openat2)", "[ch13][s3][http][files]") {
  checkConfinement(StaticFileHandler::kAuto);
}

TEST_CASE("traversal never leaves the root (realpath fallback)", "[ch13][s3][http][files]") {
  checkConfinement(StaticFileHandler::kRealpath);
}

TEST_CASE("one handler serves several IO threads at once", "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto, 3);
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      try {
        for (int i = 0; i < 10; ++i) {
          Response file = get(server.port(), "/hello.txt");
          Response listing = get(server.port(), "/list/");
          Response out = get(server.port(), "/link-file");
          if (file.body == "hello, world\n" && listing.status == 200 && out.status == 404) ++good;
        }
      } catch (const std::exception&) {
        // counted as missing below; an exception must not escape a thread (std::terminate)
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(good == 40);
}

TEST_CASE("a listing shows a symlink out of the root the same whether its target exists",
          "[ch13][s3][http][files]") {
  ScratchRoot scratch;
  makeDir(scratch.base + "/outdir");
  makeDir(scratch.root + "/links");
  makeSymlink(scratch.base + "/outdir", scratch.root + "/links/out-dir");
  makeSymlink("../../outdir", scratch.root + "/links/out-dir-relative");
  makeSymlink(scratch.base + "/secret", scratch.root + "/links/out-file");
  makeSymlink(scratch.base + "/missing", scratch.root + "/links/out-missing");
  makeSymlink("../sub", scratch.root + "/links/in-dir");
  makeSymlink("../hello.txt", scratch.root + "/links/in-file");
  for (auto confinement : {StaticFileHandler::kAuto, StaticFileHandler::kRealpath}) {
    INFO("confinement " << (confinement == StaticFileHandler::kAuto ? "openat2" : "realpath"));
    FileServer server(scratch.root, confinement);
    Response r = get(server.port(), "/links/");
    REQUIRE(r.status == 200);
    // Followed out of the root, out-dir would be "out-dir/" and out-missing not: a client could
    // probe for directories outside. Every link that leads out looks like a file, as a request
    // for it is 404 like one to a missing file.
    for (const char* name : {"out-dir", "out-dir-relative", "out-file", "out-missing", "in-file"}) {
      INFO(name);
      CHECK(r.body.find("<a href=\"" + std::string(name) + "\">" + name + "</a>") !=
            std::string::npos);
    }
    // A link that stays inside is followed, as a request for it is.
    CHECK(r.body.find("<a href=\"in-dir/\">in-dir/</a>") != std::string::npos);
    CHECK(get(server.port(), "/links/in-dir/").body == "<p>sub index</p>\n");
    CHECK(get(server.port(), "/links/out-dir/").status == 404);
  }
}
