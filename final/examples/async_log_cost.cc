// What a log line costs the thread that logs it, written three ways:
//   stderr     the default output: fwrite to unbuffered stderr, one write(2) per line (stderr is
//              sent to a file in DIR for the measurement);
//   LogFile    a LogFile shared behind a mutex: buffered, a write(2) per 64 KiB, on the thread
//              that fills the buffer, with the lock held;
//   async      AsyncLogging: a copy under a short lock; the back-end thread writes.
// Each with 1 and 4 threads logging a line shaped like TcpServer's new-connection line (about
// 180 bytes), 200,000 lines in all. Per line: the logging threads' wall time (ns/line), the same
// up to the moment every line is in the file (in file: for async, until stop() returns), and
// the write(2) calls per 10,000 lines, counted by the kernel (syscw in /proc/self/io, which
// counts every thread of the process). Then, in runs that time every line on its own, the
// slowest 0.1% and the slowest line: what one unlucky LOG_INFO costs. Medians of three runs.
//   async_log_cost [--csv] [DIR=/tmp]
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mymuduo/base/AsyncLogging.h"
#include "mymuduo/base/LogFile.h"
#include "mymuduo/base/Logger.h"

using namespace mymuduo;
using Clock = std::chrono::steady_clock;

namespace {

const int kTotalLines = 200000;

long writeCalls() {
  std::ifstream in("/proc/self/io");
  std::string key;
  long value = 0;
  while (in >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

// The LogFile row: muduo's LogFile with threadSafe = true does the same.
std::mutex g_fileMutex;
LogFile* g_file = nullptr;
void fileOutput(const char* msg, size_t len) {
  std::lock_guard<std::mutex> lock(g_fileMutex);
  g_file->append(msg, len);
}

void logOneLine(int n) {
  LOG_INFO << "TcpServer::newConnection [EchoServer] - new connection [EchoServer-127.0.0.1:2007#"
           << n << "] from 127.0.0.1:" << 40000 + n % 20000;
}

// With `latencies`, every line is timed on its own (two more clock reads per line), into it.
void logLines(int threads, std::vector<double>* latencies) {
  std::vector<std::vector<double>> perThread(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([threads, latencies, mine = &perThread[static_cast<size_t>(t)]] {
      int lines = kTotalLines / threads;
      if (latencies == nullptr) {
        for (int n = 0; n < lines; ++n) logOneLine(n);
        return;
      }
      mine->reserve(static_cast<size_t>(lines));
      for (int n = 0; n < lines; ++n) {
        auto before = Clock::now();
        logOneLine(n);
        mine->push_back(std::chrono::duration<double, std::nano>(Clock::now() - before).count());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  if (latencies != nullptr) {
    for (auto& v : perThread) latencies->insert(latencies->end(), v.begin(), v.end());
  }
}

struct Figures {
  double loggingNs = 0;
  double writtenNs = 0;
  double writesPer10k = 0;
  double p999Ns = 0;  // with per-line timing only
  double maxNs = 0;
};

double nsPerLine(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::nano>(to - from).count() / kTotalLines;
}

// The files a run wrote: DIR/prefix.*
void removeFiles(const std::string& dir, const std::string& prefix) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* entry = ::readdir(d)) {
      if (std::strncmp(entry->d_name, (prefix + ".").c_str(), prefix.size() + 1) == 0) {
        ::unlink((dir + "/" + entry->d_name).c_str());
      }
    }
    ::closedir(d);
  }
}

Figures runOnce(const std::string& way, int threads, const std::string& dir, bool timeLines) {
  Figures f;
  std::vector<double> latencies;
  std::vector<double>* timed = timeLines ? &latencies : nullptr;
  long writesBefore = writeCalls();
  Clock::time_point start;
  Clock::time_point logged;
  Clock::time_point written;
  if (way == "stderr") {
    std::string path = dir + "/cost-stderr.log";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::perror(path.c_str());
      std::exit(1);
    }
    int savedStderr = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
    Logger::setOutput(Logger::defaultOutput);
    start = Clock::now();
    logLines(threads, timed);
    logged = written = Clock::now();
    f.writesPer10k = static_cast<double>(writeCalls() - writesBefore);
    ::dup2(savedStderr, STDERR_FILENO);
    ::close(savedStderr);
    ::close(fd);
    removeFiles(dir, "cost-stderr");
  } else if (way == "LogFile") {
    auto file = std::make_unique<LogFile>(dir + "/cost-logfile", 1LL << 40);
    g_file = file.get();
    Logger::setOutput(fileOutput);
    start = Clock::now();
    logLines(threads, timed);
    logged = Clock::now();
    file->flush();
    written = Clock::now();
    f.writesPer10k = static_cast<double>(writeCalls() - writesBefore);
    Logger::setOutput(Logger::defaultOutput);
    removeFiles(dir, "cost-logfile");
  } else {
    auto log = std::make_unique<AsyncLogging>(dir + "/cost-async", 1LL << 40);
    log->start();
    log->setAsLoggerOutput();
    start = Clock::now();
    logLines(threads, timed);
    logged = Clock::now();
    log->stop();
    written = Clock::now();
    f.writesPer10k = static_cast<double>(writeCalls() - writesBefore);
    removeFiles(dir, "cost-async");
  }
  f.loggingNs = nsPerLine(start, logged);
  f.writtenNs = nsPerLine(start, written);
  f.writesPer10k = f.writesPer10k * 10000 / kTotalLines;
  if (timeLines) {
    std::sort(latencies.begin(), latencies.end());
    f.p999Ns = latencies[latencies.size() * 999 / 1000];
    f.maxNs = latencies.back();
  }
  return f;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char* argv[]) {
  bool csv = false;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--csv") == 0) {
      csv = true;
    } else {
      dir = argv[i];
    }
  }
  Logger::setLogLevel(Logger::INFO);

  if (csv) {
    std::printf("output,threads,logging_ns,written_ns,p999_ns,max_ns,writes_per_10k\n");
  } else {
    std::printf("%-8s %7s %9s %9s %10s %10s %12s\n", "output", "threads", "ns/line", "in file",
                "p99.9 ns", "max us", "writes/10k");
  }
  for (const char* way : {"stderr", "LogFile", "async"}) {
    for (int threads : {1, 4}) {
      std::vector<double> logging, written, writes, p999, worst;
      for (int run = 0; run < 3; ++run) {
        Figures f = runOnce(way, threads, dir, false);
        logging.push_back(f.loggingNs);
        written.push_back(f.writtenNs);
        writes.push_back(f.writesPer10k);
        Figures timed = runOnce(way, threads, dir, true);
        p999.push_back(timed.p999Ns);
        worst.push_back(timed.maxNs);
      }
      if (csv) {
        std::printf("%s,%d,%.1f,%.1f,%.0f,%.0f,%.1f\n", way, threads, median(logging),
                    median(written), median(p999), median(worst), median(writes));
      } else {
        std::printf("%-8s %7d %9.1f %9.1f %10.0f %10.1f %12.1f\n", way, threads, median(logging),
                    median(written), median(p999), median(worst) / 1000, median(writes));
      }
    }
  }
  return 0;
}
