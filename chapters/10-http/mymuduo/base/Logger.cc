#include "mymuduo/base/Logger.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

}  // namespace

const char* strerror_tl(int savedErrno) {
  thread_local char buf[512];
  return ::strerror_r(savedErrno, buf, sizeof buf);  // the GNU version returns the text
}

Logger::Logger(const char* file, int line, LogLevel level, bool withErrno)
    : basename_(basename(file)), line_(line), level_(level) {
  int savedErrno = errno;
  stream_ << Timestamp::now().toFormattedString() << ' ' << CurrentThread::tid() << ' '
          << kLevelNames[level];
  if (withErrno && savedErrno != 0) {
    stream_ << strerror_tl(savedErrno) << " (errno=" << savedErrno << ") ";
  }
}

Logger::~Logger() {
  stream_ << " - " << basename_ << ':' << line_ << '\n';
  std::string line = stream_.str();
  g_output.load(std::memory_order_relaxed)(line.data(), line.size());
  if (level_ == FATAL) {
    std::fflush(stderr);
    std::abort();
  }
}

Logger::LogLevel Logger::logLevel() { return g_logLevel.load(std::memory_order_relaxed); }

void Logger::setLogLevel(LogLevel level) { g_logLevel.store(level, std::memory_order_relaxed); }

void Logger::setOutput(OutputFunc out) { g_output.store(out, std::memory_order_relaxed); }

}  // namespace mymuduo
