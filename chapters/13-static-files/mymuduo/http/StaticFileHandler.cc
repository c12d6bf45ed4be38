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
#include <stdexcept>
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

namespace mymuduo {
namespace http {

struct StaticFileHandler::Root {
  Root(int rootFd, std::string rootRealPath, Confinement how)
      : fd(rootFd), realPath(std::move(rootRealPath)), confinement(how) {}

  const UniqueFd fd;  // O_PATH: usable only as the starting point of lookups
  const std::string realPath;
  const Confinement confinement;
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

void sendFile(HttpResponse* response, int fd, const struct stat& st, const std::string& name) {
  response->setStatusCode(HttpResponse::k200Ok);
  response->setContentType(mimeTypeForPath(name));
  response->addHeader("Last-Modified", formatHttpDate(st.st_mtime));
  response->setBodyFile(fd, static_cast<uint64_t>(st.st_size));
}

bool isBeneath(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  // root + "/": "/srv/www" must not let "/srv/www-private" through.
  return path == root || path.compare(0, root.size() + 1, root + "/") == 0;
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
/// entries are `prefix` + name beneath the handler's root.
void sendListing(HttpResponse* response, int dirFd, const std::string& urlPath,
                 const StaticFileHandler& handler, const std::string& prefix) {
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

StaticFileHandler::StaticFileHandler(const std::string& root, Confinement confinement) {
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
  root_ = std::make_shared<Root>(fd.release(), std::move(realPath), confinement);
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
  std::string full = root_->realPath + (root_->realPath == "/" ? "" : "/") + relative;
  char* resolved = ::realpath(full.c_str(), nullptr);
  if (resolved == nullptr) return -1;
  std::string checked = resolved;
  std::free(resolved);
  if (!isBeneath(checked, root_->realPath)) {
    errno = EXDEV;
    return -1;
  }
  return ::open(checked.c_str(), flags | O_NOFOLLOW);
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
    sendFile(response, fd.release(), st, path);
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
      sendFile(response, indexFd.release(), indexSt, index);
      return;
    }
  } else if (errno != ENOENT) {
    sendError(response, statusForErrno(errno));
    return;
  }
  sendListing(response, fd.release(), path, *this, path == "/" ? std::string() : relative);
}

}  // namespace http
}  // namespace mymuduo
