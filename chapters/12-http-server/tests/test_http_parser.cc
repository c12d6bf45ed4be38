// The request parser, HttpContext, against a table of requests. Every row is fed whole, split
// in two at every byte offset, one byte at a time, and three times in a row (pipelined): a
// parser that depends on how TCP happened to cut the bytes fails here.

#include <strings.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
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
using namespace std::string_literals;  // "a\0b"s keeps its NUL

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Row {
  // A constructor rather than an aggregate, so that invalid rows can leave out the fields.
  Row(const char* why_, std::string input_, int status_,
      HttpRequest::Method method_ = HttpRequest::kInvalid,
      HttpRequest::Version version_ = HttpRequest::kUnknown, std::string path_ = "",
      std::string query_ = "", std::string body_ = "", HeaderList headers_ = {})
      : why(why_),
        input(std::move(input_)),
        status(status_),
        method(method_),
        version(version_),
        path(std::move(path_)),
        query(std::move(query_)),
        body(std::move(body_)),
        headers(std::move(headers_)) {}

  const char* why;    // the rule this row checks (RFC 9112 / RFC 9110 section), or the reason
  std::string input;  // exactly one request
  int status;         // 0: valid, parsed to the fields below; else the error status expected
  HttpRequest::Method method;
  HttpRequest::Version version;
  std::string path;
  std::string query;
  std::string body;
  HeaderList headers;  // all of them
};

const auto kGet = HttpRequest::kGet;
const auto k11 = HttpRequest::kHttp11;
const auto k10 = HttpRequest::kHttp10;

