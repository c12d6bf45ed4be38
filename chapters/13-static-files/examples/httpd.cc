// A static file server: GET and HEAD for the files under one directory, with ranges and
// conditional requests.
//   httpd [--port N=8000] [--threads N=0] [--root DIR=.] [--idle-timeout SECONDS=60] [--dotfiles]
// --port 0 lets the kernel choose; the "listening on" log line says which port it took.
// --dotfiles serves paths such as /.well-known/ or /.env, which are 404 without it.
// Try it: curl -v http://127.0.0.1:8000/        Stop it: Ctrl-C (SIGINT) or SIGTERM.
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/http/StaticFileHandler.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {
int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--port N=8000] [--threads N=0] [--root DIR=.] "
               "[--idle-timeout SECONDS=60] [--dotfiles]\n",
               prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  long port = 8000;
  long threads = 0;
  long idleTimeout = 60;
  std::string root = ".";
  http::StaticFileHandler::Options options;
  for (int i = 1; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (std::strcmp(argv[i], "--port") == 0 && example::parseNumber(value, 0, 65535, &port)) {
      ++i;
    } else if (std::strcmp(argv[i], "--threads") == 0 &&
               example::parseNumber(value, 0, 256, &threads)) {
      ++i;
    } else if (std::strcmp(argv[i], "--idle-timeout") == 0 &&
               example::parseNumber(value, 0, 86400, &idleTimeout)) {
      ++i;
    } else if (std::strcmp(argv[i], "--root") == 0 && value != nullptr && *value != '\0') {
      root = value;
      ++i;
    } else if (std::strcmp(argv[i], "--dotfiles") == 0) {
      options.dotfiles = true;
    } else {
      return usage(argv[0], 2);
    }
  }

  // Before anything else: a root that is not a directory is a usage error, not a crash later.
  std::unique_ptr<http::StaticFileHandler> handler;
  try {
    handler = std::make_unique<http::StaticFileHandler>(root, options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }

  EventLoop loop;
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(&loop);
  http::HttpServer server(&loop, InetAddress(static_cast<uint16_t>(port)), "httpd");
  server.setThreadNum(static_cast<int>(threads));
  server.setIdleTimeout(static_cast<double>(idleTimeout));
  // The handler is const and thread safe: every IO thread calls the same one, no lock.
  server.setHttpCallback(*handler);
  server.start();
  LOG_INFO << "httpd listening on " << server.listenAddress().toIpPort() << " with " << threads
           << " IO thread(s), serving " << handler->root();
  loop.loop();
  LOG_INFO << "httpd stopped";
}
