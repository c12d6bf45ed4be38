#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {

/// The clock every timer runs on: std::chrono::steady_clock, which on Linux reads
/// CLOCK_MONOTONIC, the clock of the timerfd. It counts from boot and cannot be set, so a step
/// of the wall clock (NTP, date -s) moves no timer. Its own type: the compiler refuses to mix
/// its times with a wall-clock Timestamp.
using TimerClock = std::chrono::steady_clock;

/// The longest delay a timer takes: 100 years. With it, now + delay (and a repeating timer's
/// next tick, counted from an expiration already past) fits in TimerClock's signed 64-bit count
/// of nanoseconds, which ends about 292 years after boot.
inline constexpr TimerClock::duration kMaxTimerDelay = std::chrono::hours(24 * 36525);

/// Seconds as a TimerClock duration, rounded up so that a timer never fires early. A negative
/// or NaN delay is 0, due at once; one above kMaxTimerDelay (infinity too) is kMaxTimerDelay.
/// Clamped while still a double: converting a double beyond the 64-bit count is undefined
/// behaviour, and on x86 1e300 s came out as a large negative count, due at once.
inline TimerClock::duration toTimerDuration(double seconds) {
  constexpr double kMaxSeconds = std::chrono::duration<double>(kMaxTimerDelay).count();
  if (!(seconds > 0.0)) return TimerClock::duration::zero();  // NaN compares false too
  if (seconds >= kMaxSeconds) return kMaxTimerDelay;
  return std::chrono::ceil<TimerClock::duration>(std::chrono::duration<double>(seconds));
}

/// Wall-clock `time` as a TimerClock time, with the offset between the two clocks as it is at
/// the call: a step of the wall clock before the call is honoured, a later one moves nothing.
/// The same Timestamp gives the same time_point from call to call (timers due at one wall-clock
/// time run in the order they were added), unless the wall clock was stepped by more than 1 ms
/// in between. Clamped like toTimerDuration(): more than kMaxTimerDelay ahead is that far
/// ahead, more than that in the past is now. Safe from any thread.
TimerClock::time_point toTimerClock(Timestamp time);

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
