#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/base/Timestamp.h"

using mymuduo::Logger;
using mymuduo::LogStream;
using mymuduo::Timestamp;

TEST_CASE("Timestamp arithmetic and formatting", "[ch01][s1][timestamp]") {
  Timestamp t(1700000000LL * Timestamp::kMicroSecondsPerSecond + 123456);
  CHECK(t.valid());
  CHECK_FALSE(Timestamp::invalid().valid());
  CHECK(t.toString() == "1700000000.123456");
  CHECK(t.toFormattedString() == "20231114 22:13:20.123456");
  CHECK(t.toFormattedString(false) == "20231114 22:13:20");

  Timestamp later = addTime(t, 1.5);
  CHECK(t < later);
  CHECK(timeDifference(later, t) == Approx(1.5));
  CHECK(addTime(later, -1.5) == t);

  Timestamp now = Timestamp::now();
  CHECK(now.valid());
  CHECK(t < now);
}

namespace {
std::vector<std::string> g_lines;
void captureOutput(const char* msg, size_t len) { g_lines.emplace_back(msg, len); }
}  // namespace

TEST_CASE("Logger filters by level and writes one whole line per message", "[ch01][s1][logger]") {
  g_lines.clear();
  Logger::LogLevel saved = Logger::logLevel();
  Logger::setOutput(captureOutput);
  Logger::setLogLevel(Logger::INFO);

  int evaluated = 0;
  LOG_DEBUG << "hidden " << ++evaluated;  // below the level: the arguments are not evaluated
  LOG_INFO << "answer=" << 42;
  LOG_WARN << "careful";
  errno = ENOENT;
  LOG_SYSERR << "open failed";

  Logger::setLogLevel(saved);
  Logger::setOutput([](const char* msg, size_t len) { fwrite(msg, 1, len, stderr); });

  CHECK(evaluated == 0);
  REQUIRE(g_lines.size() == 3);
  CHECK(g_lines[0].find("INFO  answer=42 - test_base.cc:") != std::string::npos);
  CHECK(g_lines[0].back() == '\n');
  CHECK(g_lines[1].find("WARN  careful") != std::string::npos);
  CHECK(g_lines[2].find("No such file or directory (errno=2) open failed") != std::string::npos);
}

namespace {
/// Captures lines for one test and restores the level and the stderr output afterwards.
struct CaptureLines {
  Logger::LogLevel saved = Logger::logLevel();
  CaptureLines() {
    g_lines.clear();
    Logger::setOutput(captureOutput);
    Logger::setLogLevel(Logger::INFO);
  }
  ~CaptureLines() {
    Logger::setLogLevel(saved);
    Logger::setOutput([](const char* msg, size_t len) { fwrite(msg, 1, len, stderr); });
  }
};
}  // namespace

TEST_CASE("a log line is date time.micros tid LEVEL message - file:line", "[ch01][s1][logger]") {
  CaptureLines capture;
  std::vector<std::pair<std::string, std::string>> bounds;  // Timestamp before and after a line
  std::vector<int> lines;
  for (int i = 0; i < 2; ++i) {
    if (i == 1) {
      // Wait (at most a second) for the next second, so that the second line needs a newly
      // formatted date and time, not the one cached for the first line.
      int64_t second =
          Timestamp::now().microSecondsSinceEpoch() / Timestamp::kMicroSecondsPerSecond;
      while (Timestamp::now().microSecondsSinceEpoch() / Timestamp::kMicroSecondsPerSecond ==
             second) {
      }
    }
    std::string before = Timestamp::now().toFormattedString();
    lines.push_back(__LINE__ + 1);
    LOG_INFO << "format";
    bounds.emplace_back(before, Timestamp::now().toFormattedString());
  }

  REQUIRE(g_lines.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const std::string& line = g_lines[i];
    REQUIRE(line.size() > 25);
    // "20231114 22:13:20.123456" is fixed width, so comparing the text compares the times.
    std::string time = line.substr(0, 24);
    CHECK(bounds[i].first <= time);
    CHECK(time <= bounds[i].second);
    CHECK(line.substr(24) == " " + std::to_string(mymuduo::CurrentThread::tid()) +
                                 " INFO  format - test_base.cc:" + std::to_string(lines[i]) + "\n");
  }

  // Another thread's line has that thread's id: the id's text is kept per thread.
  int otherTid = 0;
  int otherLine = 0;
  std::thread other([&] {
    otherTid = mymuduo::CurrentThread::tid();
    otherLine = __LINE__ + 1;
    LOG_INFO << "other";
  });
  other.join();
  REQUIRE(g_lines.size() == 3);
  CHECK(otherTid != mymuduo::CurrentThread::tid());
  CHECK(g_lines[2].substr(24) == " " + std::to_string(otherTid) + " INFO  other - test_base.cc:" +
                                     std::to_string(otherLine) + "\n");
}

