#include "mymuduo/net/Timer.h"

#include <cassert>

namespace mymuduo {
namespace net {

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
