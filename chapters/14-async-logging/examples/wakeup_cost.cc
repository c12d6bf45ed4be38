// What it costs to hand work to a loop from another thread.
//   (a) the eventfd write(2) + read(2) pair that one wakeup takes, in one thread (median of five
//       runs of 200,000 pairs);
//   (b) the latency from queueInLoop() in another thread until the functor runs, while the loop
//       sleeps in poll (median and 99th percentile of 2,000 rounds);
//   (c) N functors queued back to back, while the loop sleeps and while it is busy running a
//       functor: the producer's time per queueInLoop(), the time from the first call until the
//       last functor has run divided by N, and the eventfd writes the producer made (counted in
//       /proc/thread-self/io). wakeupPending_ lets a batch share one write as long as the loop
//       has not taken the queue meanwhile. Medians of many rounds.
//   wakeup_cost [--csv]
// Prints a table, or with --csv the batch rows as CSV after "# name,value" lines for (a), (b).
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "mymuduo/base/Thread.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Thread;
using mymuduo::net::EventLoop;
using Clock = std::chrono::steady_clock;

namespace {

double nanosSince(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::nano>(end - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double percentile99(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() * 99 / 100];
}

/// Nanoseconds per eventfd write + read pair, as wakeup() and handleRead() make them.
double eventfdPairNanos() {
  constexpr int kPairs = 200000;
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    std::perror("eventfd");
    std::exit(1);
  }
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    auto start = Clock::now();
    for (int i = 0; i < kPairs; ++i) {
      uint64_t value = 1;
      if (::write(fd, &value, sizeof value) != sizeof value) std::perror("write");
      if (::read(fd, &value, sizeof value) != sizeof value) std::perror("read");
    }
    runs.push_back(nanosSince(start, Clock::now()) / kPairs);
  }
  ::close(fd);
  return median(runs);
}

/// write(2)-family system calls this thread has made so far (the syscw line).
long writeSyscalls() {
  FILE* file = std::fopen("/proc/thread-self/io", "r");
  if (file == nullptr) return -1;
  char line[128];
  long count = -1;
  while (std::fgets(line, sizeof line, file) != nullptr) {
    if (std::strncmp(line, "syscw:", 6) == 0) count = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(file);
  return count;
}

struct BatchRow {
  const char* loopState;  // "asleep" in poll, or "busy" running a functor
  int n;
  double producerNanos;  // per queueInLoop() call, in the producer
  double endToEndNanos;  // first call until the last functor ran, divided by n
  double wakeupWrites;   // eventfd writes per batch
};

/// Gives the loop time to finish its iteration and block in poll again.
void letLoopSleep() { std::this_thread::sleep_for(std::chrono::microseconds(300)); }

}  // namespace

int main(int argc, char* argv[]) {
  const bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
  const double pairNanos = eventfdPairNanos();

  EventLoop loop;  // runs in this thread; the producer below hands it work
  std::atomic<int> done{0};
  std::vector<double> latencies(2000);
  std::vector<BatchRow> rows;

  Thread producer(
      [&] {
        // (b) one functor at a time, each queued while the loop sleeps.
        for (size_t i = 0; i < latencies.size(); ++i) {
          letLoopSleep();
          const Clock::time_point queued = Clock::now();
          loop.queueInLoop([&latencies, &done, i, queued] {
            latencies[i] = nanosSince(queued, Clock::now()) / 1000;
            done.fetch_add(1, std::memory_order_release);
          });
          while (done.load(std::memory_order_acquire) != static_cast<int>(i + 1)) {
            std::this_thread::sleep_for(std::chrono::microseconds(20));
          }
        }
        // (c) batches of n functors, queued while the loop sleeps in poll and while it is busy
        // running a functor (the case wakeupPending_ is for: the loop has swapped the queue out).
        for (bool busy : {false, true}) {
          for (int n : {1, 10, 100, 1000}) {
            const int rounds = std::max(30, 3000 / n);
            std::vector<double> producerNanos, endToEndNanos, writes;
            for (int round = 0; round < rounds; ++round) {
              letLoopSleep();
              done.store(0, std::memory_order_relaxed);
              std::atomic<bool> blockerRunning{false}, release{false};
              if (busy) {
                loop.queueInLoop([&blockerRunning, &release] {
                  blockerRunning.store(true, std::memory_order_release);
                  while (!release.load(std::memory_order_acquire)) std::this_thread::yield();
                });
                while (!blockerRunning.load(std::memory_order_acquire)) std::this_thread::yield();
              }
              int ran = 0;                 // loop thread only
              Clock::time_point finished;  // written by the loop thread, published by done
              const long writesBefore = writeSyscalls();
              const Clock::time_point start = Clock::now();
              for (int j = 0; j < n; ++j) {
                loop.queueInLoop([&ran, &finished, &done, n] {
                  if (++ran == n) {
                    finished = Clock::now();
                    done.store(1, std::memory_order_release);
                  }
                });
              }
              const Clock::time_point queuedAll = Clock::now();
              release.store(true, std::memory_order_release);
              while (done.load(std::memory_order_acquire) == 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(20));
              }
              const long writesAfter = writeSyscalls();  // this thread has written nothing since
              producerNanos.push_back(nanosSince(start, queuedAll) / n);
              endToEndNanos.push_back(nanosSince(start, finished) / n);
              writes.push_back(static_cast<double>(writesAfter - writesBefore));
            }
            rows.push_back({busy ? "busy" : "asleep", n, median(producerNanos),
                            median(endToEndNanos), median(writes)});
          }
        }
        loop.quit();
      },
      "producer");
  producer.start();
  loop.loop();
  producer.join();

  const double latencyMedian = median(latencies);
  const double latencyP99 = percentile99(latencies);
  if (csv) {
    std::printf("# eventfd_pair_ns,%.0f\n", pairNanos);
    std::printf("# queue_to_run_median_us,%.1f\n", latencyMedian);
    std::printf("# queue_to_run_p99_us,%.1f\n", latencyP99);
    std::printf("loop,n,producer_ns_per_functor,end_to_end_ns_per_functor,wakeup_writes\n");
    for (const BatchRow& row : rows) {
      std::printf("%s,%d,%.0f,%.0f,%.0f\n", row.loopState, row.n, row.producerNanos,
                  row.endToEndNanos, row.wakeupWrites);
    }
    return 0;
  }
  std::printf("eventfd write + read pair: %.0f ns\n", pairNanos);
  std::printf("queueInLoop() from another thread until the functor runs, loop asleep in poll:\n");
  std::printf("  median %.1f us, p99 %.1f us (%zu rounds)\n", latencyMedian, latencyP99,
              latencies.size());
  std::printf("%6s  %6s  %18s  %18s  %14s\n", "loop", "batch", "producer ns/call",
              "end-to-end ns/fn", "eventfd writes");
  for (const BatchRow& row : rows) {
    std::printf("%6s  %6d  %18.0f  %18.0f  %14.0f\n", row.loopState, row.n, row.producerNanos,
                row.endToEndNanos, row.wakeupWrites);
  }
}
