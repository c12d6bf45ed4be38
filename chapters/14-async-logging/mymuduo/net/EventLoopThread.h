#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "mymuduo/base/Thread.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class EventLoop;

/// A thread that runs one EventLoop: the loop is created on the new thread, lives on that
/// thread's stack, and is destroyed there when loop() returns.
///
/// Owns its Thread; never owns the loop, which belongs to the thread. startLoop() blocks until
/// the loop exists and hands back its address (a mutex and condition variable hand-off, the
/// same idea as Thread::start()'s semaphore). The destructor quits the loop if it still runs
/// and joins the thread; it is correct right after startLoop() and after the loop has ended
/// on its own. When it returns, the loop is gone, and with it everything that lived in it.
/// Thread safety: the constructor, startLoop() and the destructor are called by the owning
/// thread only. The returned loop is used like any loop: runInLoop(), queueInLoop(), quit().
class EventLoopThread : noncopyable {
 public:
  /// Runs in the new thread with its loop, before the loop starts.
  using ThreadInitCallback = std::function<void(EventLoop*)>;

  explicit EventLoopThread(ThreadInitCallback cb = ThreadInitCallback(),
                           std::string name = std::string());
  ~EventLoopThread();

  /// Starts the thread and returns its loop, once it exists. Call once. nullptr if the loop
  /// has already ended by then: another thread, handed the loop by the init callback, may
  /// quit it that fast. (A quit() in the callback itself does not end it: loop() clears it.)
  EventLoop* startLoop();

 private:
  void threadFunc();

  ThreadInitCallback callback_;
  std::mutex mutex_;
  std::condition_variable cond_;
  // The running loop, or nullptr: before it exists and again once loop() has returned.
  // Guarded by mutex_, which the thread also holds while it clears this: the loop cannot be
  // destroyed while the destructor calls quit() on it.
  EventLoop* loop_ = nullptr;
  bool handedOff_ = false;  // guarded by mutex_: the thread has published its loop
  Thread thread_;           // last: its thread uses the members above
};

}  // namespace net
}  // namespace mymuduo
