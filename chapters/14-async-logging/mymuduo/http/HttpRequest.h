#pragma once

#include <map>
#include <string>
#include <string_view>

#include "mymuduo/base/Timestamp.h"

namespace mymuduo {
namespace http {

/// Orders header field names without regard to ASCII case ("Host" == "host", RFC 9110 §5.1).
/// Transparent, so a map keyed with it can be searched with a std::string_view.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

/// One request as HttpContext parsed it, handed to the HttpServer's callback.
///
/// A value type: HttpContext owns the one it is filling in, the callback gets a const
/// reference valid for the duration of the call. Used in one thread only (the connection's
/// IO loop).
class HttpRequest {
 public:
  /// Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET but an unknown method.
  enum Method { kInvalid, kGet, kHead, kPost, kPut, kDelete, kOptions, kTrace, kConnect, kPatch };
  enum Version { kUnknown, kHttp10, kHttp11 };
  using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

  /// False, and the method left as it was, when `method` is not one of the enum's names.
  bool setMethod(std::string_view method);
  Method method() const { return method_; }
  /// "GET", "HEAD", ...; "UNKNOWN" for kInvalid.
  const char* methodString() const;

  void setVersion(Version v) { version_ = v; }
  Version version() const { return version_; }

  /// The request target's path, exactly as the client sent it (still percent-encoded).
  void setPath(std::string path) { path_ = std::move(path); }
  const std::string& path() const { return path_; }
  /// What followed the first '?' of the target, without the '?'; empty if there was none.
  void setQuery(std::string query) { query_ = std::move(query); }
  const std::string& query() const { return query_; }

  void setReceiveTime(Timestamp t) { receiveTime_ = t; }
  Timestamp receiveTime() const { return receiveTime_; }

  /// A field seen again is combined with the earlier value as "first, second" (RFC 9110 §5.3).
  void addHeader(std::string field, std::string value);
  /// The value of a field, whatever the case of `field`; empty if the request has none.
  std::string getHeader(std::string_view field) const;
  bool hasHeader(std::string_view field) const;
  const Headers& headers() const { return headers_; }

  void appendBody(const char* data, size_t len) { body_.append(data, len); }
  const std::string& body() const { return body_; }

  /// Back to a default-constructed request, keeping the capacity of path and query (bounded by
  /// the request line limit) for the next request on the connection; the body's memory, which
  /// may be large, is given back.
  void clear();

 private:
  Method method_ = kInvalid;
  Version version_ = kUnknown;
  std::string path_;
  std::string query_;
  Timestamp receiveTime_;
  Headers headers_;
  std::string body_;
};

}  // namespace http
}  // namespace mymuduo
