#include "mymuduo/base/Logger.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Timestamp.h"

namespace mymuduo {

namespace {

const char* const kLevelNames[Logger::NUM_LOG_LEVELS] = {"TRACE ", "DEBUG ", "INFO  ",
                                                         "WARN  ", "ERROR ", "FATAL "};

Logger::LogLevel initLogLevel() {
  const char* env = ::getenv("MYMUDUO_LOG_LEVEL");
  if (env != nullptr) {
    for (int i = 0; i < Logger::NUM_LOG_LEVELS; ++i) {
      // kLevelNames are padded to six characters; compare the word only.
      size_t len = std::strcspn(kLevelNames[i], " ");
      if (std::strlen(env) == len && std::strncmp(env, kLevelNames[i], len) == 0) {
        return static_cast<Logger::LogLevel>(i);
      }
    }
  }
  return Logger::INFO;
}

void defaultOutput(const char* msg, size_t len) { std::fwrite(msg, 1, len, stderr); }

std::atomic<Logger::LogLevel> g_logLevel{initLogLevel()};
std::atomic<Logger::OutputFunc> g_output{defaultOutput};

const char* basename(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

// std::to_chars: no locale, no format string, no allocation. 24 bytes hold any 64-bit value.
template <typename T>
LogStream& appendInteger(LogStream& s, T v) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return s.append(buf, static_cast<size_t>(end - buf));
}

// The "YYYYMMDD HH:MM:SS" part of the time, formatted again only when the second changes:
// within one second every line of a thread reuses it (thread_local, so no locking).
thread_local int64_t t_lastSecond = -1;
thread_local char t_timeText[32];
thread_local size_t t_timeLen = 0;

// The thread's id and a space, formatted again whenever tid() gives another id (so at the
// thread's first line: no thread has id 0), copied on every other line.
thread_local int t_tidOfText = 0;
thread_local char t_tidText[16];
thread_local size_t t_tidLen = 0;

void appendTid(LogStream& s) {
  int tid = CurrentThread::tid();
  if (tid != t_tidOfText) {
    char* end = std::to_chars(t_tidText, t_tidText + sizeof t_tidText - 1, tid).ptr;
    *end++ = ' ';
    t_tidLen = static_cast<size_t>(end - t_tidText);
    t_tidOfText = tid;
  }
  s.append(t_tidText, t_tidLen);
}

// "20231114 22:13:20.123456 ": what Timestamp::toFormattedString() gives, and a space.
void appendTime(LogStream& s) {
  int64_t us = Timestamp::now().microSecondsSinceEpoch();
  int64_t seconds = us / Timestamp::kMicroSecondsPerSecond;
  auto micros = static_cast<int>(us % Timestamp::kMicroSecondsPerSecond);
  if (seconds != t_lastSecond) {
    auto t = static_cast<time_t>(seconds);
    struct tm tm;
    ::gmtime_r(&t, &tm);
    int n = std::snprintf(t_timeText, sizeof t_timeText, "%4d%02d%02d %02d:%02d:%02d",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec);
    t_timeLen = static_cast<size_t>(n);
    t_lastSecond = seconds;
  }
  // Six digits, zero-padded: std::to_chars writes two digits per division where a loop of
  // `% 10` took one, and the zeros are already in place.
  char frac[8] = {'.', '0', '0', '0', '0', '0', '0', ' '};
  char digits[8];
  auto n = static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, micros).ptr - digits);
  std::memcpy(frac + 7 - n, digits, n);
  s.append(t_timeText, t_timeLen);
  s.append(frac, sizeof frac);
}

}  // namespace

const char* strerror_tl(int savedErrno) {
  thread_local char buf[512];
  return ::strerror_r(savedErrno, buf, sizeof buf);  // the GNU version returns the text
}

LogStream& LogStream::operator<<(short v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(unsigned short v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(int v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(unsigned int v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(long v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(unsigned long v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(long long v) { return appendInteger(*this, v); }
LogStream& LogStream::operator<<(unsigned long long v) { return appendInteger(*this, v); }

LogStream& LogStream::operator<<(double v) {
  // The precision overload is specified as printf("%.6g"), which is what std::ostream prints.
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6).ptr;
  return append(buf, static_cast<size_t>(end - buf));
}

LogStream& LogStream::operator<<(const void* p) {
  if (p == nullptr) return *this << '0';  // as std::ostream prints it
  char buf[24] = {'0', 'x'};
  char* end = std::to_chars(buf + 2, buf + sizeof buf, reinterpret_cast<uintptr_t>(p), 16).ptr;
  return append(buf, static_cast<size_t>(end - buf));
}

Logger::Logger(const char* file, int line, LogLevel level, bool withErrno)
    : basename_(basename(file)), line_(line), level_(level) {
  int savedErrno = errno;
  appendTime(stream_);
  appendTid(stream_);
  stream_.append(kLevelNames[level], 6);  // each name padded to six characters
  if (withErrno && savedErrno != 0) {
    stream_ << strerror_tl(savedErrno) << " (errno=" << savedErrno << ") ";
  }
}

Logger::~Logger() {
  // The message stopped kSuffixReserve bytes short of the end; the suffix may use them, all
  // but the last byte, which is kept for the '\n'. So a line always ends with a newline.
  stream_.limit_ = LogStream::kMaxLine - 1;
  stream_ << " - " << basename_ << ':' << line_;
  stream_.buf_[stream_.len_++] = '\n';
  g_output.load(std::memory_order_relaxed)(stream_.data(), stream_.length());
  if (level_ == FATAL) {
    std::fflush(stderr);
    std::abort();
  }
}

Logger::LogLevel Logger::logLevel() { return g_logLevel.load(std::memory_order_relaxed); }

void Logger::setLogLevel(LogLevel level) { g_logLevel.store(level, std::memory_order_relaxed); }

void Logger::setOutput(OutputFunc out) { g_output.store(out, std::memory_order_relaxed); }

}  // namespace mymuduo
