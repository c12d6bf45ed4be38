#include "mymuduo/http/HttpResponse.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "mymuduo/http/HttpDate.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/net/Buffer.h"

namespace mymuduo {
namespace http {

namespace {

/// The decimal digits of value in digits[0..20), without snprintf: parsing a format string per
/// response is a measurable share of the CPU time of a small answer.
std::string_view toDecimal(uint64_t value, char (&digits)[20]) {
  auto result = std::to_chars(digits, digits + sizeof digits, value);  // 2^64 - 1: 20 digits
  return std::string_view(digits, static_cast<size_t>(result.ptr - digits));
}

}  // namespace

void HttpResponse::setStatusCode(HttpStatusCode code) {
  statusCode_ = code;
  statusMessage_ = reasonPhrase(code);
}

void HttpResponse::addHeader(std::string_view field, std::string_view value) {
  // Room for this line and a few more at once: a string that grows as it goes would
  // reallocate twice for the first header alone. Then one resize and the bytes written in
  // place, where four appends were four calls.
  const size_t old = headerLines_.size();
  const size_t need = old + field.size() + value.size() + 4;
  if (need > headerLines_.capacity()) headerLines_.reserve(std::max<size_t>(need, 128));
  headerLines_.resize(need);
  char* p = &headerLines_[old];
  if (!field.empty()) std::memcpy(p, field.data(), field.size());
  p += field.size();
  *p++ = ':';
  *p++ = ' ';
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
  // Noted once here, so that appendToBuffer() need not search the lines on every response.
  if (equalsIgnoreCase(field, "Date")) hasDate_ = true;
  if (equalsIgnoreCase(field, "Server")) hasServer_ = true;
}

bool HttpResponse::hasHeader(std::string_view field) const {
  std::string_view rest(headerLines_);
  while (!rest.empty()) {
    size_t colon = rest.find(':');  // a field name is a token: the first ':' ends it
    if (equalsIgnoreCase(rest.substr(0, colon), field)) return true;
    size_t end = rest.find("\r\n", colon);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 2);
  }
  return false;
}

void HttpResponse::setBody(std::string body) {
  body_ = std::move(body);
  bodyFile_.reset();
}

void HttpResponse::setBodyFile(int fd, uint64_t length, uint64_t offset) {
  bodyFile_ = std::make_shared<FileBody>(fd, offset, length);
  body_.clear();
}

uint64_t HttpResponse::contentLength() const {
  return bodyFile_ ? bodyFile_->length : body_.size();
}

void HttpResponse::appendToBuffer(net::Buffer* output, bool headOnly) const {
  const int code = static_cast<int>(statusCode_);
  // Content-Length also on the answer to HEAD: it is what GET would have sent (RFC 9110 §9.3.2).
  // Never on 1xx or 204 (RFC 9110 §8.6), nor on a 304: there it may only be the length of the
  // 200 it stands for, which a string body here does not know.
  const bool withLength = code >= 200 && code != 204 && code != 304;
  const bool withBody = !headOnly && statusHasBody(code);
  // Room for the longest answer these lines make, then one pass writing into the buffer: a
  // literal's length is known when compiling, so its memcpy becomes a few moves. A dozen pieces
  // each checking for room, or each a call to memcpy, cost more than the bytes do.
  constexpr size_t kFixedMax = 9 + 20 + 1 + 2  // "HTTP/1.1 ", the code, ' ', "\r\n"
                               + 6 + 2         // "Date: ", "\r\n"
                               + 17            // "Server: mymuduo\r\n"
                               + 16 + 20 + 2   // "Content-Length: ", its digits, "\r\n"
                               + 28;           // "Connection: keep-alive\r\n\r\n"
  const std::string_view date = hasDate_ ? std::string_view() : httpDateNow();
  output->ensureWritableBytes(kFixedMax + date.size() + statusMessage_.size() +
                              headerLines_.size() + (withBody ? body_.size() : 0));
  char* const begin = output->beginWrite();
  char* out = begin;
  auto put = [&out](std::string_view part) {
    if (!part.empty()) std::memcpy(out, part.data(), part.size());  // data() may be null
    out += part.size();
  };
  char digits[20];
  put("HTTP/1.1 ");
  put(toDecimal(static_cast<uint64_t>(code), digits));
  put(" ");
  put(statusMessage_);
  put("\r\n");
  if (!hasDate_) {
    put("Date: ");
    put(date);
    put("\r\n");
  }
  if (!hasServer_) put("Server: mymuduo\r\n");
  put(headerLines_);
  if (withLength) {
    put("Content-Length: ");
    put(toDecimal(contentLength(), digits));
    put("\r\n");
  }
  // Always said, not only for "close": an HTTP/1.0 client keeps the connection only when the
  // response says "keep-alive", and to an HTTP/1.1 client it is harmless.
  put(closeConnection_ ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
  if (withBody) put(body_);
  output->hasWritten(static_cast<size_t>(out - begin));
}

const char* HttpResponse::reasonPhrase(int statusCode) {
  switch (statusCode) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace http
}  // namespace mymuduo
