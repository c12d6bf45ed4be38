// What the two hot paths of chapter 01 cost, per call:
//   (a) the thread id: syscall(SYS_gettid) against the cached CurrentThread::tid();
//   (b) a log line shaped like TcpServer's new-connection line (about 180 bytes): LOG_INFO into
//       an output function that discards it, against the same line built the obvious way, with
//       std::ostringstream and a date formatted per line; and a LOG_DEBUG while the level is
//       INFO, which must cost next to nothing.
// Each figure is the median of five runs, in nanoseconds per call.
//   log_cost [--csv]
// Prints a table, or with --csv "name,ns" rows.
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Logger.h"

using Clock = std::chrono::steady_clock;

namespace {

volatile long g_sink;  // keeps the compiler from dropping the measured work

void discard(const char* msg, size_t len) { g_sink = g_sink + msg[0] + static_cast<long>(len); }

template <typename F>
double medianNanosPerCall(int calls, F&& body) {
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    auto start = Clock::now();
    for (int i = 0; i < calls; ++i) body(i);
    runs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / calls);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// The yardstick: the same line as LOG_INFO writes, built with an ostringstream, the date
// formatted for every line, and the result copied out as a std::string.
std::string ostreamLine(int n) {
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  struct tm tm;
  ::gmtime_r(&tv.tv_sec, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y%m%d %H:%M:%S", &tm);
  std::ostringstream os;
  os << date << '.' << std::setw(6) << std::setfill('0') << tv.tv_usec << ' '
     << mymuduo::CurrentThread::tid() << " INFO  "
     << "TcpServer::newConnection [EchoServer] - new connection [EchoServer-127.0.0.1:2007#" << n
     << "] from 127.0.0.1:" << 40000 + n % 20000 << " - TcpServer.cc:" << 118 << '\n';
  return os.str();
}

}  // namespace

int main(int argc, char* argv[]) {
  bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
  mymuduo::Logger::setOutput(discard);
  mymuduo::Logger::setLogLevel(mymuduo::Logger::INFO);

  struct Row {
    const char* name;
    double ns;
  };
  std::vector<Row> rows;
  rows.push_back({"syscall(SYS_gettid)", medianNanosPerCall(2000000, [](int) {
                    g_sink = g_sink + ::syscall(SYS_gettid);
                  })});
  rows.push_back({"CurrentThread::tid()", medianNanosPerCall(20000000, [](int) {
                    g_sink = g_sink + mymuduo::CurrentThread::tid();
                  })});
  rows.push_back(
      {"LOG_INFO line (LogStream)", medianNanosPerCall(500000, [](int n) {
         LOG_INFO
             << "TcpServer::newConnection [EchoServer] - new connection [EchoServer-127.0.0.1:2007#"
             << n << "] from 127.0.0.1:" << 40000 + n % 20000;
       })});
  rows.push_back({"same line via std::ostringstream", medianNanosPerCall(500000, [](int n) {
                    std::string line = ostreamLine(n);
                    discard(line.data(), line.size());
                  })});
  rows.push_back({"LOG_DEBUG while the level is INFO", medianNanosPerCall(20000000, [](int n) {
                    LOG_DEBUG << "never formatted " << n;
                  })});

  if (csv) {
    std::printf("name,ns\n");
    for (const Row& row : rows) std::printf("%s,%.2f\n", row.name, row.ns);
  } else {
    std::printf("%-36s %12s\n", "per call", "ns");
    for (const Row& row : rows) std::printf("%-36s %12.2f\n", row.name, row.ns);
  }
  return 0;
}
