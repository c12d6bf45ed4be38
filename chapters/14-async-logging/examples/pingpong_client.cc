// The client side of the ping-pong benchmark. SESSIONS TcpClients, spread over THREADS IO
// loops, each send BLOCKSIZE bytes when they connect and then send back everything they
// receive, so each session keeps BLOCKSIZE bytes bouncing. After SECONDS they disconnect and
// the program prints what it read; the last line is the throughput.
//   pingpong_client IP PORT THREADS BLOCKSIZE SESSIONS SECONDS
//   (e.g. pingpong_server 127.0.0.1 2007 1 &  pingpong_client 127.0.0.1 2007 1 16384 10 5)
// Stop it early: Ctrl-C (SIGINT) or SIGTERM; it still prints what it measured.
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThreadPool.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpClient.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {

int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s IP PORT THREADS BLOCKSIZE SESSIONS SECONDS\n"
               "  THREADS 1-256 IO loops, BLOCKSIZE 1-67108864 bytes, SESSIONS 1-10000,"
               " SECONDS 1-86400\n",
               prog);
  return status;
}

/// One connection's counters. Written in its IO loop, read by the main thread at the end
/// (after the IO threads are joined) and by nobody in between.
struct Session {
  std::unique_ptr<TcpClient> client;
  std::atomic<int64_t> bytesRead{0};
  std::atomic<int64_t> messagesRead{0};
};

}  // namespace

int main(int argc, char* argv[]) {
  if (argc == 2 && std::strcmp(argv[1], "--help") == 0) return usage(argv[0], 0);
  long port = 0, threads = 0, blockSize = 0, sessionCount = 0, seconds = 0;
  if (argc != 7 || !example::parseNumber(argv[2], 1, 65535, &port) ||
      !example::parseNumber(argv[3], 1, 256, &threads) ||
      !example::parseNumber(argv[4], 1, 64 * 1024 * 1024, &blockSize) ||
      !example::parseNumber(argv[5], 1, 10000, &sessionCount) ||
      !example::parseNumber(argv[6], 1, 86400, &seconds)) {
    return usage(argv[0], 2);
  }
  InetAddress serverAddr;
  try {
    serverAddr = InetAddress(argv[1], static_cast<uint16_t>(port));
  } catch (const std::invalid_argument&) {
    return usage(argv[0], 2);
  }

  EventLoop loop;
  // Before the IO threads start: they inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(&loop);
  EventLoopThreadPool pool(&loop, "pingpong-client");
  pool.setThreadNum(static_cast<int>(threads));
  pool.start();

  const std::string block(static_cast<size_t>(blockSize), 'x');
  std::atomic<long> connected{0};
  std::atomic<long> disconnected{0};
  std::vector<std::unique_ptr<Session>> sessions;
  for (long i = 0; i < sessionCount; ++i) {
    auto session = std::make_unique<Session>();
    Session* s = session.get();
    s->client =
        std::make_unique<TcpClient>(pool.getNextLoop(), serverAddr, "C" + std::to_string(i));
    s->client->setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        conn->setTcpNoDelay(true);
        conn->send(block);
        if (++connected == sessionCount) LOG_INFO << "all " << sessionCount << " connected";
      } else if (++disconnected == sessionCount) {
        LOG_INFO << "all disconnected";
        loop.quit();  // safe from an IO thread
      }
    });
    s->client->setMessageCallback([s](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      s->messagesRead.fetch_add(1, std::memory_order_relaxed);
      s->bytesRead.fetch_add(static_cast<int64_t>(buf->readableBytes()), std::memory_order_relaxed);
      conn->send(buf);
    });
    s->client->setConnectErrorCallback([&](int err, bool willRetry) {
      LOG_WARN << "connect to " << serverAddr.toIpPort() << ": " << strerror_tl(err);
      if (!willRetry) loop.quit();
    });
    sessions.push_back(std::move(session));
  }

  auto start = std::chrono::steady_clock::now();
  for (auto& s : sessions) s->client->connect();
  loop.runAfter(static_cast<double>(seconds), [&] {
    LOG_INFO << "time is up, disconnecting";
    for (auto& s : sessions) s->client->disconnect();  // thread safe
  });
  loop.loop();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The IO loops still run: each client's destructor tears it down in its loop and waits.
  for (auto& s : sessions) s->client.reset();

  int64_t totalBytes = 0;
  int64_t totalMessages = 0;
  for (auto& s : sessions) {
    totalBytes += s->bytesRead;
    totalMessages += s->messagesRead;
  }
  std::printf("%" PRId64 " total bytes read\n", totalBytes);
  std::printf("%" PRId64 " total messages read\n", totalMessages);
  std::printf("%.2f average message size\n",
              totalMessages > 0
                  ? static_cast<double>(totalBytes) / static_cast<double>(totalMessages)
                  : 0.0);
  std::printf("%.2f MiB/s throughput\n", static_cast<double>(totalBytes) / (elapsed * 1024 * 1024));
  return 0;
}
