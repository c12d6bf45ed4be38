#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {

class EventLoop;
class Timer;

/// All the timers of one loop, on a single timerfd armed for the earliest expiration.
///
/// Owned by its EventLoop; owns its Timers, the timerfd and its Channel.
/// addTimer() and cancel() are safe from any thread (they hop into the loop with runInLoop);
/// everything else runs in the loop thread.
class TimerQueue : noncopyable {
 public:
  explicit TimerQueue(EventLoop* loop);
  ~TimerQueue();

  /// Runs cb at `when`, then every `interval` seconds if interval > 0.
  TimerId addTimer(TimerCallback cb, Timestamp when, double interval);
  void cancel(TimerId timerId);

 private:
  // Ordered by expiration; the sequence breaks ties, so equal expirations are fine.
  using Key = std::pair<Timestamp, int64_t>;
  using TimerList = std::map<Key, std::unique_ptr<Timer>>;

  void addTimerInLoop(std::unique_ptr<Timer> timer);
  void cancelInLoop(TimerId timerId);
  void handleRead();  // the timerfd fired
  std::vector<std::unique_ptr<Timer>> getExpired(Timestamp now);
  void reset(std::vector<std::unique_ptr<Timer>>& expired, Timestamp now);
  /// Returns true when the new timer is now the earliest.
  bool insert(std::unique_ptr<Timer> timer);

  EventLoop* loop_;
  const int timerfd_;
  Channel timerfdChannel_;
  TimerList timers_;
  /// sequence -> expiration of every timer in timers_, to find one by its TimerId.
  std::map<int64_t, Timestamp> activeTimers_;

  bool callingExpiredTimers_ = false;
  /// Timers cancelled while their callbacks run: repeating ones must not be re-armed.
  std::set<int64_t> cancelingTimers_;
};

}  // namespace net
}  // namespace mymuduo
