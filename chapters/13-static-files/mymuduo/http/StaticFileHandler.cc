#include "mymuduo/http/StaticFileHandler.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*; glibc 2.36 has no openat2() wrapper
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mymuduo/base/Logger.h"
#include "mymuduo/base/UniqueFd.h"
#include "mymuduo/http/HttpDate.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/StaticFileUtil.h"

// Why the path is checked the way it is. Each simpler check below has a hole:
//
// - Looking for ".." in the raw target, before percent-decoding: "/%2e%2e/secret" has no "..",
//   and decodes to "/../secret". So decode first, then resolve dot segments, then open; and
//   decoding once only: a second decode would turn "%252e" into "%2e" into "." later still.
// - realpath(root + path) and then "starts with the root": without a trailing '/', the root
//   "/srv/www" also "contains" "/srv/www-private/key". The prefix must be root + "/".
// - Resolving ".." lexically (our removeDotSegments) and opening the result: the text then stays
//   beneath the root, but the file system has symlinks. "docs/link -> /etc" or "-> ../../.."
//   inside the root leads out, and no string check can see that without resolving it.
// - realpath() resolves symlinks, but it is a check and the open() after it is a second,
//   separate lookup (time of check to time of use): whoever can write inside the root can
//   swap a checked directory for a symlink in between, and open() follows it out.
//
// openat2(root_fd, path, RESOLVE_BENEATH) closes all of these at once: the kernel resolves the
// path starting at the root's fd, follows symlinks as it goes, and fails with EXDEV on any
// step above the root or to an absolute path, in the same lookup that opens the file.
// RESOLVE_NO_MAGICLINKS also refuses /proc/<pid>/fd-style links, which jump anywhere.
// It also refuses an absolute symlink that leads to a file beneath the root: for that one
// case realpath() finds where the link leads, and openat2 opens the result beneath the root
// again, so a tree changed in between makes the open fail and never leads out.

namespace mymuduo {
namespace http {

struct StaticFileHandler::Root {
  Root(int rootFd, std::string rootRealPath, const Options& options, MimeTypeMap types)
      : fd(rootFd),
        realPath(std::move(rootRealPath)),
        confinement(options.confinement),
        dotfiles(options.dotfiles),
        mimeTypes(std::move(types)) {}

