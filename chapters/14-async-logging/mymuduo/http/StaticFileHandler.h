#pragma once

#include <memory>
#include <string>

namespace mymuduo {
namespace http {

class HttpRequest;
class HttpResponse;

/// Serves the files under one root directory over GET and HEAD; an HttpServer callback:
///
///   server.setHttpCallback(StaticFileHandler("/srv/www"));
///
/// Ownership: the root directory is opened once, by the constructor, as an O_PATH fd that
/// every lookup starts from; copies share it (and the last one closes it), so a copy is cheap
/// and std::function can hold one. Each response owns the fd of the file it sends.
/// Thread safety: operator() is const and touches no shared mutable state but one atomic flag,
/// so one handler may serve several IO loops at once (HttpServer::setThreadNum(n)).
///
/// Where a file may come from: only from beneath the root, AFTER symlinks are resolved. The
/// path is percent-decoded first, then its dot segments are resolved, and then the kernel
/// opens it with openat2(RESOLVE_BENEATH), which refuses any step (a "..", an absolute or a
/// relative symlink) that would leave the root, atomically with the open; an absolute symlink
/// that stays inside is resolved with realpath() and opened beneath the root again. Where
/// openat2 is missing (ENOSYS before Linux 5.6, EPERM from some seccomp filters), realpath()
/// and a prefix check stand in, with the race described in StaticFileHandler.cc.
///
/// What a file response carries: Content-Type, Last-Modified, a strong ETag, Accept-Ranges;
/// the preconditions of RFC 9110 §13 (If-Match, If-Unmodified-Since, If-None-Match,
/// If-Modified-Since: 412 or 304) and one byte range (Range, If-Range: 206 or 416).
class StaticFileHandler {
 public:
  /// How a path is kept beneath the root: kAuto uses openat2 and falls back to kRealpath where
  /// openat2 is missing; kRealpath forces the fallback (for tests, and to compare).
  enum Confinement { kAuto, kRealpath };

  struct Options {
    Confinement confinement = kAuto;
    /// Serve paths with a segment that starts with '.' (".git/config", ".env") and list such
    /// names. Off: they are 404, as if absent, and left out of listings.
    bool dotfiles = false;
    /// A mime.types file, read once by the constructor when it exists: the types of the
    /// extensions the built-in table lacks. Empty: none.
    std::string mimeTypesFile = "/etc/mime.types";
  };

  /// Throws std::runtime_error if `root` cannot be opened or is not a directory.
  explicit StaticFileHandler(const std::string& root, Confinement confinement = kAuto);
  StaticFileHandler(const std::string& root, const Options& options);

  void operator()(const HttpRequest& request, HttpResponse* response) const;

  /// The root as realpath() resolved it when the handler was made.
  const std::string& root() const;

  /// Opens `relative` (no leading '/', no dot segments; "." for the root itself) beneath the
  /// root with `flags` (O_CLOEXEC is added). Returns the fd, or -1 with errno set: EXDEV or
  /// ELOOP (openat2) / EXDEV (fallback) when the path would leave the root.
  int openBeneath(const std::string& relative, int flags) const;

 private:
  struct Root;
  std::shared_ptr<Root> root_;
};

}  // namespace http
}  // namespace mymuduo
