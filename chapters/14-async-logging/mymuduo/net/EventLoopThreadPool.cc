#include "mymuduo/net/EventLoopThreadPool.h"

#include <cassert>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"

namespace mymuduo {
namespace net {

EventLoopThreadPool::EventLoopThreadPool(EventLoop* baseLoop, std::string name)
    : baseLoop_(baseLoop), name_(std::move(name)) {}

// Out of line, where EventLoopThread is complete: each thread quits its loop and joins.
EventLoopThreadPool::~EventLoopThreadPool() = default;

void EventLoopThreadPool::setThreadNum(int numThreads) {
  assert(!started_);
  assert(numThreads >= 0);
  numThreads_ = numThreads;
}

void EventLoopThreadPool::start(const ThreadInitCallback& cb) {
  assert(!started_);
  baseLoop_->assertInLoopThread();
  started_ = true;
  for (int i = 0; i < numThreads_; ++i) {
    threads_.push_back(std::make_unique<EventLoopThread>(cb, name_ + std::to_string(i)));
    EventLoop* loop = threads_.back()->startLoop();
    if (loop == nullptr) {
      // The loop ended before startLoop() returned (cb handed it to a thread that quit it, or
      // queued its quit()). In loops_ it would be handed to the next connection, which would
      // crash on it: leave it out, and say so.
      LOG_ERROR << "EventLoopThreadPool " << name_ << ": IO loop " << i
                << " ended during start() and gets no connections";
      continue;
    }
    loops_.push_back(loop);
  }
  if (numThreads_ > 0 && loops_.empty()) {
    LOG_ERROR << "EventLoopThreadPool " << name_ << ": no IO loop is left; the base loop "
              << "takes every connection";
  }
  if (numThreads_ == 0 && cb) {
    cb(baseLoop_);
  }
}

EventLoop* EventLoopThreadPool::getNextLoop() {
  baseLoop_->assertInLoopThread();
  assert(started_);
  EventLoop* loop = baseLoop_;
  if (!loops_.empty()) {
    loop = loops_[next_];
    next_ = (next_ + 1) % loops_.size();
  }
  return loop;
}

std::vector<EventLoop*> EventLoopThreadPool::getAllLoops() {
  baseLoop_->assertInLoopThread();
  assert(started_);
  if (loops_.empty()) {
    return {baseLoop_};
  }
  return loops_;
}

}  // namespace net
}  // namespace mymuduo
