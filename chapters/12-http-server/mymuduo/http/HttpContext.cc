#include "mymuduo/http/HttpContext.h"

#include <cstdint>
#include <cstring>

#include "mymuduo/net/Buffer.h"

namespace mymuduo {
namespace http {

namespace {

// The slave's detailed answer; readLine() folds the two failures into kLineBad, the master
// needs to tell them apart (a line too long is 414 or 431, a broken line end is 400).
enum class Scan { kLine, kOpen, kBadEnd, kTooLong };

Scan scanLine(const net::Buffer& buf, size_t maxLength, size_t* lineLength) {
  const char* p = buf.peek();
  const size_t n = buf.readableBytes();
  // Only the first maxLength + 1 bytes can hold the CR of an acceptable line; never look
  // further, so the work per call is bounded by the limit, not by what the peer sent.
  const size_t window = maxLength < n ? maxLength + 1 : n;
  const auto* cr = static_cast<const char*>(std::memchr(p, '\r', window));
  const auto* lf = static_cast<const char*>(std::memchr(p, '\n', window));
  if (cr == nullptr && lf == nullptr) {
    // maxLength + 1 bytes and no line end among them: too long whatever comes next.
    return window > maxLength ? Scan::kTooLong : Scan::kOpen;
  }
  // RFC 9112 §2.2 allows a recipient to take a bare LF as a line end; we do not: a strict
  // parser is the simpler one to reason about, and it disagrees with no other parser about
  // where a line ends (the root of request smuggling).
  if (lf != nullptr && (cr == nullptr || lf < cr)) return Scan::kBadEnd;
  const size_t i = static_cast<size_t>(cr - p);
  if (i + 1 == n) return Scan::kOpen;          // the CR is the last byte so far: its LF may follow
  if (p[i + 1] != '\n') return Scan::kBadEnd;  // a bare CR (RFC 9112 §2.2: invalid)
  *lineLength = i;
  return Scan::kLine;
}

// tchar of RFC 9110 §5.6.2: what a method and a field name are made of. A table, since every
// byte of every field name is looked up.
struct TokenChars {
  bool is[256] = {};
  constexpr TokenChars() {
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (const char* p = "!#$%&'*+-.^_`|~"; *p != '\0'; ++p)
      is[static_cast<unsigned char>(*p)] = true;
  }
};
constexpr TokenChars kTokenChars;

bool isTokenChar(char c) { return kTokenChars.is[static_cast<unsigned char>(c)]; }

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Control bytes (RFC 5234 CTL: %x00-1F and %x7F).
bool isControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// OWS (RFC 9110 §5.6.3) is SP or HTAB.
std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

size_t saturatingSub(size_t a, size_t b) { return a > b ? a - b : 0; }

}  // namespace

HttpContext::LineStatus HttpContext::readLine(const net::Buffer& buf, size_t maxLength,
                                              std::string_view* line) {
  size_t length = 0;
  switch (scanLine(buf, maxLength, &length)) {
    case Scan::kLine:
      *line = std::string_view(buf.peek(), length);
      return kLineOk;
    case Scan::kOpen:
      return kLineOpen;
    case Scan::kBadEnd:
    case Scan::kTooLong:
      break;
  }
  return kLineBad;
}

bool HttpContext::takeExpectContinue() {
  const bool expect = expectContinue_;
  expectContinue_ = false;
  return expect;
}

void HttpContext::reset() {
  state_ = kExpectRequestLine;
  request_.clear();
  errorStatus_ = 0;
  errorReason_ = "";
  headerBytes_ = 0;
  headerLines_ = 0;
  bodyRemaining_ = 0;
  emptyLineBytes_ = 0;
  expectContinue_ = false;
}

bool HttpContext::fail(int status, const char* reason) {
  state_ = kError;
  errorStatus_ = status;
  errorReason_ = reason;
  return false;
}

// The master: each state takes one line (or the body) out of the buffer once it is complete
// and understood, and loops until the buffer runs dry, the request is complete or it fails.
// It never takes bytes beyond the end of this request: they belong to the next one.
bool HttpContext::parseRequest(net::Buffer* buf, Timestamp receiveTime) {
  while (true) {
    switch (state_) {
      case kGotAll:
        return true;
      case kError:
        return false;

      case kExpectRequestLine: {
        // Empty lines skipped so far count against the request line's limit.
        const size_t room = saturatingSub(limits_.maxRequestLine, emptyLineBytes_);
        size_t length = 0;
        const Scan scan = scanLine(*buf, room, &length);
        if (scan == Scan::kOpen) return true;
        if (scan == Scan::kTooLong) return fail(414, "request line too long");
        if (scan == Scan::kBadEnd) return fail(400, "request line not ended by CRLF");
        if (length == 0) {
          // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request
          // line (some clients send a CRLF after a POST body).
          emptyLineBytes_ += 2;
          if (emptyLineBytes_ > limits_.maxRequestLine) {
            return fail(414, "too many empty lines before the request line");
          }
          buf->retrieve(2);
          break;
        }
        if (!parseRequestLine(std::string_view(buf->peek(), length))) return false;
        request_.setReceiveTime(receiveTime);
        buf->retrieve(length + 2);
        state_ = kExpectHeaders;
        break;
      }

      case kExpectHeaders: {
        // The header block (every field line with its CRLF) stays within maxHeaderBytes; the
        // empty line that ends it is not counted, so room 0 still lets it through.
        const size_t room = saturatingSub(limits_.maxHeaderBytes, headerBytes_ + 2);
        size_t length = 0;
        const Scan scan = scanLine(*buf, room, &length);
        if (scan == Scan::kOpen) return true;
        if (scan == Scan::kTooLong) return fail(431, "header fields too large");
        if (scan == Scan::kBadEnd) return fail(400, "header line not ended by CRLF");
        if (length == 0) {
          buf->retrieve(2);
          if (!headersDone()) return false;
          break;
        }
        if (++headerLines_ > limits_.maxHeaderLines) return fail(431, "too many header fields");
        if (!parseHeaderLine(std::string_view(buf->peek(), length))) return false;
        headerBytes_ += length + 2;
        buf->retrieve(length + 2);
        break;
      }

      case kExpectBody: {
        // Content-Length says exactly where this body ends (RFC 9112 §6.2); anything after
        // it is the next request.
        const size_t n =
            buf->readableBytes() < bodyRemaining_ ? buf->readableBytes() : bodyRemaining_;
        if (n == 0) return true;
        request_.appendBody(buf->peek(), n);
        buf->retrieve(n);
        bodyRemaining_ -= n;
        if (bodyRemaining_ == 0) state_ = kGotAll;
        break;
      }
    }
  }
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), one SP exactly:
// RFC 9112 §3 lets a recipient split on other whitespace too, we do not (strict, like the
// line ends).
bool HttpContext::parseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);

