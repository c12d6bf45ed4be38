#include "mymuduo/http/HttpRequest.h"

#include <utility>

namespace mymuduo {
namespace http {

namespace {

// ASCII only: field names are tokens (RFC 9110 §5.1), so no locale may take part.
char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

struct MethodName {
  const char* name;
  HttpRequest::Method method;
};

// The methods of RFC 9110 §9 plus PATCH (RFC 5789), spelled exactly: methods are case-sensitive.
const MethodName kMethods[] = {
    {"GET", HttpRequest::kGet},       {"HEAD", HttpRequest::kHead},
    {"POST", HttpRequest::kPost},     {"PUT", HttpRequest::kPut},
    {"DELETE", HttpRequest::kDelete}, {"OPTIONS", HttpRequest::kOptions},
    {"TRACE", HttpRequest::kTrace},   {"CONNECT", HttpRequest::kConnect},
    {"PATCH", HttpRequest::kPatch},
};

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    // Compare as unsigned so that bytes >= 0x80 order the same on every platform.
    const auto ca = static_cast<unsigned char>(lowerAscii(a[i]));
    const auto cb = static_cast<unsigned char>(lowerAscii(b[i]));
    if (ca != cb) return ca < cb;
  }
  return a.size() < b.size();
}

bool HttpRequest::setMethod(std::string_view method) {
  for (const MethodName& m : kMethods) {
    if (method == m.name) {
      method_ = m.method;
      return true;
    }
  }
  return false;
}

const char* HttpRequest::methodString() const {
  for (const MethodName& m : kMethods) {
    if (m.method == method_) return m.name;
  }
  return "UNKNOWN";
}

void HttpRequest::addHeader(std::string field, std::string value) {
  auto it = headers_.lower_bound(field);
  if (it == headers_.end() || headers_.key_comp()(field, it->first)) {
    headers_.emplace_hint(it, std::move(field), std::move(value));  // no second search
  } else {
    // RFC 9110 §5.3: a recipient may combine repeated fields into one, in order, with commas.
    it->second += ", ";
    it->second += value;
  }
}

std::string HttpRequest::getHeader(std::string_view field) const {
  auto it = headers_.find(field);
  return it == headers_.end() ? std::string() : it->second;
}

bool HttpRequest::hasHeader(std::string_view field) const {
  return headers_.find(field) != headers_.end();
}

void HttpRequest::clear() {
  method_ = kInvalid;
  version_ = kUnknown;
  path_.clear();
  query_.clear();
  receiveTime_ = Timestamp();
  headers_.clear();
  std::string().swap(body_);
}

}  // namespace http
}  // namespace mymuduo
