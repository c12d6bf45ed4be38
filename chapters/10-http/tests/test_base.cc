#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "mymuduo/base/Logger.h"
#include "mymuduo/base/Timestamp.h"

using mymuduo::Logger;
using mymuduo::Timestamp;

TEST_CASE("Timestamp arithmetic and formatting", "[ch01][timestamp]") {
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

TEST_CASE("Logger filters by level and writes one whole line per message", "[ch01][logger]") {
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
