#pragma once
// Pure helpers of StaticFileHandler: from a request path to a safe relative file name, the
// small text jobs around a file response (MIME type, escaping for the listing), and the
// validators and ranges of RFC 9110 (entity tags, Range).
// No state, no I/O: safe from any thread, and testable without a socket.

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace mymuduo {
namespace http {

/// Decodes %XX escapes (RFC 3986 §2.1). False on a '%' not followed by two hex digits and on
/// a decoded NUL (no file name can contain one, and C APIs would cut the name there). '+' is
/// left as it is: it means a space only in HTML form data, never in a path.
bool percentDecode(std::string_view in, std::string* out);

/// The path with "." and ".." segments resolved (RFC 3986 §5.2.4) and empty segments dropped:
/// always starts with '/', never climbs above it ("/../a" is "/a"), ends with '/' when the input
/// named a directory ("/a/", "/a/.", "/a/b/.."). Works on a DECODED path: run on the raw one,
/// "%2e%2e" would pass as a plain name and become ".." only after the check.
std::string removeDotSegments(std::string_view decodedPath);

/// Whether a path from removeDotSegments() has a segment that starts with '.' (".git",
/// ".env"): a dotfile, or a file inside a dot directory.
bool hasDotSegment(std::string_view path);

/// Percent-encodes every byte but the unreserved ones (ALPHA DIGIT - . _ ~), and also '/'
/// when `keepSlash`: for hrefs and Location headers built from file names.
std::string percentEncode(std::string_view in, bool keepSlash);

/// Replaces & < > " ' with their HTML character references.
std::string htmlEscape(std::string_view in);

/// File extensions (lowercase, without the dot) and their types, as a mime.types file lists them.
using MimeTypeMap = std::map<std::string, std::string, std::less<>>;

/// Reads the text of a mime.types file: a line is a type and then its extensions, separated by
/// blanks; '#' starts a comment. A type that is not "token/token" is skipped, so that no line
/// can put other text into a header; an extension listed twice keeps its first type.
MimeTypeMap parseMimeTypes(std::string_view text);

/// The Content-Type for a file name, from its extension (ASCII case ignored). The built-in table
/// first: it is the same on every machine, and gives text types "; charset=utf-8". Then
/// `extra`, for the extensions the table does not know; application/octet-stream when neither
/// does. The pointer stays valid as long as `extra`.
const char* mimeTypeForPath(std::string_view path, const MimeTypeMap* extra = nullptr);

/// A file's strong entity tag (RFC 9110 §8.8.3), made from its size and modification time in
/// nanoseconds: "\"<size hex>-<mtime ns hex>\"".
std::string makeEntityTag(uint64_t size, const struct timespec& mtime);

/// Whether the value of If-None-Match (`weak` true: weak comparison) or If-Match (false: strong
/// comparison) matches `entityTag`: "*", or a list of entity tags with one that compares equal
/// (RFC 9110 §8.8.3.2, §13.1.1, §13.1.2). A value that is not such a list matches nothing.
bool entityTagListMatches(std::string_view fieldValue, std::string_view entityTag, bool weak);

/// What a Range header asks of a file of `size` bytes (RFC 9110 §14.1.2, §14.2).
struct ByteRange {
  enum Kind {
    kWhole,          ///< send the whole file: no Range, one not valid, another unit, or several
                     ///< ranges (RFC 9110 §14.2 lets a server ignore the field)
    kPartial,        ///< bytes first..last (inclusive) of the file: 206
    kUnsatisfiable,  ///< a valid range that selects nothing: 416
  };
  Kind kind = kWhole;
  uint64_t first = 0;
  uint64_t last = 0;
};

/// Reads the value of a Range header: "bytes=a-b" (b past the end means the end), "bytes=a-",
/// "bytes=-n" (the last n bytes). Numbers of any length are compared exactly; the work is linear
/// in the length of the value.
ByteRange parseByteRange(std::string_view fieldValue, uint64_t size);

}  // namespace http
}  // namespace mymuduo
