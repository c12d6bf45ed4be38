#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/AsyncLogging.h"
#include "mymuduo/base/Logger.h"

using mymuduo::AsyncLogging;
using mymuduo::Logger;

namespace {

/// Runs body in a thread; if it has not returned after `limit`, the test binary aborts with a
/// message: a flush() or stop() that hangs fails the test instead of hanging it.
void finishWithin(std::chrono::seconds limit, const char* what, const std::function<void()>& body) {
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  std::thread runner([&] {
    body();
    done.set_value();
  });
  if (finished.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "%s has not returned after %lld s\n", what,
                 static_cast<long long>(limit.count()));
    std::abort();
  }
  runner.join();
}

/// The Logger at INFO for one test; the level is restored afterwards. (The output is restored
/// by AsyncLogging::stop().)
struct AsyncLogLevel {
  Logger::LogLevel saved = Logger::logLevel();
  AsyncLogLevel() { Logger::setLogLevel(Logger::INFO); }
  ~AsyncLogLevel() { Logger::setLogLevel(saved); }
};

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// "seq 000042 xxx...x\n", exactly `size` bytes.
std::string seqLine(size_t seq, size_t size) {
  char head[32];
  int n = std::snprintf(head, sizeof head, "seq %06zu ", seq);
  std::string line(head, static_cast<size_t>(n));
  line.append(size - line.size() - 1, 'x');
  return line + '\n';
}

}  // namespace

TEST_CASE("AsyncLogging writes every line of every thread with each thread's lines in order",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  AsyncLogLevel level;
  const int kThreads = 4;
  const int kLines = 20000;  // about 7 MB in all: the buffers fill and are swapped
  {
    AsyncLogging log(dir.path() + "/app", 1 << 30);
    log.start();
    log.setAsLoggerOutput();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) LOG_INFO << "thread " << t << " line " << i;
      });
    }
    for (auto& thread : threads) thread.join();
  }  // the destructor stops: every line is written

  std::vector<int> next(kThreads, 0);
  int total = 0;
  for (const std::string& line : splitLines(dir.contents())) {
    int t = -1;
    int i = -1;
    size_t at = line.find("INFO  thread ");
    REQUIRE(at != std::string::npos);
    REQUIRE(std::sscanf(line.c_str() + at, "INFO  thread %d line %d", &t, &i) == 2);
    REQUIRE(t >= 0);
    REQUIRE(t < kThreads);
    REQUIRE(i == next[static_cast<size_t>(t)]);  // none lost, repeated or out of order
    ++next[static_cast<size_t>(t)];
    ++total;
  }
  CHECK(total == kThreads * kLines);
}

