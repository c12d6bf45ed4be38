#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "mymuduo/base/noncopyable.h"

namespace mymuduo {

/// The text of one log line, built in a fixed array inside the Logger (on the logging thread's
/// stack): no heap allocation, no locale, no per-line std::string. It takes the types the
/// library logs: strings, characters, integers of every width, bool (as 1 or 0), double (as
/// printf's %g), pointers (as 0x and hex, null as 0). A line is at most kMaxLine bytes: a longer
/// message is cut off silently, but the line still ends with " - file:line\n" (see
/// Logger::~Logger). Owned by one Logger, used by one thread.
class LogStream : noncopyable {
 public:
  static constexpr size_t kMaxLine = 4096;

  LogStream& operator<<(bool v) { return *this << (v ? '1' : '0'); }
  LogStream& operator<<(char c) {
    if (len_ < limit_) buf_[len_++] = c;
    return *this;
  }
  // signed/unsigned char print as characters, as std::ostream does.
  LogStream& operator<<(signed char c) { return *this << static_cast<char>(c); }
  LogStream& operator<<(unsigned char c) { return *this << static_cast<char>(c); }
  LogStream& operator<<(short v);
  LogStream& operator<<(unsigned short v);
  LogStream& operator<<(int v);
  LogStream& operator<<(unsigned int v);
  LogStream& operator<<(long v);
  LogStream& operator<<(unsigned long v);
  LogStream& operator<<(long long v);
  LogStream& operator<<(unsigned long long v);
  LogStream& operator<<(float v) { return *this << static_cast<double>(v); }
  LogStream& operator<<(double v);
  LogStream& operator<<(const void* p);
  LogStream& operator<<(const char* s) {  // nullptr prints "(null)"
    return s != nullptr ? append(s, std::strlen(s)) : append("(null)", 6);
  }
  LogStream& operator<<(std::string_view s) { return append(s.data(), s.size()); }
  LogStream& operator<<(const std::string& s) { return append(s.data(), s.size()); }

  /// Appends what fits below the limit and drops the rest. Inline, as the operators above: a
  /// literal's length is then known when compiling, and its copy is a few moves, not a call.
  LogStream& append(const char* data, size_t len) {
    const size_t room = limit_ - len_;
    if (len > room) len = room;  // too long for the line: keep what fits
    if (len > 0) {               // an empty string_view may have a null data(): no memcpy
      std::memcpy(buf_ + len_, data, len);
      len_ += len;
    }
    return *this;
  }

  const char* data() const { return buf_; }
  size_t length() const { return len_; }

 private:
  friend class Logger;
  /// Bytes kept free at the end for the " - file:line\n" the Logger appends last.
  static constexpr size_t kSuffixReserve = 128;

  char buf_[kMaxLine];
  size_t len_ = 0;
  size_t limit_ = kMaxLine - kSuffixReserve;
};

/// One log line. A Logger is a temporary made by the LOG_* macros: the message is streamed
/// into it, and its destructor writes the whole line with one call to the output function, so
/// lines from different threads never interleave. LOG_FATAL aborts after writing.
///
/// The level check happens in the macro, before any argument is evaluated: a LOG_TRACE in
/// the event loop costs one load and a compare when tracing is off. Write braces around an
/// if/else that contains a LOG_* line: the macro hides an `if` that would take the `else`.
/// Thread safety: logging is safe from any thread; setLogLevel is too. setOutput must be called
/// before other threads log.
class Logger : noncopyable {
 public:
  enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR, FATAL, NUM_LOG_LEVELS };
  using OutputFunc = void (*)(const char* msg, size_t len);

  Logger(const char* file, int line, LogLevel level, bool withErrno = false);
  ~Logger();

  LogStream& stream() { return stream_; }

  /// Starts as $MYMUDUO_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR), INFO when unset.
  static LogLevel logLevel();
  static void setLogLevel(LogLevel level);
  /// Where finished lines go; the default writes to stderr.
  static void setOutput(OutputFunc out);

 private:
  LogStream stream_;
  const char* basename_;
  int line_;
  LogLevel level_;
};

/// strerror for errno values, safe to call from any thread.
const char* strerror_tl(int savedErrno);

}  // namespace mymuduo

#define LOG_TRACE                                            \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::TRACE) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::TRACE).stream()
#define LOG_DEBUG                                            \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::DEBUG) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::DEBUG).stream()
#define LOG_INFO                                            \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::INFO) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::INFO).stream()
#define LOG_WARN                                            \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::WARN) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::WARN).stream()
#define LOG_ERROR                                            \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::ERROR) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::ERROR).stream()
/// FATAL is never filtered: it aborts.
#define LOG_FATAL mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::FATAL).stream()
/// The same as LOG_ERROR / LOG_FATAL, with errno's text appended.
#define LOG_SYSERR                                           \
  if (mymuduo::Logger::logLevel() <= mymuduo::Logger::ERROR) \
  mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::ERROR, true).stream()
#define LOG_SYSFATAL mymuduo::Logger(__FILE__, __LINE__, mymuduo::Logger::FATAL, true).stream()
