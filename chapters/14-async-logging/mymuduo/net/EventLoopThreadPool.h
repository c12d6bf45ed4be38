#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class EventLoop;
class EventLoopThread;

/// The IO loops of a server: numThreads EventLoopThreads, handed out in turn.
///
/// Owns its EventLoopThreads (so, indirectly, their loops); does not own the base loop. With
/// zero threads every caller gets the base loop, and the server is a single Reactor.
/// Destroying the pool quits every IO loop and joins its thread; each loop first runs the
/// tasks already queued to it.
/// Thread safety: setThreadNum() before start(); start(), getNextLoop(), getAllLoops() and the
/// destructor in the base loop's thread.
class EventLoopThreadPool : noncopyable {
 public:
  using ThreadInitCallback = std::function<void(EventLoop*)>;

  EventLoopThreadPool(EventLoop* baseLoop, std::string name);
  ~EventLoopThreadPool();

  void setThreadNum(int numThreads);
  /// Starts the threads and waits until every loop exists. cb runs in each IO thread with its
  /// loop before the loop starts; with zero threads it runs here, with the base loop. A loop
  /// that has already ended when its startLoop() returns (cb may end it) is logged as an error
  /// and left out; a loop must not end later, while the pool may hand it out.
  void start(const ThreadInitCallback& cb = ThreadInitCallback());

  /// The loop for the next connection: round robin over the IO loops, or the base loop when
  /// there are none (zero threads, or every IO loop ended during start()). Never nullptr.
  EventLoop* getNextLoop();
  /// The IO loops in round-robin order, or only the base loop.
  std::vector<EventLoop*> getAllLoops();

  bool started() const { return started_; }
  const std::string& name() const { return name_; }

 private:
  EventLoop* baseLoop_;
  const std::string name_;
  bool started_ = false;
  int numThreads_ = 0;
  size_t next_ = 0;  // index into loops_ of the next loop to hand out
  std::vector<std::unique_ptr<EventLoopThread>> threads_;
  std::vector<EventLoop*> loops_;
};

}  // namespace net
}  // namespace mymuduo
