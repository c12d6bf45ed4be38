// Hidden tests of chapter 06's exercise "A length-prefixed decoder" (see the chapter README).
// Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/06/ch06_tests "[ex06]"
// They compile without the exercise done and fail with a message until Buffer has
// appendInt32(), peekInt32() and readInt32().
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mymuduo/net/Buffer.h"

namespace {

/// Whether B has the three members, found at compile time so that this file builds with and
/// without them.
template <typename B, typename = void>
struct HasInt32 : std::false_type {};
template <typename B>
struct HasInt32<B, std::void_t<decltype(std::declval<B&>().appendInt32(int32_t{0})),
                               decltype(std::declval<const B&>().peekInt32()),
                               decltype(std::declval<B&>().readInt32())>> : std::true_type {};

/// The decoder of the exercise, written with the new members: every whole message out, a
/// partial one left in the buffer.
template <typename B>
std::vector<std::string> decode(B* buf) {
  std::vector<std::string> out;
  while (buf->readableBytes() >= 4) {
    int32_t len = buf->peekInt32();
    if (len < 0 || buf->readableBytes() < 4 + static_cast<size_t>(len)) break;
    buf->readInt32();
    out.push_back(buf->retrieveAsString(static_cast<size_t>(len)));
  }
  return out;
}

// A template, so the branch not taken is never instantiated.
template <typename B>
void checkInt32() {
  if constexpr (HasInt32<B>::value) {
    SECTION("network byte order on the wire, host order in the program") {
      B buf;
      buf.appendInt32(0x01020304);
      buf.appendInt32(-2);
      REQUIRE(buf.readableBytes() == 8);
      CHECK(std::string(buf.peek(), 8) == std::string("\x01\x02\x03\x04\xff\xff\xff\xfe", 8));
      CHECK(buf.peekInt32() == 0x01020304);
      CHECK(buf.readableBytes() == 8);  // peek takes nothing
      CHECK(buf.readInt32() == 0x01020304);
      CHECK(buf.readableBytes() == 4);
      CHECK(buf.readInt32() == -2);
      CHECK(buf.readableBytes() == 0);
    }
    SECTION("bytes above 0x7f do not sign-extend into their neighbours") {
      B buf;
      buf.append(std::string("\x00\x00\x01\x2c", 4));  // 300
      buf.append(std::string("\x7f\xff\xff\xff", 4));
      buf.append(std::string("\x80\x00\x00\x00", 4));
      CHECK(buf.readInt32() == 300);
      CHECK(buf.readInt32() == INT32_MAX);
      CHECK(buf.readInt32() == INT32_MIN);
    }
    std::string big(300, '\xab');
    big[7] = '\0';
    std::vector<std::string> bodies = {"hello", "", big, "x"};
    std::string wire;
    {
      B framer;
      for (const auto& b : bodies) {
        framer.appendInt32(static_cast<int32_t>(b.size()));
        framer.append(b);
      }
      wire = framer.retrieveAllAsString();
    }
    SECTION("a decoder on top: one byte at a time, each message once it is whole") {
      B buf;
      std::vector<std::string> got;
      for (char c : wire) {
        buf.append(&c, 1);
        size_t before = got.size();
        for (auto& m : decode(&buf)) got.push_back(std::move(m));
        CHECK(got.size() - before <= 1);
      }
      CHECK(got == bodies);
      CHECK(buf.readableBytes() == 0);
    }
    SECTION("a decoder on top: three and a half messages in one append") {
      B buf;
      size_t half = wire.size() - 3;  // of "x" only two bytes of its length
      buf.append(wire.substr(0, half));
      CHECK(decode(&buf) == std::vector<std::string>{"hello", "", big});
      CHECK(buf.readableBytes() == 2);
      buf.append(wire.substr(half));
      CHECK(decode(&buf) == std::vector<std::string>{"x"});
      CHECK(buf.readableBytes() == 0);
    }
  } else {
    FAIL(
        "Buffer::appendInt32/peekInt32/readInt32 are missing: do the exercise \"A "
        "length-prefixed decoder\" of chapter 06");
  }
}

}  // namespace

TEST_CASE("exercise 06: Buffer reads and writes 32-bit integers in network byte order",
          "[.exercise][ex06]") {
  checkInt32<mymuduo::net::Buffer>();
}
