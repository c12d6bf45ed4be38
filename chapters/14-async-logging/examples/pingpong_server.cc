// The server side of the ping-pong benchmark: an echo server with Nagle's algorithm off, so
// every message goes back at once. Clients keep a fixed amount of data bouncing and count
// what comes back; the server's IO threads are what is measured.
//   pingpong_server IP PORT THREADS      (e.g. pingpong_server 0.0.0.0 2007 4)
// Stop it: Ctrl-C (SIGINT) or SIGTERM.
#include <cstdio>
#include <cstring>
#include <stdexcept>

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
  std::fprintf(status == 0 ? stdout : stderr, "usage: %s IP PORT THREADS\n", prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  if (argc == 2 && std::strcmp(argv[1], "--help") == 0) return usage(argv[0], 0);
  long port = 0;
  long threads = 0;
  if (argc != 4 || !example::parseNumber(argv[2], 0, 65535, &port) ||
      !example::parseNumber(argv[3], 0, 256, &threads)) {
    return usage(argv[0], 2);
  }
  InetAddress listenAddr;
  try {
    listenAddr = InetAddress(argv[1], static_cast<uint16_t>(port));
  } catch (const std::invalid_argument&) {
    return usage(argv[0], 2);
  }

  EventLoop loop;
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(&loop);
  TcpServer server(&loop, listenAddr, "PingPongServer");
  server.setThreadNum(static_cast<int>(threads));
  server.setConnectionCallback([](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      conn->setTcpNoDelay(true);  // a small reply must not wait for the previous one's ACK
    }
  });
  server.setMessageCallback(
      [](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); });
  server.start();
  LOG_INFO << "pingpong server listening on " << server.ipPort() << " with " << threads
           << " IO thread(s)";
  loop.loop();
  LOG_INFO << "pingpong server stopped";
}
