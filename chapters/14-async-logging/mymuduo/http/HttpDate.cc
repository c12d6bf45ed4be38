#include "mymuduo/http/HttpDate.h"

#include <cstdio>

namespace mymuduo {
namespace http {

namespace {

// By hand rather than strftime("%a, %d %b ...") and strptime(): %a and %b follow the process
// locale, and HTTP wants the English names whatever setlocale() the program called.
const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// A cursor over the date: each read takes one piece off the front, or fails and stays failed,
/// so a form reads as one chain of calls and one check at its end.
class DateReader {
 public:
  explicit DateReader(std::string_view text) : rest_(text) {}

  bool ok() const { return ok_; }
  bool atEnd() const { return ok_ && rest_.empty(); }

  DateReader& literal(std::string_view expected) {
    if (ok_ && rest_.substr(0, expected.size()) == expected) {
      rest_.remove_prefix(expected.size());
    } else {
      ok_ = false;
    }
    return *this;
  }

  /// Exactly `count` digits, at most `max`.
  DateReader& number(size_t count, int max, int* value) {
    int v = 0;
    for (size_t i = 0; ok_ && i < count; ++i) {
      if (i >= rest_.size() || rest_[i] < '0' || rest_[i] > '9') ok_ = false;
      if (ok_) v = v * 10 + (rest_[i] - '0');
    }
    if (ok_ && v > max) ok_ = false;
    if (ok_) {
      rest_.remove_prefix(count);
      *value = v;
    }
    return *this;
  }

  /// One of `names`, case-sensitive as §5.6.7's grammar spells them; its index in *index.
  template <size_t N>
  DateReader& name(const char* const (&names)[N], int* index) {
    for (size_t i = 0; ok_ && i < N; ++i) {
      std::string_view n(names[i]);
      if (rest_.substr(0, n.size()) == n) {
        rest_.remove_prefix(n.size());
        *index = static_cast<int>(i);
        return *this;
      }
    }
    ok_ = false;
    return *this;
  }

  /// hour ":" minute ":" second; a second of 60 is a leap second, which timegm() carries on.
  DateReader& timeOfDay(struct tm* tm) {
    return number(2, 23, &tm->tm_hour)
        .literal(":")
        .number(2, 59, &tm->tm_min)
        .literal(":")
        .number(2, 60, &tm->tm_sec);
  }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

/// "Sun, 06 Nov 1994 08:49:37 GMT". The day name is read, not checked against the date.
bool readImfFixdate(std::string_view text, struct tm* tm, int* year) {
  int weekday = 0;
  return DateReader(text)
      .name(kDays, &weekday)
      .literal(", ")
      .number(2, 31, &tm->tm_mday)
      .literal(" ")
      .name(kMonths, &tm->tm_mon)
      .literal(" ")
      .number(4, 9999, year)
      .literal(" ")
      .timeOfDay(tm)
      .literal(" GMT")
      .atEnd();
}

/// "Sunday, 06-Nov-94 08:49:37 GMT".
bool readRfc850Date(std::string_view text, struct tm* tm, int* year) {
  int weekday = 0;
  int twoDigits = 0;
  if (!DateReader(text)
           .name(kDayNames, &weekday)
           .literal(", ")
           .number(2, 31, &tm->tm_mday)
           .literal("-")
           .name(kMonths, &tm->tm_mon)
           .literal("-")
           .number(2, 99, &twoDigits)
           .literal(" ")
           .timeOfDay(tm)
           .literal(" GMT")
           .atEnd()) {
    return false;
  }
  // §5.6.7: a year that looks more than 50 years ahead is the latest past one with those digits.
  std::time_t now = ::time(nullptr);
  struct tm today;
  gmtime_r(&now, &today);
  const int thisYear = today.tm_year + 1900;
  *year = thisYear - thisYear % 100 + twoDigits;
  if (*year > thisYear + 50) *year -= 100;
  return true;
}

/// "Sun Nov  6 08:49:37 1994": a day below 10 is a space and one digit.
bool readAsctimeDate(std::string_view text, struct tm* tm, int* year) {
  int weekday = 0;
  DateReader reader(text);
  reader.name(kDays, &weekday).literal(" ").name(kMonths, &tm->tm_mon).literal(" ");
  DateReader oneDigit = reader;
  if (oneDigit.literal(" ").number(1, 9, &tm->tm_mday).ok()) {
    reader = oneDigit;
  } else {
    reader.number(2, 31, &tm->tm_mday);
  }
  return reader.literal(" ").timeOfDay(tm).literal(" ").number(4, 9999, year).atEnd();
}

int daysInMonth(int year, int month) {  // month 0 to 11
  static const int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 1 && leap ? 29 : kDaysIn[month];
}

}  // namespace

std::string formatHttpDate(std::time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);  // gmtime() shares one static struct between threads
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

bool parseHttpDate(std::string_view text, std::time_t* t) {
  struct tm tm = {};
  int year = 0;
  if (!readImfFixdate(text, &tm, &year) && !readRfc850Date(text, &tm, &year) &&
      !readAsctimeDate(text, &tm, &year)) {
    return false;
  }
  // Checked here: timegm() would quietly turn 31 Apr into 1 May.
  if (tm.tm_mday < 1 || tm.tm_mday > daysInMonth(year, tm.tm_mon)) return false;
  tm.tm_year = year - 1900;
  *t = ::timegm(&tm);  // mktime() in UTC: the time zone of the process plays no part
  return true;
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
