// An echo server: every byte a client sends comes back.
//   echo_server [--port N] [--threads N] [--listen-per-loop]    (defaults: port 2007, 0 threads)
// With --threads N the listening loop only accepts, and N IO threads serve the connections;
// with --listen-per-loop too, each IO thread listens on the port and accepts for itself.
// Try it: nc 127.0.0.1 2007        Stop it: Ctrl-C (SIGINT) or SIGTERM.
#include <cstdio>
#include <cstring>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpServer.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {
int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--port N=2007] [--threads N=0] [--listen-per-loop]\n", prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  long port = 2007;
  long threads = 0;
  TcpServer::Option option = TcpServer::kNoReusePort;
  for (int i = 1; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (std::strcmp(argv[i], "--port") == 0 && example::parseNumber(value, 0, 65535, &port)) {
      ++i;
    } else if (std::strcmp(argv[i], "--threads") == 0 &&
               example::parseNumber(value, 0, 256, &threads)) {
      ++i;
    } else if (std::strcmp(argv[i], "--listen-per-loop") == 0) {
      option = TcpServer::kListenPerLoop;
    } else {
      return usage(argv[0], 2);
    }
  }

  EventLoop loop;
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(&loop);
  TcpServer server(&loop, InetAddress(static_cast<uint16_t>(port)), "EchoServer", option);
  server.setThreadNum(static_cast<int>(threads));
  // Both callbacks run in the connection's IO thread; they share nothing, so need no lock.
  server.setConnectionCallback([](const TcpConnectionPtr& conn) {
    LOG_INFO << conn->peerAddress().toIpPort() << " is " << (conn->connected() ? "UP" : "DOWN");
  });
  server.setMessageCallback(
      [](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); });
  server.start();
  LOG_INFO << "echo server listening on " << server.ipPort() << " with " << threads
           << " IO thread(s)";
  loop.loop();
  LOG_INFO << "echo server stopped";
}
