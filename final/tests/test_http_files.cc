// StaticFileHandler: the path helpers alone, then real requests over sockets to an HttpServer
// serving a scratch root. Next to the root lie files that must never come out of it.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/http/StaticFileUtil.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::http::StaticFileHandler;
using testutil::Client;
using testutil::HttpTestServer;
using testutil::Response;

namespace {

// ---- the scratch tree ----------------------------------------------------------------------

const char kOutside[] = "OUTSIDE: must never be served";

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void makeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) throw std::runtime_error("mkdir " + path);
}

void makeSymlink(const std::string& target, const std::string& path) {
  if (::symlink(target.c_str(), path.c_str()) != 0) throw std::runtime_error("symlink " + path);
}

/// base/            (removed by the destructor)
///   secret         outside the root
///   www-private/   a sibling whose name starts with the root's: a prefix check without
///     secret       its trailing '/' takes it for part of the root
///   www/           the root
///     secret       the root's own "secret": what /../secret means (dot segments stop at /)
///     hello.txt    mtime fixed to 784111777 (Sun, 06 Nov 1994 08:49:37 GMT)
///     notes.md, data.bin (300 KiB), fifo
///     sub/index.html
///     list/        no index.html: "a b.txt", "<x>&.txt", "x:y", dir2/
///     inside-link -> hello.txt          allowed: stays inside
///     link-file   -> ../secret          out, relative
///     link-dir    -> ..                 out, a directory
///     abs-link    -> <base>/secret      out, absolute
///     sibling     -> ../www-private/secret
///     evil-index/index.html -> ../../secret   an index that leads out
struct ScratchRoot {
  ScratchRoot() {
    char tmpl[] = "/tmp/mymuduo-files-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    base = tmpl;
    root = base + "/www";
    writeFile(base + "/secret", kOutside);
    makeDir(base + "/www-private");
    writeFile(base + "/www-private/secret", kOutside);
    makeDir(root);
    writeFile(root + "/secret", "the root's own secret file\n");
    writeFile(root + "/hello.txt", "hello, world\n");
    struct timespec times[2] = {{784111777, 0}, {784111777, 0}};
    ::utimensat(AT_FDCWD, (root + "/hello.txt").c_str(), times, 0);
    writeFile(root + "/notes.md", "# Notes\n");
    writeFile(root + "/data.bin", testutil::pattern(300 * 1024));
    if (::mkfifo((root + "/fifo").c_str(), 0644) != 0) throw std::runtime_error("mkfifo");
    makeDir(root + "/sub");
    writeFile(root + "/sub/index.html", "<p>sub index</p>\n");
    makeDir(root + "/list");
    writeFile(root + "/list/a b.txt", "a b\n");
    writeFile(root + "/list/<x>&.txt", "x\n");
    writeFile(root + "/list/x:y", "xy\n");
    makeDir(root + "/list/dir2");
    makeSymlink("hello.txt", root + "/inside-link");
    makeSymlink("../secret", root + "/link-file");
    makeSymlink("..", root + "/link-dir");
    makeSymlink(base + "/secret", root + "/abs-link");
    makeSymlink("../www-private/secret", root + "/sibling");
    makeDir(root + "/evil-index");
    makeSymlink("../../secret", root + "/evil-index/index.html");
  }
  ~ScratchRoot() {
    std::string cmd = "rm -rf '" + base + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", base.c_str());
  }
  std::string base;
  std::string root;
};

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

/// Makes openat2 fail with `err` in this process from now on, as a container's seccomp profile
/// may; for a forked child. False when the kernel refuses the filter. It checks no
/// architecture: the tests make native system calls only.
bool blockOpenat2(int err) {
  auto stmt = [](uint32_t code, uint32_t k) {
    return sock_filter{static_cast<uint16_t>(code), 0, 0, k};
  };
  sock_filter filter[] = {
      stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      sock_filter{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_openat2},  // not openat2: skip one
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<uint32_t>(err) & SECCOMP_RET_DATA)),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

/// What `handler` makes of a few paths, one line each: the file's content or the error, then
/// the status of a GET.
std::string describeLookups(const StaticFileHandler& handler) {
  std::string out;
  for (const char* relative : {"hello.txt", "inside-link", "sub/index.html", "link-file",
                               "link-dir/secret", "abs-link", "sibling", "../secret"}) {
    out += relative;
    errno = 0;
    int fd = handler.openBeneath(relative, O_RDONLY);
    if (fd >= 0) {
      char buf[64] = {};
      ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      out += ": " + std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
    } else {
      out += errno == EXDEV || errno == ELOOP ? ": refused\n"
                                              : ": " + std::string(std::strerror(errno)) + "\n";
    }
  }
  for (const char* target : {"/hello.txt", "/", "/list/", "/link-file", "/evil-index/"}) {
    HttpRequest request;
    request.setMethod("GET");
    request.setPath(target);
    HttpResponse response(false);
    handler(request, &response);
    out += std::string("GET ") + target + ": " + std::to_string(response.statusCode()) + "\n";
  }
  return out;
}

}  // namespace

