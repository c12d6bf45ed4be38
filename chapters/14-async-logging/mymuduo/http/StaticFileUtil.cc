#include "mymuduo/http/StaticFileUtil.h"

#include <cinttypes>
#include <cstdio>
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

// The formats a web site serves, with the types browsers expect (IANA's where there is one).
// Text types say their charset: without it a browser guesses, and guesses wrong for UTF-8.
const MimeType kMimeTypes[] = {
    // Text and code
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},  // UTF-8 by definition (RFC 8259 §8.1); no charset parameter
    {"map", "application/json"},   // source maps
    {"webmanifest", "application/manifest+json"},
    {"xml", "application/xml"},  // XML declares its own encoding
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"ics", "text/calendar; charset=utf-8"},
    // Source and patches: shown by a browser instead of downloaded.
    {"patch", "text/plain; charset=utf-8"},
    {"diff", "text/plain; charset=utf-8"},
    {"cc", "text/plain; charset=utf-8"},
    {"h", "text/plain; charset=utf-8"},
    {"py", "text/plain; charset=utf-8"},
    {"sh", "text/plain; charset=utf-8"},
    // Images
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/vnd.microsoft.icon"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    // Audio and video
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"ogv", "video/ogg"},
    {"ogg", "audio/ogg"},
    {"oga", "audio/ogg"},
    {"opus", "audio/ogg"},  // Opus in Ogg (RFC 7845)
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"flac", "audio/flac"},
    {"m4a", "audio/mp4"},
    {"aac", "audio/aac"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    // Fonts
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"eot", "application/vnd.ms-fontobject"},
    // Documents and archives
    {"pdf", "application/pdf"},
    {"epub", "application/epub+zip"},
    {"rtf", "application/rtf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"7z", "application/x-7z-compressed"},
    {"zst", "application/zstd"},
    {"wasm", "application/wasm"},
};

