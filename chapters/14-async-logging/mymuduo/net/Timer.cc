#include "mymuduo/net/Timer.h"

#include <cassert>
#include <limits>

namespace mymuduo {
namespace net {

namespace {

using std::chrono::nanoseconds;

// The wall clock minus TimerClock, in nanoseconds, as toTimerClock() uses it; kNoOffset until
// its first call. One for the process: every loop reads the same two clocks.
constexpr int64_t kNoOffset = std::numeric_limits<int64_t>::min();
std::atomic<int64_t> g_wallMinusSteadyNs{kNoOffset};

// How far outside a fresh reading the offset in use may be before the reading replaces it.
// Only a step of the wall clock (date -s, an NTP step) moves the true offset: NTP's slewing
// changes the rate of both clocks alike. A step below this goes unnoticed, so a wall-clock
// deadline may be off by up to 1 ms.
constexpr int64_t kStepNs = 1000 * 1000;

int64_t countNs(TimerClock::duration d) {
  return std::chrono::duration_cast<nanoseconds>(d).count();
}

// Where the offset lies: the wall clock is read between two reads of TimerClock, so the true
// offset is between wall - after (low) and wall - before (high). A thread preempted between
// the reads widens that: read again, a few times at most, and keep the narrowest.
struct OffsetReading {
  int64_t low;
  int64_t high;
  TimerClock::time_point now;
};

OffsetReading readWallMinusSteady() {
  OffsetReading best{0, std::numeric_limits<int64_t>::max(), TimerClock::time_point()};
  for (int attempt = 0; attempt < 5 && best.high - best.low > 20 * 1000; ++attempt) {
    TimerClock::time_point before = TimerClock::now();
    std::chrono::system_clock::time_point wall = std::chrono::system_clock::now();
    TimerClock::time_point after = TimerClock::now();
    int64_t wallNs = std::chrono::duration_cast<nanoseconds>(wall.time_since_epoch()).count();
    OffsetReading reading{wallNs - countNs(after.time_since_epoch()),
                          wallNs - countNs(before.time_since_epoch()), after};
    if (reading.high - reading.low < best.high - best.low) best = reading;
  }
  return best;
}

}  // namespace

TimerClock::time_point toTimerClock(Timestamp time) {
  // Converting with an offset read afresh at every call would give 50 timers for one Timestamp
  // 50 deadlines a few ns apart, in an order set by when each call read the two clocks, and so
  // run them in that order, not the order they were added. So the offset in use is kept while
  // every fresh reading agrees with it, and replaced only by a step of the wall clock.
  OffsetReading reading = readWallMinusSteady();
  int64_t offset = g_wallMinusSteadyNs.load(std::memory_order_relaxed);
  if (offset == kNoOffset || offset < reading.low - kStepNs || offset > reading.high + kStepNs) {
    // The lowest possible offset: the deadline is then late by the reading's width at worst,
    // never early.
    offset = reading.low;
    g_wallMinusSteadyNs.store(offset, std::memory_order_relaxed);
  }
  // Clamped first, so that time * 1000 - offset cannot overflow.
  const int64_t us = time.microSecondsSinceEpoch();
  const int64_t nowUs = (countNs(reading.now.time_since_epoch()) + offset) / 1000;
  const int64_t maxUs =
      std::chrono::duration_cast<std::chrono::microseconds>(kMaxTimerDelay).count();
  if (us > nowUs + maxUs) return reading.now + kMaxTimerDelay;
  if (us < nowUs - maxUs) return reading.now;
  return TimerClock::time_point(nanoseconds(us * 1000 - offset));
}

std::atomic<int64_t> Timer::numCreated_{0};

void Timer::restart(TimerClock::time_point now) {
  assert(repeat_);
  // From the previous expiration, not from now: counting from now would add every wakeup's
  // lateness to all later ticks, and the timer would drift.
  expiration_ += interval_;
  if (expiration_ <= now) {
    // The loop fell behind by whole periods: skip the missed ticks, keep the phase.
    expiration_ += ((now - expiration_) / interval_ + 1) * interval_;
  }
}

}  // namespace net
}  // namespace mymuduo
