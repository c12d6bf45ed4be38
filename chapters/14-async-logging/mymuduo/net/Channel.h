#pragma once

#include <functional>
#include <memory>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class EventLoop;

/// A selectable IO channel: one file descriptor, the events we want from it, the events the
/// poller saw on it, and the callbacks that handle them.
///
/// Does not own the fd: a Socket, an eventfd or a timerfd does, and closes it.
/// Belongs to exactly one EventLoop and is used only in that loop's thread.
/// Must be removed from the loop (disableAll(), then remove()) before it is destroyed.
/// An owner whose lifetime is shared (TcpConnection) ties itself to the channel, so that it
/// cannot be destroyed while one of its callbacks is running.
class Channel : noncopyable {
 public:
  using EventCallback = std::function<void()>;
  using ReadEventCallback = std::function<void(Timestamp)>;

  Channel(EventLoop* loop, int fd);
  ~Channel();

  /// Called by the loop for each active channel: dispatches revents to the callbacks.
  void handleEvent(Timestamp receiveTime);

  void setReadCallback(ReadEventCallback cb) { readCallback_ = std::move(cb); }
  void setWriteCallback(EventCallback cb) { writeCallback_ = std::move(cb); }
  void setCloseCallback(EventCallback cb) { closeCallback_ = std::move(cb); }
  void setErrorCallback(EventCallback cb) { errorCallback_ = std::move(cb); }

  /// Keeps owner alive while handleEvent() runs; events after the owner died are dropped.
  void tie(const std::shared_ptr<void>& owner);

  int fd() const { return fd_; }
  int events() const { return events_; }
  /// Used by pollers to report what happened.
  void set_revents(int revents) { revents_ = revents; }
  bool isNoneEvent() const { return events_ == kNoneEvent; }

  void enableReading() {
    events_ |= kReadEvent;
    update();
  }
  void disableReading() {
    events_ &= ~kReadEvent;
    update();
  }
  void enableWriting() {
    events_ |= kWriteEvent;
    update();
  }
  void disableWriting() {
    events_ &= ~kWriteEvent;
    update();
  }
  void disableAll() {
    events_ = kNoneEvent;
    update();
  }
  bool isWriting() const { return (events_ & kWriteEvent) != 0; }
  bool isReading() const { return (events_ & kReadEvent) != 0; }

  /// Poller bookkeeping: PollPoller keeps the slot in its pollfd array here.
  int index() const { return index_; }
  void set_index(int idx) { index_ = idx; }

  EventLoop* ownerLoop() { return loop_; }
  /// Unregisters from the poller. Call disableAll() first.
  void remove();

 private:
  void update();
  void handleEventWithGuard(Timestamp receiveTime);

  static const int kNoneEvent;
  static const int kReadEvent;
  static const int kWriteEvent;

  EventLoop* loop_;
  const int fd_;
  int events_ = 0;
  int revents_ = 0;
  int index_ = -1;
  bool addedToLoop_ = false;
  bool eventHandling_ = false;
  std::weak_ptr<void> tie_;
  bool tied_ = false;

  ReadEventCallback readCallback_;
  EventCallback writeCallback_;
  EventCallback closeCallback_;
  EventCallback errorCallback_;
};

}  // namespace net
}  // namespace mymuduo
