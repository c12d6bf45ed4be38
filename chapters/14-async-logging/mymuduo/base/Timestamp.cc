#include "mymuduo/base/Timestamp.h"

#include <sys/time.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace mymuduo {

Timestamp Timestamp::now() {
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  return Timestamp(tv.tv_sec * kMicroSecondsPerSecond + tv.tv_usec);
}

std::string Timestamp::toString() const {
  char buf[32];
  int64_t seconds = microSecondsSinceEpoch_ / kMicroSecondsPerSecond;
  int64_t micros = microSecondsSinceEpoch_ % kMicroSecondsPerSecond;
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%06" PRId64, seconds, micros);
  return buf;
}

std::string Timestamp::toFormattedString(bool showMicroseconds) const {
  auto seconds = static_cast<time_t>(microSecondsSinceEpoch_ / kMicroSecondsPerSecond);
  struct tm tm;
  ::gmtime_r(&seconds, &tm);
  char buf[64];
  if (showMicroseconds) {
    auto micros = static_cast<int>(microSecondsSinceEpoch_ % kMicroSecondsPerSecond);
    std::snprintf(buf, sizeof buf, "%4d%02d%02d %02d:%02d:%02d.%06d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  } else {
    std::snprintf(buf, sizeof buf, "%4d%02d%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

}  // namespace mymuduo
