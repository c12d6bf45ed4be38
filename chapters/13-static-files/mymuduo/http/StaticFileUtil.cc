#include "mymuduo/http/StaticFileUtil.h"

#include <vector>

namespace mymuduo {
namespace http {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool isUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

struct MimeType {
  const char* extension;
  const char* type;
};

// Text types say their charset: without it a browser guesses, and guesses wrong for UTF-8.
const MimeType kMimeTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},  // UTF-8 by definition (RFC 8259 §8.1); no charset parameter
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    // Source and patches: shown by a browser instead of downloaded.
    {"patch", "text/plain; charset=utf-8"},
    {"diff", "text/plain; charset=utf-8"},
    {"cc", "text/plain; charset=utf-8"},
    {"h", "text/plain; charset=utf-8"},
    {"py", "text/plain; charset=utf-8"},
    {"sh", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/vnd.microsoft.icon"},
    {"pdf", "application/pdf"},
    {"xml", "application/xml"},
    {"wasm", "application/wasm"},
    {"woff2", "font/woff2"},
};

}  // namespace

bool percentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

std::string removeDotSegments(std::string_view decodedPath) {
  // Segment by segment on a stack: "." is dropped, ".." pops (and is dropped at the root),
  // an empty segment ("a//b") is dropped too. Keeping "//x" would make "//x/" in a Location
  // header, which a browser reads as a link to the host x.
  std::vector<std::string_view> segments;
  bool endsWithSlash = false;
  size_t pos = 0;
  for (;;) {
    size_t slash = decodedPath.find('/', pos);
    size_t end = slash == std::string_view::npos ? decodedPath.size() : slash;
    std::string_view segment = decodedPath.substr(pos, end - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) {
      // "/a/", "/a/." and "/a/b/.." all name the directory /a/.
      endsWithSlash = segment.empty() || segment == "." || segment == "..";
      break;
    }
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out.append(segment.data(), segment.size());
  }
  if (out.empty() || endsWithSlash) out += '/';
  return out;
}

std::string percentEncode(std::string_view in, bool keepSlash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (isUnreserved(c) || (keepSlash && c == '/')) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string htmlEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* mimeTypeForPath(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  // No dot, or only a leading one (".bashrc" is a name, not an extension).
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string extension;
  for (char c : name.substr(dot + 1)) extension += asciiLower(c);
  for (const MimeType& m : kMimeTypes) {
    if (extension == m.extension) return m.type;
  }
  return "application/octet-stream";
}

}  // namespace http
}  // namespace mymuduo
