#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"

using mymuduo::net::Buffer;

TEST_CASE("Buffer append and retrieve move the two indexes", "[ch06][s1][buffer]") {
  Buffer buf;
  CHECK(buf.readableBytes() == 0);
  CHECK(buf.writableBytes() == 0);  // nothing allocated yet
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend);

  buf.append(std::string(200, 'x'));
  CHECK(buf.readableBytes() == 200);
  CHECK(buf.writableBytes() == Buffer::kInitialSize - 200);

  CHECK(buf.retrieveAsString(50) == std::string(50, 'x'));
  CHECK(buf.readableBytes() == 150);
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend + 50);

  buf.append("hello", 5);
  CHECK(buf.retrieveAllAsString() == std::string(150, 'x') + "hello");
  // Empty again: both indexes go back to the front.
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend);
  CHECK(buf.writableBytes() == Buffer::kInitialSize);
}

TEST_CASE("Buffer prepend writes in front of the readable bytes", "[ch06][s1][buffer]") {
  Buffer buf;
  buf.append(std::string_view("payload"));
  uint32_t length = 7;
  buf.prepend(&length, sizeof length);
  CHECK(buf.readableBytes() == sizeof length + 7);
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend - sizeof length);
  uint32_t readBack = 0;
  std::memcpy(&readBack, buf.peek(), sizeof readBack);
  CHECK(readBack == 7);
  buf.retrieve(sizeof readBack);
  CHECK(buf.retrieveAllAsString() == "payload");
}

TEST_CASE("Buffer findCRLF and retrieveUntil split lines", "[ch06][s1][buffer]") {
  Buffer buf;
  CHECK(buf.findCRLF() == nullptr);
  buf.append(std::string_view("GET / HTTP/1.1\r\nHost: a\r\n\r"));
  const char* crlf = buf.findCRLF();
  REQUIRE(crlf != nullptr);
  CHECK(std::string(buf.peek(), crlf) == "GET / HTTP/1.1");
  buf.retrieveUntil(crlf + 2);
  crlf = buf.findCRLF();
  REQUIRE(crlf != nullptr);
  CHECK(std::string(buf.peek(), crlf) == "Host: a");
  buf.retrieveUntil(crlf + 2);
  CHECK(buf.findCRLF() == nullptr);  // a lone '\r' is not a line end yet
  buf.append(std::string_view("\n"));
  CHECK(buf.findCRLF() == buf.peek());
}

TEST_CASE("Buffer grows when it must and moves data to the front when it can",
          "[ch06][s1][buffer]") {
  Buffer buf;
  buf.append(std::string(400, 'a'));
  buf.retrieve(300);  // 100 readable, 300 free bytes at the front
  size_t capacity = buf.internalCapacity();

  // 900 more bytes fit after moving the 100 readable ones to the front: no allocation.
  buf.append(std::string(900, 'b'));
  CHECK(buf.internalCapacity() == capacity);
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend);
  CHECK(buf.readableBytes() == 1000);

  // 2000 more do not fit at all: the vector grows.
  buf.append(std::string(2000, 'c'));
  CHECK(buf.internalCapacity() > capacity);
  CHECK(buf.retrieveAllAsString() ==
        std::string(100, 'a') + std::string(900, 'b') + std::string(2000, 'c'));
}

TEST_CASE("Buffer refuses a length that cannot fit instead of wrapping around",
          "[ch06][s1][buffer]") {
  // In a child: a buffer whose size arithmetic wraps shrinks its vector and then writes past
  // the end, or fails an assert; either must fail this test, not end the test program.
  auto child = testutil::runInChild([] {
    const std::string content = testutil::pattern(100);
    const char source[16] = {};
    int failures = 0;
    for (size_t len : {SIZE_MAX, SIZE_MAX - 10, SIZE_MAX - 100, SIZE_MAX / 2 + 1}) {
      for (bool viaAppend : {false, true}) {
        Buffer buf;
        buf.append(content);
        try {
          // append() reads len bytes from source only if it wrongly accepts the length.
          viaAppend ? buf.append(source, len) : buf.ensureWritableBytes(len);
          std::printf("len %zu accepted\n", len);
          ++failures;
        } catch (const std::length_error&) {
          if (buf.retrieveAllAsString() != content) {
            std::printf("len %zu changed the content\n", len);
            ++failures;
          }
        }
      }
    }
    std::fflush(stdout);
    ::_exit(failures == 0 ? 0 : 1);
  });
  INFO(child.output);
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 0);
}

