#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class Channel;
class Poller;

/// The reactor: one loop per thread, at most one per thread.
///
/// The thread that constructs an EventLoop is its loop thread; loop() must run there, and so
/// must everything that touches channels. Other threads talk to the loop only through quit(),
/// runInLoop() and queueInLoop(), which are safe from any thread: they enqueue work under a
/// mutex and wake the loop through an eventfd.
/// Owns its Poller and its wakeup fd and channel; does not own the other Channels.
/// Teardown: destroyed in the loop thread once loop() has returned, which first ran the functors
/// still queued. What is queued after that is destroyed unrun, and nothing of the loop calls
/// back once it is gone. Whatever uses the loop must be done with it first: a call into a
/// destroyed loop is the caller's bug.
class EventLoop : noncopyable {
 public:
  using Functor = std::function<void()>;

  EventLoop();
  ~EventLoop();  // destroy in the loop thread, after loop() has returned

  /// Runs the loop until quit(). Must be called in the loop thread. Before it returns, it runs
  /// the functors still queued, and those they queue in turn (up to kMaxExitRounds batches).
  void loop();
  /// Makes loop() return after the current iteration. Safe from any thread.
  void quit();

  /// Time when the last poll returned, the moment the current events were seen.
  Timestamp pollReturnTime() const { return pollReturnTime_; }
  /// How many times poll has returned. Loop thread only.
  int64_t iteration() const { return iteration_; }

  /// Runs cb now if called in the loop thread (an exception then reaches the caller, as from
  /// any direct call), otherwise queues it. Safe from any thread.
  void runInLoop(Functor cb);
  /// Queues cb to run in the loop thread after the current events are handled.
  /// Safe from any thread.
  void queueInLoop(Functor cb);
  size_t queueSize() const;

  /// Wakes the loop if it is blocked in poll. Safe from any thread.
  void wakeup();
  /// Channel bookkeeping, loop thread only; called by Channel::update() and remove().
  void updateChannel(Channel* channel);
  void removeChannel(Channel* channel);
  bool hasChannel(Channel* channel);

  void assertInLoopThread() const {
    if (!isInLoopThread()) {
      abortNotInLoopThread();
    }
  }
  bool isInLoopThread() const { return threadId_ == CurrentThread::tid(); }
  bool eventHandling() const { return eventHandling_; }

  /// The loop of the calling thread, or nullptr.
  static EventLoop* getEventLoopOfCurrentThread();

 private:
  void abortNotInLoopThread() const;
  void handleRead();         // drains the wakeup eventfd
  bool doPendingFunctors();  // false if there was nothing to run

  // How many batches of functors loop() runs after quit() before it gives up on the rest.
  static constexpr int kMaxExitRounds = 100;
  // The most functors' worth of storage doPendingFunctors() keeps between batches.
  static constexpr size_t kMaxKeptFunctors = 1024;

  using ChannelList = std::vector<Channel*>;

  std::atomic<bool> looping_{false};
  bool quit_ = false;  // loop thread only: quit() from elsewhere goes through the queue
  bool eventHandling_ = false;
  bool callingPendingFunctors_ = false;
  std::vector<Functor> callingFunctors_;  // loop thread only: the batch being run
  int64_t iteration_ = 0;
  const int threadId_;
  Timestamp pollReturnTime_;
  std::unique_ptr<Poller> poller_;

  int wakeupFd_;
  std::unique_ptr<Channel> wakeupChannel_;

  ChannelList activeChannels_;
  Channel* currentActiveChannel_ = nullptr;

  mutable std::mutex mutex_;
  std::vector<Functor> pendingFunctors_;  // guarded by mutex_
  // Guarded by mutex_: a wakeup was written since the loop last swapped pendingFunctors_ out.
  bool wakeupPending_ = false;
};

/// Logs the exception being handled, at ERROR with its what(); only inside a catch block.
void logCallbackException(const char* what);

/// How the loop calls code that is not its own (queued functors, channel callbacks, timer
/// callbacks): an exception that escapes it is logged and dropped, so that it can neither
/// leave the loop's own state half-updated nor skip the callbacks after it. `what` names the
/// callback in the log line.
template <typename F>
void invokeCallback(const char* what, F&& f) {
  try {
    f();
  } catch (...) {
    logCallbackException(what);
  }
}

}  // namespace net
}  // namespace mymuduo
