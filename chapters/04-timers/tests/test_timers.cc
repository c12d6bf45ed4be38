#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Thread;
using mymuduo::Timestamp;
using mymuduo::net::EventLoop;
using mymuduo::net::TimerId;

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

TEST_CASE("timers fire in order of expiry and never early", "[ch04][timer]") {
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

TEST_CASE("a repeating timer cancelled from inside its own callback stops", "[ch04][timer]") {
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

TEST_CASE("a timer cancelled from another thread stops", "[ch04][timer]") {
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

TEST_CASE("timers added from other threads run in the loop thread", "[ch04][timer]") {
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

TEST_CASE("many timers with the same expiry all fire once each", "[ch04][timer]") {
  EventLoop loop;
  Guard guard(loop, 5.0);
  constexpr int kTimers = 1000;
  std::vector<int> fired(kTimers, 0);
  std::set<int64_t> iterations;
  int total = 0;
  Timestamp when = addTime(Timestamp::now(), 0.02);
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

TEST_CASE("a timer in the past fires at once", "[ch04][timer]") {
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

TEST_CASE("the loop goes back to sleep after a timer fires", "[ch04][timer]") {
  // The timerfd stays readable until it is read; a loop that forgot to read it would be woken
  // by level-triggered epoll again and again, and never sleep.
  testutil::LoopInThread runner;
  std::promise<void> fired;
  runner.loop()->runAfter(0.001, [&] { fired.set_value(); });
  REQUIRE(fired.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(testutil::waitUntilSleeping(runner.tid()));
}

TEST_CASE("cancelling a fired or unknown timer does nothing", "[ch04][timer]") {
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

TEST_CASE("a timer callback that throws is logged and the timers go on", "[ch04][timer]") {
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
