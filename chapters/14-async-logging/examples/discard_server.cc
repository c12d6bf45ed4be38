// A discard server (RFC 863): it reads everything a client sends and throws it away. It
// counts what it threw away, per connection and in all, and logs the totals every few
// seconds, so you can watch the receive path work.
//   discard_server [--port N] [--threads N]    (defaults: port 2009, 0 threads)
// Try it: nc 127.0.0.1 2009 < /dev/urandom      Stop it: Ctrl-C (SIGINT) or SIGTERM.
#include <atomic>
#include <cstdint>
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
  std::fprintf(status == 0 ? stdout : stderr, "usage: %s [--port N=2009] [--threads N=0]\n", prog);
  return status;
}

/// What one connection has sent; kept in the connection's context slot.
struct Received {
  uint64_t bytes = 0;
  uint64_t messages = 0;  // message callbacks, i.e. reads that returned data
};
}  // namespace

int main(int argc, char* argv[]) {
  long port = 2009;
  long threads = 0;
  for (int i = 1; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (std::strcmp(argv[i], "--port") == 0 && example::parseNumber(value, 0, 65535, &port)) {
      ++i;
    } else if (std::strcmp(argv[i], "--threads") == 0 &&
               example::parseNumber(value, 0, 256, &threads)) {
      ++i;
    } else {
      return usage(argv[0], 2);
    }
  }

  EventLoop loop;
  example::QuitOnSignals quitOnSignals(&loop);
  TcpServer server(&loop, InetAddress(static_cast<uint16_t>(port)), "DiscardServer");
  server.setThreadNum(static_cast<int>(threads));
  // Added to by every IO thread, read by the timer in this thread: atomic. The per-connection
  // Received needs nothing: only its connection's IO thread touches it.
  std::atomic<uint64_t> totalBytes{0};
  server.setConnectionCallback([](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      conn->setContext(Received{});
      LOG_INFO << conn->peerAddress().toIpPort() << " is UP";
    } else {
      const auto& got = std::any_cast<const Received&>(conn->getContext());
      LOG_INFO << conn->peerAddress().toIpPort() << " is DOWN after " << got.bytes << " bytes in "
               << got.messages << " reads";
    }
  });
  server.setMessageCallback([&totalBytes](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    auto* got = std::any_cast<Received>(conn->getMutableContext());
    got->bytes += buf->readableBytes();
    got->messages += 1;
    totalBytes += buf->readableBytes();
    buf->retrieveAll();  // discard: the buffer is empty again for the next read
  });
  uint64_t lastTotal = 0;  // this thread only
  loop.runEvery(3.0, [&] {
    uint64_t total = totalBytes;
    if (total != lastTotal) {
      LOG_INFO << "discarded " << (total - lastTotal) << " bytes in the last 3 s, " << total
               << " in all";
      lastTotal = total;
    }
  });
  server.start();
  LOG_INFO << "discard server listening on " << server.ipPort();
  loop.loop();
  LOG_INFO << "discard server stopped";
}