// ---- the pure helpers ----------------------------------------------------------------------

TEST_CASE("percentDecode decodes %XX and refuses bad escapes and NUL", "[ch13][http][files]") {
  using mymuduo::http::percentDecode;
  std::string out;
  CHECK(percentDecode("/a%20b/%2e%2E%2F", &out));
  CHECK(out == "/a b/../");
  CHECK(percentDecode("/a+b", &out));
  CHECK(out == "/a+b");  // '+' is a space only in form data
  CHECK(percentDecode("%252e", &out));
  CHECK(out == "%2e");  // decoded once, never twice
  CHECK(percentDecode("%c3%a9", &out));
  CHECK(out == "\xc3\xa9");
  CHECK_FALSE(percentDecode("/a%00b", &out));
  CHECK_FALSE(percentDecode("/a%", &out));
  CHECK_FALSE(percentDecode("/a%2", &out));
  CHECK_FALSE(percentDecode("/a%zz", &out));
  CHECK_FALSE(percentDecode("/a%2g", &out));
  CHECK_FALSE(percentDecode(std::string("/a\0b", 4), &out));
}

TEST_CASE("removeDotSegments never climbs above the root", "[ch13][http][files]") {
  using mymuduo::http::removeDotSegments;
  CHECK(removeDotSegments("/") == "/");
  CHECK(removeDotSegments("") == "/");
  CHECK(removeDotSegments("/a/b/c") == "/a/b/c");
  CHECK(removeDotSegments("/a/./b") == "/a/b");
  CHECK(removeDotSegments("/a/b/../c") == "/a/c");
  CHECK(removeDotSegments("/..") == "/");
  CHECK(removeDotSegments("/../secret") == "/secret");
  CHECK(removeDotSegments("/a/../../secret") == "/secret");
  CHECK(removeDotSegments("/../../../../etc/passwd") == "/etc/passwd");
  CHECK(removeDotSegments("/a/") == "/a/");
  CHECK(removeDotSegments("/a/.") == "/a/");
  CHECK(removeDotSegments("/a/b/..") == "/a/");
  CHECK(removeDotSegments("//evil.example/x") == "/evil.example/x");
  CHECK(removeDotSegments("/a//b///") == "/a/b/");
  CHECK(removeDotSegments("/...") == "/...");  // a name, not a dot segment
  CHECK(removeDotSegments("/..a/b..") == "/..a/b..");
}

TEST_CASE("percentEncode and htmlEscape make names safe in a listing", "[ch13][http][files]") {
  using mymuduo::http::htmlEscape;
  using mymuduo::http::percentEncode;
  CHECK(percentEncode("a b/c~d.e-f_g", true) == "a%20b/c~d.e-f_g");
  CHECK(percentEncode("a b/c", false) == "a%20b%2Fc");
  CHECK(percentEncode("x:y?#%\"<", false) == "x%3Ay%3F%23%25%22%3C");
  CHECK(percentEncode("\xc3\xa9", false) == "%C3%A9");
  CHECK(htmlEscape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST_CASE("mimeTypeForPath maps extensions and gives text a charset", "[ch13][http][files]") {
  using mymuduo::http::mimeTypeForPath;
  CHECK(std::string(mimeTypeForPath("/a/index.html")) == "text/html; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/README.md")) == "text/markdown; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/x.TXT")) == "text/plain; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/s.css")) == "text/css; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/app.js")) == "text/javascript; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/d.json")) == "application/json");
  CHECK(std::string(mimeTypeForPath("/i.svg")) == "image/svg+xml");
  CHECK(std::string(mimeTypeForPath("/net/Buffer.cc")) == "text/plain; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/net/Buffer.h")) == "text/plain; charset=utf-8");
  CHECK(std::string(mimeTypeForPath("/i.PNG")) == "image/png");
  CHECK(std::string(mimeTypeForPath("/i.jpeg")) == "image/jpeg");
  CHECK(std::string(mimeTypeForPath("/m.wasm")) == "application/wasm");
  CHECK(std::string(mimeTypeForPath("/archive.tar.gz")) == "application/octet-stream");
  CHECK(std::string(mimeTypeForPath("/.bashrc")) == "application/octet-stream");
  CHECK(std::string(mimeTypeForPath("/dir.md/file")) == "application/octet-stream");
  CHECK(std::string(mimeTypeForPath("/Makefile")) == "application/octet-stream");
}

TEST_CASE("StaticFileHandler refuses a root that is not a directory", "[ch13][http][files]") {
  ScratchRoot scratch;
  CHECK_THROWS_AS(StaticFileHandler(scratch.root + "/hello.txt"), std::runtime_error);
  CHECK_THROWS_AS(StaticFileHandler(scratch.root + "/missing"), std::runtime_error);
  CHECK_NOTHROW(StaticFileHandler(scratch.root));
}