TEST_CASE("Buffer readFd reads a 200 KB message into a small buffer in one call",
          "[ch06][s1][buffer]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  int size = 1 << 20;
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  const std::string message = testutil::pattern(200 * 1024);
  std::thread writer([&] { testutil::writeAll(fds[1], message); });
  writer.join();

  Buffer buf;  // no storage yet, then 1 KiB; readv's second iovec is the 64 KiB stack buffer
  std::string received;
  int savedErrno = 0;
  bool firstReadOverflowed = false;
  while (received.size() < message.size()) {
    size_t writable = buf.writableBytes();
    ssize_t n = buf.readFd(fds[0], &savedErrno);
    REQUIRE(n > 0);
    if (received.empty()) firstReadOverflowed = static_cast<size_t>(n) > writable;
    received += buf.retrieveAllAsString();
  }
  CHECK(firstReadOverflowed);  // more arrived than fitted: the extra buffer took the rest
  CHECK(received == message);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("Buffer allocates nothing until the first write and gives it back when empty",
          "[ch06][s1][buffer]") {
  Buffer buf;
  CHECK(buf.internalCapacity() == 0);
  CHECK(buf.findCRLF() == nullptr);
  CHECK(buf.retrieveAllAsString().empty());
  CHECK(buf.internalCapacity() == 0);  // reading an empty buffer allocates nothing

  buf.append("abc", 3);
  CHECK(buf.internalCapacity() >= Buffer::kCheapPrepend + Buffer::kInitialSize);
  CHECK(buf.writableBytes() == Buffer::kInitialSize - 3);
  buf.releaseIfEmpty();  // 3 bytes readable: kept
  CHECK(buf.internalCapacity() >= Buffer::kCheapPrepend + Buffer::kInitialSize);
  CHECK(buf.retrieveAllAsString() == "abc");

  buf.releaseIfEmpty();
  CHECK(buf.internalCapacity() == 0);
  CHECK(buf.writableBytes() == 0);
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend);
  // A message larger than the initial size gets what it needs in one allocation.
  const std::string big = testutil::pattern(3 * Buffer::kInitialSize);
  buf.append(big);
  CHECK(buf.internalCapacity() >= Buffer::kCheapPrepend + big.size());
  CHECK(buf.retrieveAllAsString() == big);
}

TEST_CASE("Buffer prepend works on a fresh buffer", "[ch06][s1][buffer]") {
  for (bool released : {false, true}) {
    INFO((released ? "after releaseIfEmpty()" : "fresh"));
    Buffer buf;
    if (released) {
      buf.append("x", 1);
      buf.retrieveAll();
      buf.releaseIfEmpty();
    }
    REQUIRE(buf.internalCapacity() == 0);
    uint64_t header = 0x0102030405060708;
    buf.prepend(&header, sizeof header);  // all of the cheap-prepend area
    CHECK(buf.prependableBytes() == 0);
    buf.append(std::string_view("body"));
    REQUIRE(buf.readableBytes() == sizeof header + 4);
    uint64_t readBack = 0;
    std::memcpy(&readBack, buf.peek(), sizeof readBack);
    CHECK(readBack == header);
    buf.retrieve(sizeof readBack);
    CHECK(buf.retrieveAllAsString() == "body");
  }
}

