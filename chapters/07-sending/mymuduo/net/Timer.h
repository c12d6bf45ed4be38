#pragma once

#include <atomic>
#include <cstdint>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {

/// One timer: when it expires next, what it runs, and how often it repeats.
///
/// Internal to TimerQueue, which owns every Timer and uses it in the loop thread only.
/// The sequence number is the timer's identity: unique for the life of the process, so a
/// TimerId never names a different timer that happens to reuse the same memory.
class Timer : noncopyable {
 public:
  Timer(TimerCallback cb, Timestamp when, double interval, int64_t sequence)
      : callback_(std::move(cb)),
        expiration_(when),
        interval_(interval),
        repeat_(interval > 0.0),
        sequence_(sequence) {}

  void run() const { callback_(); }

  Timestamp expiration() const { return expiration_; }
  bool repeat() const { return repeat_; }
  int64_t sequence() const { return sequence_; }

  /// Moves a repeating timer to its next expiry, counted from now.
  void restart(Timestamp now);

  /// A fresh sequence number; safe from any thread.
  static int64_t nextSequence() { return ++numCreated_; }

 private:
  const TimerCallback callback_;
  Timestamp expiration_;
  const double interval_;
  const bool repeat_;
  const int64_t sequence_;

  static std::atomic<int64_t> numCreated_;
};

}  // namespace net
}  // namespace mymuduo
