// A daytime server (RFC 867): every connection gets the current time and is closed.
//   daytime_server [--port N]        (default 2013; 0 lets the kernel choose)
// Try it: nc 127.0.0.1 2013
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Acceptor.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/SocketsOps.h"

namespace {
void usage(const char* prog) { std::fprintf(stderr, "usage: %s [--port N]\n", prog); }
}  // namespace

int main(int argc, char* argv[]) {
  using namespace mymuduo;
  using namespace mymuduo::net;

  long port = 2013;
  for (int i = 1; i < argc; ++i) {
    char* end = nullptr;
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        usage(argv[0]);
        return 2;
      }
    } else {
      usage(argv[0]);
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }

  EventLoop loop;
  Acceptor acceptor(&loop, InetAddress(static_cast<uint16_t>(port)), false);
  acceptor.setNewConnectionCallback([](int sockfd, const InetAddress& peer) {
    std::string now = Timestamp::now().toFormattedString(false) + " UTC\n";
    LOG_INFO << "daytime for " << peer.toIpPort();
    if (::write(sockfd, now.data(), now.size()) < 0) LOG_SYSERR << "write";
    sockets::close(sockfd);
  });
  acceptor.listen();
  LOG_INFO << "daytime server listening on " << acceptor.listenAddress().toIpPort();
  loop.loop();
}
