#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mymuduo/base/UniqueFd.h"

namespace mymuduo {
namespace net {
class Buffer;
}
namespace http {

/// A response, filled in by the HttpServer's callback and written out by the HttpServer.
///
/// A value type used in one thread (the connection's IO loop). The body is either a string
/// (setBody) or an open file (setBodyFile) that the server streams in bounded pieces, so a
/// large file is never read into memory whole.
class HttpResponse {
 public:
  enum HttpStatusCode {
    kUnknown = 0,
    k200Ok = 200,
    k206PartialContent = 206,
    k301MovedPermanently = 301,
    k304NotModified = 304,
    k400BadRequest = 400,
    k403Forbidden = 403,
    k404NotFound = 404,
    k405MethodNotAllowed = 405,
    k412PreconditionFailed = 412,
    k413ContentTooLarge = 413,
    k414UriTooLong = 414,
    k416RangeNotSatisfiable = 416,
    k431RequestHeaderFieldsTooLarge = 431,
    k500InternalServerError = 500,
    k501NotImplemented = 501,
    k502BadGateway = 502,
    k505HttpVersionNotSupported = 505,
  };

  /// An open file to send as the body: its fd (closed when the FileBody goes) and which bytes
  /// of it, `length` from `offset` (a range of the file, for a 206).
  struct FileBody {
    FileBody(int fileFd, uint64_t fileOffset, uint64_t fileLength)
        : fd(fileFd), offset(fileOffset), length(fileLength) {}
    const UniqueFd fd;
    const uint64_t offset;
    const uint64_t length;
  };

  /// `close`: whether the connection closes after this response (the server's decision from
  /// the request's version and Connection header; the callback may still set it).
  explicit HttpResponse(bool close) : closeConnection_(close) {}

  /// Also sets the status message to the standard reason phrase of `code`.
  void setStatusCode(HttpStatusCode code);
  HttpStatusCode statusCode() const { return statusCode_; }
  void setStatusMessage(std::string message) { statusMessage_ = std::move(message); }
  const std::string& statusMessage() const { return statusMessage_; }

  void setCloseConnection(bool on) { closeConnection_ = on; }
  bool closeConnection() const { return closeConnection_; }

  void setContentType(std::string_view contentType) { addHeader("Content-Type", contentType); }
  /// Adds a header line as given; Content-Length and Connection are written by
  /// appendToBuffer() and must not be added here.
  void addHeader(std::string_view field, std::string_view value);
  bool hasHeader(std::string_view field) const;

  void setBody(std::string body);
  const std::string& body() const { return body_; }
  /// The body is `length` bytes of the open file `fd`, from `offset`; the response owns `fd`
  /// from now on and closes it.
  void setBodyFile(int fd, uint64_t length, uint64_t offset = 0);
  const std::shared_ptr<FileBody>& bodyFile() const { return bodyFile_; }

  /// The number of body bytes, whichever kind of body (the Content-Length).
  uint64_t contentLength() const;

  /// Writes the status line and headers (with Date and "Server: mymuduo" unless added,
  /// Content-Length, and "Connection: close" when closing, "Connection: keep-alive" otherwise)
  /// and then the string body, unless `headOnly` (the answer to HEAD: the same headers, no
  /// body). A file body is not written here: the server streams it. A status without a body
  /// (see statusHasBody) gets no body, and for 1xx, 204 and 304 no Content-Length either.
  void appendToBuffer(net::Buffer* output, bool headOnly = false) const;

  /// "OK", "Not Found", ...; "Unknown" for a code this class does not name.
  static const char* reasonPhrase(int statusCode);
  /// False for 1xx, 204 and 304, whose responses never carry a body (RFC 9110 §6.4.1).
  static bool statusHasBody(int statusCode) {
    return statusCode >= 200 && statusCode != 204 && statusCode != 304;
  }

 private:
  HttpStatusCode statusCode_ = kUnknown;
  std::string statusMessage_;
  bool closeConnection_;
  /// The added header lines, already as they go on the wire ("Field: value\r\n" each): one
  /// string grown in place instead of a vector of pairs of strings, fewer allocations per
  /// response.
  std::string headerLines_;
  bool hasDate_ = false;  // a Date among headerLines_
  bool hasServer_ = false;
  std::string body_;
  std::shared_ptr<FileBody> bodyFile_;
};

}  // namespace http
}  // namespace mymuduo
