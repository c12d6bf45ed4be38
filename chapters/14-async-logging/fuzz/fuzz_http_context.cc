// libFuzzer target for the request parser. For every input it checks the property the chapter
// relies on: HttpContext gives the same answer however TCP cuts the bytes. The input is parsed
// as a stream of pipelined requests twice, once appended whole and once in two pieces split at
// a position taken from the input, and everything observable must match; abort() otherwise.
//
// The input is bytes with an explicit size: NUL bytes are part of it (never strlen).
//
//   byte 0     options: bit 0 picks small limits, so that every limit is reachable
//   bytes 1-2  where to split the rest
//   the rest   the bytes a client sent

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mymuduo/http/HttpContext.h"
#include "mymuduo/net/Buffer.h"

using mymuduo::Timestamp;
using mymuduo::http::HttpContext;
using mymuduo::http::HttpRequest;
using mymuduo::net::Buffer;

namespace {

// What one parseRequest() outcome showed: a complete request, the error, or where it stopped.
struct Record {
  int state;
  int status;
  std::string reason;
  int method;
  int version;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // every field line, in order
  std::string body;
  bool expectContinue;
  size_t consumed;  // bytes taken from the stream when this was recorded

  bool operator==(const Record& o) const {
    return state == o.state && status == o.status && reason == o.reason && method == o.method &&
           version == o.version && path == o.path && query == o.query && headers == o.headers &&
           body == o.body && expectContinue == o.expectContinue && consumed == o.consumed;
  }
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_http_context: %s\n", what);
    std::abort();
  }
}

std::vector<std::pair<std::string, std::string>> fieldLines(const HttpRequest& r) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [name, value] : r.headers()) lines.emplace_back(name, value);
  return lines;
}

Record record(HttpContext& ctx, size_t consumed, bool expectContinue) {
  const HttpRequest& r = ctx.request();
  return Record{ctx.state(), ctx.errorStatus(), ctx.errorReason(), r.method(),
                r.version(), r.path(),          r.query(),         fieldLines(r),
                r.body(),    expectContinue,    consumed};
}

// Invariants of every result, whatever the input.
void checkRecord(const Record& rec, const HttpContext::Limits& limits) {
  if (rec.state == HttpContext::kError) {
    const int s = rec.status;
    check(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505,
          "an error status outside the spec");
    check(!rec.reason.empty(), "an error without a reason");
  } else if (rec.state == HttpContext::kGotAll) {
    check(rec.path == "*" || (!rec.path.empty() && rec.path[0] == '/'), "a path not '/' or '*'");
    check(rec.method != HttpRequest::kInvalid, "a complete request without method");
    check(rec.version != HttpRequest::kUnknown, "a complete request without version");
    check(rec.body.size() <= limits.maxBodyBytes, "a body over the limit");
    check(rec.headers.size() <= limits.maxHeaderLines, "more fields than lines allowed");
  }
}

// Appends the pieces in turn, parsing after each as a server does after each read, and records
// every complete request (then reset()), the error that ends the stream, or the state it
// stops in.
std::vector<Record> run(const std::vector<std::string_view>& pieces,
                        const HttpContext::Limits& limits) {
  HttpContext ctx(limits);
  Buffer buf;
  std::vector<Record> out;
  size_t appended = 0;
  bool expectContinue = false;
  for (std::string_view piece : pieces) {
    buf.append(piece);
    appended += piece.size();
    while (true) {
      const bool ok = ctx.parseRequest(&buf, Timestamp(1));
      // The 100-continue signal may show at any call after the headers; remember it.
      expectContinue = ctx.takeExpectContinue() || expectContinue;
      check(ok == (ctx.state() != HttpContext::kError), "parseRequest's result and state disagree");
      if (!ok) {
        out.push_back(record(ctx, appended - buf.readableBytes(), expectContinue));
        return out;
      }
      if (!ctx.gotAll()) break;
      out.push_back(record(ctx, appended - buf.readableBytes(), expectContinue));
      ctx.reset();
      expectContinue = false;
    }
  }
  out.push_back(record(ctx, appended - buf.readableBytes(), expectContinue));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  HttpContext::Limits limits;
  if (data[0] & 1) {
    limits.maxRequestLine = 40;
    limits.maxHeaderBytes = 120;
    limits.maxHeaderLines = 4;
    limits.maxBodyBytes = 16;
  }
  const size_t splitSeed = static_cast<size_t>(data[1]) << 8 | data[2];
  const std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);
  const size_t at = input.empty() ? 0 : splitSeed % (input.size() + 1);

  const std::vector<Record> whole = run({input}, limits);
  const std::vector<Record> split = run({input.substr(0, at), input.substr(at)}, limits);
  check(whole == split, "whole and split input parsed differently");
  for (const Record& rec : whole) checkRecord(rec, limits);
  // Nothing is consumed twice or invented: the last record is at most the whole input.
  check(whole.back().consumed <= input.size(), "consumed more than was sent");
  return 0;
}