  // method = token (RFC 9110 §9.1).
  if (!isToken(method)) return fail(400, "malformed method");

  // Everything malformed is 400 before anything well-formed but unsupported (505, 501).
  // request-target (RFC 9112 §3.2) is made of URI characters (RFC 3986 §2): no SP, no control
  // byte, nothing outside ASCII; and no fragment, which a client never sends.
  if (target.empty()) return fail(400, "empty request target");
  for (char c : target) {
    if (isControl(c) || c == ' ' || static_cast<unsigned char>(c) >= 0x80 || c == '#') {
      return fail(400, "invalid byte in request target");
    }
  }

  // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
  const bool wellFormed = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                          isDigit(version[5]) && version[6] == '.' && isDigit(version[7]);
  if (!wellFormed) return fail(400, "malformed HTTP version");

  std::string_view pathAndQuery;
  if (target.front() == '/') {
    pathAndQuery = target;  // origin-form (RFC 9112 §3.2.1)
  } else if (target == "*") {
    // asterisk-form (RFC 9112 §3.2.4) only goes with OPTIONS.
    if (method != "OPTIONS") return fail(400, "'*' target without OPTIONS");
    pathAndQuery = target;
  } else if (target.size() > 7 && equalsIgnoreCase(target.substr(0, 7), "http://")) {
    // absolute-form (RFC 9112 §3.2.2): a server MUST accept it. The authority is skipped
    // (the Host field is still required below); an empty path means "/" (RFC 9112 §3.3).
    const std::string_view rest = target.substr(7);
    const size_t end = rest.find_first_of("/?");
    if (end == 0) return fail(400, "absolute-form target without host");
    pathAndQuery = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  } else {
    // authority-form (CONNECT) and every other scheme are not served here.
    return fail(400, "unsupported request target form");
  }

