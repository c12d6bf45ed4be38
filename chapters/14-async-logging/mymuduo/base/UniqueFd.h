#pragma once

#include <utility>

namespace mymuduo {

/// Owns one file descriptor - a socket, a file, a directory opened with O_PATH - and closes it
/// when destroyed: the library's one owner of an fd, so that no error path can leak one or close
/// one twice. Movable, not copyable; -1 owns nothing. Not thread safe by itself: one thread owns
/// it at a time, as it owns the fd.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  /// Gives the fd up without closing it: the caller owns it now.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the fd owned, if any, and owns `fd` instead. A failed close is logged: for an fd we
  /// own it can only mean a bug, such as a second close of the same number.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace mymuduo