  const UniqueFd fd;  // O_PATH: usable only as the starting point of lookups
  const std::string realPath;
  const Confinement confinement;
  const bool dotfiles;
  const MimeTypeMap mimeTypes;  // from the mime.types file, for what the built-in table lacks
  // Set once, by whichever thread first finds openat2 missing; the others may try it once more.
  std::atomic<bool> noOpenat2{false};
};

namespace {

void sendError(HttpResponse* response, HttpResponse::HttpStatusCode code) {
  response->setStatusCode(code);
  response->setContentType("text/plain; charset=utf-8");
  response->setBody(std::to_string(static_cast<int>(code)) + " " +
                    HttpResponse::reasonPhrase(code) + "\n");
}

/// The status for an open() that failed. Leaving the root reads as "not found": a client
/// learns nothing about what lies outside.
HttpResponse::HttpStatusCode statusForErrno(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return HttpResponse::k403Forbidden;
    case ENOENT:
    case ENOTDIR:
    case EXDEV:
    case ELOOP:
    case ENAMETOOLONG:
    case ENXIO:
      return HttpResponse::k404NotFound;
    default:
      return HttpResponse::k500InternalServerError;
  }
}

/// The field's value, a field sent several times joined as "a, b" (HttpRequest::getHeader());
/// nullopt when the request has none.
std::optional<std::string> findField(const HttpRequest& request, std::string_view name) {
  if (!request.hasHeader(name)) return std::nullopt;
  return request.getHeader(name);
}

/// The preconditions of RFC 9110 §13.2.2, in its order, for GET and HEAD of a file: 412 when
/// If-Match, or else If-Unmodified-Since, fails; 304 when If-None-Match, or else
/// If-Modified-Since, finds the client's copy current; 200 otherwise. A field sent twice
/// arrives as "a, b" (HttpRequest::getHeader()): a longer list of tags, or no date at all.
HttpResponse::HttpStatusCode evaluatePreconditions(const HttpRequest& request,
                                                   const std::string& entityTag,
                                                   std::time_t mtime) {
  std::time_t date;
  if (std::optional<std::string> ifMatch = findField(request, "If-Match")) {
    if (!entityTagListMatches(*ifMatch, entityTag, false)) {
      return HttpResponse::k412PreconditionFailed;
    }
  } else if (std::optional<std::string> since = findField(request, "If-Unmodified-Since")) {
    // A date that does not parse is ignored (§13.1.4), as below.
    if (parseHttpDate(*since, &date) && mtime > date) return HttpResponse::k412PreconditionFailed;
  }
  if (std::optional<std::string> ifNoneMatch = findField(request, "If-None-Match")) {
    if (entityTagListMatches(*ifNoneMatch, entityTag, true)) return HttpResponse::k304NotModified;
  } else if (std::optional<std::string> since = findField(request, "If-Modified-Since")) {
    if (parseHttpDate(*since, &date) && mtime <= date) return HttpResponse::k304NotModified;
  }
  return HttpResponse::k200Ok;
}

/// Whether a Range may apply (RFC 9110 §13.1.5): no If-Range, or one that names this version
/// of the file, by an entity tag that compares strongly (ours is strong, so it must be the
/// same bytes) or by a date equal to Last-Modified. Otherwise the whole file.
bool ifRangeHolds(const HttpRequest& request, const std::string& entityTag, std::time_t mtime) {
  std::optional<std::string> ifRange = findField(request, "If-Range");
  if (!ifRange || *ifRange == entityTag) return true;
  std::time_t date;
  return parseHttpDate(*ifRange, &date) && date == mtime;
}

/// The answer for the regular file `fd`, named `name` beneath the root, to GET or HEAD.
void sendFile(const HttpRequest& request, HttpResponse* response, UniqueFd fd,
              const struct stat& st, const std::string& name, const MimeTypeMap& types) {
  const auto size = static_cast<uint64_t>(st.st_size);
  const std::string entityTag = makeEntityTag(size, st.st_mtim);
  const std::string lastModified = formatHttpDate(st.st_mtime);
  const HttpResponse::HttpStatusCode precondition =
      evaluatePreconditions(request, entityTag, st.st_mtime);
  if (precondition == HttpResponse::k412PreconditionFailed) {
    sendError(response, precondition);
    return;
  }
  if (precondition == HttpResponse::k304NotModified) {
    // The validators a cache refreshes its copy with, and nothing of the body (RFC 9110
    // §15.4.5): no Content-Type, and no file, so no Content-Length either.
    response->setStatusCode(precondition);
    response->addHeader("ETag", entityTag);
    response->addHeader("Last-Modified", lastModified);
    return;
  }
  ByteRange range;
  std::optional<std::string> rangeField = findField(request, "Range");
  if (rangeField && ifRangeHolds(request, entityTag, st.st_mtime)) {
    range = parseByteRange(*rangeField, size);
  }
  if (range.kind == ByteRange::kUnsatisfiable) {
    sendError(response, HttpResponse::k416RangeNotSatisfiable);
    response->addHeader("Content-Range", "bytes */" + std::to_string(size));
    return;
  }
  response->setContentType(mimeTypeForPath(name, &types));
  response->addHeader("Last-Modified", lastModified);
  response->addHeader("ETag", entityTag);
  response->addHeader("Accept-Ranges", "bytes");
  if (range.kind == ByteRange::kPartial) {
    // HEAD too: its answer is the one GET would get, without the body (RFC 9110 §9.3.2).
    response->setStatusCode(HttpResponse::k206PartialContent);
    response->addHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                             std::to_string(range.last) + "/" +
                                             std::to_string(size));
    response->setBodyFile(fd.release(), range.last - range.first + 1, range.first);
  } else {
    response->setStatusCode(HttpResponse::k200Ok);
    response->setBodyFile(fd.release(), size);
  }
}

bool isBeneath(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  // root + "/": "/srv/www" must not let "/srv/www-private" through.
  return path == root || path.compare(0, root.size() + 1, root + "/") == 0;
}

/// `relative` (beneath the root) with every symlink resolved by realpath(), as an absolute
/// path. False with realpath()'s errno when it leads nowhere, with EXDEV when it leads out of
/// the root (checked with the trailing '/').
bool resolveBeneath(const std::string& rootPath, const std::string& relative,
                    std::string* resolved) {
  std::string full = rootPath + (rootPath == "/" ? "" : "/") + relative;
  char* real = ::realpath(full.c_str(), nullptr);
  if (real == nullptr) return false;
  *resolved = real;
  std::free(real);
  if (!isBeneath(*resolved, rootPath)) {
    errno = EXDEV;
    return false;
  }
  return true;
}

/// A mime.types file's extensions; none when it is missing or unreadable. Read whole, up to a
/// bound: Debian's has 74 KiB.
MimeTypeMap readMimeTypesFile(const std::string& path) {
  constexpr size_t kMaxBytes = 1024 * 1024;
  if (path.empty()) return {};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  std::string text(std::min(static_cast<size_t>(st.st_size), kMaxBytes), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), &text[got], text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return parseMimeTypes(text);
}

/// Whether the symlink `relative` (beneath the root, as for openBeneath) leads to a directory
/// that is beneath the root too. Followed the way a request for it would be: a stat() through
/// a link that leads out would show a client whether a directory exists outside the root
/// ("etc/" against "etc"). A link that leads out, or nowhere, is listed as a plain name, and
/// asking for it is 404 like any other way out.
bool linkIsDirectoryBeneath(const StaticFileHandler& handler, const std::string& relative) {
  UniqueFd fd(handler.openBeneath(relative, O_PATH));
  struct stat st;
  return fd.get() >= 0 && ::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Called after openat2 failed with ENOSYS or EPERM: whether it works all the same, and the
/// error was about the file. ENOSYS comes from a kernel before 5.6; EPERM also from a seccomp
/// filter that does not know the call (the default profiles of container runtimes, systemd's
/// SystemCallFilter=), but an open may be refused with EPERM for its own reasons (a fanotify
/// "deny"), and falling back for good on that would weaken every later lookup. Opening the
/// root itself, which no permission refuses, tells them apart. Keeps errno. Not for E2BIG or
/// EINVAL: `how` is open_how's first version and both resolve flags came with openat2, so every
/// kernel that has the call takes them; those errors would be bugs, not a missing call.
bool openat2Works(int rootFd) {
  int err = errno;
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  long fd = ::syscall(SYS_openat2, rootFd, ".", &how, sizeof how);
  // Any other failure (EMFILE, say) is no proof that the call is missing.
  bool works = fd >= 0 || (errno != ENOSYS && errno != EPERM);
  if (fd >= 0) ::close(static_cast<int>(fd));
  errno = err;
  return works;
}

/// A page listing directory `dirFd` (which it takes over), shown as `urlPath` ("/a/b/"); its
/// entries are `prefix` + name beneath the handler's root. Names that start with '.' are left
/// out unless `dotfiles`: a request for one would be 404.
void sendListing(HttpResponse* response, int dirFd, const std::string& urlPath,
                 const StaticFileHandler& handler, const std::string& prefix, bool dotfiles) {
  DIR* dir = ::fdopendir(dirFd);
  if (dir == nullptr) {
    ::close(dirFd);
    sendError(response, HttpResponse::k500InternalServerError);
    return;
  }
  std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
  // readdir() on a DIR stream of our own: glibc makes that safe while other threads read
  // other streams, which is all we need (readdir_r is deprecated).
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || (name == ".." && urlPath == "/")) continue;
    if (!dotfiles && name[0] == '.' && name != "..") continue;
    bool isDir = entry->d_type == DT_DIR;
    bool isLink = entry->d_type == DT_LNK;
    if (entry->d_type == DT_UNKNOWN) {
      // A file system that leaves d_type out: ask, without following a symlink (see below).
      struct stat st;
      if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        isDir = S_ISDIR(st.st_mode);
        isLink = S_ISLNK(st.st_mode);
      }
    }
    if (isLink) isDir = linkIsDirectoryBeneath(handler, prefix + name);
    entries.emplace_back(std::move(name), isDir);
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end());

  std::string title = htmlEscape("Index of " + urlPath);
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                     "</title></head>\n<body><h1>" + title + "</h1>\n<ul>\n";
  for (const auto& [name, isDir] : entries) {
    std::string shown = name + (isDir ? "/" : "");
    // The href is percent-encoded ("a b" -> "a%20b"; also ':' so that "x:y" is not read as
    // a URL scheme), the text HTML-escaped (a file may be called "<script>").
    html += "<li><a href=\"" + percentEncode(name, false) + (isDir ? "/" : "") + "\">" +
            htmlEscape(shown) + "</a></li>\n";
  }
  html += "</ul>\n</body></html>\n";
  response->setStatusCode(HttpResponse::k200Ok);
  response->setContentType("text/html; charset=utf-8");
  response->setBody(std::move(html));
}

}  // namespace

