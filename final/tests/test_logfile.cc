#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <string>

#include "TestUtil.h"
#include "mymuduo/base/LogFile.h"

using mymuduo::LogFile;

namespace {

/// 100 seconds into the next UTC day: a time the tests own, far from the real clock's roll.
time_t nextDayPlus100() {
  const time_t day = 24 * 60 * 60;
  return (::time(nullptr) / day + 1) * day + 100;
}

off_t sizeOfFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

}  // namespace

TEST_CASE("LogFile names its files basename.YYYYmmdd-HHMMSS.hostname.pid.log in UTC",
          "[ch14][s1][logfile]") {
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(LogFile::getLogFileName("/var/log/httpd", 1700000000) ==
        "/var/log/httpd.20231114-221320." + std::string(host) + "." + std::to_string(::getpid()) +
            ".log");

  testutil::LogDir dir;
  LogFile file(dir.path() + "/app", 1000);
  // The constructor opens the first file at once, under the current time.
  REQUIRE(dir.files().size() == 1);
  CHECK(dir.files()[0] == file.fileName());
  CHECK(file.fileName().rfind(dir.path() + "/app.", 0) == 0);
}

TEST_CASE("LogFile rolls past rollSize but at most once a second", "[ch14][s1][logfile]") {
  testutil::LogDir dir;
  std::string first;
  {
    LogFile file(dir.path() + "/app", 1000);
    first = file.fileName();
    const time_t t = nextDayPlus100();
    file.append(std::string(600, 'a').data(), 600, t);  // a new day: a new file first
    std::string a = file.fileName();
    CHECK(a == LogFile::getLogFileName(dir.path() + "/app", t));
    file.append(std::string(600, 'b').data(), 600, t);  // 1200 > 1000, but the same second
    file.append(std::string(100, 'c').data(), 100, t);
    CHECK(file.fileName() == a);
    CHECK(file.writtenBytes() == 1300);
    file.append(std::string(100, 'd').data(), 100, t + 1);  // still into a, then the roll
    std::string b = file.fileName();
    CHECK(b == LogFile::getLogFileName(dir.path() + "/app", t + 1));
    CHECK(file.writtenBytes() == 0);
    file.append("last line\n", 10, t + 1);
  }  // the destructor flushes

  auto files = dir.files();
  REQUIRE(files.size() == 3);
  CHECK(files[0] == first);
  CHECK(sizeOfFile(files[0]) == 0);
  CHECK(testutil::readFile(files[1]) == std::string(600, 'a') + std::string(600, 'b') +
                                            std::string(100, 'c') + std::string(100, 'd'));
  CHECK(testutil::readFile(files[2]) == "last line\n");
}

TEST_CASE("LogFile starts a new file at the first append of a new UTC day", "[ch14][s1][logfile]") {
  testutil::LogDir dir;
  const time_t midnight = nextDayPlus100() - 100;  // the coming one
  std::string today;
  {
    LogFile file(dir.path() + "/app", 1 << 20);
    today = file.fileName();
    file.append("day one\n", 8, midnight - 1);  // 23:59:59 today: the same file
    file.append("day one again\n", 14, midnight - 1);
    file.append("day two\n", 8, midnight);  // 00:00:00: a new file, before these bytes
  }
  auto files = dir.files();
  REQUIRE(files.size() == 2);
  CHECK(files[0] == today);
  CHECK(testutil::readFile(files[0]) == "day one\nday one again\n");
  CHECK(files[1] == LogFile::getLogFileName(dir.path() + "/app", midnight));
  CHECK(testutil::readFile(files[1]) == "day two\n");
}

TEST_CASE("LogFile keeps small appends in its buffer until flush and writes large ones at once",
          "[ch14][s1][logfile]") {
  testutil::LogDir dir;
  LogFile file(dir.path() + "/app", 1 << 30);
  const std::string line = "a short line\n";
  for (int i = 0; i < 100; ++i) file.append(line.data(), line.size());
  CHECK(sizeOfFile(file.fileName()) == 0);  // all in user space: no write(2) yet
  file.flush();
  CHECK(sizeOfFile(file.fileName()) == static_cast<off_t>(100 * line.size()));

  // A chunk as large as the buffer goes out with what was buffered before it, in order.
  file.append("x\n", 2);
  std::string big = testutil::pattern(256 * 1024);
  file.append(big.data(), big.size());
  CHECK(testutil::readFile(file.fileName()) == [&] {
    std::string all;
    for (int i = 0; i < 100; ++i) all += line;
    return all + "x\n" + big;
  }());
}
