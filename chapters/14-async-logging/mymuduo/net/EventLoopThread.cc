#include "mymuduo/net/EventLoopThread.h"

#include <cassert>

#include "mymuduo/net/EventLoop.h"

namespace mymuduo {
namespace net {

EventLoopThread::EventLoopThread(ThreadInitCallback cb, std::string name)
    : callback_(std::move(cb)), thread_([this] { threadFunc(); }, std::move(name)) {}

EventLoopThread::~EventLoopThread() {
  if (!thread_.started()) return;
  {
    // Under the lock, the loop is either still alive or already gone (loop_ is nullptr): the
    // thread clears loop_ under this same lock before the loop is destroyed.
    std::lock_guard<std::mutex> lock(mutex_);
    if (loop_ != nullptr) {
      // From another thread, quit() is queued: a loop that has not entered loop() yet still
      // sees it, and the tasks queued before it run first.
      loop_->quit();
    }
  }
  thread_.join();
}

EventLoop* EventLoopThread::startLoop() {
  assert(!thread_.started());
  thread_.start();
  std::unique_lock<std::mutex> lock(mutex_);
  // Not `loop_ != nullptr`: a loop that ended at once has cleared it again.
  cond_.wait(lock, [this] { return handedOff_; });
  return loop_;
}

void EventLoopThread::threadFunc() {
  EventLoop loop;  // here, so that the loop thread is this thread
  if (callback_) {
    callback_(&loop);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loop_ = &loop;
    handedOff_ = true;
    cond_.notify_one();
  }
  loop.loop();
  std::lock_guard<std::mutex> lock(mutex_);
  loop_ = nullptr;  // before `loop` is destroyed, at the end of this scope
}

}  // namespace net
}  // namespace mymuduo
