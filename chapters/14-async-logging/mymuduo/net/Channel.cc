#include "mymuduo/net/Channel.h"

#include <poll.h>

#include <cassert>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/EventLoop.h"

namespace mymuduo {
namespace net {

// poll(2) and epoll(7) use the same bit values for these events, so one set serves both.
const int Channel::kNoneEvent = 0;
const int Channel::kReadEvent = POLLIN | POLLPRI;
const int Channel::kWriteEvent = POLLOUT;

Channel::Channel(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}

Channel::~Channel() {
  assert(!eventHandling_);
  assert(!addedToLoop_);
}

void Channel::tie(const std::shared_ptr<void>& owner) {
  tie_ = owner;
  tied_ = true;
}

void Channel::update() {
  addedToLoop_ = true;
  loop_->updateChannel(this);
}

void Channel::remove() {
  assert(isNoneEvent());
  addedToLoop_ = false;
  loop_->removeChannel(this);
}

void Channel::handleEvent(Timestamp receiveTime) {
  if (tied_) {
    // The callbacks below may drop the last outside reference to the owner (a close does);
    // this one keeps it alive until they have all returned.
    std::shared_ptr<void> guard = tie_.lock();
    if (guard) {
      handleEventWithGuard(receiveTime);
    }
  } else {
    handleEventWithGuard(receiveTime);
  }
}

void Channel::handleEventWithGuard(Timestamp receiveTime) {
  eventHandling_ = true;
  LOG_TRACE << "fd " << fd_ << " revents " << revents_;
  // Each callback through invokeCallback(): one that throws is logged, and the others and
  // the eventHandling_ reset still happen.
  if ((revents_ & POLLHUP) && !(revents_ & POLLIN)) {
    // The peer hung up and there is nothing left to read.
    if (closeCallback_) invokeCallback("Channel: the close callback", closeCallback_);
  }
  if (revents_ & POLLNVAL) {
    LOG_WARN << "Channel::handleEvent() POLLNVAL on fd " << fd_;
  }
  if (revents_ & (POLLERR | POLLNVAL)) {
    if (errorCallback_) invokeCallback("Channel: the error callback", errorCallback_);
  }
  if (revents_ & (POLLIN | POLLPRI | POLLRDHUP)) {
    if (readCallback_) {
      invokeCallback("Channel: the read callback", [&] { readCallback_(receiveTime); });
    }
  }
  if (revents_ & POLLOUT) {
    if (writeCallback_) invokeCallback("Channel: the write callback", writeCallback_);
  }
  eventHandling_ = false;
}

}  // namespace net
}  // namespace mymuduo
