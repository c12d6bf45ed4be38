// A program outside the repository's build, compiled against an installed MyMuduo: an
// http::HttpServer on 127.0.0.1:<port the kernel chose> in a loop thread, and a plain blocking
// socket client in main() that sends one request with "Connection: close" and must read a 200
// with the handler's body, then EOF. Exit status 0 on success.
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

#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::net::EventLoop;

int main() {
  struct Ready {
    EventLoop* loop;
    uint16_t port;
  };
  std::promise<Ready> ready;
  std::thread server([&ready] {
    EventLoop loop;
    auto srv = std::make_unique<HttpServer>(&loop, mymuduo::net::InetAddress(0, true), "http");
    srv->setHttpCallback([](const HttpRequest& request, HttpResponse* response) {
      response->setStatusCode(HttpResponse::k200Ok);
      response->setContentType("text/plain");
      response->setBody("hello from " + request.path() + "\n");
    });
    srv->start();
    ready.set_value(Ready{&loop, srv->listenAddress().port()});
    loop.loop();
    srv.reset();  // in the loop thread, as TcpServer requires
  });
  Ready r = ready.get_future().get();

  int status = 1;
  std::string got;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    std::perror("socket");
  } else {
    struct timeval timeout = {10, 0};  // a lost reply fails the run instead of hanging it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(r.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string request = "GET /consumer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("connect");
    } else if (::write(fd, request.data(), request.size()) !=
               static_cast<ssize_t>(request.size())) {
      std::perror("write");
    } else {
      char buf[512];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
      // n == 0: the server closed after its response, as "Connection: close" asked.
      if (n == 0 && got.compare(0, 15, "HTTP/1.1 200 OK") == 0 &&
          got.find("\r\n\r\nhello from /consumer\n") != std::string::npos) {
        status = 0;
      } else {
        std::fprintf(stderr, "http_roundtrip: unexpected answer (read %zd):\n%s\n", n, got.c_str());
      }
    }
    ::close(fd);
  }
  r.loop->quit();
  server.join();
  if (status == 0) std::printf("http_roundtrip: 200 and the body came back\n");
  return status;
}
