#include "mymuduo/http/HttpResponse.h"

#include <strings.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "mymuduo/http/StaticFileUtil.h"
#include "mymuduo/net/Buffer.h"

namespace mymuduo {
namespace http {

namespace {

/// The current time as an IMF-fixdate (RFC 9110 §5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT".
/// Cached per thread for the second it names, since every response of a busy server needs it.
std::string_view httpDateNow() {
  thread_local time_t cachedSecond = -1;
  thread_local std::string cached;
  time_t now = ::time(nullptr);
  if (now != cachedSecond) {
    cached = formatHttpDate(now);
    cachedSecond = now;
  }
  return cached;
}

}  // namespace

HttpResponse::FileBody::~FileBody() { ::close(fd); }

void HttpResponse::setStatusCode(HttpStatusCode code) {
  statusCode_ = code;
  statusMessage_ = reasonPhrase(code);
}

void HttpResponse::addHeader(std::string_view field, std::string_view value) {
  headers_.emplace_back(std::string(field), std::string(value));
}

bool HttpResponse::hasHeader(std::string_view field) const {
  for (const auto& header : headers_) {
    if (header.first.size() == field.size() &&
        ::strncasecmp(header.first.data(), field.data(), field.size()) == 0) {
      return true;
    }
  }
  return false;
}

void HttpResponse::setBody(std::string body) {
  body_ = std::move(body);
  bodyFile_.reset();
}

void HttpResponse::setBodyFile(int fd, uint64_t length) {
  bodyFile_ = std::make_shared<FileBody>(fd, length);
  body_.clear();
}

uint64_t HttpResponse::contentLength() const {
  return bodyFile_ ? bodyFile_->length : body_.size();
}

void HttpResponse::appendToBuffer(net::Buffer* output, bool headOnly) const {
  char line[64];
  int n = std::snprintf(line, sizeof line, "HTTP/1.1 %d ", static_cast<int>(statusCode_));
  output->append(line, static_cast<size_t>(n));
  output->append(statusMessage_);
  output->append("\r\n");
  if (!hasHeader("Date")) {
    output->append("Date: ");
    output->append(httpDateNow());
    output->append("\r\n");
  }
  for (const auto& header : headers_) {
    output->append(header.first);
    output->append(": ");
    output->append(header.second);
    output->append("\r\n");
  }
  const int code = static_cast<int>(statusCode_);
  // Content-Length also on the answer to HEAD: it is what GET would have sent (RFC 9110 §9.3.2);
  // and on a 304, where it would be the selected representation's. Never on 1xx or 204.
  if (code >= 200 && code != 204) {
    n = std::snprintf(line, sizeof line, "Content-Length: %llu\r\n",
                      static_cast<unsigned long long>(contentLength()));
    output->append(line, static_cast<size_t>(n));
  }
  // Always said, not only for "close": an HTTP/1.0 client keeps the connection only when the
  // response says "keep-alive", and to an HTTP/1.1 client it is harmless.
  output->append(closeConnection_ ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
  output->append("\r\n");
  if (!headOnly && statusHasBody(code)) output->append(body_);
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
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
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
