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
struct timespec howMuchTimeFromNow(Timestamp when) {
  int64_t microseconds = when.microSecondsSinceEpoch() - Timestamp::now().microSecondsSinceEpoch();
  if (microseconds < 100) {
    microseconds = 100;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(microseconds / Timestamp::kMicroSecondsPerSecond);
  ts.tv_nsec = static_cast<long>((microseconds % Timestamp::kMicroSecondsPerSecond) * 1000);
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

void resetTimerfd(int timerfd, Timestamp expiration) {
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

TimerId TimerQueue::addTimer(TimerCallback cb, Timestamp when, double interval) {
  // The sequence is taken here so that the caller gets its TimerId at once, even when the
  // timer itself is created later in the loop thread.
  int64_t sequence = Timer::nextSequence();
  loop_->runInLoop([this, cb = std::move(cb), when, interval, sequence]() mutable {
    addTimerInLoop(std::make_unique<Timer>(std::move(cb), when, interval, sequence));
  });
  return TimerId(sequence);
}

void TimerQueue::cancel(TimerId timerId) {
  loop_->runInLoop([this, timerId] { cancelInLoop(timerId); });
}

void TimerQueue::addTimerInLoop(std::unique_ptr<Timer> timer) {
  loop_->assertInLoopThread();
  Timestamp expiration = timer->expiration();
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
  } else if (callingExpiredTimers_) {
    // It is running right now (perhaps cancelling itself): make sure it is not re-armed.
    cancelingTimers_.insert(timerId.sequence());
  }
  assert(timers_.size() == activeTimers_.size());
}

void TimerQueue::handleRead() {
  loop_->assertInLoopThread();
  Timestamp now(Timestamp::now());
  readTimerfd(timerfd_);

  std::vector<std::unique_ptr<Timer>> expired = getExpired(now);
  callingExpiredTimers_ = true;
  cancelingTimers_.clear();
  for (const auto& timer : expired) {
    // Guarded one by one: a callback that threw must not skip the timers after it, or the
    // reset() below that re-arms repeating timers and the timerfd.
    invokeCallback("TimerQueue: a timer callback", [&timer] { timer->run(); });
  }
  callingExpiredTimers_ = false;
  reset(expired, now);
}

std::vector<std::unique_ptr<Timer>> TimerQueue::getExpired(Timestamp now) {
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

void TimerQueue::reset(std::vector<std::unique_ptr<Timer>>& expired, Timestamp now) {
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
  Timestamp when = timer->expiration();
  bool earliestChanged = timers_.empty() || when < timers_.begin()->first.first;
  int64_t sequence = timer->sequence();
  timers_.emplace(Key(when, sequence), std::move(timer));
  activeTimers_.emplace(sequence, when);
  return earliestChanged;
}

}  // namespace net
}  // namespace mymuduo
