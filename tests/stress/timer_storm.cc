// 100,000 timers added and cancelled from 4 threads on one loop, run by the newest chapter's
// library. Per thread, 25,000 timers of three kinds:
//   A (half)    due in 0..200 ms, never cancelled: each must fire exactly once;
//   B (2 in 5)  due in an hour, cancelled by the NEXT thread: none may fire;
//   C (1 in 10) due in 0..10 ms, cancelled at once by the adding thread: races its own expiry,
//               so it fires once or not at all.
// Every callback carries a Probe; once all A have fired and a task queued after every cancel
// has run, no Probe may be left alive: a cancelled timer's callback was freed, not kept.
//   timer_storm [--timers N]   (default 100,000; a multiple of 40)
// Exit status 0 when every check holds, 1 otherwise.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/TimerId.h"

using mymuduo::net::EventLoop;
using mymuduo::net::EventLoopThread;
using mymuduo::net::TimerId;

namespace {

std::atomic<long> g_liveProbes{0};

/// Counts the callback copies alive, wherever the timer queue keeps them.
struct Probe {
  Probe() { ++g_liveProbes; }
  Probe(const Probe&) { ++g_liveProbes; }
  Probe& operator=(const Probe&) = default;
  ~Probe() { --g_liveProbes; }
};

constexpr int kThreads = 4;

struct PerThread {
  std::vector<TimerId> toCancelByNext;  // kind B
  std::atomic<long> firedA{0};
  std::atomic<long> firedB{0};
  std::atomic<long> firedC{0};
};

bool check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  return ok;
}

}  // namespace

int main(int argc, char* argv[]) {
  long total = 100000;
  if (argc == 3 && std::strcmp(argv[1], "--timers") == 0) total = std::atol(argv[2]);
  if (total <= 0 || total % 40 != 0) {
    std::fprintf(stderr, "usage: %s [--timers N (a multiple of 40)]\n", argv[0]);
    return 2;
  }
  const long perThread = total / kThreads;
  const long kindA = perThread / 2;
  const long kindB = perThread * 2 / 5;
  const long kindC = perThread - kindA - kindB;

  auto start = std::chrono::steady_clock::now();
  EventLoopThread loopThread;
  EventLoop* loop = loopThread.startLoop();
  std::vector<PerThread> per(kThreads);

  // Phase 1: every thread adds its timers (cancelling its C at once); phase 2, after all have
  // added: each cancels the B timers of the next thread.
  std::promise<void> allAdded;
  std::shared_future<void> added = allAdded.get_future().share();
  std::atomic<int> addersLeft{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PerThread& me = per[static_cast<size_t>(t)];
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::uniform_real_distribution<double> soon(0.0, 0.2);
      std::uniform_real_distribution<double> verySoon(0.0, 0.01);
      Probe probe;
      me.toCancelByNext.reserve(static_cast<size_t>(kindB));
      // Interleaved, so the queue holds all three kinds mixed.
      long a = 0, b = 0, c = 0;
      while (a < kindA || b < kindB || c < kindC) {
        if (a < kindA) {
          loop->runAfter(soon(rng), [&me, probe] { ++me.firedA; });
          ++a;
        }
        if (b < kindB) {
          me.toCancelByNext.push_back(loop->runAfter(3600.0, [&me, probe] { ++me.firedB; }));
          ++b;
        }
        if (c < kindC && a % 5 == 0) {
          TimerId id = loop->runAfter(verySoon(rng), [&me, probe] { ++me.firedC; });
          loop->cancel(id);
          ++c;
        }
      }
      if (--addersLeft == 0) allAdded.set_value();
      added.wait();
      const PerThread& next = per[static_cast<size_t>((t + 1) % kThreads)];
      for (TimerId id : next.toCancelByNext) loop->cancel(id);
    });
  }
  for (auto& th : threads) th.join();

  // All A due within 200 ms of being added; 30 s is for the slowest sanitizer build.
  auto firedA = [&] {
    long n = 0;
    for (const auto& p : per) n += p.firedA.load();
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (firedA() < kindA * kThreads && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Queued after every cancel() returned, so it runs after all of them.
  std::promise<long> liveInLoop;
  loop->queueInLoop([&] { liveInLoop.set_value(g_liveProbes.load()); });
  long live = liveInLoop.get_future().get();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  long a = firedA(), b = 0, c = 0;
  for (const auto& p : per) {
    b += p.firedB.load();
    c += p.firedC.load();
  }
  std::printf("figure: timers added = %ld (A %ld, B %ld, C %ld)\n", total, kindA * kThreads,
              kindB * kThreads, kindC * kThreads);
  std::printf("figure: A fired = %ld, B fired = %ld, C fired before their cancel = %ld\n", a, b, c);
  std::printf("figure: seconds = %.2f\n", seconds);
  bool ok = true;
  ok &= check(a == kindA * kThreads, "every timer never cancelled fired exactly once");
  ok &= check(b == 0, "no timer cancelled from another thread fired");
  ok &= check(c <= kindC * kThreads, "a timer cancelled at once fired at most once");
  std::printf("callbacks still alive: %ld\n", live);
  ok &= check(live == 0, "no callback is left in the timer queue");
  return ok ? 0 : 1;
}
