// Hidden tests of chapter 11's exercise "Chunked request bodies" (see the chapter README).
// Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/11/ch11_tests "[ex11]"
// They build on the shipped code and fail there: HttpContext answers every request with
// "Transfer-Encoding: chunked" with 501 until the exercise is done. Done, the chunks are decoded
// into request().body(), whatever the split of the bytes, and the limits still hold.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "mymuduo/http/HttpContext.h"
#include "mymuduo/net/Buffer.h"

using mymuduo::Timestamp;
using mymuduo::http::HttpContext;
using mymuduo::http::HttpRequest;
using mymuduo::net::Buffer;
using namespace std::string_literals;  // "a\0b"s keeps its NUL

namespace {

const std::string kHead = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

/// What one parse of a stream showed: a complete request (its path and body), an error, or
/// where the parser stopped; and how many bytes of the stream it had taken by then.
struct Seen {
  std::string what;
  size_t consumed = 0;
  bool operator==(const Seen& o) const { return what == o.what && consumed == o.consumed; }
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << s.what << " @" << s.consumed;
}

/// Appends the pieces in turn, parsing after each as the server does after each read; records
/// every complete request (then reset()) and the error that ends the stream, or the state the
/// parser is left in when the bytes run out in the middle of a request.
std::vector<Seen> feedChunked(const std::vector<std::string>& pieces,
                              const HttpContext::Limits& limits = HttpContext::Limits()) {
  HttpContext ctx(limits);
  Buffer buf;
  std::vector<Seen> out;
  size_t appended = 0;
  for (const std::string& piece : pieces) {
    buf.append(piece);
    appended += piece.size();
    while (true) {
      if (!ctx.parseRequest(&buf, Timestamp(1))) {
        out.push_back(
            {"error " + std::to_string(ctx.errorStatus()), appended - buf.readableBytes()});
        return out;
      }
      if (!ctx.gotAll()) break;
      out.push_back({"complete " + ctx.request().path() + " body=[" + ctx.request().body() + "]",
                     appended - buf.readableBytes()});
      ctx.reset();
    }
  }
  if (ctx.state() != HttpContext::kExpectRequestLine || buf.readableBytes() != 0) {
    out.push_back({"unfinished", appended - buf.readableBytes()});
  }
  return out;
}

std::vector<Seen> whole(const std::string& bytes,
                        const HttpContext::Limits& limits = HttpContext::Limits()) {
  return feedChunked({bytes}, limits);
}

std::vector<std::string> oneByteEach(const std::string& s) {
  std::vector<std::string> v;
  for (char c : s) v.emplace_back(1, c);
  return v;
}

/// The body of the single complete request `bytes` holds; fails the test otherwise.
std::string bodyOf(const std::string& bytes) {
  HttpContext ctx;
  Buffer buf;
  buf.append(bytes);
  const bool ok = ctx.parseRequest(&buf, Timestamp(1));
  INFO("error " << ctx.errorStatus() << ": " << ctx.errorReason());
  REQUIRE(ok);
  REQUIRE(ctx.gotAll());
  CHECK(buf.readableBytes() == 0);  // exactly the request, the last chunk and trailer included
  CHECK(ctx.request().method() == HttpRequest::kPost);
  return ctx.request().body();
}

bool failsWithOneOf(const std::vector<Seen>& seen, std::initializer_list<int> statuses) {
  if (seen.size() != 1) return false;
  for (int s : statuses) {
    if (seen[0].what == "error " + std::to_string(s)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("exercise 11: a chunked request body is decoded into body()", "[.exercise][ex11]") {
  SECTION("two chunks and the last chunk") {
    CHECK(bodyOf(kHead + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == "hello world");
  }
  SECTION("the size is hexadecimal, either case, leading zeros allowed") {
    CHECK(bodyOf(kHead + "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0000\r\n\r\n") ==
          "0123456789abcdefghijk");
    CHECK(bodyOf(kHead + "010\r\n" + std::string(16, 'z') + "\r\n0\r\n\r\n") ==
          std::string(16, 'z'));
  }
  SECTION("chunk data is bytes counted by the size, CR LF and NUL included") {
    CHECK(bodyOf(kHead + "6\r\na\r\n\0\nb\r\n0\r\n\r\n"s) == "a\r\n\0\nb"s);
  }
  SECTION("chunk extensions are skipped") {
    CHECK(bodyOf(kHead + "5;name=value\r\nhello\r\n3;flag\r\nabc\r\n0;last=\"yes\"\r\n\r\n") ==
          "helloabc");
  }
  SECTION("a trailer section after the last chunk is consumed") {
    CHECK(bodyOf(kHead + "4\r\nbody\r\n0\r\nX-Checksum: 1234\r\nX-Other: a\r\n\r\n") == "body");
  }
  SECTION("no data at all: only the last chunk") { CHECK(bodyOf(kHead + "0\r\n\r\n").empty()); }
  SECTION("the transfer coding's name is case-insensitive") {
    CHECK(bodyOf("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n"
                 "\r\n") == "ok");
  }
}

TEST_CASE("exercise 11: a chunked request parses the same at every split", "[.exercise][ex11]") {
  // Extension, trailer, and a pipelined request behind it that must stay the next request.
  const std::string chunked = kHead + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-T: v\r\n\r\n";
  const std::string next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string stream = chunked + next;
  const std::vector<Seen> expected = {{"complete /up body=[hello, world]", chunked.size()},
                                      {"complete /next body=[]", stream.size()}};
  REQUIRE(whole(stream) == expected);
  for (size_t at = 1; at < stream.size(); ++at) {
    INFO("split at " << at);
    CHECK(feedChunked({stream.substr(0, at), stream.substr(at)}) == expected);
  }
  CHECK(feedChunked(oneByteEach(stream)) == expected);
  // Cut short anywhere inside the chunked body, the request is not complete yet.
  for (size_t len = kHead.size(); len < chunked.size(); ++len) {
    INFO("first " << len << " bytes");
    const std::vector<Seen> seen = whole(stream.substr(0, len));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].what == "unfinished");
  }
}

TEST_CASE("exercise 11: chunks over maxBodyBytes together are 413", "[.exercise][ex11]") {
  HttpContext::Limits limits;
  limits.maxBodyBytes = 8;
  // 5 + 3 bytes: exactly the limit.
  CHECK(whole(kHead + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", limits) ==
        std::vector<Seen>{
            {"complete /up body=[helloabc]",
             kHead.size() + std::string("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n").size()}});
  // 5 + 4 bytes: each chunk fits, the two together do not.
  const std::string over = kHead + "5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n";
  CHECK(failsWithOneOf(whole(over, limits), {413}));
  CHECK(failsWithOneOf(feedChunked(oneByteEach(over), limits), {413}));
  // The default limit, 1 MiB: one chunk of 1 MiB + 1 bytes (0x100001).
  CHECK(failsWithOneOf(whole(kHead + "100001\r\n" + std::string(1048577, 'b') + "\r\n0\r\n\r\n"),
                       {413}));
  // A size that overflows size_t must not wrap round to a small number (here: 5).
  const std::vector<Seen> wrapped = whole(kHead + "10000000000000005\r\nhello\r\n0\r\n\r\n");
  INFO(wrapped.at(0));
  CHECK(failsWithOneOf(wrapped, {400, 413}));
}

TEST_CASE("exercise 11: a malformed chunked body is 400 and a chunk line stays bounded",
          "[.exercise][ex11]") {
  SECTION("a size that is not hexadecimal") {
    CHECK(failsWithOneOf(whole(kHead + "zz\r\nhello\r\n0\r\n\r\n"), {400}));
    CHECK(failsWithOneOf(whole(kHead + "-5\r\nhello\r\n0\r\n\r\n"), {400}));
  }
  SECTION("an empty size line") { CHECK(failsWithOneOf(whole(kHead + "\r\n0\r\n\r\n"), {400})); }
  SECTION("data not followed by CR LF") {
    CHECK(failsWithOneOf(whole(kHead + "5\r\nhelloXY0\r\n\r\n"), {400}));
    CHECK(failsWithOneOf(feedChunked(oneByteEach(kHead + "5\r\nhello\nX")), {400}));
    CHECK(failsWithOneOf(feedChunked(oneByteEach(kHead + "5\r\nhello\rX")), {400}));
  }
  SECTION("a bare LF ends a size line") {
    CHECK(failsWithOneOf(whole(kHead + "5\nhello\r\n0\r\n\r\n"), {400}));
  }
  SECTION("a size line that never ends is refused, not buffered") {
    const std::vector<Seen> seen = whole(kHead + "5;" + std::string(100000, 'e'));
    INFO(seen.at(0));
    CHECK(failsWithOneOf(seen, {400, 413, 431}));
  }
  SECTION("a trailer line that never ends is refused, not buffered") {
    const std::vector<Seen> seen = whole(kHead + "0\r\nX-T: " + std::string(100000, 'v'));
    INFO(seen.at(0));
    CHECK(failsWithOneOf(seen, {400, 431}));
  }
  SECTION("Content-Length with chunked is still 400, chunked alone is not") {
    CHECK(failsWithOneOf(
        whole(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            "0\r\n\r\n"),
        {400}));
    CHECK(whole(kHead + "0\r\n\r\n") ==
          std::vector<Seen>{{"complete /up body=[]", kHead.size() + 5}});
  }
}