bool isTchar(char c) {  // tchar, RFC 9110 §5.6.2
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isOws(char c) { return c == ' ' || c == '\t'; }

std::string_view trimListBlanks(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

bool sameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// The value of a string of digits, or UINT64_MAX when it has more: larger than any file.
uint64_t saturatingValue(std::string_view digits) {
  uint64_t v = 0;
  for (char c : digits) {
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
    v = v * 10 + d;
  }
  return v;
}

/// a < b for two strings of digits of any length: without leading zeros, the longer is larger,
/// and of two as long the one that sorts later.
bool decimalLess(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

bool isEntityTagChar(char c) {  // etagc, RFC 9110 §8.8.3
  auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x7E) || u >= 0x80;
}

/// Reads one entity-tag ([W/] DQUOTE *etagc DQUOTE) from the front of *in: whether it is weak,
/// and its opaque part with its quotes.
bool takeEntityTag(std::string_view* in, bool* weak, std::string_view* opaque) {
  *weak = in->substr(0, 2) == "W/";
  std::string_view rest = *weak ? in->substr(2) : *in;
  if (rest.empty() || rest.front() != '"') return false;
  size_t close = rest.find('"', 1);
  if (close == std::string_view::npos) return false;
  for (char c : rest.substr(1, close - 1)) {
    if (!isEntityTagChar(c)) return false;
  }
  *opaque = rest.substr(0, close + 1);
  *in = rest.substr(close + 1);
  return true;
}

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

bool hasDotSegment(std::string_view path) {
  return (!path.empty() && path.front() == '.') || path.find("/.") != std::string_view::npos;
}

MimeTypeMap parseMimeTypes(std::string_view text) {
  MimeTypeMap types;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    line = line.substr(0, line.find('#'));
    std::string_view type;
    while (!line.empty()) {
      while (!line.empty() && (isOws(line.front()) || line.front() == '\r')) line.remove_prefix(1);
      size_t end = 0;
      while (end < line.size() && !isOws(line[end]) && line[end] != '\r') ++end;
      std::string_view word = line.substr(0, end);
      line.remove_prefix(end);
      if (word.empty()) break;
      if (type.empty()) {
        size_t slash = word.find('/');
        bool valid = slash != 0 && slash != std::string_view::npos && slash + 1 < word.size();
        for (size_t i = 0; valid && i < word.size(); ++i) {
          valid = i == slash || isTchar(word[i]);
        }
        if (!valid) break;
        type = word;
        continue;
      }
      std::string extension;
      for (char c : word) extension += asciiLower(c);
      types.emplace(std::move(extension), std::string(type));
    }
  }
  return types;
}

const char* mimeTypeForPath(std::string_view path, const MimeTypeMap* extra) {
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
  if (extra != nullptr) {
    auto it = extra->find(extension);
    if (it != extra->end()) return it->second.c_str();
  }
  return "application/octet-stream";
}

std::string makeEntityTag(uint64_t size, const struct timespec& mtime) {
  // Unsigned, so that a time before 1970 or after 2554 wraps instead of overflowing: the tag
  // only has to change when the file does.
  uint64_t nanoseconds =
      static_cast<uint64_t>(mtime.tv_sec) * 1000000000u + static_cast<uint64_t>(mtime.tv_nsec);
  char tag[48];
  std::snprintf(tag, sizeof tag, "\"%" PRIx64 "-%" PRIx64 "\"", size, nanoseconds);
  return tag;
}

bool entityTagListMatches(std::string_view fieldValue, std::string_view entityTag, bool weak) {
  std::string_view value = trimListBlanks(fieldValue);
  if (value == "*") return true;  // any current representation; a file that exists has one
  bool ourWeak;
  std::string_view ours;
  if (!takeEntityTag(&entityTag, &ourWeak, &ours)) return false;
  // 1#entity-tag: tags separated by commas, with blanks and empty elements around them
  // (RFC 9110 §5.6.1). The whole list is read before answering: one that is not valid
  // matches nothing, even after a tag that matched.
  bool matched = false;
  bool any = false;
  while (true) {
    while (!value.empty() && (isOws(value.front()) || value.front() == ',')) value.remove_prefix(1);
    if (value.empty()) return any && matched;
    bool theirWeak;
    std::string_view theirs;
    if (!takeEntityTag(&value, &theirWeak, &theirs)) return false;
    any = true;
    // Weak comparison ignores W/; strong comparison wants both tags strong (§8.8.3.2).
    if (theirs == ours && (weak || (!theirWeak && !ourWeak))) matched = true;
    while (!value.empty() && isOws(value.front())) value.remove_prefix(1);
    if (!value.empty() && value.front() != ',') return false;
  }
}

ByteRange parseByteRange(std::string_view fieldValue, uint64_t size) {
  ByteRange whole;
  size_t equals = fieldValue.find('=');
  // The unit is case-insensitive (RFC 9110 §14.1); any unit but bytes is ignored (§14.2).
  if (equals == std::string_view::npos ||
      !sameIgnoringCase(fieldValue.substr(0, equals), "bytes")) {
    return whole;
  }
  std::string_view spec;
  std::string_view set = fieldValue.substr(equals + 1);
  while (!set.empty()) {
    size_t comma = set.find(',');
    std::string_view item = trimListBlanks(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
    if (item.empty()) continue;  // an empty list element, which §5.6.1 says to ignore
    // Several ranges would be a multipart/byteranges answer; RFC 9110 §14.2 lets a server
    // ignore the field instead and send the whole file, with 200.
    if (!spec.empty()) return whole;
    spec = item;
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first = spec.substr(0, dash);
  std::string_view last = spec.substr(dash + 1);
  ByteRange range;
  range.kind = ByteRange::kPartial;
  if (first.empty()) {
    // A suffix: the last n bytes, or all of them when the file is shorter.
    if (!isDigits(last)) return whole;
    uint64_t n = saturatingValue(last);
    if (n == 0) {
      range.kind = ByteRange::kUnsatisfiable;
      return range;
    }
    // The last bytes of an empty file are no bytes: no 206 can say so (its Content-Range
    // needs a first and a last byte), so the whole file, empty, with 200.
    if (size == 0) return whole;
    range.first = n >= size ? 0 : size - n;
    range.last = size - 1;
    return range;
  }
  if (!isDigits(first) || (!last.empty() && !isDigits(last))) return whole;
  if (!last.empty() && decimalLess(last, first)) return whole;  // "5-3" is not a range
  range.first = saturatingValue(first);
  if (range.first >= size) {
    range.kind = ByteRange::kUnsatisfiable;
    return range;
  }
  uint64_t lastByte = last.empty() ? size - 1 : saturatingValue(last);
  range.last = lastByte < size - 1 ? lastByte : size - 1;
  return range;
}

}  // namespace http
}  // namespace mymuduo
