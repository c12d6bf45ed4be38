#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <ctime>
#include <future>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/Timer.h"

using mymuduo::Thread;
using mymuduo::Timestamp;
using mymuduo::net::EventLoop;
using mymuduo::net::TimerClock;
using mymuduo::net::TimerId;
using Clock = std::chrono::steady_clock;

namespace {

// How far this program's wall clock is stepped from the machine's, in microseconds.
std::atomic<int64_t> g_wallClockStepUs{0};

}  // namespace

// The wall clock, as this program sees it. The test program defines the C library's two
// wall-clock functions itself, and the linker binds every call in the program to these
// definitions first: Timestamp::now() calls gettimeofday(), and std::chrono::system_clock
// calls clock_gettime(CLOCK_REALTIME). So a test can step the wall clock of this process
// alone, without root and without disturbing the machine. Unstepped, they return what the
// C library would; every other clock (CLOCK_MONOTONIC) is passed through untouched.
extern "C" int clock_gettime(clockid_t clock, struct timespec* ts) noexcept {
  if (::syscall(SYS_clock_gettime, clock, ts) != 0) return -1;
  if (clock == CLOCK_REALTIME) {
    int64_t ns = ts->tv_sec * int64_t{1000000000} + ts->tv_nsec + g_wallClockStepUs.load() * 1000;
    ts->tv_sec = static_cast<time_t>(ns / 1000000000);
    ts->tv_nsec = static_cast<long>(ns % 1000000000);
  }
  return 0;
}

extern "C" int gettimeofday(struct timeval* tv, void* tz) noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = static_cast<suseconds_t>(ts.tv_nsec / 1000);
  if (tz != nullptr) std::memset(tz, 0, sizeof(struct timezone));
  return 0;
}

namespace {

/// Quits the loop after `seconds` if the test has not finished by then, and says so.
struct Guard {
  Guard(EventLoop& loop, double seconds) {
    loop.runAfter(seconds, [this, &loop] {
      fired = true;
      loop.quit();
    });
  }
  bool fired = false;
};

/// Waits until every functor queued so far in `loop` has run.
void drainLoop(EventLoop* loop) {
  std::promise<void> done;
  loop->queueInLoop([&done] { done.set_value(); });
  done.get_future().wait();
}

}  // namespace

TEST_CASE("timers fire in order of expiry and never early", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  std::vector<int> order;
  bool early = false;
  Timestamp start = Timestamp::now();
  for (int i : {3, 1, 4, 2}) {
    Timestamp due = addTime(start, 0.01 * i);
    loop.runAt(due, [&, i, due] {
      if (Timestamp::now() < due) early = true;
      order.push_back(i);
      if (order.size() == 4) loop.quit();
    });
  }
  loop.loop();
  CHECK_FALSE(guard.fired);
  CHECK(order == std::vector<int>{1, 2, 3, 4});
  CHECK_FALSE(early);
}

TEST_CASE("a repeating timer cancelled from inside its own callback stops", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  int ticks = 0;
  int ticksAfterCancel = 0;
  int witnessTicks = 0;
  TimerId repeating;
  repeating = loop.runEvery(0.005, [&] {
    if (++ticks == 5) {
      loop.cancel(repeating);
      // A witness at the same interval proves time went on after the cancel.
      loop.runEvery(0.005, [&] {
        if (++witnessTicks == 10) loop.quit();
      });
    } else if (ticks > 5) {
      ++ticksAfterCancel;
    }
  });
  loop.loop();
  CHECK_FALSE(guard.fired);
  CHECK(ticks == 5);
  CHECK(ticksAfterCancel == 0);
  CHECK(witnessTicks == 10);
}

