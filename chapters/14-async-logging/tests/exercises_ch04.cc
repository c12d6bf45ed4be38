// Hidden exercise tests: `[.exercise]` keeps them out of the default run and out of CTest.
// They fail until the exercise "Count the skipped ticks" in this chapter's README is done.
// Run them with: build/04/ch04_tests "[exercise]"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <type_traits>

#include "mymuduo/net/Timer.h"

using mymuduo::net::Timer;
using mymuduo::net::TimerClock;
using std::chrono::milliseconds;

namespace {

// restart(now) on t, and what it returned; -1 if it returns nothing. A template, so that the
// unused branch is not compiled: the shipped restart() returns void.
template <typename T>
int64_t restartAndCount(T& t, TimerClock::time_point now) {
  if constexpr (std::is_void_v<decltype(t.restart(now))>) {
    t.restart(now);
    return -1;
  } else {
    return static_cast<int64_t>(t.restart(now));
  }
}

}  // namespace

TEST_CASE("exercise 04: Timer::restart() returns how many ticks it skipped", "[.exercise][ex04]") {
  const TimerClock::time_point t0 = TimerClock::now();
  Timer timer([] {}, t0, milliseconds(10), Timer::nextSequence());
  if (std::is_void_v<decltype(timer.restart(t0))>) {
    FAIL("Timer::restart() returns void: make it return the number of skipped ticks");
  }

  // On time: the next tick is t0 + 10 ms, nothing skipped.
  CHECK(restartAndCount(timer, t0 + milliseconds(1)) == 0);
  CHECK(timer.expiration() == t0 + milliseconds(10));

  // The tick at 10 ms ran at 35 ms: the ticks at 20 and 30 ms are past, restart() skips
  // both and lands on 40 ms.
  CHECK(restartAndCount(timer, t0 + milliseconds(35)) == 2);
  CHECK(timer.expiration() == t0 + milliseconds(40));

  // A tick due exactly now counts as missed, as restart() skips it.
  CHECK(restartAndCount(timer, t0 + milliseconds(50)) == 1);
  CHECK(timer.expiration() == t0 + milliseconds(60));
}
