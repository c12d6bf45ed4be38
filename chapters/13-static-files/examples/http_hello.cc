// The smallest HTTP server: every request gets "hello, world!".
//   http_hello [--port N=8000] [--threads N=0] [--listen-per-loop]
//              [--idle-timeout SECONDS=60] [--drain-timeout SECONDS=10]
// With --listen-per-loop each IO thread listens on the port and accepts for itself.
// Try it: curl -i http://127.0.0.1:8000/        Stop it: Ctrl-C (SIGINT) or SIGTERM, which
// drain the server: answers under way finish, for at most --drain-timeout; a second one quits.
#include <cstdio>
#include <cstring>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpServer.h"

using namespace mymuduo;
using namespace mymuduo::net;
using namespace mymuduo::http;

namespace {
int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--port N=8000] [--threads N=0] [--listen-per-loop] "
               "[--idle-timeout SECONDS=60] [--drain-timeout SECONDS=10]\n",
               prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  long port = 8000;
  long threads = 0;
  long idleTimeout = 60;
  long drainTimeout = 10;
  TcpServer::Option option = TcpServer::kNoReusePort;
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
    } else if (std::strcmp(argv[i], "--listen-per-loop") == 0) {
      option = TcpServer::kListenPerLoop;
    } else {
      return usage(argv[0], 2);
    }
  }

  EventLoop loop;
  HttpServer server(&loop, InetAddress(static_cast<uint16_t>(port)), "HttpHello", option);
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(
      &loop, [&] { server.drain(static_cast<double>(drainTimeout), [&loop] { loop.quit(); }); });
  server.setThreadNum(static_cast<int>(threads));
  server.setIdleTimeout(static_cast<double>(idleTimeout));
  // Runs in the IO threads, several at once; it touches nothing shared, so needs no lock.
  server.setHttpCallback([](const HttpRequest&, HttpResponse* response) {
    response->setStatusCode(HttpResponse::k200Ok);
    response->setContentType("text/plain; charset=utf-8");
    response->setBody("hello, world!\n");
  });
  server.start();
  LOG_INFO << "http_hello listening on " << server.listenAddress().toIpPort() << " with " << threads
           << " IO thread(s), idle timeout " << idleTimeout << " s";
  loop.loop();
  LOG_INFO << "http_hello stopped";
}
