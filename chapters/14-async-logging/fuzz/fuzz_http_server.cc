// libFuzzer target for the whole server: an HttpServer in a loop thread of its own, and for
// every input one loopback connection that sends the input in packets, shuts down its writing
// half and reads until the server closes. Paths under /f/ are a StaticFileHandler's, over a
// small tree made at start (a small file, one large enough for sendfile(), a dotfile, an
// absolute symlink), so that Range and the conditional headers reach real files. What it checks:
//   - the server closes every connection within a bounded time after the client's EOF: every
//     complete request answered, an incomplete one dropped (a hang aborts);
//   - what comes back is a sequence of HTTP/1.1 responses, each with a status line, a Date and
//     a Server, and, when it has a body, a Content-Length that frames it;
//   - and, with the sanitizers of a fuzz build, no memory error or undefined behaviour anywhere
//     on the server's path (parser, server, connection, buffers).
//
//   byte 0     how many packets (1 + byte % 8) the rest is cut into, at positions taken from it
//   the rest   the bytes a client sent

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::http::StaticFileHandler;
using mymuduo::net::EventLoop;

namespace {

void check(bool ok, const char* what, const std::string& output) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_http_server: %s; the server sent %zu bytes:\n%.2000s\n", what,
                 output.size(), output.c_str());
    std::abort();
  }
}

// The files under /f/, made once and removed at exit (paths in creation order).
std::vector<std::string>& scratchPaths() {
  static std::vector<std::string> paths;
  return paths;
}

void removeScratchTree() {
  for (auto it = scratchPaths().rbegin(); it != scratchPaths().rend(); ++it) {
    if (::unlink(it->c_str()) != 0) ::rmdir(it->c_str());
  }
}

/// <tmp>/f/a.txt (100 bytes), f/big.bin (40 KiB: over the inline limit), f/.hidden,
/// f/sub/index.html, f/abs -> <tmp>/f/a.txt. Returns <tmp>.
std::string makeScratchTree() {
  char tmpl[] = "/tmp/mymuduo-fuzz-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) std::abort();
  const std::string root = tmpl;
  auto& paths = scratchPaths();
  paths.push_back(root);
  auto dir = [&paths](const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0) std::abort();
    paths.push_back(path);
  };
  auto file = [&paths](const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
    paths.push_back(path);
  };
  dir(root + "/f");
  dir(root + "/f/sub");
  file(root + "/f/a.txt", std::string(100, 'a'));
  file(root + "/f/big.bin", std::string(40 * 1024, 'b'));
  file(root + "/f/.hidden", "hidden\n");
  file(root + "/f/sub/index.html", "<p>index</p>\n");
  if (::symlink((root + "/f/a.txt").c_str(), (root + "/f/abs").c_str()) != 0) std::abort();
  paths.push_back(root + "/f/abs");
  std::atexit(removeScratchTree);
  return root;
}

// The server lives for the whole process: started on the first input, never stopped (a
// fuzzing process ends with exit(), and the loop thread with it).
uint16_t serverPort() {
  static const uint16_t port = [] {
    mymuduo::Logger::setLogLevel(mymuduo::Logger::WARN);  // one INFO line per connection is noise
    std::promise<uint16_t> ready;
    std::thread([&ready] {
      StaticFileHandler::Options options;
      options.mimeTypesFile.clear();
      StaticFileHandler files(makeScratchTree(), options);
      EventLoop loop;
      HttpServer server(&loop, mymuduo::net::InetAddress(0, true), "fuzz");
      server.setIdleTimeout(2.0);
      server.setHttpCallback([&files](const HttpRequest& request, HttpResponse* response) {
        if (request.path().compare(0, 3, "/f/") == 0) {
          files(request, response);
          response->addHeader("X-Method", request.methodString());
          return;
        }
        response->setStatusCode(HttpResponse::k200Ok);
        response->setContentType("text/plain");
        // Tells checkResponses() which answers are to HEAD, and so have no body.
        response->addHeader("X-Method", request.methodString());
        // A large answer for one path, so that output can back up and the high-water stop and
        // the half-close path meet a full output buffer.
        if (request.path() == "/big") {
          response->setBody(std::string(3 * 1024 * 1024, 'b'));
        } else {
          response->setBody(request.methodString() + std::string(" ") + request.path() + " " +
                            std::to_string(request.body().size()) + "\n");
        }
      });
      server.start();
      ready.set_value(server.listenAddress().port());
      loop.loop();
    }).detach();
    return ready.get_future().get();
  }();
  return port;
}

// "HTTP/1.1 ddd ...\r\n" headers "\r\n" [body of Content-Length bytes], repeated. An answer to
// HEAD has a Content-Length and no body; a 304 has neither.
void checkResponses(const std::string& out) {
  size_t pos = 0;
  while (pos < out.size()) {
    check(out.compare(pos, 9, "HTTP/1.1 ") == 0, "a response that does not start with HTTP/1.1",
          out);
    const size_t end = out.find("\r\n\r\n", pos);
    check(end != std::string::npos, "a response head without its empty line", out);
    const std::string head = out.substr(pos, end + 4 - pos);
    check(head.size() > 12 && std::isdigit(static_cast<unsigned char>(head[9])) &&
              std::isdigit(static_cast<unsigned char>(head[10])) &&
              std::isdigit(static_cast<unsigned char>(head[11])),
          "a status line without a three-digit code", out);
    const int status = std::atoi(head.c_str() + 9);
    pos = end + 4;
    const size_t cl = head.find("\r\nContent-Length: ");
    if (status >= 200) {  // not on the fixed "100 Continue"
      check(head.find("\r\nDate: ") != std::string::npos, "a response without Date", out);
      check(head.find("\r\nServer: ") != std::string::npos, "a response without Server", out);
    }
    if (status < 200 || status == 204 || status == 304) {
      check(cl == std::string::npos, "a 1xx, 204 or 304 with a Content-Length", out);
      continue;
    }
    check(cl != std::string::npos, "a response without Content-Length", out);
    const auto length = static_cast<size_t>(std::strtoull(head.c_str() + cl + 18, nullptr, 10));
    // The body, unless this answered a HEAD (the callback names the method in X-Method; the
    // server's own error answers always carry their body).
    if (head.find("\r\nX-Method: HEAD\r\n") == std::string::npos) {
      check(out.size() - pos >= length, "a body shorter than its Content-Length", out);
      pos += length;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint16_t port = serverPort();
  const size_t packets = 1 + data[0] % 8;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const size_t length = size - 1;

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;  // out of fds: not the server's fault
  struct sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return 0;
  }

  // Send in packets, reading what comes back meanwhile, so that a large answer never blocks
  // both sides; then EOF, then read until the server closes.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t sent = 0;
  size_t packet = 0;
  bool shut = false;
  while (true) {
    check(std::chrono::steady_clock::now() < deadline,
          "the server did not close within 10 s of the client's EOF", out);
    if (!shut && sent == length) {
      ::shutdown(fd, SHUT_WR);
      shut = true;
    }
    struct pollfd pfd = {fd, static_cast<short>(POLLIN | (shut ? 0 : POLLOUT)), 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        break;  // EOF, or a reset (the server may close at once after an error answer)
      }
    }
    if (!shut && (pfd.revents & POLLOUT)) {
      // Packet k ends at (k + 1) * length / packets.
      size_t end = packet + 1 == packets ? length : (packet + 1) * length / packets;
      if (end > sent) {
        ssize_t n = ::send(fd, bytes + sent, end - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;  // the server closed first
      }
      if (sent >= end) ++packet;
    }
  }
  ::close(fd);
  checkResponses(out);
  return 0;
}
