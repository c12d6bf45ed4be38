#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <string>

#include "mymuduo/base/UniqueFd.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {

/// A log file that appends through a buffer of its own and rolls: to a new file once the
/// current one has passed rollSize bytes, and at the first append of each new day (UTC). The
/// files are named basename.YYYYmmdd-HHMMSS.hostname.pid.log, the time being when the file was
/// started, in UTC. basename may hold a directory ("/var/log/httpd"); it must exist.
///
/// Owns the open file and the buffer. Bytes reach the kernel when the buffer is full, at flush()
/// and at a roll; destruction flushes. A write that fails is reported on stderr, and its bytes
/// are lost: a log file never stops the program.
/// Thread safety: none. One thread owns a LogFile; AsyncLogging's back end is that thread.
class LogFile : noncopyable {
 public:
  /// A file is rolled at most once a second: two files started in the same second would have
  /// the same name. So a file may pass rollSize until the second has changed.
  LogFile(std::string basename, off_t rollSize);
  ~LogFile();

  void append(const char* data, size_t len) { append(data, len, ::time(nullptr)); }
  /// The same, with the caller's clock: a parameter, so that the tests can roll a day without
  /// waiting for one.
  void append(const char* data, size_t len, time_t now);
  /// Hands the buffered bytes to the kernel (write(2)); it does not fsync.
  void flush();

  /// The file being written, and how many bytes it has (buffered ones included).
  const std::string& fileName() const { return fileName_; }
  off_t writtenBytes() const { return writtenBytes_; }

  static std::string getLogFileName(const std::string& basename, time_t now);

 private:
  static constexpr time_t kRollPerSeconds = 60 * 60 * 24;
  static constexpr size_t kBufferSize = 64 * 1024;

  void rollFile(time_t now);
  void writeOut(const char* data, size_t len);

  const std::string basename_;
  const off_t rollSize_;
  std::string fileName_;
  UniqueFd fd_;
  std::unique_ptr<char[]> buffer_;
  size_t buffered_ = 0;
  off_t writtenBytes_ = 0;
  time_t startOfPeriod_ = 0;  // the UTC day of the current file
  time_t lastRoll_ = 0;       // when the current file was started
};

}  // namespace mymuduo
