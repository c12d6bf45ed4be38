#pragma once

#include <cstddef>
#include <string_view>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/http/HttpRequest.h"

namespace mymuduo {
namespace net {
class Buffer;
}
namespace http {

/// The request parser: a master state machine (request line -> headers -> body -> complete)
/// driven by a slave that cuts the input into CRLF-terminated lines.
///
/// One per connection, kept in the TcpConnection's context and used only in that connection's
/// IO loop. parseRequest() takes bytes out of the connection's input Buffer only once they are
/// understood; a line still incomplete stays in the Buffer, and the limits below bound how long
/// it may grow, so a client that dribbles bytes can never make the parser hold more than a
/// limit's worth of them.
class HttpContext {
 public:
  enum ParseState { kExpectRequestLine, kExpectHeaders, kExpectBody, kGotAll, kError };
  /// What the slave reports: a whole line, not yet a whole line, or a line that breaks the rules.
  enum LineStatus { kLineOk, kLineOpen, kLineBad };

  /// Each limit, once exceeded, ends the request with the status in its comment.
  struct Limits {
    size_t maxRequestLine = 8 * 1024;   ///< 414 URI Too Long
    size_t maxHeaderBytes = 64 * 1024;  ///< 431 Request Header Fields Too Large
    size_t maxHeaderLines = 100;        ///< 431
    size_t maxBodyBytes = 1024 * 1024;  ///< 413 Content Too Large
  };

  HttpContext() = default;
  explicit HttpContext(const Limits& limits) : limits_(limits) {}

  /// Consumes from `buf` the bytes of at most one request. Returns false when the request is
  /// bad (errorStatus() says how); true otherwise, and then gotAll() says whether a whole
  /// request is ready in request(). Bytes after a complete request stay in `buf`: they are the
  /// next pipelined request, parsed after reset().
  bool parseRequest(net::Buffer* buf, Timestamp receiveTime);

  ParseState state() const { return state_; }
  bool gotAll() const { return state_ == kGotAll; }
  /// After parseRequest() returned false: 400, 413, 414, 431, 501 or 505.
  int errorStatus() const { return errorStatus_; }
  /// After parseRequest() returned false: a short reason, for the log and the error page.
  const char* errorReason() const { return errorReason_; }

  /// True once per request, right after the headers of a request that sent
  /// "Expect: 100-continue" and has a body still to come: the server then answers
  /// "HTTP/1.1 100 Continue" so that the client sends the body.
  bool takeExpectContinue();

  /// Ready for the next request on the same connection (keeps the limits).
  void reset();

  const HttpRequest& request() const { return request_; }
  HttpRequest& request() { return request_; }

  /// The slave: looks for one CRLF-terminated line at the front of `buf` without consuming it.
  /// `maxLength` bounds the line without its CRLF.
  /// kLineOk: *line is the line without its CRLF (it points into `buf`).
  /// kLineOpen: no line end yet, and the bytes buffered can still become a line of at most
  /// `maxLength` bytes. kLineBad: a CR not followed by LF, a bare LF, or more than `maxLength`
  /// bytes before the line end (decided as soon as byte maxLength + 1 arrives).
  static LineStatus readLine(const net::Buffer& buf, size_t maxLength, std::string_view* line);

 private:
  Limits limits_;
  ParseState state_ = kExpectRequestLine;
  HttpRequest request_;
  int errorStatus_ = 0;
  const char* errorReason_ = "";
  size_t headerBytes_ = 0;
  size_t headerLines_ = 0;
  size_t bodyRemaining_ = 0;
  size_t emptyLineBytes_ = 0;  // CRLFs skipped before the request line
  bool expectContinue_ = false;

  bool fail(int status, const char* reason);
  bool parseRequestLine(std::string_view line);
  bool parseHeaderLine(std::string_view line);
  bool headersDone();
};

}  // namespace http
}  // namespace mymuduo
