#pragma once
// Pure helpers of StaticFileHandler: from a request path to a safe relative file name, and the
// small text jobs around a file response (MIME type, escaping for the listing).
// No state, no I/O: safe from any thread, and testable without a socket.

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

/// Percent-encodes every byte but the unreserved ones (ALPHA DIGIT - . _ ~), and also '/'
/// when `keepSlash`: for hrefs and Location headers built from file names.
std::string percentEncode(std::string_view in, bool keepSlash);

/// Replaces & < > " ' with their HTML character references.
std::string htmlEscape(std::string_view in);

/// The Content-Type for a file name, from its extension (ASCII case ignored); text types
/// carry "; charset=utf-8"; application/octet-stream when the extension is unknown.
const char* mimeTypeForPath(std::string_view path);

}  // namespace http
}  // namespace mymuduo
