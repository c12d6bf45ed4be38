#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {

/// The clock every timer runs on: std::chrono::steady_clock, which on Linux reads
/// CLOCK_MONOTONIC, the clock of the timerfd. It counts from boot and cannot be set, so a step
/// of the wall clock (NTP, date -s) moves no timer. Its own type: the compiler refuses to mix
/// its times with a wall-clock Timestamp.
using TimerClock = std::chrono::steady_clock;

/// Seconds as a TimerClock duration, rounded up so that a timer never fires early.
inline TimerClock::duration toTimerDuration(double seconds) {
  return std::chrono::ceil<TimerClock::duration>(std::chrono::duration<double>(seconds));
}

/// One timer: when it expires next, what it runs, and how often it repeats.
///
/// Internal to TimerQueue, which owns every Timer and uses it in the loop thread only.
/// The sequence number is the timer's identity: unique for the life of the process, so a
/// TimerId never names a different timer that happens to reuse the same memory.
class Timer : noncopyable {
 public:
  Timer(TimerCallback cb, TimerClock::time_point when, TimerClock::duration interval,
        int64_t sequence)
      : callback_(std::move(cb)),
        expiration_(when),
        interval_(interval),
        repeat_(interval > TimerClock::duration::zero()),
        sequence_(sequence) {}

  void run() const { callback_(); }

  TimerClock::time_point expiration() const { return expiration_; }
  bool repeat() const { return repeat_; }
  int64_t sequence() const { return sequence_; }

  /// Moves a repeating timer to the first tick of its schedule (expiration + k * interval)
  /// that is after `now`: it keeps its phase however late the loop was, and ticks it missed
  /// are skipped, not run in a burst.
  void restart(TimerClock::time_point now);

  /// A fresh sequence number; safe from any thread.
  static int64_t nextSequence() { return ++numCreated_; }

 private:
  const TimerCallback callback_;
  TimerClock::time_point expiration_;
  const TimerClock::duration interval_;
  const bool repeat_;
  const int64_t sequence_;

  static std::atomic<int64_t> numCreated_;
};

}  // namespace net
}  // namespace mymuduo
