// TcpConnection::sendFile(): a file sent with sendfile(2), in order with send(), over real
// sockets. The client is a plain blocking socket with a small receive buffer, so that the file
// does not fit in the kernel at once and the rest goes out on EPOLLOUT.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "TestServer.h"
#include "mymuduo/net/TcpConnection.h"

using namespace mymuduo;
using namespace mymuduo::net;
using namespace testutil;

namespace {

/// A temporary file holding pattern(size), opened for reading; removed when done.
class OpenFile {
 public:
  explicit OpenFile(size_t size) : content_(pattern(size)) {
    char name[] = "/tmp/mymuduo-sendfile-XXXXXX";
    fd_ = ::mkstemp(name);
    REQUIRE(fd_ >= 0);
    ::unlink(name);
    writeAll(fd_, content_);
  }
  ~OpenFile() { ::close(fd_); }
  int fd() const { return fd_; }
  const std::string& content() const { return content_; }

 private:
  std::string content_;
  int fd_ = -1;
};

/// connectTo() with a 16 KiB receive buffer, set before the handshake so the window stays small.
int connectSmall(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  int rcvbuf = 16 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  InetAddress server("127.0.0.1", port);
  REQUIRE(::connect(fd, server.getSockAddr(), sizeof(struct sockaddr_in)) == 0);
  return fd;
}

}  // namespace

TEST_CASE("sendFile sends the file after what was sent before it and before what follows",
          "[ch13][s2][sendfile]") {
  OpenFile file(8 * 1024 * 1024);
  std::promise<size_t> leftAfterCall;
  std::atomic<int> shutdowns{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send(std::string_view("HEAD:"));
      conn->sendFile(file.fd(), 100, file.content().size() - 100);
      conn->send(std::string_view(":TAIL"));
      leftAfterCall.set_value(conn->fileBytesLeft());
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      // "HEAD:" went out whole and queued a write-complete of its own: only the last counts.
      if (conn->fileBytesLeft() == 0 && conn->outputBuffer()->readableBytes() == 0) {
        ++shutdowns;
        conn->shutdown();
      }
    });
  });
  int fd = connectSmall(server.port());
  // Nothing read yet: 8 MiB do not fit in the socket buffers, so the file waits for EPOLLOUT.
  CHECK(leftAfterCall.get_future().get() > 0);
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() == file.content().size() - 100 + 10);
  CHECK(received == "HEAD:" + file.content().substr(100) + ":TAIL");
  CHECK(shutdowns == 1);
}

TEST_CASE("files and bytes queued in turn go out in the order they were queued",
          "[ch13][s2][sendfile]") {
  // Two files, each behind bytes and with bytes between them, all queued before the client
  // reads: the output queue keeps each file's place among the bytes.
  OpenFile first(3 * 1024 * 1024);
  OpenFile second(1024 * 1024 + 7);
  std::atomic<int> shutdowns{0};
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send(std::string_view("<1>"));
      conn->sendFile(first.fd(), 0, first.content().size());
      conn->send(pattern(300 * 1024));
      conn->sendFile(second.fd(), 7, second.content().size() - 7);
      conn->send(std::string_view("<end>"));
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      if (conn->fileBytesLeft() == 0 && conn->outputBuffer()->readableBytes() == 0) {
        ++shutdowns;
        conn->shutdown();
      }
    });
  });
  int fd = connectSmall(server.port());
  std::string received = readUntilEof(fd);
  ::close(fd);
  const std::string expected =
      "<1>" + first.content() + pattern(300 * 1024) + second.content().substr(7) + "<end>";
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
  CHECK(shutdowns == 1);
}

TEST_CASE("sendFile of a file shorter than promised closes the connection after its bytes",
          "[ch13][s2][sendfile]") {
  OpenFile file(300 * 1024);
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      events(conn);
      if (conn->connected()) conn->sendFile(file.fd(), 0, file.content().size() + 1000);
    });
  });
  int fd = connectSmall(server.port());
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received == file.content());  // and then EOF: the missing 1,000 bytes never come
  CHECK(events.waitDown());
}