// clang-format off
const std::vector<Row> kRows = {
  // ---- valid requests
  {"RFC 9112 §3: the smallest HTTP/1.1 request",
   "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9112 §3.2.1: origin-form, the query follows the first '?'",
   "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/a/b", "x=1&y=2", "", {{"Host", "x"}}},
  {"RFC 3986 §3.4: a later '?' belongs to the query",
   "GET /s?a?b HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/s", "a?b", "", {{"Host", "x"}}},
  {"RFC 3986 §3.4: an empty query",
   "GET /p? HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/p", "", "", {{"Host", "x"}}},
  {"RFC 3986 §2.1: percent-escapes are kept for the handler to decode",
   "GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/a%20b", "", "", {{"Host", "x"}}},
  {"RFC 9110 §9.3.2: HEAD",
   "HEAD /i HTTP/1.1\r\nHost: x\r\n\r\n", 0, HttpRequest::kHead, k11, "/i", "", "", {{"Host", "x"}}},
  {"RFC 9112 §6.2: Content-Length gives the body's length",
   "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 0, HttpRequest::kPost, k11, "/f", "", "hello",
   {{"Host", "x"}, {"Content-Length", "5"}}},
  {"RFC 9112 §6.2: the body is bytes: CRLF and NUL inside it are data",
   "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\na\r\n\0\nb"s, 0, HttpRequest::kPut, k11, "/b", "", "a\r\n\0\nb"s,
   {{"Host", "x"}, {"Content-Length", "6"}}},
  {"RFC 9110 §8.6: Content-Length 0 means no body",
   "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 0, HttpRequest::kPut, k11, "/e", "", "",
   {{"Host", "x"}, {"Content-Length", "0"}}},
  {"RFC 9110 §8.6: Content-Length is 1*DIGIT, leading zeros allowed",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 003\r\n\r\nabc", 0, HttpRequest::kPost, k11, "/", "", "abc",
   {{"Host", "x"}, {"Content-Length", "003"}}},
  {"RFC 9110 §9.3.5: DELETE",
   "DELETE /d HTTP/1.1\r\nHost: x\r\n\r\n", 0, HttpRequest::kDelete, k11, "/d", "", "", {{"Host", "x"}}},
  {"RFC 9112 §3.2.4: asterisk-form with OPTIONS",
   "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 0, HttpRequest::kOptions, k11, "*", "", "", {{"Host", "x"}}},
  {"RFC 9110 §9.3.8: TRACE",
   "TRACE /t HTTP/1.1\r\nHost: x\r\n\r\n", 0, HttpRequest::kTrace, k11, "/t", "", "", {{"Host", "x"}}},
  {"RFC 5789: PATCH with a body",
   "PATCH /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 0, HttpRequest::kPatch, k11, "/p", "", "{}",
   {{"Host", "x"}, {"Content-Length", "2"}}},
  {"RFC 9112 §3.2: HTTP/1.0 needs no Host",
   "GET /old HTTP/1.0\r\n\r\n", 0, kGet, k10, "/old", "", "", {}},
  {"RFC 9112 §3.2: HTTP/1.0 may send one Host",
   "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 0, kGet, k10, "/", "", "", {{"Host", "x"}}},
  {"RFC 9112 §3.2.2: absolute-form, path and query taken from it",
   "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n", 0, kGet, k11, "/x", "y", "",
   {{"Host", "example.com"}}},
  {"RFC 9112 §3.3: absolute-form with an empty path means '/'",
   "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", 0, kGet, k11, "/", "", "",
   {{"Host", "example.com"}}},
  {"RFC 3986 §3.1: the scheme is case-insensitive, and a query may follow the authority",
   "GET HTTP://h:8080?q=1 HTTP/1.1\r\nHost: h:8080\r\n\r\n", 0, kGet, k11, "/", "q=1", "", {{"Host", "h:8080"}}},
  {"RFC 9112 §2.2: an empty line before the request line is ignored",
   "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9112 §2.2: a few empty lines before the request line are ignored",
   "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9112 §5.1: OWS around the value is not part of it",
   "GET / HTTP/1.1\r\nHost: \t x \t \r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9112 §5.1: OWS is optional",
   "GET / HTTP/1.1\r\nHost:x\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9110 §5.5: an empty value",
   "GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}, {"X-Empty", ""}}},
  {"RFC 9110 §5.5: HTAB and SP inside a value stay",
   "GET / HTTP/1.1\r\nHost: x\r\nX-T: a\t b\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}, {"X-T", "a\t b"}}},
  {"RFC 9110 §5.5: obs-text (bytes >= 0x80) is allowed in a value",
   "GET / HTTP/1.1\r\nHost: x\r\nX-U: caf\xc3\xa9\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}, {"X-U", "caf\xc3\xa9"}}},
  {"RFC 9110 §5.5: a ':' inside the value is data",
   "GET / HTTP/1.1\r\nHost: x:80\r\nX-C: a:b\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x:80"}, {"X-C", "a:b"}}},
  {"RFC 9110 §5.3: a repeated field is combined with ', ' in order",
   "GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\nAccept: b\r\n\r\n", 0, kGet, k11, "/", "", "",
   {{"Host", "x"}, {"Accept", "a, b"}}},
  {"RFC 9110 §5.1: names are case-insensitive, so these two are one repeated field",
   "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}, {"X-A", "1, 2"}}},
  {"RFC 9110 §5.1: Host is matched whatever its case",
   "GET / HTTP/1.1\r\nhOsT: x\r\n\r\n", 0, kGet, k11, "/", "", "", {{"Host", "x"}}},
  {"RFC 9110 §5.6.2: every tchar may be in a field name",
   "GET / HTTP/1.1\r\nHost: x\r\nX-a_1!#$%&'*+.^`|~: v\r\n\r\n", 0, kGet, k11, "/", "", "",
   {{"Host", "x"}, {"X-a_1!#$%&'*+.^`|~", "v"}}},
  {"RFC 9110 §10.1.1: Expect: 100-continue with a body still parses",
   "POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz", 0, HttpRequest::kPost, k11,
   "/u", "", "z", {{"Host", "x"}, {"Expect", "100-continue"}, {"Content-Length", "1"}}},
  {"RFC 9110 §7.6.1: Connection is a field like any other to the parser",
   "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0, kGet, k11, "/", "", "",
   {{"Host", "x"}, {"Connection", "close"}}},
  {"RFC 9110 §8.6: a GET may carry a Content-Length body, which must be read to stay in sync",
   "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok", 0, kGet, k11, "/", "", "ok",
   {{"Host", "x"}, {"Content-Length", "2"}}},

  // ---- line ends (RFC 9112 §2.2: we require CRLF)
  {"RFC 9112 §2.2: a bare LF ends the request line; we refuse it", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §2.2: a bare LF ends a header line; we refuse it", "GET / HTTP/1.1\r\nHost: x\n\r\n", 400},
  {"RFC 9112 §2.2: a bare LF as the final empty line", "GET / HTTP/1.1\r\nHost: x\r\n\n", 400},
  {"RFC 9112 §2.2: a bare CR in the request line is invalid", "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §2.2: a CR not followed by LF in a header", "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400},
  {"RFC 9112 §2.2: a bare LF among the leading empty lines", "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},

  // ---- request line (RFC 9112 §3)
  {"RFC 9112 §3: two SP between method and target", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3: HTAB is not the separator (and not a tchar)", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3: a SP after the version", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3: no version (HTTP/0.9 style)", "GET /\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3: a SP before the method", " GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3: a target with a SP in it splits into too many parts", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9110 §9.1: methods are case-sensitive: 'get' is an unknown method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
  {"RFC 9110 §9.1: an unknown method that is a token", "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501},
  {"RFC 9110 §9.1: a method must be a token ('@' is not a tchar)", "GE@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §2.3: HTTP/2.0 is well-formed but not ours", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
  {"RFC 9112 §2.3: HTTP/1.2 is well-formed but not ours", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505},
  {"RFC 9112 §2.3: HTTP/0.9 written as a version", "GET / HTTP/0.9\r\n\r\n", 505},
  {"RFC 9112 §2.3: the version is checked before the method (505 over 501)", "BREW / HTTP/3.0\r\n\r\n", 505},
  {"RFC 9112 §2.3: HTTP-name is case-sensitive", "GET / http/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §2.3: one digit each side of the dot", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §2.3: a version without minor number", "GET / HTTP/1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2: a relative target is no request-target form", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2.4: '*' only with OPTIONS", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"absolute-form of another scheme than http is not served", "GET https://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2.3: authority-form (CONNECT) is not served", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 400},
  {"RFC 9112 §3.2.2: absolute-form needs a host", "GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2.2: 'http://' alone is no absolute-form", "GET http:// HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 3986 §2: a control byte in the target", "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 3986 §2: DEL in the target", "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 3986 §2: a NUL in the target", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"s, 400},
  {"RFC 3986 §2: a raw non-ASCII byte in the target (clients percent-encode it)",
   "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2.1: a fragment is never part of the target", "GET /a#f HTTP/1.1\r\nHost: x\r\n\r\n", 400},

  // ---- header fields (RFC 9112 §5, RFC 9110 §5)
  {"RFC 9112 §3.2: an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\n\r\n", 400},
  {"RFC 9112 §3.2: two Host fields", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
  {"RFC 9112 §3.2: two Host fields, names differing in case", "GET / HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n", 400},
  {"RFC 9112 §3.2: two Host fields in HTTP/1.0 too", "GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", 400},
  {"RFC 9112 §5.1: SP between field name and colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
  {"RFC 9112 §5.1: HTAB between field name and colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400},
  {"RFC 9112 §5.2: obs-fold (a line starting with SP)", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400},
  {"RFC 9112 §5.2: obs-fold (a line starting with HTAB)", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n", 400},
  {"RFC 9112 §5.2: obs-fold right after the request line", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
  {"RFC 9112 §5: a header line without ':'", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400},
  {"RFC 9110 §5.1: an empty field name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400},
  {"RFC 9110 §5.6.2: '(' is not a tchar", "GET / HTTP/1.1\r\nHost: x\r\nX(y): 1\r\n\r\n", 400},
  {"RFC 9110 §5.6.2: a NUL in a field name", "GET / HTTP/1.1\r\nHost: x\r\nX\0Y: 1\r\n\r\n"s, 400},
  {"RFC 9110 §5.5: a NUL in a value MUST be rejected", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"s, 400},
  {"RFC 9110 §5.5: DEL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f\r\n\r\n", 400},
  {"RFC 9110 §5.5: a control byte (not HTAB) in a value", "GET / HTTP/1.1\r\nHost: x\x01\r\n\r\n", 400},

  // ---- message body framing (RFC 9112 §6)
  {"RFC 9110 §8.6: Content-Length must be digits", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
  {"RFC 9110 §8.6: no sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
  {"RFC 9110 §8.6: no '+' either", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\nz", 400},
  {"RFC 9110 §8.6: an empty Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400},
  {"RFC 9112 §6.3: a list of lengths, even equal ones",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\nz", 400},
  {"RFC 9112 §6.3: two Content-Length fields, even equal ones",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz", 400},
  {"RFC 9110 §8.6: a length that overflows",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
  {"RFC 9110 §15.5.14: a body over 1 MiB, refused before any body byte",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n", 413},
  {"RFC 9110 §15.5.14: 413 only after the headers: a later bad header is still 400",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nBad Name: 1\r\n\r\n", 400},
  {"RFC 9112 §6.1: Content-Length with Transfer-Encoding (request smuggling)",
   "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
  {"RFC 9112 §6.1: Transfer-Encoding before Content-Length is the same",
   "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400},
  {"RFC 9112 §6.1: chunked is not implemented here",
   "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
  {"RFC 9112 §6.1: an unknown transfer coding",
   "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
};
// clang-format on

std::string stateName(HttpContext::ParseState s) {
  switch (s) {
    case HttpContext::kExpectRequestLine:
      return "request-line";
    case HttpContext::kExpectHeaders:
      return "headers";
    case HttpContext::kExpectBody:
      return "body";
    case HttpContext::kGotAll:
      return "complete";
    case HttpContext::kError:
      return "error";
  }
  return "?";
}

// Everything observable about the context's result, as one comparable string.
std::string describe(const HttpContext& ctx) {
  std::ostringstream os;
  os << stateName(ctx.state());
  if (ctx.state() == HttpContext::kError) {
    os << ' ' << ctx.errorStatus() << " (" << ctx.errorReason() << ')';
  } else if (ctx.gotAll()) {
    const HttpRequest& r = ctx.request();
    os << ' ' << r.methodString() << " v" << r.version() << " path=[" << r.path() << "] query=["
       << r.query() << "] body=[" << r.body() << "]";
    for (const auto& h : r.headers()) os << " {" << h.first << ": " << h.second << '}';
  }
  return os.str();
}

struct Outcome {
  std::string what;
  size_t consumed;  // bytes of the stream taken out of the Buffer when it was recorded
  bool operator==(const Outcome& o) const { return what == o.what && consumed == o.consumed; }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.what << " @" << o.consumed;
}

// Appends the pieces one after the other, parsing after each, as a server does after each
// read. Records every complete request (then reset(), as the server does) and the error that
// stops the stream; an unfinished request at the end is recorded as its state.
std::vector<Outcome> feed(const std::vector<std::string>& pieces,
                          const HttpContext::Limits& limits = HttpContext::Limits()) {
  HttpContext ctx(limits);
  Buffer buf;
  std::vector<Outcome> out;
  size_t appended = 0;
  for (const std::string& piece : pieces) {
    buf.append(piece);
    appended += piece.size();
    while (true) {
      const bool ok = ctx.parseRequest(&buf, Timestamp(1));
      if (!ok) {
        out.push_back({describe(ctx), appended - buf.readableBytes()});
        return out;
      }
      if (!ctx.gotAll()) break;
      out.push_back({describe(ctx), appended - buf.readableBytes()});
      ctx.reset();
    }
  }
  if (ctx.state() != HttpContext::kExpectRequestLine || buf.readableBytes() != 0) {
    out.push_back({describe(ctx), appended - buf.readableBytes()});
  }
  return out;
}

std::vector<std::string> bytewise(const std::string& s) {
  std::vector<std::string> v;
  for (char c : s) v.emplace_back(1, c);
  return v;
}

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

}  // namespace

TEST_CASE("HttpContext table has enough valid and invalid rows", "[ch11][s2][http]") {
  size_t valid = 0;
  for (const Row& row : kRows) valid += row.status == 0 ? 1 : 0;
  CHECK(kRows.size() >= 60);
  CHECK(valid >= 20);
  CHECK(kRows.size() - valid >= 40);
}

TEST_CASE("HttpContext parses each table row whole to the expected fields or status",
          "[ch11][s2][http]") {
  for (size_t i = 0; i < kRows.size(); ++i) {
    const Row& row = kRows[i];
    INFO("row " << i << ": " << row.why);
    HttpContext ctx;
    Buffer buf;
    buf.append(row.input);
    const bool ok = ctx.parseRequest(&buf, Timestamp(42));
    if (row.status != 0) {
      CHECK_FALSE(ok);
      CHECK(ctx.state() == HttpContext::kError);
      CHECK(ctx.errorStatus() == row.status);
      CHECK(std::string(ctx.errorReason()) != "");
      continue;
    }
    REQUIRE(ok);
    REQUIRE(ctx.gotAll());
    const HttpRequest& r = ctx.request();
    CHECK(r.method() == row.method);
    CHECK(r.version() == row.version);
    CHECK(r.path() == row.path);
    CHECK(r.query() == row.query);
    CHECK(r.body() == row.body);
    CHECK(r.receiveTime().microSecondsSinceEpoch() == 42);
    for (const HttpRequest::Header& field : r.headers()) {
      const std::string_view name = field.first;  // a lambda may not capture a binding in C++17
      INFO("field line " << name);
      CHECK(std::any_of(row.headers.begin(), row.headers.end(), [&](const auto& h) {
        return h.first.size() == name.size() &&
               ::strncasecmp(h.first.data(), name.data(), name.size()) == 0;
      }));
    }
    for (const auto& h : row.headers) {
      INFO("header " << h.first);
      CHECK(r.hasHeader(h.first));
      CHECK(r.getHeader(h.first) == h.second);
    }
    CHECK(buf.readableBytes() == 0);  // exactly the request, nothing more, was consumed
  }
}

TEST_CASE("HttpContext gives the same result for every split of every table row",
          "[ch11][s2][http]") {
  for (size_t i = 0; i < kRows.size(); ++i) {
    const Row& row = kRows[i];
    INFO("row " << i << ": " << row.why);
    const std::vector<Outcome> whole = feed({row.input});
    REQUIRE(whole.size() == 1);
    CHECK(whole[0].what.rfind(row.status == 0 ? "complete" : "error", 0) == 0);
    if (row.status == 0) CHECK(whole[0].consumed == row.input.size());
    for (size_t at = 1; at < row.input.size(); ++at) {
      INFO("split at " << at);
      CHECK(feed({row.input.substr(0, at), row.input.substr(at)}) == whole);
    }
    CHECK(feed(bytewise(row.input)) == whole);
  }
}

TEST_CASE("HttpContext parses each table row pipelined three times in a row", "[ch11][s2][http]") {
  for (size_t i = 0; i < kRows.size(); ++i) {
    const Row& row = kRows[i];
    INFO("row " << i << ": " << row.why);
    const Outcome one = feed({row.input}).at(0);
    const std::string three = repeat(row.input, 3);
    std::vector<Outcome> expected;
    if (row.status == 0) {
      // Each request parsed alike, each consuming exactly its own bytes.
      for (size_t k = 1; k <= 3; ++k) expected.push_back({one.what, k * row.input.size()});
    } else {
      expected.push_back(one);  // the first one fails, and nothing after it is looked at
    }
    CHECK(feed({three}) == expected);
    CHECK(feed(bytewise(three)) == expected);
    CHECK(feed({three.substr(0, row.input.size() + 1), three.substr(row.input.size() + 1)}) ==
          expected);
  }
}

TEST_CASE("HttpContext leaves the next request in the Buffer after one complete request",
          "[ch11][s2][http]") {
  Buffer buf;
  buf.append(std::string("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\n"));
  HttpContext ctx;
  REQUIRE(ctx.parseRequest(&buf, Timestamp(1)));
  REQUIRE(ctx.gotAll());
  CHECK(ctx.request().path() == "/1");
  CHECK(buf.readableBytes() == std::string("GET /2 HTTP/1.1\r\n").size());
  // Until reset() the context stays complete and takes nothing more.
  REQUIRE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(buf.readableBytes() == std::string("GET /2 HTTP/1.1\r\n").size());
  ctx.reset();
  REQUIRE(ctx.parseRequest(&buf, Timestamp(2)));
  CHECK_FALSE(ctx.gotAll());
  CHECK(ctx.state() == HttpContext::kExpectHeaders);
  CHECK(ctx.request().path() == "/2");
  CHECK(ctx.request().headers().empty());
}

TEST_CASE("HttpContext after an error stays failed and consumes nothing more", "[ch11][s2][http]") {
  Buffer buf;
  buf.append(std::string("GET / HTTP/9.9\r\nHost: x\r\n\r\n"));
  HttpContext ctx;
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.errorStatus() == 505);
  const size_t left = buf.readableBytes();
  buf.append(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(buf.readableBytes() == left + 27);
  CHECK(ctx.errorStatus() == 505);
}

// ---- the slave

namespace {
HttpContext::LineStatus readLineOf(const std::string& bytes, size_t maxLength,
                                   std::string* line = nullptr) {
  Buffer buf;
  buf.append(bytes);
  std::string_view view;
  const HttpContext::LineStatus st = HttpContext::readLine(buf, maxLength, &view);
  CHECK(buf.readableBytes() == bytes.size());  // never consumes
  if (line != nullptr && st == HttpContext::kLineOk) *line = std::string(view);
  return st;
}
}  // namespace

TEST_CASE("HttpContext::readLine finds one CRLF line without consuming it", "[ch11][s2][http]") {
  std::string line;
  CHECK(readLineOf("abc\r\ndef\r\n", 100, &line) == HttpContext::kLineOk);
  CHECK(line == "abc");
  CHECK(readLineOf("\r\nrest", 100, &line) == HttpContext::kLineOk);
  CHECK(line.empty());
  CHECK(readLineOf("a\0b\r\n"s, 100, &line) == HttpContext::kLineOk);
  CHECK(line == "a\0b"s);  // the slave cuts lines; what is in them is the master's business
}

TEST_CASE("HttpContext::readLine says open while a line can still end", "[ch11][s2][http]") {
  CHECK(readLineOf("", 10) == HttpContext::kLineOpen);
  CHECK(readLineOf("abc", 10) == HttpContext::kLineOpen);
  CHECK(readLineOf("abc\r", 10) == HttpContext::kLineOpen);  // the LF may be on its way
  CHECK(readLineOf("0123456789", 10) == HttpContext::kLineOpen);
  CHECK(readLineOf("0123456789\r", 10) == HttpContext::kLineOpen);
}

TEST_CASE("HttpContext::readLine rejects bare LF and bare CR and over-long lines",
          "[ch11][s2][http]") {
  CHECK(readLineOf("abc\n", 100) == HttpContext::kLineBad);
  CHECK(readLineOf("\n", 100) == HttpContext::kLineBad);
  CHECK(readLineOf("ab\rc\r\n", 100) == HttpContext::kLineBad);
  CHECK(readLineOf("ab\n\r\n", 100) == HttpContext::kLineBad);
  // maxLength bounds the line without its CRLF: 10 bytes fit, the 11th is too many, at once.
  std::string line;
  CHECK(readLineOf("0123456789\r\n", 10, &line) == HttpContext::kLineOk);
  CHECK(line == "0123456789");
  CHECK(readLineOf("0123456789a", 10) == HttpContext::kLineBad);
  CHECK(readLineOf("0123456789a\r\n", 10) == HttpContext::kLineBad);
  CHECK(readLineOf("\r\n", 0) == HttpContext::kLineOk);
  CHECK(readLineOf("x", 0) == HttpContext::kLineBad);
}

// ---- limits

namespace {
// Feeds `bytes` one piece at a time of `step` bytes and returns the first outcome.
Outcome first(const std::string& bytes, size_t step,
              const HttpContext::Limits& limits = HttpContext::Limits()) {
  std::vector<std::string> pieces;
  for (size_t at = 0; at < bytes.size(); at += step) pieces.push_back(bytes.substr(at, step));
  std::vector<Outcome> out = feed(pieces, limits);
  return out.empty() ? Outcome{"nothing", 0} : out[0];
}

bool isError(const Outcome& o, int status) {
  return o.what.rfind("error " + std::to_string(status), 0) == 0;
}
}  // namespace

TEST_CASE("HttpContext default limits are those of the spec", "[ch11][s2][http]") {
  const HttpContext::Limits limits;
  CHECK(limits.maxRequestLine == 8192);
  CHECK(limits.maxHeaderBytes == 65536);
  CHECK(limits.maxHeaderLines == 100);
  CHECK(limits.maxBodyBytes == 1048576);
}

TEST_CASE("HttpContext request line of 8 KiB passes and one byte more is 414", "[ch11][s2][http]") {
  const std::string head = "GET /";
  const std::string tail = " HTTP/1.1";
  const std::string fits = head + std::string(8192 - head.size() - tail.size(), 'a') + tail;
  REQUIRE(fits.size() == 8192);
  const std::string rest = "\r\nHost: x\r\n\r\n";
  CHECK(first(fits + rest, 4096).what.rfind("complete", 0) == 0);
  CHECK(isError(first("\r\n" + fits + rest, 4096), 414));  // empty lines count against it
  const std::string over = head + std::string(8193 - head.size() - tail.size(), 'a') + tail;
  CHECK(isError(first(over + rest, 4096), 414));
}

TEST_CASE("HttpContext fails an over-long request line before its end arrives",
          "[ch11][s2][http]") {
  HttpContext ctx;
  Buffer buf;
  buf.append("GET /" + std::string(8192 - 5, 'a'));  // 8192 bytes: could still end here
  CHECK(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.state() == HttpContext::kExpectRequestLine);
  buf.append("a", 1);  // byte 8193, no CRLF in sight: no point waiting for more
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.errorStatus() == 414);
  // The same dribbled one byte at a time: 414 on exactly that byte.
  const Outcome o = first("GET /" + std::string(100000, 'a'), 1);
  CHECK(isError(o, 414));
  CHECK(o.consumed == 0);
}

TEST_CASE("HttpContext empty lines before the request line are bounded", "[ch11][s2][http]") {
  CHECK(isError(first(repeat("\r\n", 5000), 1), 414));
  CHECK(isError(first(repeat("\r\n", 5000), 10000), 414));
}

namespace {
// A request whose header block (field lines with their CRLFs) is exactly `blockBytes` long,
// in `lines` field lines.
std::string requestWithHeaderBlock(size_t blockBytes, size_t lines) {
  std::string block = "Host: x\r\n";
  for (size_t i = 2; i < lines; ++i) block += "X-" + std::to_string(1000 + i) + ": v\r\n";
  REQUIRE(block.size() + 20 <= blockBytes);
  const size_t pad = blockBytes - block.size() - std::string("X-Pad: \r\n").size();
  block += "X-Pad: " + std::string(pad, 'p') + "\r\n";
  REQUIRE(block.size() == blockBytes);
  return "GET / HTTP/1.1\r\n" + block + "\r\n";
}
}  // namespace

TEST_CASE("HttpContext header block of 64 KiB passes and one byte more is 431",
          "[ch11][s2][http]") {
  CHECK(first(requestWithHeaderBlock(65536, 10), 8192).what.rfind("complete", 0) == 0);
  CHECK(isError(first(requestWithHeaderBlock(65537, 10), 8192), 431));
  CHECK(isError(first(requestWithHeaderBlock(65537, 10), 65536 * 2), 431));
}

TEST_CASE("HttpContext fails an over-long header line before its end arrives", "[ch11][s2][http]") {
  HttpContext ctx;
  Buffer buf;
  buf.append("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(65536 - 9 - 2 - 3, 'v'));
  CHECK(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.state() == HttpContext::kExpectHeaders);
  buf.append("v", 1);
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.errorStatus() == 431);
}

TEST_CASE("HttpContext 100 header lines pass and 101 are 431", "[ch11][s2][http]") {
  CHECK(first(requestWithHeaderBlock(4000, 100), 1).what.rfind("complete", 0) == 0);
  CHECK(isError(first(requestWithHeaderBlock(4000, 101), 1), 431));
  CHECK(isError(first(requestWithHeaderBlock(4000, 101), 5000), 431));
}

TEST_CASE("HttpContext body of 1 MiB passes and a Content-Length one more is 413 at once",
          "[ch11][s2][http]") {
  const std::string body(1048576, 'b');
  const std::vector<Outcome> ok =
      feed({"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n", body});
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].what.rfind("complete", 0) == 0);
  // 413 when the headers end, with no body byte sent: the server can answer before the
  // client wastes its upload.
  HttpContext ctx;
  Buffer buf;
  buf.append(std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n"));
  CHECK_FALSE(ctx.parseRequest(&buf, Timestamp(1)));
  CHECK(ctx.errorStatus() == 413);
  CHECK(buf.readableBytes() == 0);
}

TEST_CASE("HttpContext honours custom limits and keeps them across reset", "[ch11][s2][http]") {
  HttpContext::Limits limits;
  limits.maxRequestLine = 20;
  limits.maxHeaderBytes = 30;
  limits.maxHeaderLines = 2;
  limits.maxBodyBytes = 3;
  const std::string ok = "POST /12345 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  CHECK(feed({ok + ok}, limits).size() == 2);
  CHECK(isError(first("POST /123456 HTTP/1.1\r\n", 1, limits), 414));
  CHECK(isError(first("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", 1, limits), 431));
  CHECK(isError(
      first("GET / HTTP/1.1\r\nHost: x\r\nAbc: " + std::string(16, 'v') + "\r\n", 1, limits), 431));
  CHECK(isError(first("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n", 1, limits), 413));
  // After a complete request, reset() keeps the limits for the next one.
  CHECK(isError(feed({ok + "POST /123456 HTTP/1.1\r\n"}, limits).at(1), 414));
}

// ---- Expect, header lookup

namespace {
HttpContext parsed(const std::string& bytes) {
  HttpContext ctx;
  Buffer buf;
  buf.append(bytes);
  ctx.parseRequest(&buf, Timestamp(1));
  return ctx;
}
}  // namespace

TEST_CASE("HttpContext reports Expect 100-continue once when a body is still to come",
          "[ch11][s2][http]") {
  HttpContext ctx =
      parsed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n");
  CHECK(ctx.state() == HttpContext::kExpectBody);
  CHECK(ctx.takeExpectContinue());
  CHECK_FALSE(ctx.takeExpectContinue());  // once
  ctx.reset();
  CHECK_FALSE(ctx.takeExpectContinue());
}

TEST_CASE("HttpContext ignores Expect 100-continue without a body or in HTTP/1.0",
          "[ch11][s2][http]") {
  // No body to wait for.
  CHECK_FALSE(
      parsed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n").takeExpectContinue());
  CHECK_FALSE(
      parsed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
          .takeExpectContinue());
  // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
  CHECK_FALSE(parsed("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
                  .takeExpectContinue());
  // Another expectation is not 100-continue.
  CHECK_FALSE(parsed("POST / HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 4\r\n\r\n")
                  .takeExpectContinue());
}

TEST_CASE("HttpRequest getHeader and hasHeader ignore the case of the name", "[ch11][s2][http]") {
  const HttpContext ctx = parsed("GET / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\r\n");
  REQUIRE(ctx.gotAll());
  const HttpRequest& r = ctx.request();
  CHECK(r.getHeader("content-type") == "text/plain");
  CHECK(r.getHeader("CONTENT-TYPE") == "text/plain");
  CHECK(r.getHeader("Content-type") == "text/plain");
  CHECK(r.hasHeader("HOST"));
  CHECK_FALSE(r.hasHeader("Content-Typ"));
  CHECK(r.getHeader("Accept").empty());
  CHECK_FALSE(r.hasHeader("Accept"));
}

TEST_CASE("HttpContext errorReason names the rule a request broke", "[ch11][s2][http]") {
  // Several checks reject the same bytes with the same 400; the reason tells them apart in the
  // log, and shows that the specific rule, not a later catch-all, fired.
  const std::pair<const char*, const char*> cases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\n b\r\n\r\n", "obsolete line folding"},
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "whitespace before ':'"},
      {"GET / HTTP/1.1\r\nX(y): 1\r\n\r\n", "malformed header field name"},
      {"GET / HTTP/1.1\nHost: x\r\n\r\n", "request line not ended by CRLF"},
      {"GET / HTTP/1.1\r\nHost: x\n\r\n", "header line not ended by CRLF"},
      {"GET / HTTP/1.1\r\n\r\n", "missing Host field"},
      {"GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", "more than one Host field"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
       "both Content-Length and Transfer-Encoding"},
  };
  for (const auto& c : cases) {
    INFO(c.first);
    const HttpContext ctx = parsed(c.first);
    CHECK(ctx.errorStatus() == 400);
    CHECK(std::string(ctx.errorReason()) == c.second);
  }
}
