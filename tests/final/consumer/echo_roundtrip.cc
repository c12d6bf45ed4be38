// A program outside the repository's build, compiled against an installed MyMuduo: an echo
// server on 127.0.0.1:<port the kernel chose> in a loop thread, and a plain blocking socket
// client in main() that sends "ping" and must read "ping" back. Exit status 0 on success.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

using mymuduo::net::EventLoop;
using mymuduo::net::TcpServer;

namespace {

int fail(const char* what) {
  std::perror(what);
  return 1;
}

}  // namespace

int main() {
  struct Ready {
    EventLoop* loop;
    uint16_t port;
  };
  std::promise<Ready> ready;
  std::thread server([&ready] {
    EventLoop loop;
    auto srv = std::make_unique<TcpServer>(&loop, mymuduo::net::InetAddress(0, true), "echo");
    srv->setMessageCallback([](const mymuduo::net::TcpConnectionPtr& conn,
                               mymuduo::net::Buffer* buf,
                               mymuduo::Timestamp) { conn->send(buf->retrieveAllAsString()); });
    srv->start();
    ready.set_value(Ready{&loop, srv->listenAddress().port()});
    loop.loop();
    srv.reset();  // in the loop thread, as TcpServer requires
  });
  Ready r = ready.get_future().get();

  int status = 0;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    status = fail("socket");
  } else {
    struct timeval timeout = {10, 0};  // a lost reply fails the run instead of hanging it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(r.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string got;
    if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
      status = fail("connect");
    } else if (::write(fd, "ping", 4) != 4) {
      status = fail("write");
    } else {
      char buf[16];
      while (got.size() < 4) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      if (got != "ping") {
        std::fprintf(stderr, "echo_roundtrip: expected \"ping\" back, got \"%s\"\n", got.c_str());
        status = 1;
      }
    }
    ::close(fd);
  }
  r.loop->quit();
  server.join();
  if (status == 0) std::printf("echo_roundtrip: ping came back\n");
  return status;
}
