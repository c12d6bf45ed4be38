#include "mymuduo/http/HttpRequest.h"

#include <utility>

namespace mymuduo {
namespace http {

namespace {

// What clear() keeps for the next request: a usual header block and its field count. One
// request with a large block must not cost its connection that much memory while it idles.
constexpr size_t kKeptFieldBytes = 2048;
constexpr size_t kKeptFields = 32;

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

void HttpRequest::addHeader(std::string_view field, std::string_view value) {
  if (fields_.capacity() == 0) fields_.reserve(8);  // one allocation for most requests
  const size_t nameBegin = fieldBytes_.size();
  fieldBytes_.append(field);
  fieldBytes_.append(value);
  fields_.push_back({nameBegin, field.size(), nameBegin + field.size(), value.size()});
}

HttpRequest::Header HttpRequest::headerAt(size_t i) const {
  const FieldSpan& f = fields_[i];
  const std::string_view bytes(fieldBytes_);
  return {bytes.substr(f.nameBegin, f.nameSize), bytes.substr(f.valueBegin, f.valueSize)};
}

std::string HttpRequest::getHeader(std::string_view field) const {
  // RFC 9110 §5.3: a recipient may combine repeated fields into one, in order, with commas.
  std::string combined;
  bool found = false;
  for (const auto& [name, value] : headers()) {
    if (!equalsIgnoreCase(name, field)) continue;
    if (found) combined += ", ";
    combined += value;
    found = true;
  }
  return combined;
}

std::string_view HttpRequest::headerValue(std::string_view field) const {
  for (const auto& [name, value] : headers()) {
    if (equalsIgnoreCase(name, field)) return value;
  }
  return {};
}

bool HttpRequest::hasHeader(std::string_view field) const {
  for (const auto& [name, value] : headers()) {
    if (equalsIgnoreCase(name, field)) return true;
  }
  return false;
}

void HttpRequest::clear() {
  method_ = kInvalid;
  version_ = kUnknown;
  path_.clear();
  query_.clear();
  receiveTime_ = Timestamp();
  if (fieldBytes_.capacity() > kKeptFieldBytes) {
    std::string().swap(fieldBytes_);
  } else {
    fieldBytes_.clear();
  }
  if (fields_.capacity() > kKeptFields) {
    std::vector<FieldSpan>().swap(fields_);
  } else {
    fields_.clear();
  }
  std::string().swap(body_);
}

}  // namespace http
}  // namespace mymuduo