  if (version == "HTTP/1.1") {
    request_.setVersion(HttpRequest::kHttp11);
  } else if (version == "HTTP/1.0") {
    request_.setVersion(HttpRequest::kHttp10);
  } else {
    return fail(505, "HTTP version not supported");
  }
  // RFC 9110 §9.1: an unrecognized method is 501 (Not Implemented).
  if (!request_.setMethod(method)) return fail(501, "method not implemented");

  const size_t question = pathAndQuery.find('?');
  std::string_view path = pathAndQuery.substr(0, question);
  if (path.empty()) path = "/";
  request_.setPath(std::string(path));
  if (question != std::string_view::npos) {
    request_.setQuery(std::string(pathAndQuery.substr(question + 1)));
  }
  return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
bool HttpContext::parseHeaderLine(std::string_view line) {
  // obs-fold (RFC 9112 §5.2): a server MUST reject it or unfold it; we reject.
  if (line.front() == ' ' || line.front() == '\t') return fail(400, "obsolete line folding");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "header line without ':'");
  const std::string_view name = line.substr(0, colon);
  // RFC 9112 §5.1: no whitespace between the name and the colon, a server MUST answer 400.
  if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    return fail(400, "whitespace before ':'");
  }
  if (!isToken(name)) return fail(400, "malformed header field name");
  const std::string_view value = trimOws(line.substr(colon + 1));
  // RFC 9110 §5.5: CR, LF and NUL in a value MUST be rejected; we reject every control byte
  // except HTAB. Bytes >= 0x80 (obs-text) stay allowed.
  for (char c : value) {
    if (isControl(c) && c != '\t') return fail(400, "control byte in header value");
  }

  if (equalsIgnoreCase(name, "Host") && request_.hasHeader("Host")) {
    // RFC 9112 §3.2: a request with more than one Host field is 400.
    return fail(400, "more than one Host field");
  }
  if (equalsIgnoreCase(name, "Content-Length")) {
    // RFC 9112 §6.3: several lengths, or a list, are unrecoverable; we accept exactly one
    // Content-Length = 1*DIGIT (RFC 9110 §8.6) that fits in a size_t.
    if (request_.hasHeader("Content-Length")) return fail(400, "more than one Content-Length");
    if (value.empty()) return fail(400, "malformed Content-Length");
    size_t length = 0;
    for (char c : value) {
      if (!isDigit(c)) return fail(400, "malformed Content-Length");
      const auto digit = static_cast<size_t>(c - '0');
      if (length > (SIZE_MAX - digit) / 10) return fail(400, "Content-Length overflows");
      length = length * 10 + digit;
    }
    bodyRemaining_ = length;
  }
  request_.addHeader(name, value);
  return true;
}

// The empty line has ended the header block: decide what the rest of the request is.
bool HttpContext::headersDone() {
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host (and to any
  // request with more than one, checked as they arrive).
  if (request_.version() == HttpRequest::kHttp11 && !request_.hasHeader("Host")) {
    return fail(400, "missing Host field");
  }
  if (request_.hasHeader("Transfer-Encoding")) {
    // RFC 9112 §6.1: both framings at once is a smuggling attempt or a broken client; the
    // server MAY reject it, and we always do, then close.
    if (request_.hasHeader("Content-Length")) {
      return fail(400, "both Content-Length and Transfer-Encoding");
    }
    // RFC 9112 §6.1: a Transfer-Encoding the server does not understand is 501. Chunked is
    // not implemented in this chapter.
    return fail(501, "Transfer-Encoding not implemented");
  }
  // RFC 9110 §15.5.14: 413 Content Too Large, decided before any body byte is read.
  if (bodyRemaining_ > limits_.maxBodyBytes) return fail(413, "body too large");
  if (bodyRemaining_ == 0) {
    state_ = kGotAll;
    return true;
  }
  // RFC 9110 §10.1.1: 100-continue; a server MUST ignore it in an HTTP/1.0 request.
  if (request_.version() == HttpRequest::kHttp11 &&
      equalsIgnoreCase(request_.headerValue("Expect"), "100-continue")) {
    expectContinue_ = true;
  }
  state_ = kExpectBody;
  return true;
}

}  // namespace http
}  // namespace mymuduo
