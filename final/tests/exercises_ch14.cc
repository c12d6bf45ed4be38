// Hidden tests of chapter 14's exercise "A hard cap on memory" (see the chapter README).
// Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/14/ch14_tests "[ex14]"
// They build on the shipped code and fail there: while the back end is stuck, append() takes a
// new 4 MB buffer each time the current one is full, for as long as lines come.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/AsyncLogging.h"

using mymuduo::AsyncLogging;

namespace {

/// "cap 000042 xxx...x\n", exactly `size` bytes.
std::string capLine(size_t seq, size_t size) {
  char head[32];
  int n = std::snprintf(head, sizeof head, "cap %06zu ", seq);
  std::string line(head, static_cast<size_t>(n));
  line.append(size - line.size() - 1, 'x');
  return line + '\n';
}

}  // namespace

TEST_CASE("exercise 14: append() drops lines instead of allocating once 25 full buffers wait",
          "[.exercise][ex14]") {
  testutil::LogDir dir;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mutex;
  int passes = 0;
  AsyncLogging log(dir.path() + "/app", 1 << 30, 3600);
  log.setBackendHook([&](size_t) {
    int pass;
    {
      std::lock_guard<std::mutex> lock(mutex);
      pass = ++passes;
    }
    if (pass == 2) {
      entered.set_value();
      released.wait_for(std::chrono::seconds(30));
    }
  });
  log.start();

  const size_t kLineSize = 1000;
  const size_t kPerBuffer = AsyncLogging::kBufferSize / kLineSize;
  size_t seq = 0;
  auto appendLines = [&](size_t n) {
    for (size_t i = 0; i < n; ++i, ++seq) {
      std::string line = capLine(seq, kLineSize);
      log.append(line.data(), line.size());
    }
  };
  appendLines(1);
  log.flush();                  // the first pass; then the back end waits
  appendLines(kPerBuffer + 1);  // a full buffer wakes it, and the hook holds it in pass 2
  REQUIRE(entered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  appendLines(40 * kPerBuffer);  // 160 MB of lines while the back end is stuck
  // The two buffers of the stuck pass, at most 25 full ones waiting, the current one.
  int peak = log.bufferCount();
  release.set_value();
  log.flush();
  log.stop();
  CHECK(peak <= static_cast<int>(AsyncLogging::kMaxBuffersToWrite) + 3);

  // Every line is either in the file or counted as dropped, and what is in the file is in order.
  std::istringstream in(dir.contents());
  size_t written = 0;
  size_t dropped = 0;
  long last = -1;
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find("AsyncLogging dropped ");
    size_t n = 0;
    if (at != std::string::npos &&
        std::sscanf(line.c_str() + at, "AsyncLogging dropped %zu", &n) == 1) {
      dropped += n;
      continue;
    }
    long s = -1;
    REQUIRE(std::sscanf(line.c_str(), "cap %ld", &s) == 1);
    REQUIRE(s > last);
    last = s;
    ++written;
  }
  CHECK(written + dropped == seq);
}
