#include "mymuduo/net/EventLoop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <exception>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/Poller.h"
#include "mymuduo/net/TimerQueue.h"

namespace mymuduo {
namespace net {

namespace {

thread_local EventLoop* t_loopInThisThread = nullptr;

// Long on purpose: an idle loop sleeps in poll, and anything that needs it sooner wakes it.
constexpr int kPollTimeMs = 10000;

int createEventfd() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    LOG_SYSFATAL << "eventfd failed";
  }
  return fd;
}

}  // namespace

EventLoop* EventLoop::getEventLoopOfCurrentThread() { return t_loopInThisThread; }

EventLoop::EventLoop()
    : threadId_(CurrentThread::tid()),
      poller_(Poller::newDefaultPoller(this)),
      timerQueue_(std::make_unique<TimerQueue>(this)),
      wakeupFd_(createEventfd()),
      wakeupChannel_(std::make_unique<Channel>(this, wakeupFd_)) {
  LOG_DEBUG << "EventLoop created " << this << " in thread " << threadId_;
  if (t_loopInThisThread != nullptr) {
    LOG_FATAL << "Another EventLoop " << t_loopInThisThread << " exists in this thread "
              << threadId_;
  }
  t_loopInThisThread = this;
  wakeupChannel_->setReadCallback([this](Timestamp) { handleRead(); });
  wakeupChannel_->enableReading();
}

EventLoop::~EventLoop() {
  LOG_DEBUG << "EventLoop " << this << " of thread " << threadId_ << " destructs in thread "
            << CurrentThread::tid();
  wakeupChannel_->disableAll();
  wakeupChannel_->remove();
  ::close(wakeupFd_);
  t_loopInThisThread = nullptr;
}

void EventLoop::loop() {
  assert(!looping_);
  assertInLoopThread();
  looping_ = true;
  quit_ = false;
  LOG_DEBUG << "EventLoop " << this << " start looping";

  while (!quit_) {
    activeChannels_.clear();
    pollReturnTime_ = poller_->poll(kPollTimeMs, &activeChannels_);
    ++iteration_;
    eventHandling_ = true;
    for (Channel* channel : activeChannels_) {
      if (channel == nullptr) continue;  // removed by a callback earlier in this iteration
      currentActiveChannel_ = channel;
      currentActiveChannel_->handleEvent(pollReturnTime_);
    }
    currentActiveChannel_ = nullptr;
    eventHandling_ = false;
    doPendingFunctors();
  }

  // Functors queued by the last batch (a connection's teardown takes two) must still run:
  // ~EventLoop would only destroy them. A batch holds what the previous one queued, so this
  // ends, unless functors keep re-queueing themselves: kMaxExitRounds stops those.
  for (int round = 0; round < kMaxExitRounds && doPendingFunctors(); ++round) {
  }
  if (size_t left = queueSize(); left > 0) {
    LOG_ERROR << "EventLoop " << this << " stops with " << left << " functor(s) still queued after "
              << kMaxExitRounds << " rounds";
  }

  LOG_DEBUG << "EventLoop " << this << " stop looping";
  looping_ = false;
}

void EventLoop::quit() {
  if (isInLoopThread()) {
    // We are not blocked in poll: loop() sees quit_ at the end of this iteration.
    quit_ = true;
  } else {
    // Setting quit_ from here and then calling wakeup() would race: the loop could see quit_
    // on its own, return, and be destroyed before wakeup() writes to its eventfd. Queued, the
    // request cannot be seen before queueInLoop() has finished its wakeup().
    queueInLoop([this] { quit_ = true; });
  }
}

void EventLoop::runInLoop(Functor cb) {
  if (isInLoopThread()) {
    cb();
  } else {
    queueInLoop(std::move(cb));
  }
}

void EventLoop::queueInLoop(Functor cb) {
  std::lock_guard<std::mutex> lock(mutex_);
  pendingFunctors_.push_back(std::move(cb));
  // Wake the loop if we are another thread, or if the loop is running functors right now:
  // it has already swapped out the queue, and without a wakeup this new functor would wait
  // for the next IO event or the poll timeout. The wakeup happens under the lock, so the loop
  // cannot run cb - which may end the loop and destroy it - before our write is done.
  // One wakeup per batch: while one is written and the queue not yet swapped out, the loop
  // will find this functor with the others, and another write(2) would only cost time.
  if ((!isInLoopThread() || callingPendingFunctors_) && !wakeupPending_) {
    wakeupPending_ = true;
    wakeup();
  }
}

