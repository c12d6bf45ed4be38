// An echo client: connects to an echo server, sends lines and prints what comes back.
//   echo_client [--host IP=127.0.0.1] [--port N=2007] [--count N] [--message TEXT=hello]
// With --count N it sends TEXT N times, each after the previous reply; without it, it reads
// stdin to the end first and sends its lines. It disconnects once everything came back.
// While the server is not up it retries, with back-off. Try it against echo_server:
//   echo_server --port 2007 &   echo_client --count 3
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpClient.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {
int usage(const char* prog, int status) {
  std::fprintf(
      status == 0 ? stdout : stderr,
      "usage: %s [--host IP=127.0.0.1] [--port N=2007] [--count N] [--message TEXT=hello]\n", prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  std::string host = "127.0.0.1";
  long port = 2007;
  long count = 0;  // 0: lines from stdin
  std::string message = "hello";
  for (int i = 1; i < argc; i += 2) {  // every option takes a value: argv[i] argv[i + 1]
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (value == nullptr) return usage(argv[0], 2);
    if (std::strcmp(argv[i], "--host") == 0) {
      host = value;
    } else if (std::strcmp(argv[i], "--port") == 0) {
      if (!example::parseNumber(value, 1, 65535, &port)) return usage(argv[0], 2);
    } else if (std::strcmp(argv[i], "--count") == 0) {
      if (!example::parseNumber(value, 1, 1000000, &count)) return usage(argv[0], 2);
    } else if (std::strcmp(argv[i], "--message") == 0) {
      message = value;
    } else {
      return usage(argv[0], 2);
    }
  }
  InetAddress serverAddr;
  try {
    serverAddr = InetAddress(host, static_cast<uint16_t>(port));
  } catch (const std::invalid_argument&) {
    return usage(argv[0], 2);
  }

  // What goes out: TEXT N times, or the lines of stdin. Each line ends in '\n', so a reply
  // line matches a sent line.
  std::string toSend;
  size_t lines = 0;
  if (count > 0) {
    lines = static_cast<size_t>(count);
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      toSend += line + "\n";
      ++lines;
    }
    if (lines == 0) return 0;
  }

  EventLoop loop;
  TcpClient client(&loop, serverAddr, "EchoClient");
  size_t replies = 0;  // loop thread only, like everything below
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      // --count: one message at a time, the next after its reply; stdin: everything at once.
      conn->send(count > 0 ? message + "\n" : toSend);
    } else {
      loop.quit();
    }
  });
  client.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    const char* eol;
    while ((eol = static_cast<const char*>(std::memchr(buf->peek(), '\n', buf->readableBytes()))) !=
           nullptr) {
      std::string reply(buf->peek(), eol);
      buf->retrieveUntil(eol + 1);
      std::printf("reply %zu: %s\n", ++replies, reply.c_str());
      if (replies == lines) {
        client.disconnect();
      } else if (count > 0) {
        conn->send(message + "\n");
      }
    }
    std::fflush(stdout);
  });
  client.setConnectErrorCallback([&](int err, bool willRetry) {
    std::fprintf(stderr, "connect to %s: %s%s\n", serverAddr.toIpPort().c_str(), strerror_tl(err),
                 willRetry ? ", retrying" : "");
    if (!willRetry) loop.quit();
  });
  client.connect();
  loop.loop();
  return replies == lines ? 0 : 1;
}
