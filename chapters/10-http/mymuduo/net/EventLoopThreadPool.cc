#include "mymuduo/net/EventLoopThreadPool.h"

#include <cassert>

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
    loops_.push_back(threads_.back()->startLoop());
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