TEST_CASE("openBeneath opens inside the root and refuses every way out", "[ch13][http][files]") {
  ScratchRoot scratch;
  for (auto confinement : {StaticFileHandler::kAuto, StaticFileHandler::kRealpath}) {
    INFO("confinement " << (confinement == StaticFileHandler::kAuto ? "openat2" : "realpath"));
    StaticFileHandler handler(scratch.root, confinement);
    for (const char* inside : {"hello.txt", "inside-link", "sub/index.html", ".", "sub/"}) {
      INFO(inside);
      int fd = handler.openBeneath(inside, O_RDONLY);
      CHECK(fd >= 0);
      if (fd >= 0) ::close(fd);
    }
    for (const char* outside : {"../secret", "link-file", "link-dir/secret", "abs-link", "sibling",
                                "link-dir", "sub/../../secret"}) {
      INFO(outside);
      errno = 0;
      int fd = handler.openBeneath(outside, O_RDONLY);
      CHECK(fd == -1);
      CHECK((errno == EXDEV || errno == ELOOP));
      if (fd >= 0) ::close(fd);
    }
  }
}

// ---- over HTTP -----------------------------------------------------------------------------

TEST_CASE("GET serves a file with its type and length and Last-Modified", "[ch13][http][files]") {
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

TEST_CASE("HEAD answers GET's headers without the body", "[ch13][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/data.bin", "HEAD");
  CHECK(r.status == 200);
  CHECK(r.header("content-length") == std::to_string(300 * 1024));
  CHECK(r.header("content-type") == "application/octet-stream");
  CHECK_FALSE(r.header("last-modified").empty());
  CHECK(r.body.empty());
}

TEST_CASE("missing and non-regular files are 404 and bad paths 400", "[ch13][http][files]") {
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
          "[ch13][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  // A blocking open() of a FIFO waits for a writer: the loop would hang, this request with it.
  CHECK(get(server.port(), "/fifo").status == 404);
  CHECK(get(server.port(), "/hello.txt").status == 200);
}

TEST_CASE("a file the server may not read is 403", "[ch13][http][files]") {
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

TEST_CASE("methods other than GET and HEAD are 405 with Allow", "[ch13][http][files]") {
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

TEST_CASE("a directory without its slash is redirected to it", "[ch13][http][files]") {
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

TEST_CASE("a directory with its slash serves index.html", "[ch13][http][files]") {
  ScratchRoot scratch;
  FileServer server(scratch.root, StaticFileHandler::kAuto);
  Response r = get(server.port(), "/sub/");
  CHECK(r.status == 200);
  CHECK(r.body == "<p>sub index</p>\n");
  CHECK(r.header("content-type") == "text/html; charset=utf-8");
  CHECK_FALSE(r.header("last-modified").empty());
}

TEST_CASE("a directory without index.html gets an escaped listing", "[ch13][http][files]") {
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

TEST_CASE("traversal never leaves the root (openat2)", "[ch13][http][files]") {
  checkConfinement(StaticFileHandler::kAuto);
}

TEST_CASE("traversal never leaves the root (realpath fallback)", "[ch13][http][files]") {
  checkConfinement(StaticFileHandler::kRealpath);
}

TEST_CASE("one handler serves several IO threads at once", "[ch13][http][files]") {
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

TEST_CASE("openat2 refused by a seccomp filter falls back to realpath and still confines",
          "[ch13][http][files]") {
  ScratchRoot scratch;
  const std::string expected = describeLookups(StaticFileHandler(scratch.root));
  CHECK(expected == describeLookups(StaticFileHandler(scratch.root, StaticFileHandler::kRealpath)));
  // ENOSYS: a kernel before 5.6; EPERM: container runtimes' profiles, for calls they do not know.
  for (int err : {EPERM, ENOSYS}) {
    INFO("openat2 fails with " << std::strerror(err));
    testutil::ChildResult child = testutil::runInChild([&] {
      std::string out;
      if (!blockOpenat2(err)) {
        out = "no seccomp filter";
      } else {
        try {
          StaticFileHandler handler(scratch.root);
          out = describeLookups(handler);
        } catch (const std::exception& e) {
          out = e.what();
        }
      }
      // After a marker: the handler's log line goes to the same pipe.
      std::printf("\n--- lookups\n%s", out.c_str());
      std::fflush(stdout);
    });
    REQUIRE(WIFEXITED(child.status));
    REQUIRE(WEXITSTATUS(child.status) == 0);
    const std::string marker = "\n--- lookups\n";
    const size_t at = child.output.rfind(marker);
    REQUIRE(at != std::string::npos);
    const std::string lookups = child.output.substr(at + marker.size());
    if (lookups == "no seccomp filter") {
      WARN("skipped: this kernel or sandbox refuses a seccomp filter");
      continue;
    }
    CHECK(lookups == expected);
  }
}

TEST_CASE("a listing shows a symlink out of the root the same whether its target exists",
          "[ch13][http][files]") {
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
