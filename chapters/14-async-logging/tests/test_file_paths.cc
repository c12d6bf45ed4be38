// StaticFileHandler without a server: the path and text helpers alone, then openBeneath() and
// the handler called directly on a scratch root (testutil::ScratchRoot) next to files that must
// never come out of it, with openat2 and with the realpath fallback.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "HttpTestUtil.h"
#include "TestUtil.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/http/StaticFileUtil.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::StaticFileHandler;
using testutil::ScratchRoot;

namespace {

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

TEST_CASE("percentDecode decodes %XX and refuses bad escapes and NUL", "[ch13][s1][http][files]") {
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

TEST_CASE("removeDotSegments never climbs above the root", "[ch13][s1][http][files]") {
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

TEST_CASE("percentEncode and htmlEscape make names safe in a listing", "[ch13][s1][http][files]") {
  using mymuduo::http::htmlEscape;
  using mymuduo::http::percentEncode;
  CHECK(percentEncode("a b/c~d.e-f_g", true) == "a%20b/c~d.e-f_g");
  CHECK(percentEncode("a b/c", false) == "a%20b%2Fc");
  CHECK(percentEncode("x:y?#%\"<", false) == "x%3Ay%3F%23%25%22%3C");
  CHECK(percentEncode("\xc3\xa9", false) == "%C3%A9");
  CHECK(htmlEscape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST_CASE("mimeTypeForPath maps extensions and gives text a charset", "[ch13][s1][http][files]") {
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
  CHECK(std::string(mimeTypeForPath("/archive.tar.gz")) == "application/gzip");  // its last dot
  CHECK(std::string(mimeTypeForPath("/.bashrc")) == "application/octet-stream");
  CHECK(std::string(mimeTypeForPath("/dir.md/file")) == "application/octet-stream");
  CHECK(std::string(mimeTypeForPath("/Makefile")) == "application/octet-stream");
}

TEST_CASE("StaticFileHandler refuses a root that is not a directory", "[ch13][s1][http][files]") {
  ScratchRoot scratch;
  CHECK_THROWS_AS(StaticFileHandler(scratch.root + "/hello.txt"), std::runtime_error);
  CHECK_THROWS_AS(StaticFileHandler(scratch.root + "/missing"), std::runtime_error);
  CHECK_NOTHROW(StaticFileHandler(scratch.root));
}

TEST_CASE("openBeneath opens inside the root and refuses every way out",
          "[ch13][s1][http][files]") {
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

TEST_CASE("openat2 refused by a seccomp filter falls back to realpath and still confines",
          "[ch13][s1][http][files]") {
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