StaticFileHandler::StaticFileHandler(const std::string& root, Confinement confinement)
    : StaticFileHandler(root, Options{confinement}) {}

StaticFileHandler::StaticFileHandler(const std::string& root, const Options& options) {
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    throw std::runtime_error("StaticFileHandler: '" + root +
                             "' is not a directory we can open: " + strerror_tl(err));
  }
  char* real = ::realpath(root.c_str(), nullptr);
  if (real == nullptr) {
    int err = errno;
    throw std::runtime_error("StaticFileHandler: realpath('" + root + "'): " + strerror_tl(err));
  }
  std::string realPath = real;
  std::free(real);
  root_ = std::make_shared<Root>(fd.release(), std::move(realPath), options,
                                 readMimeTypesFile(options.mimeTypesFile));
}

const std::string& StaticFileHandler::root() const { return root_->realPath; }

int StaticFileHandler::openBeneath(const std::string& relative, int flags) const {
  flags |= O_CLOEXEC;
  if (root_->confinement == kAuto && !root_->noOpenat2.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 3; ++attempt) {
      long fd = ::syscall(SYS_openat2, root_->fd.get(), relative.c_str(), &how, sizeof how);
      if (fd >= 0) return static_cast<int>(fd);
      // EAGAIN: a rename elsewhere raced with a ".." of the lookup, and the kernel could not
      // prove it stayed beneath the root; trying again is what openat2(2) suggests.
      if (errno != EAGAIN) break;
    }
    if (errno == EXDEV || errno == ELOOP) {
      // Perhaps an absolute symlink to a file beneath the root (see the top of this file).
      int err = errno;
      std::string resolved;
      if (!resolveBeneath(root_->realPath, relative, &resolved)) {
        errno = err;  // leading out, or nowhere: the answer the client gets is the same
        return -1;
      }
      const size_t prefix = root_->realPath == "/" ? 1 : root_->realPath.size() + 1;
      std::string again = resolved.size() < prefix ? "." : resolved.substr(prefix);
      long fd = ::syscall(SYS_openat2, root_->fd.get(), again.c_str(), &how, sizeof how);
      return fd >= 0 ? static_cast<int>(fd) : -1;
    }
    // ENOSYS: a kernel before 5.6. EPERM: a seccomp filter that does not know the call, or a
    // refusal of this very file; openat2Works() tells which.
    if ((errno != ENOSYS && errno != EPERM) || openat2Works(root_->fd.get())) return -1;
    if (!root_->noOpenat2.exchange(true)) {
      LOG_WARN << "openat2 is not available (kernel before 5.6, or a seccomp filter): "
               << "confining paths to " << root_->realPath
               << " with realpath(), which races with symlink changes";
    }
  }

  // The fallback: resolve every symlink with realpath(), check the result is beneath the root
  // (with the trailing '/'), then open the resolved name. The open is a second lookup: a
  // directory on the checked path swapped for a symlink in between still leads out.
  // O_NOFOLLOW narrows that to the directories (a swapped last component fails with ELOOP).
  std::string resolved;
  if (!resolveBeneath(root_->realPath, relative, &resolved)) return -1;
  return ::open(resolved.c_str(), flags | O_NOFOLLOW);
}