TEST_CASE("Buffer readFd on a buffer without storage allocates only when bytes arrive",
          "[ch06][s1][buffer]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
  Buffer buf;
  int savedErrno = 0;
  CHECK(buf.readFd(fds[0], &savedErrno) == -1);  // nothing to read yet
  CHECK(savedErrno == EAGAIN);
  CHECK(buf.internalCapacity() == 0);

  for (size_t size : {size_t{10}, Buffer::kInitialSize, size_t{5000}}) {
    INFO("message of " << size << " bytes");
    const std::string message = testutil::pattern(size);
    testutil::writeAll(fds[1], message);
    REQUIRE(buf.internalCapacity() == 0);
    CHECK(buf.readFd(fds[0], &savedErrno) == static_cast<ssize_t>(size));
    CHECK(buf.internalCapacity() >= Buffer::kCheapPrepend + size);
    CHECK(buf.retrieveAllAsString() == message);
    buf.releaseIfEmpty();
  }
  ::shutdown(fds[1], SHUT_WR);
  CHECK(buf.readFd(fds[0], &savedErrno) == 0);  // EOF
  CHECK(buf.internalCapacity() == 0);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("Buffer hands a released vector of the default size to the next buffer of the thread",
          "[ch06][s1][buffer]") {
  // Take whatever spare earlier code of this thread left, so that the test starts without one.
  Buffer earlier;
  earlier.append("x", 1);

  Buffer first;
  first.append("abc", 3);
  const char* block = first.peek();
  first.retrieveAll();
  first.releaseIfEmpty();
  REQUIRE(first.internalCapacity() == 0);
  // A block of the same size allocated now: had `first` freed its vector, the allocator would
  // most likely hand that very block out here.
  std::vector<char> other(Buffer::kCheapPrepend + Buffer::kInitialSize);
  Buffer second;
  second.append("def", 3);
  CHECK(second.peek() == block);  // the spare, not a new allocation
  CHECK(second.retrieveAllAsString() == "def");

  // A vector that grew is freed, never kept: the next buffer gets the default size.
  Buffer grown;
  grown.append(testutil::pattern(64 * 1024));
  grown.retrieveAll();
  grown.releaseIfEmpty();
  Buffer next;
  next.append("g", 1);
  CHECK(next.internalCapacity() == Buffer::kCheapPrepend + Buffer::kInitialSize);
}

TEST_CASE("a moved-from Buffer is empty and usable", "[ch06][s1][buffer]") {
  const std::string first = testutil::pattern(200);
  Buffer a;
  a.append(first);
  a.retrieve(50);  // both indexes away from the front
  Buffer b(std::move(a));
  CHECK(b.retrieveAsString(100) == first.substr(50, 100));

  // The moved-from buffer is a fresh one: no vector, both indexes at the front. With the
  // indexes left where they were, this append would write past the end of its new vector.
  CHECK(a.readableBytes() == 0);
  CHECK(a.prependableBytes() == Buffer::kCheapPrepend);
  CHECK(a.writableBytes() == 0);
  CHECK(a.internalCapacity() == 0);
  const std::string second = testutil::pattern(Buffer::kInitialSize);
  a.append(second);
  CHECK(a.retrieveAllAsString() == second);

  // Move assignment: the target gets the other's bytes, the source is fresh again.
  Buffer c;
  c.append("old", 3);
  c = std::move(b);
  CHECK(b.readableBytes() == 0);
  CHECK(b.prependableBytes() == Buffer::kCheapPrepend);
  CHECK(b.internalCapacity() == 0);
  b.append(second);
  CHECK(b.retrieveAllAsString() == second);
  Buffer& alias = c;
  c = std::move(alias);  // a self-move keeps the bytes
  CHECK(c.retrieveAllAsString() == first.substr(150));
}

TEST_CASE("a copy of a Buffer is independent of the original", "[ch06][s1][buffer]") {
  Buffer original;
  original.append("header:", 7);
  original.retrieve(7);
  original.append("body", 4);
  Buffer copy(original);
  CHECK(copy.prependableBytes() == original.prependableBytes());
  copy.append("!", 1);
  CHECK(original.retrieveAllAsString() == "body");
  CHECK(copy.retrieveAllAsString() == "body!");

  Buffer assigned;
  assigned.append("old", 3);
  original.append("new", 3);
  assigned = original;
  original.retrieveAll();
  CHECK(assigned.retrieveAllAsString() == "new");

  Buffer empty;
  Buffer emptyCopy(empty);  // a copy of a buffer without a vector has none either
  CHECK(emptyCopy.internalCapacity() == 0);
  emptyCopy.append("x", 1);
  CHECK(emptyCopy.retrieveAllAsString() == "x");
}

TEST_CASE("Buffer append and prepend of zero bytes do nothing even from a null pointer",
          "[ch06][s1][buffer]") {
  // An empty string_view's data() is null, and memcpy(dst, nullptr, 0) is undefined: under
  // -fsanitize=undefined it aborts.
  Buffer buf;
  buf.append(std::string_view());
  buf.append(nullptr, 0);
  buf.prepend(nullptr, 0);
  CHECK(buf.readableBytes() == 0);
  CHECK(buf.internalCapacity() == 0);  // nothing written, nothing allocated
  buf.append("abc", 3);
  buf.append(std::string_view());
  buf.prepend(nullptr, 0);
  CHECK(buf.retrieveAllAsString() == "abc");
}
