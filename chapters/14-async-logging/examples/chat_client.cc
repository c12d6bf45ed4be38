// A chat room client: each line of stdin goes to chat_server as one message, and every
// message of the room is printed as "<<< message". The connection lives in an EventLoopThread;
// the main thread reads stdin. At the end of stdin (Ctrl-D) it disconnects and exits.
//   chat_client [--host IP=127.0.0.1] [--port N=2010]
// Try it: chat_server --port 2010 &   then chat_client in two terminals.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/LengthHeaderCodec.h"
#include "mymuduo/net/TcpClient.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {
int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr, "usage: %s [--host IP=127.0.0.1] [--port N=2010]\n",
               prog);
  return status;
}
}  // namespace

int main(int argc, char* argv[]) {
  std::string host = "127.0.0.1";
  long port = 2010;
  for (int i = 1; i < argc; i += 2) {  // every option takes a value: argv[i] argv[i + 1]
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (value == nullptr) return usage(argv[0], 2);
    if (std::strcmp(argv[i], "--host") == 0) {
      host = value;
    } else if (std::strcmp(argv[i], "--port") != 0 ||
               !example::parseNumber(value, 1, 65535, &port)) {
      return usage(argv[0], 2);
    }
  }
  InetAddress serverAddr;
  try {
    serverAddr = InetAddress(host, static_cast<uint16_t>(port));
  } catch (const std::invalid_argument&) {
    return usage(argv[0], 2);
  }

  EventLoopThread loopThread;
  EventLoop* loop = loopThread.startLoop();
  LengthHeaderCodec codec([](const TcpConnectionPtr&, const std::string& message, Timestamp) {
    std::printf("<<< %s\n", message.c_str());
    std::fflush(stdout);
  });
  // Fulfilled in the loop thread, each once: the DOWN callback may also run inside
  // ~TcpClient, after we stopped waiting.
  std::promise<bool> connected;  // true: up; false: the connector gave up
  std::promise<void> down;
  bool connectedSet = false;
  bool downSet = false;
  // After everything its callbacks use: its DOWN callback may run inside its destructor.
  TcpClient client(loop, serverAddr, "ChatClient");
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    LOG_INFO << conn->localAddress().toIpPort() << " -> " << conn->peerAddress().toIpPort()
             << " is " << (conn->connected() ? "UP" : "DOWN");
    if (conn->connected() && !connectedSet) {
      connectedSet = true;
      connected.set_value(true);
    } else if (!conn->connected() && !downSet) {
      downSet = true;
      down.set_value();
    }
  });
  client.setMessageCallback([&codec](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
    codec.onMessage(conn, buf, when);
  });
  client.setConnectErrorCallback([&](int err, bool willRetry) {
    std::fprintf(stderr, "connect to %s: %s%s\n", serverAddr.toIpPort().c_str(), strerror_tl(err),
                 willRetry ? ", retrying" : "");
    if (!willRetry && !connectedSet) {
      connectedSet = true;
      connected.set_value(false);
    }
  });
  client.connect();
  // Stdin is read once we are in: lines piped in would otherwise go nowhere.
  if (!connected.get_future().get()) return 1;

  std::string line;
  while (std::getline(std::cin, line)) {
    TcpConnectionPtr conn = client.connection();  // thread safe; null once the server is gone
    if (!conn) {
      std::fprintf(stderr, "the server closed the connection\n");
      return 1;
    }
    codec.send(conn, line);
  }
  // Our FIN after the lines sent; the server answers with its own, and what the room said
  // meanwhile is still printed. Bounded: a server that never closes does not keep us here.
  client.disconnect();
  down.get_future().wait_for(std::chrono::seconds(5));
  return 0;
}
