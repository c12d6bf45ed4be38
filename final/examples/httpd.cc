// A static file server: GET and HEAD for the files under one directory, with ranges and
// conditional requests.
//   httpd [--port N=8000] [--bind ADDRESS=127.0.0.1] [--threads N=0] [--root DIR=.]
//         [--idle-timeout SECONDS=60] [--drain-timeout SECONDS=10] [--dotfiles]
//         [--access-log PATH] [--log-file BASENAME]
// --port 0 lets the kernel choose; the "listening on" log line says which port it took.
// --bind takes an IPv4 or IPv6 literal. The default is loopback, so a folder is served to this
// machine only until you say otherwise: --bind 0.0.0.0 (every IPv4 interface) or --bind ::.
// --dotfiles serves paths such as /.well-known/ or /.env, which are 404 without it.
// --access-log appends one Common Log Format line per answer to PATH ("-": standard output).
// --log-file sends the log to BASENAME.<date>-<time>.<host>.<pid>.log instead of stderr.
// Try it: curl -v http://127.0.0.1:8000/        Stop it: Ctrl-C (SIGINT) or SIGTERM, which
// drain the server: downloads under way finish, for at most --drain-timeout; a second one quits.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
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
               "usage: %s [--port N=8000] [--bind ADDRESS=127.0.0.1] [--threads N=0] "
               "[--root DIR=.] [--idle-timeout SECONDS=60] [--drain-timeout SECONDS=10] "
               "[--dotfiles] [--access-log PATH] [--log-file BASENAME]\n"
               "  --bind: an IPv4 or IPv6 literal; the default serves this machine only,\n"
               "          --bind 0.0.0.0 or --bind :: serves the network\n"
               "  --access-log: one Common Log Format line per answer (\"-\": standard output)\n"
               "  --log-file: the log to BASENAME.<date>-<time>.<host>.<pid>.log, not stderr\n"
               "  SIGINT or SIGTERM: stop listening, let the answers under way finish for at most\n"
               "  --drain-timeout seconds, then exit; a second signal exits at once\n",
               prog);
  return status;
}

/// The access log's file, written from every IO thread: one lock, one fputs, one flush per
/// line, so lines never interleave and each is on disk (or the terminal) when the answer goes.
class AccessLog {
 public:
  explicit AccessLog(FILE* file) : file_(file) {}
  void write(const http::AccessLogEntry& entry) {
    std::string line = http::commonLogLine(entry) + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    std::fputs(line.c_str(), file_);
    std::fflush(file_);
  }

 private:
  std::mutex mutex_;
  FILE* const file_;
};
}  // namespace

int main(int argc, char* argv[]) {
  long port = 8000;
  long threads = 0;
  long idleTimeout = 60;
  long drainTimeout = 10;
  std::string root = ".";
  std::string bind = "127.0.0.1";
  std::string accessLogPath;
  std::string logFile;
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
    } else if (std::strcmp(argv[i], "--drain-timeout") == 0 &&
               example::parseNumber(value, 0, 86400, &drainTimeout)) {
      ++i;
    } else if (std::strcmp(argv[i], "--root") == 0 && value != nullptr && *value != '\0') {
      root = value;
      ++i;
    } else if (std::strcmp(argv[i], "--bind") == 0 && value != nullptr) {
      bind = value;
      ++i;
    } else if (std::strcmp(argv[i], "--access-log") == 0 && value != nullptr && *value != '\0') {
      accessLogPath = value;
      ++i;
    } else if (std::strcmp(argv[i], "--dotfiles") == 0) {
      options.dotfiles = true;
    } else if (std::strcmp(argv[i], "--log-file") == 0 && value != nullptr && *value != '\0') {
      logFile = value;
      ++i;
    } else {
      return usage(argv[0], 2);
    }
  }

  // Before anything else: a root that is not a directory, an address that does not parse or
  // a log that cannot be opened is a usage error, not a crash later.
  std::unique_ptr<http::StaticFileHandler> handler;
  std::unique_ptr<InetAddress> listenAddr;
  try {
    handler = std::make_unique<http::StaticFileHandler>(root, options);
    listenAddr = std::make_unique<InetAddress>(bind, static_cast<uint16_t>(port));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
  std::unique_ptr<AccessLog> accessLog;
  if (accessLogPath == "-") {
    accessLog = std::make_unique<AccessLog>(stdout);
  } else if (!accessLogPath.empty()) {
    FILE* file = std::fopen(accessLogPath.c_str(), "ae");  // "e": close-on-exec
    if (file == nullptr) {
      std::fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], accessLogPath.c_str(),
                   std::strerror(errno));
      return 1;
    }
    accessLog = std::make_unique<AccessLog>(file);  // closed by the exit
  }

  example::LogToFile logToFile(logFile);  // before the server: it outlives the IO threads
  EventLoop loop;
  http::HttpServer server(&loop, *listenAddr, "httpd");
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(
      &loop, [&] { server.drain(static_cast<double>(drainTimeout), [&loop] { loop.quit(); }); });
  server.setThreadNum(static_cast<int>(threads));
  server.setIdleTimeout(static_cast<double>(idleTimeout));
  // The handler is const and thread safe: every IO thread calls the same one, no lock.
  server.setHttpCallback(*handler);
  if (accessLog) {
    server.setAccessLogCallback(
        [log = accessLog.get()](const http::AccessLogEntry& entry) { log->write(entry); });
  }
  server.start();
  LOG_INFO << "httpd listening on " << server.listenAddress().toIpPort() << " with " << threads
           << " IO thread(s), serving " << handler->root();
  loop.loop();
  LOG_INFO << "httpd stopped";
}
