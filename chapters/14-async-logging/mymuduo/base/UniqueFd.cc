#include "mymuduo/base/UniqueFd.h"

#include <unistd.h>

#include "mymuduo/base/Logger.h"

namespace mymuduo {

void UniqueFd::reset(int fd) {
  // close() is not retried on EINTR: Linux has released the fd by then, and a second close
  // could hit a number another thread has just been given.
  if (fd_ >= 0 && ::close(fd_) < 0) LOG_SYSERR << "UniqueFd: close(" << fd_ << ")";
  fd_ = fd;
}

}  // namespace mymuduo