TEST_CASE("AsyncLogging stop() and the destructor write every line appended before them",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  std::string expected;
  for (size_t i = 0; i < 1000; ++i) expected += seqLine(i, 100);
  // A flush interval of an hour: only stop() can make the back end write in time.
  auto start = std::chrono::steady_clock::now();
  SECTION("stop()") {
    AsyncLogging log(dir.path() + "/stop", 1 << 30, 3600);
    log.append(expected.data(), 50 * 100);  // before start(): kept until the back end runs
    log.start();
    for (size_t i = 50; i < 1000; ++i) log.append(expected.data() + i * 100, 100);
    finishWithin(std::chrono::seconds(10), "stop()", [&] { log.stop(); });
    CHECK(dir.contents() == expected);
  }
  SECTION("the destructor") {
    finishWithin(std::chrono::seconds(10), "~AsyncLogging", [&] {
      AsyncLogging log(dir.path() + "/dtor", 1 << 30, 3600);
      log.start();
      for (size_t i = 0; i < 1000; ++i) log.append(expected.data() + i * 100, 100);
    });
    CHECK(dir.contents() == expected);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("AsyncLogging flush() returns once what was appended before it is in the file",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
  log.start();
  std::string expected;
  size_t firstMismatch = SIZE_MAX;
  // Each flush() may arrive while the back end is still writing the previous line: it must
  // not be lost and wait out the hour.
  finishWithin(std::chrono::seconds(20), "flush()", [&] {
    for (size_t i = 0; i < 200 && firstMismatch == SIZE_MAX; ++i) {
      std::string line = seqLine(i, 40);
      log.append(line.data(), line.size());
      expected += line;
      log.flush();
      if (dir.contents() != expected) firstMismatch = i;
    }
  });
  CHECK(firstMismatch == SIZE_MAX);
}

TEST_CASE("AsyncLogging writes a line within flushInterval though no buffer is full",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  AsyncLogging log(dir.path() + "/app", 1 << 30, 1);
  log.start();
  const std::string line = "one quiet line\n";
  auto appended = std::chrono::steady_clock::now();
  log.append(line.data(), line.size());
  // One interval, and a margin for a loaded machine; then it is late.
  bool arrived = testutil::waitFor([&] { return dir.contents() == line; }, std::chrono::seconds(3));
  CHECK(arrived);
  CHECK(std::chrono::steady_clock::now() - appended < std::chrono::seconds(3));
}

TEST_CASE("AsyncLogging drops all but two buffers when more than 25 wait and says how much",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mutex;
  std::vector<size_t> taken;  // the buffers of each pass, as the back end reports them
  AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
  log.setBackendHook([&](size_t n) {
    size_t passes;
    {
      std::lock_guard<std::mutex> lock(mutex);
      taken.push_back(n);
      passes = taken.size();
    }
    if (passes == 2) {
      entered.set_value();  // the back end is stuck in its second pass
      released.wait_for(std::chrono::seconds(30));
    }
  });
  log.start();

  const size_t kLineSize = 1000;
  const size_t kPerBuffer = AsyncLogging::kBufferSize / kLineSize;
  size_t seq = 0;
  auto appendLines = [&](size_t n) {
    for (size_t i = 0; i < n; ++i, ++seq) {
      std::string line = seqLine(seq, kLineSize);
      log.append(line.data(), line.size());
    }
  };
  appendLines(1);
  log.flush();                  // the first pass: now the back end waits, for an hour unless woken
  appendLines(kPerBuffer + 1);  // one buffer full, and a line: the back end wakes, and sticks
  REQUIRE(entered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  appendLines(27 * kPerBuffer);  // meanwhile 27 buffers more fill up
  CHECK(log.bufferCount() > static_cast<int>(AsyncLogging::kMaxBuffersToWrite));
  release.set_value();
  finishWithin(std::chrono::seconds(20), "flush()", [&] { log.flush(); });
  // After the burst, memory goes back down: the current and next buffers, two spares.
  CHECK(log.bufferCount() <= 4);
  log.stop();

  {
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(taken.size() >= 3);
    CHECK(taken[2] > AsyncLogging::kMaxBuffersToWrite);
  }
  // The file: lines 0..m-1 in order, then one line that counts the n dropped, m + n == seq.
  std::vector<std::string> lines = splitLines(dir.contents());
  REQUIRE(lines.size() >= 2);
  size_t m = lines.size() - 1;
  for (size_t i = 0; i < m; ++i) REQUIRE(lines[i] + '\n' == seqLine(i, kLineSize));
  size_t dropped = 0;
  size_t bytes = 0;
  size_t at = lines[m].find("AsyncLogging dropped ");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::sscanf(lines[m].c_str() + at, "AsyncLogging dropped %zu lines (%zu bytes", &dropped,
                      &bytes) == 2);
  CHECK(m + dropped == seq);
  CHECK(bytes == dropped * kLineSize);
  // Two buffers of the backlog were kept: about 8 MB of the 108 MB.
  CHECK(m <= 4 * kPerBuffer);
}

TEST_CASE("AsyncLogging flush() called by the back-end thread returns at once",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  std::atomic<int> calls{0};  // before the log: its destructor's last pass still counts here
  AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
  log.setBackendHook([&](size_t) {
    log.flush();  // what a LOG_FATAL in the back end would do
    ++calls;
  });
  log.start();
  log.append("x\n", 2);
  finishWithin(std::chrono::seconds(10), "flush()", [&] { log.flush(); });
  CHECK(calls.load() >= 1);
  CHECK(dir.contents() == "x\n");
}

TEST_CASE("LOG_FATAL with AsyncLogging as the output reaches the file before abort",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  testutil::ChildResult child = testutil::runInChild([&] {
    Logger::setLogLevel(Logger::INFO);
    AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
    log.start();
    log.setAsLoggerOutput();
    LOG_INFO << "the last words";
    LOG_FATAL << "giving up";
  });
  REQUIRE(WIFSIGNALED(child.status));
  CHECK(WTERMSIG(child.status) == SIGABRT);
  std::vector<std::string> lines = splitLines(dir.contents());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("INFO  the last words - test_async_logging.cc:") != std::string::npos);
  CHECK(lines[1].find("FATAL giving up - test_async_logging.cc:") != std::string::npos);
}

TEST_CASE("AsyncLogging stop() gives the Logger back to stderr", "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  testutil::ChildResult child = testutil::runInChild([&] {
    Logger::setLogLevel(Logger::INFO);
    {
      AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
      log.start();
      log.setAsLoggerOutput();
      LOG_INFO << "into the file";
    }  // stopped and destroyed: a line now must not reach the dead object
    LOG_INFO << "to stderr";
  });
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 0);
  CHECK(dir.contents().find("INFO  into the file - ") != std::string::npos);
  CHECK(child.output.find("INFO  to stderr - ") != std::string::npos);
  CHECK(child.output.find("into the file") == std::string::npos);
}

TEST_CASE("a signal sent to the process never lands on the AsyncLogging back end",
          "[ch14][s2][asynclog]") {
  testutil::LogDir dir;
  testutil::ChildResult child = testutil::runInChild([&] {
    ::signal(SIGTERM, SIG_DFL);  // not Catch's handler: the default kills the process
    AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
    log.start();
    // Blocked after the back end started, as when the logger is set up before QuitOnSignals.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::kill(::getpid(), SIGTERM);
    struct timespec limit = {10, 0};
    int sig = ::sigtimedwait(&set, nullptr, &limit);
    log.stop();
    ::_exit(sig == SIGTERM ? 0 : 3);  // 3: it never arrived
  });
  INFO("status " << child.status << ", output: " << child.output);
  REQUIRE(WIFEXITED(child.status));
  CHECK(WEXITSTATUS(child.status) == 0);
}
