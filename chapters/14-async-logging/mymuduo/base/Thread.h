#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "mymuduo/base/noncopyable.h"

namespace mymuduo {

/// A named thread that knows its kernel tid before start() returns.
///
/// Owns the std::thread. The function is copied into the new thread, so it runs on safely even
/// if this object is destroyed first: a Thread destroyed without join() detaches.
/// Thread safety: start(), join() and the destructor are called by the owning thread only.
class Thread : noncopyable {
 public:
  using ThreadFunc = std::function<void()>;

  explicit Thread(ThreadFunc func, std::string name = std::string());
  ~Thread();

  /// Starts the thread and blocks until it has published its tid: a semaphore hand-off.
  /// If no thread can be created, throws what std::thread throws (std::system_error, e.g.
  /// EAGAIN when the process is out of threads or memory) and leaves the object not started:
  /// it may be destroyed, or start() tried again.
  void start();
  void join();

  bool started() const { return started_; }
  /// The new thread's kernel tid; valid as soon as start() has returned.
  int tid() const { return tid_; }
  const std::string& name() const { return name_; }

  /// How many Thread objects were ever created (it gives default names: Thread1, Thread2...).
  static int numCreated() { return numCreated_.load(); }

 private:
  void setDefaultName(int num);

  bool started_ = false;
  bool joined_ = false;
  std::thread thread_;
  int tid_ = 0;
  ThreadFunc func_;
  std::string name_;

  static std::atomic<int> numCreated_;
};

}  // namespace mymuduo
