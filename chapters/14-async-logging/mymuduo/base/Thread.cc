#include "mymuduo/base/Thread.h"

#include <semaphore.h>

#include <cassert>
#include <cerrno>

#include "mymuduo/base/CurrentThread.h"

namespace mymuduo {

std::atomic<int> Thread::numCreated_{0};

Thread::Thread(ThreadFunc func, std::string name) : func_(std::move(func)), name_(std::move(name)) {
  setDefaultName(++numCreated_);
}

Thread::~Thread() {
  if (started_ && !joined_) {
    thread_.detach();  // the thread owns a copy of func_, so it does not need us any more
  }
}

void Thread::start() {
  assert(!started_);
  // tid_ is written by the new thread; sem_post/sem_wait order that write before our read.
  sem_t sem;
  ::sem_init(&sem, 0, 0);
  try {
    thread_ = std::thread([this, &sem, func = func_] {
      tid_ = CurrentThread::tid();
      ::sem_post(&sem);  // after this, neither `this` nor `sem` may be touched
      func();
    });
  } catch (...) {
    // No thread exists (std::system_error, e.g. EAGAIN): leave started_ false, so that the
    // destructor has nothing to detach, and let the caller decide.
    ::sem_destroy(&sem);
    throw;
  }
  started_ = true;  // only now: a thread exists
  while (::sem_wait(&sem) != 0 && errno == EINTR) {
    // a signal handler ran; the thread has not posted yet, keep waiting
  }
  ::sem_destroy(&sem);
}

void Thread::join() {
  assert(started_);
  assert(!joined_);
  joined_ = true;
  thread_.join();
}

void Thread::setDefaultName(int num) {
  if (name_.empty()) {
    name_ = "Thread" + std::to_string(num);
  }
}

}  // namespace mymuduo
