#include "mymuduo/base/LogFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mymuduo/base/Logger.h"

namespace mymuduo {

namespace {

std::string hostname() {
  char buf[256];
  if (::gethostname(buf, sizeof buf) != 0) return "unknownhost";
  buf[sizeof buf - 1] = '\0';  // a name that was cut off is not terminated
  return buf;
}

}  // namespace

LogFile::LogFile(std::string basename, off_t rollSize)
    : basename_(std::move(basename)),
      rollSize_(rollSize),
      buffer_(std::make_unique<char[]>(kBufferSize)) {
  rollFile(::time(nullptr));
}

LogFile::~LogFile() { flush(); }

void LogFile::append(const char* data, size_t len, time_t now) {
  // A new day starts a new file before its first byte is written.
  if (now / kRollPerSeconds * kRollPerSeconds != startOfPeriod_) rollFile(now);
  if (buffered_ + len > kBufferSize) flush();
  if (len >= kBufferSize) {
    writeOut(data, len);  // a large chunk (AsyncLogging's buffers): no copy, one write
  } else {
    std::memcpy(buffer_.get() + buffered_, data, len);
    buffered_ += len;
  }
  writtenBytes_ += static_cast<off_t>(len);
  // After the bytes, so that a file ends where a chunk ends: the callers append whole lines.
  if (writtenBytes_ > rollSize_) rollFile(now);
}

void LogFile::flush() {
  writeOut(buffer_.get(), buffered_);
  buffered_ = 0;
}

void LogFile::rollFile(time_t now) {
  // The name has a resolution of one second: a second file started in the same second would be
  // the same file. Refused here, the roll is tried again at the next append.
  if (now <= lastRoll_) return;
  flush();  // what is buffered belongs to the old file
  fileName_ = getLogFileName(basename_, now);
  int fd = ::open(fileName_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    // Not LOG_*: the Logger's output may be the AsyncLogging whose back end is calling us.
    int savedErrno = errno;
    std::fprintf(stderr, "LogFile: cannot open %s: %s\n", fileName_.c_str(),
                 strerror_tl(savedErrno));
  }
  fd_.reset(fd);
  writtenBytes_ = 0;
  lastRoll_ = now;
  startOfPeriod_ = now / kRollPerSeconds * kRollPerSeconds;
}

void LogFile::writeOut(const char* data, size_t len) {
  if (fd_.get() < 0) return;  // the file could not be opened: the bytes are lost
  while (len > 0) {
    ssize_t n = ::write(fd_.get(), data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int savedErrno = errno;
      std::fprintf(stderr, "LogFile: write to %s failed, %zu bytes lost: %s\n", fileName_.c_str(),
                   len, strerror_tl(savedErrno));
      return;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

std::string LogFile::getLogFileName(const std::string& basename, time_t now) {
  struct tm tm;
  ::gmtime_r(&now, &tm);  // UTC, like the times in the lines
  char timebuf[32];
  std::strftime(timebuf, sizeof timebuf, ".%Y%m%d-%H%M%S.", &tm);
  return basename + timebuf + hostname() + "." + std::to_string(::getpid()) + ".log";
}

}  // namespace mymuduo