TEST_CASE("a peer that resets during sendFile closes the connection without SIGPIPE",
          "[ch13][s2][sendfile]") {
  // sendfile(2) has no MSG_NOSIGNAL. In a child, with SIGPIPE's default action (end the
  // process), so that a SIGPIPE fails this test instead of ending the test program.
  ChildResult child = runInChild([] {
    OpenFile file(16 * 1024 * 1024);
    ConnectionEvents events;
    TestServer server([&](TcpServer& s) {
      s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
        events(conn);
        if (conn->connected()) conn->sendFile(file.fd(), 0, file.content().size());
      });
    });
    // After the server's first socket, which set SIGPIPE to be ignored: a program may undo that.
    ::signal(SIGPIPE, SIG_DFL);
    for (int round = 0; round < 20; ++round) {
      int fd = connectSmall(server.port());
      std::string start = readUntilEof(fd, 64 * 1024);
      if (start != file.content().substr(0, start.size())) std::_Exit(3);
      struct linger reset = {1, 0};  // close() sends RST
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(fd);
    }
    if (!waitFor([&] { return events.downs == 20; })) std::_Exit(4);
    std::_Exit(0);
  });
  INFO(child.output);
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 0);
}

TEST_CASE("sendFile of zero bytes still ends with the write-complete callback",
          "[ch13][s2][sendfile]") {
  // The caller closes its file in that callback, as for any other sendFile().
  OpenFile file(10);
  std::promise<void> completed;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->sendFile(file.fd(), 0, 0);
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr&) { completed.set_value(); });
  });
  int fd = connectTo(server.port());
  CHECK(completed.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  ::close(fd);
}

TEST_CASE("sendFile behind output still queued sends that output first", "[ch13][s2][sendfile]") {
  // The client reads nothing until both calls are made, so most of the first 8 MiB is still in
  // the output buffer when sendFile() comes: the file must wait for it.
  OpenFile file(1024 * 1024);
  std::promise<size_t> queuedAtCall;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send(pattern(8 * 1024 * 1024));
      queuedAtCall.set_value(conn->outputBuffer()->readableBytes());
      conn->sendFile(file.fd(), 0, file.content().size());
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      if (conn->fileBytesLeft() == 0 && conn->outputBuffer()->readableBytes() == 0) {
        conn->shutdown();
      }
    });
  });
  int fd = connectSmall(server.port());
  REQUIRE(queuedAtCall.get_future().get() > 0);
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() == 8 * 1024 * 1024 + file.content().size());
  CHECK(received == pattern(8 * 1024 * 1024) + file.content());
}

TEST_CASE("sendFile that finds the socket full waits for it instead of closing",
          "[ch13][s2][sendfile]") {
  // EAGAIN from sendfile(2) means "not now". To meet it for sure: 200 KiB written first, which
  // the kernel takes whole (the client reads nothing yet), then the send buffer shrunk below what
  // it holds. The first write bypasses the connection, to pass MSG_EOR: it ends the last
  // segment, which sendfile() could otherwise still fill without asking for memory.
  OpenFile file(256 * 1024);
  const std::string first(200 * 1024, 'x');
  std::promise<bool> wroteAllAtOnce;
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      int fd = serverFdOf(conn);
      ssize_t n = ::send(fd, first.data(), first.size(), MSG_NOSIGNAL | MSG_EOR);
      int small = 2048;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
      conn->sendFile(file.fd(), 0, file.content().size());
      wroteAllAtOnce.set_value(n == static_cast<ssize_t>(first.size()));  // the client reads now
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      if (conn->fileBytesLeft() == 0 && conn->outputBuffer()->readableBytes() == 0) {
        conn->shutdown();
      }
    });
  });
  int fd = connectSmall(server.port());
  REQUIRE(wroteAllAtOnce.get_future().get());
  std::string received = readUntilEof(fd);
  ::close(fd);
  CHECK(received.size() == first.size() + file.content().size());
  CHECK(received == first + file.content());
}
