#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mymuduo/base/Timestamp.h"

namespace mymuduo {
namespace http {

/// Whether a and b are equal but for ASCII case: field names (RFC 9110 §5.1) and the tokens
/// of many values compare so. No locale takes part. Inline: it runs for every field of every
/// request, several times, and most calls end at the size check.
inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i];
    const char y = b[i];
    if (x == y) continue;
    // Equal but for case only if both are letters: setting bit 0x20 lowers a capital and
    // leaves a small letter as it is, and would pair other bytes ('@' and '`') too.
    const char lower = static_cast<char>(x | 0x20);
    if (lower != static_cast<char>(y | 0x20) || lower < 'a' || lower > 'z') return false;
  }
  return true;
}

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
  /// One field line: the name as sent, and the value without the whitespace around it.
  using Header = std::pair<std::string_view, std::string_view>;
  class Headers;

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

  /// Appends a field line; a repeated field is kept as a line of its own.
  void addHeader(std::string_view field, std::string_view value);
  /// The value of a field, whatever the case of `field`; a field sent several times is
  /// combined as "first, second" (RFC 9110 §5.3); empty if the request has none.
  std::string getHeader(std::string_view field) const;
  /// The value of the first field named `field` (any case), without a copy: a view into the
  /// request, valid until it is changed or destroyed; empty if there is none. For a field that
  /// may be repeated as a list (Accept, Connection...) use getHeader(), which joins them.
  std::string_view headerValue(std::string_view field) const;
  bool hasHeader(std::string_view field) const;
  /// Every field line in the order received, as Header views into the request (valid until it
  /// is changed or destroyed): `for (const auto& [name, value] : request.headers())`.
  Headers headers() const;

  void appendBody(const char* data, size_t len) { body_.append(data, len); }
  const std::string& body() const { return body_; }

  /// Back to a default-constructed request, keeping the capacity of path and query (bounded by
  /// the request line limit) and of a usual header block for the next request on the
  /// connection; the body's memory, which may be large, is given back, and so is a large
  /// header block's.
  void clear();

 private:
  /// Where one field line's name and value are in fieldBytes_: offsets, not views, so that a
  /// copied or moved request stays valid (a short string moves its bytes).
  struct FieldSpan {
    size_t nameBegin;
    size_t nameSize;
    size_t valueBegin;
    size_t valueSize;
  };
  Header headerAt(size_t i) const;

  Method method_ = kInvalid;
  Version version_ = kUnknown;
  std::string path_;
  std::string query_;
  Timestamp receiveTime_;
  std::string fieldBytes_;  // every name and value, back to back, in the order received
  std::vector<FieldSpan> fields_;
  std::string body_;
};

/// The field lines of a request, in order: a range of Header views that reads the request.
class HttpRequest::Headers {
 public:
  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;  // *it is a value, not a reference
    using value_type = Header;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Header;

    const_iterator(const HttpRequest* request, size_t i) : request_(request), i_(i) {}
    Header operator*() const { return request_->headerAt(i_); }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& other) const { return i_ == other.i_; }
    bool operator!=(const const_iterator& other) const { return i_ != other.i_; }

   private:
    const HttpRequest* request_;
    size_t i_;
  };

  explicit Headers(const HttpRequest* request) : request_(request) {}
  size_t size() const { return request_->fields_.size(); }
  bool empty() const { return request_->fields_.empty(); }
  const_iterator begin() const { return const_iterator(request_, 0); }
  const_iterator end() const { return const_iterator(request_, size()); }
  Header operator[](size_t i) const { return request_->headerAt(i); }

 private:
  const HttpRequest* request_;
};

inline HttpRequest::Headers HttpRequest::headers() const { return Headers(this); }

}  // namespace http
}  // namespace mymuduo
