#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/Timer.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {

class EventLoop;

/// All the timers of one loop, on a single timerfd armed for the earliest expiration.
///
/// Owned by its EventLoop; owns its Timers, the timerfd and its Channel.
/// addTimer() and cancel() are safe from any thread (from another, they queue their work);
/// everything else runs in the loop thread. Expirations are TimerClock (monotonic) times.
class TimerQueue : noncopyable {
 public:
  explicit TimerQueue(EventLoop* loop);
  ~TimerQueue();

  /// Runs cb at `when`, then every `interval` seconds if interval > 0.
  TimerId addTimer(TimerCallback cb, TimerClock::time_point when, double interval);
  void cancel(TimerId timerId);

 private:
  // Ordered by expiration; the sequence breaks ties, so equal expirations are fine.
  using Key = std::pair<TimerClock::time_point, int64_t>;
  using TimerList = std::map<Key, std::unique_ptr<Timer>>;

  void addTimerInLoop(std::unique_ptr<Timer> timer);
  /// Puts the timer in the queue, and re-arms the timerfd if it is now the earliest.
  void arm(std::unique_ptr<Timer> timer);
  void cancelInLoop(TimerId timerId);
  bool isPendingAdd(int64_t sequence);
  void handleRead();  // the timerfd fired
  std::vector<std::unique_ptr<Timer>> getExpired(TimerClock::time_point now);
  void reset(std::vector<std::unique_ptr<Timer>>& expired, TimerClock::time_point now);
  /// Returns true when the new timer is now the earliest.
  bool insert(std::unique_ptr<Timer> timer);

  EventLoop* loop_;
  const int timerfd_;
  Channel timerfdChannel_;
  TimerList timers_;
  /// sequence -> expiration of every timer in timers_, to find one by its TimerId.
  std::map<int64_t, TimerClock::time_point> activeTimers_;

  bool callingExpiredTimers_ = false;
  /// Timers of the running batch cancelled by a callback: they neither run nor are re-armed.
  std::set<int64_t> cancelingTimers_;

  /// Timers whose addTimerInLoop() is queued but has not run yet. addTimer() fills it in the
  /// caller's thread, so a cancel that runs in the loop thread before the add can see it.
  std::mutex pendingMutex_;
  std::set<int64_t> pendingAdds_;  // guarded by pendingMutex_
  /// Timers cancelled while their add was pending: addTimerInLoop() drops them.
  std::set<int64_t> cancelledBeforeAdd_;
};

}  // namespace net
}  // namespace mymuduo
