#pragma once

#include <cstddef>
#include <sstream>

#include "mymuduo/base/noncopyable.h"

namespace mymuduo {

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

  std::ostringstream& stream() { return stream_; }

  /// Starts as $MYMUDUO_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR), INFO when unset.
  static LogLevel logLevel();
  static void setLogLevel(LogLevel level);
  /// Where finished lines go; the default writes to stderr.
  static void setOutput(OutputFunc out);

 private:
  std::ostringstream stream_;
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
