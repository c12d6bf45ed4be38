#include "mymuduo/http/HttpResponse.h"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "mymuduo/http/HttpDate.h"
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
  // Room for this line and a few more at once: four appends into a string that grows as it
  // goes would reallocate twice for the first header alone.
  size_t need = headerLines_.size() + field.size() + value.size() + 4;
  if (need > headerLines_.capacity()) headerLines_.reserve(std::max<size_t>(need, 128));
  headerLines_.append(field).append(": ").append(value).append("\r\n");
}

bool HttpResponse::hasHeader(std::string_view field) const {
  std::string_view rest(headerLines_);
  while (!rest.empty()) {
    size_t colon = rest.find(':');  // a field name is a token: the first ':' ends it
    if (colon == field.size() && ::strncasecmp(rest.data(), field.data(), field.size()) == 0) {
      return true;
    }
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
  // The pieces first, then one copy into the buffer: a dozen small appends, each checking for
  // room, cost more than the copying itself.
  std::string_view parts[16];
  size_t count = 0;
  auto add = [&parts, &count](std::string_view part) { parts[count++] = part; };
  const int code = static_cast<int>(statusCode_);
  char status[20];
  add("HTTP/1.1 ");
  add(toDecimal(static_cast<uint64_t>(code), status));
  add(" ");
  add(statusMessage_);
  add("\r\n");
  if (!hasHeader("Date")) {
    add("Date: ");
    add(httpDateNow());
    add("\r\n");
  }
  if (!hasHeader("Server")) add("Server: mymuduo\r\n");
  add(headerLines_);
  // Content-Length also on the answer to HEAD: it is what GET would have sent (RFC 9110 §9.3.2).
  // Never on 1xx or 204 (RFC 9110 §8.6), nor on a 304: there it may only be the length of the
  // 200 it stands for, which a string body here does not know.
  char length[20];
  if (code >= 200 && code != 204 && code != 304) {
    add("Content-Length: ");
    add(toDecimal(contentLength(), length));
    add("\r\n");
  }
  // Always said, not only for "close": an HTTP/1.0 client keeps the connection only when the
  // response says "keep-alive", and to an HTTP/1.1 client it is harmless.
  add(closeConnection_ ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
  if (!headOnly && statusHasBody(code)) add(body_);
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += parts[i].size();
  output->ensureWritableBytes(total);
  char* out = output->beginWrite();
  for (size_t i = 0; i < count; ++i) {
    if (!parts[i].empty()) std::memcpy(out, parts[i].data(), parts[i].size());
    out += parts[i].size();
  }
  output->hasWritten(total);
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