namespace {
template <typename T>
std::string viaLogStream(const T& value) {
  LogStream s;
  s << value;
  return std::string(s.data(), s.length());
}
template <typename T>
std::string viaOstream(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}
}  // namespace

TEST_CASE("LogStream prints numbers and pointers and characters as std::ostream does",
          "[ch01][s1][logger]") {
  CHECK(viaLogStream(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
  CHECK(viaLogStream(std::numeric_limits<int64_t>::max()) == "9223372036854775807");
  CHECK(viaLogStream(std::numeric_limits<uint64_t>::max()) == "18446744073709551615");
  CHECK(viaLogStream(std::numeric_limits<long long>::min()) == "-9223372036854775808");
  CHECK(viaLogStream(std::numeric_limits<unsigned long long>::max()) == "18446744073709551615");
  CHECK(viaLogStream(std::numeric_limits<int32_t>::min()) == "-2147483648");
  CHECK(viaLogStream(std::numeric_limits<uint32_t>::max()) == "4294967295");
  CHECK(viaLogStream(std::numeric_limits<short>::min()) == "-32768");
  CHECK(viaLogStream(std::numeric_limits<unsigned short>::max()) == "65535");
  CHECK(viaLogStream(0) == "0");
  CHECK(viaLogStream(size_t{42}) == "42");

  int x = 0;
  const void* p = &x;
  CHECK(viaLogStream(p) == viaOstream(p));
  CHECK(viaLogStream(p).rfind("0x", 0) == 0);
  CHECK(viaLogStream(&x) == viaOstream(p));  // an int* prints as its address
  const void* null = nullptr;
  CHECK(viaLogStream(null) == viaOstream(null));

  CHECK(viaLogStream(true) == "1");  // as std::ostream without std::boolalpha
  CHECK(viaLogStream(false) == "0");
  CHECK(viaLogStream('c') == "c");
  CHECK(viaLogStream(static_cast<unsigned char>('u')) == "u");
  for (double d : {0.0, -2.5, 0.1, 1.0 / 3, 1e20, 1e-7, 123456789.0, 100.0, HUGE_VAL}) {
    CHECK(viaLogStream(d) == viaOstream(d));
  }
  CHECK(viaLogStream(1.0 / 3) == "0.333333");
  CHECK(viaLogStream(2.5f) == "2.5");

  CHECK(viaLogStream(std::string("string")) == "string");
  CHECK(viaLogStream(std::string_view("view")) == "view");
  CHECK(viaLogStream(std::string_view()) == "");
  CHECK(viaLogStream("literal") == "literal");
  const char* nullText = nullptr;
  CHECK(viaLogStream(nullText) == "(null)");
}

TEST_CASE("a message longer than a log line is cut off and the line still ends in file:line",
          "[ch01][s1][logger]") {
  CaptureLines capture;
  std::string huge(3 * LogStream::kMaxLine, 'x');
  int line = __LINE__ + 1;
  LOG_INFO << huge << " and more " << 12345 << ' ' << huge;

  REQUIRE(g_lines.size() == 1);
  const std::string& text = g_lines[0];
  CHECK(text.size() <= LogStream::kMaxLine);
  std::string suffix = " - test_base.cc:" + std::to_string(line) + "\n";
  REQUIRE(text.size() > suffix.size());
  CHECK(text.substr(text.size() - suffix.size()) == suffix);
  size_t first = text.find('x');
  size_t run = text.find_first_not_of('x', first) - first;
  CHECK(run > LogStream::kMaxLine / 2);               // most of the line is message
  CHECK(first + run + suffix.size() == text.size());  // the message stops where the suffix starts

  LogStream s;  // appending to a full stream does not grow it
  s << huge;
  size_t full = s.length();
  s << huge << 1 << 'c' << 2.0 << "x";
  CHECK(s.length() == full);
  CHECK(full < LogStream::kMaxLine);
}
