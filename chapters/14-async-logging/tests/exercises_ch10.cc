// Hidden test of chapter 10's exercise "A graceful refusal" (see the chapter README). Hidden
// ([.exercise]): ctest and a plain run skip it; run it with
//   build/10/ch10_tests "[ex10]"
// It fails on the shipped codec, whose forceClose() drops the replies still queued for a peer
// that sends a bad length, and passes once those replies reach the peer before the close.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/LengthHeaderCodec.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

namespace {

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::LengthHeaderCodec;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;

std::string lengthHeader(uint32_t len) {
  return {static_cast<char>(len >> 24), static_cast<char>(len >> 16), static_cast<char>(len >> 8),
          static_cast<char>(len)};
}
std::string framed(const std::string& body) {
  return lengthHeader(static_cast<uint32_t>(body.size())) + body;
}

/// A client socket connected to 127.0.0.1:port whose receive buffer is small: set before the
/// connect, it also turns off the kernel's growing of it.
int connectWithSmallReceiveBuffer(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  int size = 64 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  mymuduo::net::InetAddress server("127.0.0.1", port);
  if (::connect(fd, server.getSockAddr(), sizeof(struct sockaddr_in)) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

}  // namespace

TEST_CASE("exercise 10: a refused peer still gets the replies sent before its bad header",
          "[.exercise][ex10]") {
  const std::string reply = testutil::pattern(4 * 1024 * 1024);
  std::atomic<int> requests{0};
  LengthHeaderCodec* codecRef = nullptr;
  LengthHeaderCodec codec([&](const TcpConnectionPtr& conn, const std::string& message, Timestamp) {
    ++requests;
    if (message == "give") codecRef->send(conn, reply);
  });
  codecRef = &codec;
  testutil::ConnectionEvents events;
  testutil::TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        // Small buffers at both ends: most of the 4 MiB reply is still in the connection's
        // output buffer when the codec meets the bad header.
        int size = 64 * 1024;
        ::setsockopt(testutil::serverFdOf(conn), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      }
      events(conn);
    });
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
      codec.onMessage(conn, buf, when);
    });
  });

  int fd = connectWithSmallReceiveBuffer(server.port());
  // A request, then a bad length, then a request that must not be served: all in one read.
  testutil::writeAll(fd, framed("give") + lengthHeader(0xffffffff) + framed("give"));
  const std::string received = testutil::readUntilEof(fd);
  INFO("received " << received.size() << " of " << 4 + reply.size()
                   << " bytes before the close: do the exercise \"A graceful refusal\"");
  CHECK(received.size() == 4 + reply.size());
  CHECK((received == framed(reply)));  // in (( )): no 4 MiB strings in the report

  // Still sending after the refusal, in a read of its own: nothing of it may be delivered.
  const std::string more = framed("give");
  ::send(fd, more.data(), more.size(), MSG_NOSIGNAL);  // the server may be gone: no SIGPIPE
  // The server must close its end on its own, also while we keep ours open.
  CHECK(events.waitDown());
  CHECK(requests == 1);
  ::close(fd);
}
