#include "mymuduo/net/TimerQueue.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/Timer.h"

namespace mymuduo {
namespace net {

namespace {

int createTimerfd() {
  int timerfd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timerfd < 0) {
    LOG_SYSFATAL << "Failed in timerfd_create";
  }
  return timerfd;
}

// timerfd takes a relative time; a timer already due is armed 100 us ahead, because an
// all-zero it_value would disarm the timerfd instead of firing it.
struct timespec howMuchTimeFromNow(TimerClock::time_point when) {
  using std::chrono::nanoseconds;
  TimerClock::time_point now = TimerClock::now();
  // Compared first: when - now overflows for a `when` far in the past (time_point::min()).
  int64_t ns = when > now ? std::chrono::duration_cast<nanoseconds>(when - now).count() : 0;
  if (ns < 100 * 1000) {
    ns = 100 * 1000;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

// Must be read: the timerfd stays readable - and level-triggered epoll keeps reporting it -
// until its expiration count is consumed. EAGAIN is harmless: a callback that ran earlier in
// this iteration re-armed the timerfd, and re-arming clears the count.
void readTimerfd(int timerfd) {
  uint64_t howmany = 0;
  ssize_t n = ::read(timerfd, &howmany, sizeof howmany);
  if (n == sizeof howmany) {
    LOG_TRACE << "TimerQueue::handleRead() " << howmany;
  } else if (!(n < 0 && errno == EAGAIN)) {
    LOG_SYSERR << "TimerQueue::handleRead() reads " << n << " bytes instead of 8";
  }
}

void resetTimerfd(int timerfd, TimerClock::time_point expiration) {
  struct itimerspec newValue;
  std::memset(&newValue, 0, sizeof newValue);
  newValue.it_value = howMuchTimeFromNow(expiration);
  if (::timerfd_settime(timerfd, 0, &newValue, nullptr) != 0) {
    LOG_SYSERR << "timerfd_settime()";
  }
}

}  // namespace

TimerQueue::TimerQueue(EventLoop* loop)
    : loop_(loop), timerfd_(createTimerfd()), timerfdChannel_(loop, timerfd_) {
  timerfdChannel_.setReadCallback([this](Timestamp) { handleRead(); });
  timerfdChannel_.enableReading();
}

TimerQueue::~TimerQueue() {
  timerfdChannel_.disableAll();
  timerfdChannel_.remove();
  ::close(timerfd_);
}

TimerId TimerQueue::addTimer(TimerCallback cb, TimerClock::time_point when, double interval) {
  // The sequence is taken here so that the caller gets its TimerId at once, even when the
  // timer itself is created later in the loop thread. It is pending until then: a cancel
  // that reaches the loop first must be able to tell it from an id that is simply stale.
  int64_t sequence = Timer::nextSequence();
  if (loop_->isInLoopThread()) {
    // Added at once, so nothing can cancel it before: no pending mark, no task to wrap.
    arm(std::make_unique<Timer>(std::move(cb), when, toTimerDuration(interval), sequence));
    return TimerId(sequence);
  }
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    pendingAdds_.insert(sequence);
  }
  loop_->queueInLoop([this, cb = std::move(cb), when, interval, sequence]() mutable {
    addTimerInLoop(
        std::make_unique<Timer>(std::move(cb), when, toTimerDuration(interval), sequence));
  });
  return TimerId(sequence);
}

void TimerQueue::cancel(TimerId timerId) {
  if (loop_->isInLoopThread()) {
    cancelInLoop(timerId);  // what runInLoop() would do, without wrapping a task
  } else {
    loop_->queueInLoop([this, timerId] { cancelInLoop(timerId); });
  }
}

void TimerQueue::addTimerInLoop(std::unique_ptr<Timer> timer) {
  loop_->assertInLoopThread();
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    pendingAdds_.erase(timer->sequence());
  }
  if (cancelledBeforeAdd_.erase(timer->sequence()) != 0) {
    return;  // cancelled while this add waited in the queue: freed here, never run
  }
  arm(std::move(timer));
}

void TimerQueue::arm(std::unique_ptr<Timer> timer) {
  loop_->assertInLoopThread();
  TimerClock::time_point expiration = timer->expiration();
  if (insert(std::move(timer))) {
    resetTimerfd(timerfd_, expiration);
  }
}

void TimerQueue::cancelInLoop(TimerId timerId) {
  loop_->assertInLoopThread();
  auto active = activeTimers_.find(timerId.sequence());
  if (active != activeTimers_.end()) {
    size_t n = timers_.erase(Key(active->second, active->first));
    assert(n == 1);
    (void)n;
    activeTimers_.erase(active);
  } else if (isPendingAdd(timerId.sequence())) {
    // Its add is still queued: cancel() ran this at once, in the loop thread, ahead of it.
    // Remember the cancel, or the add would arm a cancelled timer.
    cancelledBeforeAdd_.insert(timerId.sequence());
  } else if (callingExpiredTimers_) {
    // It is in the running batch: not yet run (a callback cancels a later timer of the
    // batch), or running right now (perhaps cancelling itself). It must neither run nor be
    // re-armed.
    cancelingTimers_.insert(timerId.sequence());
  }
  assert(timers_.size() == activeTimers_.size());
}

bool TimerQueue::isPendingAdd(int64_t sequence) {
  std::lock_guard<std::mutex> lock(pendingMutex_);
  return pendingAdds_.count(sequence) != 0;
}

void TimerQueue::handleRead() {
  loop_->assertInLoopThread();
  TimerClock::time_point now = TimerClock::now();
  readTimerfd(timerfd_);

  std::vector<std::unique_ptr<Timer>> expired = getExpired(now);
  callingExpiredTimers_ = true;
  cancelingTimers_.clear();
  for (const auto& timer : expired) {
    if (cancelingTimers_.count(timer->sequence()) == 0) {  // not cancelled by an earlier one
      // Guarded one by one: a callback that threw must not skip the timers after it, or the
      // reset() below that re-arms repeating timers and the timerfd.
      invokeCallback("TimerQueue: a timer callback", [&timer] { timer->run(); });
    }
  }
  callingExpiredTimers_ = false;
  reset(expired, now);
}

std::vector<std::unique_ptr<Timer>> TimerQueue::getExpired(TimerClock::time_point now) {
  std::vector<std::unique_ptr<Timer>> expired;
  // Every key below (now, max) has expired, including all with expiration == now.
  auto end = timers_.lower_bound(Key(now, std::numeric_limits<int64_t>::max()));
  for (auto it = timers_.begin(); it != end; ++it) {
    activeTimers_.erase(it->first.second);
    expired.push_back(std::move(it->second));
  }
  timers_.erase(timers_.begin(), end);
  assert(timers_.size() == activeTimers_.size());
  return expired;
}

void TimerQueue::reset(std::vector<std::unique_ptr<Timer>>& expired, TimerClock::time_point now) {
  for (auto& timer : expired) {
    if (timer->repeat() && cancelingTimers_.count(timer->sequence()) == 0) {
      timer->restart(now);
      insert(std::move(timer));
    }
    // Otherwise the unique_ptr goes out of scope with `expired`: the timer is freed.
  }
  // Re-arm for the earliest timer left, whatever happened above: the timerfd fires once.
  if (!timers_.empty()) {
    resetTimerfd(timerfd_, timers_.begin()->first.first);
  }
}

bool TimerQueue::insert(std::unique_ptr<Timer> timer) {
  loop_->assertInLoopThread();
  assert(timers_.size() == activeTimers_.size());
  TimerClock::time_point when = timer->expiration();
  bool earliestChanged = timers_.empty() || when < timers_.begin()->first.first;
  int64_t sequence = timer->sequence();
  timers_.emplace(Key(when, sequence), std::move(timer));
  activeTimers_.emplace(sequence, when);
  return earliestChanged;
}

}  // namespace net
}  // namespace mymuduo
