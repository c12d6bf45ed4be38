#include "mymuduo/http/HttpDate.h"

#include <cstdio>

namespace mymuduo {
namespace http {

std::string formatHttpDate(std::time_t t) {
  // By hand rather than strftime("%a, %d %b ..."): %a and %b follow the process locale, and
  // HTTP wants the English names whatever setlocale() the program called.
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  gmtime_r(&t, &tm);  // gmtime() shares one static struct between threads
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string_view httpDateNow() {
  thread_local std::time_t cachedSecond = -1;
  thread_local std::string cached;
  std::time_t now = ::time(nullptr);
  if (now != cachedSecond) {
    cached = formatHttpDate(now);
    cachedSecond = now;
  }
  return cached;
}

}  // namespace http
}  // namespace mymuduo
