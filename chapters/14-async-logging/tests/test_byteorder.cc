// Buffer's integers in network byte order: appendInt32(), peekInt32(), readInt32(),
// retrieveInt32() and prependInt32(), checked byte by byte.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

#include "mymuduo/net/Buffer.h"

using mymuduo::net::Buffer;

namespace {

// hex() and header() of test_codec.cc, under names of their own: the test files of one chapter
// may share a unity build.

/// The bytes as hex pairs, "00 00 00 01".
std::string hexPairs(const char* data, size_t len) {
  std::string out;
  char pair[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", static_cast<unsigned char>(data[i]));
    if (i > 0) out += ' ';
    out += pair;
  }
  return out;
}
std::string hexPairs(const Buffer& buf) { return hexPairs(buf.peek(), buf.readableBytes()); }

/// A 4-byte big-endian header built by hand, not by the code under test.
std::string bigEndian32(uint32_t len) {
  return {static_cast<char>(len >> 24), static_cast<char>(len >> 16), static_cast<char>(len >> 8),
          static_cast<char>(len)};
}

}  // namespace

TEST_CASE("Buffer int32 helpers write and read network byte order", "[ch10][s1][codec]") {
  Buffer buf;
  buf.appendInt32(1);
  CHECK(hexPairs(buf) == "00 00 00 01");  // most significant byte first, on any host
  buf.appendInt32(0x01020304);
  buf.appendInt32(-2);
  buf.appendInt32(INT32_MIN);
  CHECK(hexPairs(buf) == "00 00 00 01 01 02 03 04 ff ff ff fe 80 00 00 00");

  CHECK(buf.peekInt32() == 1);
  CHECK(buf.readableBytes() == 16);  // peeking takes nothing
  CHECK(buf.readInt32() == 1);
  CHECK(buf.readInt32() == 0x01020304);
  CHECK(buf.peekInt32() == -2);
  buf.retrieveInt32();
  CHECK(buf.readInt32() == INT32_MIN);
  CHECK(buf.readableBytes() == 0);

  // Bytes from the wire, at an odd address: peekInt32() must not read through an int32_t*.
  Buffer wire;
  wire.append("x" + bigEndian32(0x7fffffff) + bigEndian32(0xffffffff));
  wire.retrieve(1);
  CHECK(reinterpret_cast<uintptr_t>(wire.peek()) % alignof(int32_t) != 0);
  CHECK(wire.readInt32() == 0x7fffffff);
  CHECK(wire.readInt32() == -1);
}

TEST_CASE("Buffer prependInt32 puts a length in front of appended bytes without moving them",
          "[ch10][s1][codec]") {
  Buffer buf;
  buf.append("hello");
  const char* body = buf.peek();
  const size_t capacity = buf.internalCapacity();
  buf.prependInt32(5);
  CHECK(hexPairs(buf) == "00 00 00 05 68 65 6c 6c 6f");
  CHECK(buf.peek() + 4 == body);  // the header went into the free space in front
  CHECK(buf.internalCapacity() == capacity);
  CHECK(buf.prependableBytes() == Buffer::kCheapPrepend - 4);
  CHECK(buf.readInt32() == 5);
  CHECK(buf.retrieveAllAsString() == "hello");

  Buffer fresh;  // no vector yet: prepend allocates first
  fresh.prependInt32(0);
  CHECK(hexPairs(fresh) == "00 00 00 00");
}