size_t EventLoop::queueSize() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pendingFunctors_.size();
}

TimerId EventLoop::runAt(Timestamp time, TimerCallback cb) {
  // Timers run on the monotonic clock: the wall-clock deadline becomes a time on it, here and
  // now. Not as now + (time - Timestamp::now()): each call would read the two clocks at
  // slightly different moments, and timers for one Timestamp would run in a random order.
  return runAt(toTimerClock(time), std::move(cb));
}

TimerId EventLoop::runAt(std::chrono::steady_clock::time_point time, TimerCallback cb) {
  return timerQueue_->addTimer(std::move(cb), time, 0.0);
}

TimerId EventLoop::runAfter(double delay, TimerCallback cb) {
  return runAt(TimerClock::now() + toTimerDuration(delay), std::move(cb));
}

TimerId EventLoop::runEvery(double interval, TimerCallback cb) {
  TimerClock::time_point first = TimerClock::now() + toTimerDuration(interval);
  return timerQueue_->addTimer(std::move(cb), first, interval);
}

void EventLoop::cancel(TimerId timerId) { timerQueue_->cancel(timerId); }

void EventLoop::updateChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  poller_->updateChannel(channel);
}

void EventLoop::removeChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  if (eventHandling_ && channel != currentActiveChannel_) {
    // Removed by the callback of another channel of this iteration (a timer that destroys a
    // server, say). If its own event of this poll is still waiting for its turn, it must not
    // get it: the channel may be gone by then, or its address reused by a new one.
    std::replace(activeChannels_.begin(), activeChannels_.end(), channel,
                 static_cast<Channel*>(nullptr));
  }
  poller_->removeChannel(channel);
}

bool EventLoop::hasChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  return poller_->hasChannel(channel);
}

void EventLoop::abortNotInLoopThread() const {
  LOG_FATAL << "EventLoop::abortNotInLoopThread - EventLoop " << this
            << " was created in threadId_ = " << threadId_
            << ", current thread id = " << CurrentThread::tid();
}

void EventLoop::wakeup() {
  uint64_t one = 1;
  ssize_t n = ::write(wakeupFd_, &one, sizeof one);
  if (n != sizeof one) {
    LOG_ERROR << "EventLoop::wakeup() writes " << n << " bytes instead of 8";
  }
}

void EventLoop::handleRead() {
  uint64_t one = 1;
  ssize_t n = ::read(wakeupFd_, &one, sizeof one);
  if (n != sizeof one) {
    LOG_ERROR << "EventLoop::handleRead() reads " << n << " bytes instead of 8";
  }
}

bool EventLoop::doPendingFunctors() {
  callingPendingFunctors_ = true;
  {
    // Swap under the lock, run outside it: the critical section stays tiny, and a functor
    // may call queueInLoop() without deadlocking.
    std::lock_guard<std::mutex> lock(mutex_);
    callingFunctors_.swap(pendingFunctors_);
    wakeupPending_ = false;  // a functor queued from now on needs a wakeup of its own
  }
  for (const Functor& functor : callingFunctors_) {
    invokeCallback("EventLoop: a queued functor", functor);
  }
  callingPendingFunctors_ = false;
  const bool ran = !callingFunctors_.empty();
  // The two vectors take turns, and clear() keeps the storage: a usual batch allocates
  // nothing. The storage of a burst is given back.
  if (callingFunctors_.capacity() > kMaxKeptFunctors) {
    std::vector<Functor>().swap(callingFunctors_);
  } else {
    callingFunctors_.clear();
  }
  return ran;
}

void logCallbackException(const char* what) {
  try {
    throw;
  } catch (const std::exception& e) {
    LOG_ERROR << what << " threw: " << e.what();
  } catch (...) {
    LOG_ERROR << what << " threw an exception that is not a std::exception";
  }
}

}  // namespace net
}  // namespace mymuduo