void StaticFileHandler::operator()(const HttpRequest& request, HttpResponse* response) const {
  if (request.method() != HttpRequest::kGet && request.method() != HttpRequest::kHead) {
    sendError(response, HttpResponse::k405MethodNotAllowed);
    response->addHeader("Allow", "GET, HEAD");
    return;
  }
  // Decode, then resolve dot segments, in that order (see the top of this file).
  std::string decoded;
  if (request.path().empty() || request.path()[0] != '/' ||
      !percentDecode(request.path(), &decoded)) {
    sendError(response, HttpResponse::k400BadRequest);
    return;
  }
  const std::string path = removeDotSegments(decoded);  // "/..." with no ".", ".." or "//"
  if (!root_->dotfiles && hasDotSegment(path)) {
    // As if absent: ".git/" or ".env" are not for the world, nor is whether they exist.
    sendError(response, HttpResponse::k404NotFound);
    return;
  }
  const bool wantsDirectory = path.back() == '/';
  // A trailing '/' stays on: the kernel then refuses a regular file with ENOTDIR.
  const std::string relative = path == "/" ? "." : path.substr(1);

  // O_NONBLOCK: opening a FIFO for reading would otherwise block the IO loop until a writer
  // comes. It changes nothing for regular files (open(2)) and is harmless for directories.
  UniqueFd fd(openBeneath(relative, O_RDONLY | O_NONBLOCK));
  if (fd.get() < 0) {
    sendError(response, statusForErrno(errno));
    return;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    sendError(response, HttpResponse::k500InternalServerError);
    return;
  }
  if (S_ISREG(st.st_mode)) {
    sendFile(request, response, std::move(fd), st, path, root_->mimeTypes);
    return;
  }
  if (!S_ISDIR(st.st_mode)) {  // FIFO, socket, device
    sendError(response, HttpResponse::k404NotFound);
    return;
  }
  if (!wantsDirectory) {
    // Relative links in the directory's page resolve against the URL, so it must end in '/'.
    // Built from the normalised path, never the raw one: "//evil.example" + "/" would be a
    // link to another host.
    std::string location = percentEncode(path, true) + "/";
    if (!request.query().empty()) location += "?" + request.query();
    sendError(response, HttpResponse::k301MovedPermanently);
    response->addHeader("Location", location);
    return;
  }
  // The index is opened beneath the root like any other path: index.html may be a symlink.
  std::string index = (path == "/" ? std::string() : relative) + "index.html";
  UniqueFd indexFd(openBeneath(index, O_RDONLY | O_NONBLOCK));
  if (indexFd.get() >= 0) {
    struct stat indexSt;
    if (::fstat(indexFd.get(), &indexSt) == 0 && S_ISREG(indexSt.st_mode)) {
      sendFile(request, response, std::move(indexFd), indexSt, index, root_->mimeTypes);
      return;
    }
  } else if (errno != ENOENT) {
    sendError(response, statusForErrno(errno));
    return;
  }
  sendListing(response, fd.release(), path, *this, path == "/" ? std::string() : relative,
              root_->dotfiles);
}

}  // namespace http
}  // namespace mymuduo