TEST_CASE("a timer cancelled from another thread stops", "[ch04][s2][timer]") {
  testutil::LoopInThread runner;
  EventLoop* loop = runner.loop();
  std::atomic<int> ticks{0};
  TimerId id = loop->runEvery(0.002, [&] { ++ticks; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ticks < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(ticks >= 3);

  loop->cancel(id);
  drainLoop(loop);  // the cancel has been applied in the loop thread
  int ticksAtCancel = ticks;

  std::promise<void> witnessDone;
  int witnessTicks = 0;  // loop thread only
  TimerId witness = loop->runEvery(0.002, [&] {
    if (++witnessTicks == 10) witnessDone.set_value();
  });
  witnessDone.get_future().wait();
  loop->cancel(witness);
  drainLoop(loop);
  CHECK(ticks == ticksAtCancel);
}

TEST_CASE("timers added from other threads run in the loop thread", "[ch04][s2][timer]") {
  testutil::LoopInThread runner;
  EventLoop* loop = runner.loop();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> fired{0};
  std::atomic<int> wrongThread{0};
  std::promise<void> allFired;

  std::vector<std::unique_ptr<Thread>> adders;
  for (int t = 0; t < kThreads; ++t) {
    adders.push_back(std::make_unique<Thread>([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        loop->runAfter(0.001 * (i % 5 + t), [&] {
          if (!loop->isInLoopThread()) ++wrongThread;
          if (++fired == kThreads * kPerThread) allFired.set_value();
        });
      }
    }));
    adders.back()->start();
  }
  for (auto& a : adders) a->join();
  REQUIRE(allFired.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fired == kThreads * kPerThread);
  CHECK(wrongThread == 0);
}

TEST_CASE("many timers with the same expiry all fire once each", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  constexpr int kTimers = 1000;
  std::vector<int> fired(kTimers, 0);
  std::set<int64_t> iterations;
  int total = 0;
  auto when = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  for (int i = 0; i < kTimers; ++i) {
    loop.runAt(when, [&, i] {
      ++fired[static_cast<size_t>(i)];
      iterations.insert(loop.iteration());
      if (++total == kTimers) loop.quit();
    });
  }
  loop.loop();
  CHECK_FALSE(guard.fired);
  CHECK(std::count(fired.begin(), fired.end(), 1) == kTimers);
  CHECK(iterations.size() == 1);  // one timerfd expiry ran them all
}

TEST_CASE("a timer in the past fires at once", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  bool fired = false;
  Timestamp start = Timestamp::now();
  Timestamp firedAt;
  loop.runAt(addTime(start, -1.0), [&] {
    fired = true;
    firedAt = Timestamp::now();
    loop.quit();
  });
  loop.loop();
  REQUIRE(fired);
  CHECK_FALSE(guard.fired);
  CHECK(timeDifference(firedAt, start) < 0.5);
}

TEST_CASE("the loop goes back to sleep after a timer fires", "[ch04][s2][timer]") {
  // The timerfd stays readable until it is read; a loop that forgot to read it would be woken
  // by level-triggered epoll again and again, and never sleep.
  testutil::LoopInThread runner;
  std::promise<void> fired;
  runner.loop()->runAfter(0.001, [&] { fired.set_value(); });
  REQUIRE(fired.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(testutil::waitUntilSleeping(runner.tid()));
}

TEST_CASE("cancelling a fired or unknown timer does nothing", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  int fired = 0;
  TimerId once = loop.runAfter(0.001, [&] { ++fired; });
  loop.runAfter(0.01, [&] {
    loop.cancel(once);       // already ran
    loop.cancel(TimerId());  // names no timer
    loop.runAfter(0.001, [&] {
      ++fired;
      loop.quit();
    });
  });
  loop.loop();
  CHECK_FALSE(guard.fired);
  CHECK(fired == 2);
}

TEST_CASE("a timer callback that throws is logged and the timers go on", "[ch04][s2][timer]") {
  std::atomic<int> ticks{0};
  std::promise<void> fiveTicks;
  testutil::LoopInThread runner;  // declared last: its loop stops before the above die
  runner.loop()->runEvery(0.005, [&] {
    if (++ticks == 5) fiveTicks.set_value();
    throw std::runtime_error("tick failed");
  });
  // If the first throw skipped the re-arming, the timer would never fire again.
  CHECK(fiveTicks.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
}

TEST_CASE("a timer cancelled by an earlier timer of its batch does not run", "[ch04][s2][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  bool secondRan = false;
  TimerId second;
  // The same expiration: one timerfd expiry takes both, and the first added runs first.
  auto when = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  loop.runAt(when, [&] { loop.cancel(second); });
  second = loop.runAt(when, [&] { secondRan = true; });
  loop.runAt(when + std::chrono::milliseconds(10), [&] { loop.quit(); });
  loop.loop();
  CHECK_FALSE(guard.fired);
  CHECK_FALSE(secondRan);
}

TEST_CASE("a cancel that reaches the loop before its timer's add still cancels",
          "[ch04][s2][timer]") {
  std::atomic<int> fired{0};
  std::promise<TimerId> idForLoop;
  std::promise<void> release;
  testutil::LoopInThread runner;
  EventLoop* loop = runner.loop();
  // Hold the loop inside a functor, so that everything queued below waits behind it.
  std::shared_future<void> released = release.get_future().share();
  std::future<TimerId> idFuture = idForLoop.get_future();
  std::promise<void> held;
  loop->queueInLoop([&, released] {
    held.set_value();
    // The loop thread learns an id whose add is still queued, and cancels it: runInLoop()
    // runs that cancel here and now, ahead of the add.
    loop->cancel(idFuture.get());
    released.wait();
  });
  held.get_future().wait();

  // Another thread adds and cancels: the add is queued first, the cancel after it.
  TimerId a = loop->runAfter(0.001, [&] { ++fired; });
  loop->cancel(a);
  // The loop thread cancels while the add waits in the queue.
  TimerId b = loop->runAfter(0.001, [&] { ++fired; });
  idForLoop.set_value(b);
  release.set_value();

  // A witness added after both, with a later expiry: when it runs, the others would have.
  std::promise<void> witness;
  loop->runAfter(0.02, [&] { witness.set_value(); });
  REQUIRE(witness.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fired == 0);
}

namespace {

/// Steps this program's wall clock (see gettimeofday() above) for the life of the object.
struct WallClockStep {
  void set(std::chrono::seconds step) {
    g_wallClockStepUs = std::chrono::duration_cast<std::chrono::microseconds>(step).count();
  }
  ~WallClockStep() { g_wallClockStepUs = 0; }
};

}  // namespace

TEST_CASE("timers run on the monotonic clock and ignore steps of the wall clock",
          "[ch04][s2][timer]") {
  std::promise<void> soon;
  std::atomic<bool> inAnHourFired{false};
  std::promise<void> witness;
  WallClockStep step;
  testutil::LoopInThread runner;  // declared last: its loop stops before the rest goes
  EventLoop* loop = runner.loop();

  loop->runAfter(0.2, [&] { soon.set_value(); });
  loop->runAfter(3600.0, [&] { inAnHourFired = true; });
  // The wall clock goes back an hour: a timer keyed on wall time would now wait 1 h + 0.2 s.
  step.set(std::chrono::hours(-1));
  REQUIRE(soon.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  // Now two hours forward: a timer keyed on wall time would find the hour-long one due.
  step.set(std::chrono::hours(1));
  loop->runAfter(0.05, [&] { witness.set_value(); });
  REQUIRE(witness.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK_FALSE(inAnHourFired);
}

TEST_CASE("a repeating timer keeps its schedule when its ticks run late", "[ch04][s2][timer]") {
  using std::chrono::milliseconds;
  constexpr int kTicks = 11;
  const milliseconds period(50);
  EventLoop loop;
  Guard guard(loop, 5.0);
  std::vector<Clock::duration> lateness;  // tick n's time minus (start + n periods)
  int ticks = 0;
  Clock::time_point start = Clock::now();
  loop.runEvery(0.05, [&] {
    Clock::time_point now = Clock::now();
    ++ticks;
    lateness.push_back(now - (start + ticks * period));
    if (ticks % 2 == 1) {
      // Busy for 60 ms, 10 ms more than the period: the next tick runs at least 10 ms late.
      while (Clock::now() < now + milliseconds(60)) {
      }
    }
    if (ticks == kTicks) loop.quit();
  });
  loop.loop();
  REQUIRE_FALSE(guard.fired);
  REQUIRE(lateness.size() == kTicks);
  // Ticks 7, 9 and 11 follow a tick that was late but not busy, so on a fixed schedule they
  // are on time, up to how late the machine wakes the loop. Counting each period from the
  // late tick instead adds at least 10 ms per busy tick: tick 7 at least 30 ms late, tick 11
  // at least 50 ms.
  Clock::duration best = Clock::duration::max();
  for (int tick = 7; tick <= kTicks; tick += 2) {
    best = std::min(best, lateness[static_cast<size_t>(tick - 1)]);
  }
  CHECK(std::chrono::duration_cast<milliseconds>(best).count() < 25);
}

TEST_CASE("timers due at the same wall-clock time run in the order they were added",
          "[ch04][s2][timer]") {
  // Each runAt(Timestamp) converts to the monotonic clock. Converted as now + (time - wall
  // now), every call read the two clocks a little apart, the 50 deadlines came out a few ns
  // apart in no particular order, and the timers ran in that order.
  constexpr int kTimers = 50;
  EventLoop loop;
  Guard guard(loop, 5.0);
  std::vector<int> order;
  Timestamp when = addTime(Timestamp::now(), 0.02);
  for (int i = 0; i < kTimers; ++i) {
    loop.runAt(when, [&, i] {
      order.push_back(i);
      if (order.size() == kTimers) loop.quit();
    });
  }
  loop.loop();
  REQUIRE_FALSE(guard.fired);
  std::vector<int> added(kTimers);
  std::iota(added.begin(), added.end(), 0);
  CHECK(order == added);
}

TEST_CASE("timers with one steady deadline or one delay run in the order they were added",
          "[ch04][s2][timer]") {
  constexpr int kTimers = 50;
  EventLoop loop;
  Guard guard(loop, 5.0);
  std::vector<int> atOrder;
  std::vector<int> afterOrder;
  auto when = TimerClock::now() + std::chrono::milliseconds(20);
  for (int i = 0; i < kTimers; ++i) {
    loop.runAt(when, [&, i] { atOrder.push_back(i); });        // one deadline: the sequence decides
    loop.runAfter(0.02, [&, i] { afterOrder.push_back(i); });  // each counted from its own call
  }
  loop.runAfter(0.05, [&] { loop.quit(); });
  loop.loop();
  REQUIRE_FALSE(guard.fired);
  std::vector<int> added(kTimers);
  std::iota(added.begin(), added.end(), 0);
  CHECK(atOrder == added);
  CHECK(afterOrder == added);
}

TEST_CASE("a wall-clock deadline follows a step of the wall clock made before the call",
          "[ch04][s2][timer]") {
  std::promise<void> first;
  std::promise<void> forward;
  std::promise<Clock::duration> back;
  WallClockStep step;
  testutil::LoopInThread runner;  // declared last: its loop stops before the rest goes
  EventLoop* loop = runner.loop();

  // The offset between the clocks is taken now, unstepped.
  loop->runAt(Timestamp::now(), [&] { first.set_value(); });
  REQUIRE(first.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  // An hour forward: converted with the old offset, a timer due in 50 ms would wait an hour.
  step.set(std::chrono::hours(1));
  loop->runAt(addTime(Timestamp::now(), 0.05), [&] { forward.set_value(); });
  REQUIRE(forward.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  // An hour back from the true time: with the offset of the forward step, a timer due in
  // 0.3 s would be two hours overdue and fire at once.
  step.set(std::chrono::hours(-1));
  Clock::time_point calledAt = Clock::now();
  loop->runAt(addTime(Timestamp::now(), 0.3),
              [&, calledAt] { back.set_value(Clock::now() - calledAt); });
  std::future<Clock::duration> waited = back.get_future();
  REQUIRE(waited.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(waited.get() >= std::chrono::milliseconds(299));  // Timestamp has whole microseconds
}

TEST_CASE("a timer with an enormous delay or interval does not fire at once", "[ch04][s2][timer]") {
  // Converted to nanoseconds unclamped, 1e300 s and infinity do not fit in the 64-bit count
  // (undefined; on x86 a large negative count, due at once), and a delay just short of the
  // largest count makes now + delay overflow (undefined too; it wrapped to the far past, and
  // arming the timerfd for that overflowed again, to centuries ahead: no timer fired after it).
  std::atomic<int> fired{0};
  std::promise<void> witness;
  testutil::LoopInThread runner;  // not Guard, a timer: it would wait for centuries too
  EventLoop* loop = runner.loop();
  const double almostMax =
      std::chrono::duration<double>(TimerClock::duration::max() - std::chrono::milliseconds(1))
          .count();
  for (double delay : {1e300, std::numeric_limits<double>::infinity(), 1e10, almostMax}) {
    loop->runAfter(delay, [&] { ++fired; });
    loop->runEvery(delay, [&] { ++fired; });
  }
  loop->runAt(Timestamp(std::numeric_limits<int64_t>::max()), [&] { ++fired; });
  loop->runAfter(0.05, [&] { witness.set_value(); });
  REQUIRE(witness.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fired == 0);
}

TEST_CASE("a negative or NaN delay runs the timer at once and only once", "[ch04][s2][timer]") {
  std::array<std::atomic<int>, 10> fired{};
  std::promise<void> witness;
  testutil::LoopInThread runner;  // not Guard: see the test above
  EventLoop* loop = runner.loop();
  size_t i = 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double delay : {-1.0, nan, -std::numeric_limits<double>::infinity(), -1e300}) {
    loop->runAfter(delay, [&fired, i] { ++fired[i]; });
    ++i;
    loop->runEvery(delay, [&fired, i] { ++fired[i]; });  // no interval: it runs once
    ++i;
  }
  // Far in the past on either clock: the delays computed from these must not overflow.
  loop->runAt(TimerClock::time_point::min(), [&fired, i] { ++fired[i]; });
  ++i;
  loop->runAt(Timestamp(std::numeric_limits<int64_t>::min()), [&fired, i] { ++fired[i]; });
  REQUIRE(++i == fired.size());
  loop->runAfter(0.05, [&] { witness.set_value(); });
  REQUIRE(witness.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  for (size_t t = 0; t < fired.size(); ++t) {
    INFO("timer " << t);
    CHECK(fired[t] == 1);
  }
}
