#pragma once

#include <map>
#include <memory>
#include <vector>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {
namespace net {

class Channel;
class EventLoop;

/// The IO multiplexing interface: PollPoller wraps poll(2), EPollPoller epoll(7).
///
/// Owned by its EventLoop; does not own the Channels it watches (it maps fd -> Channel*).
/// Every method must be called in the loop thread.
class Poller : noncopyable {
 public:
  using ChannelList = std::vector<Channel*>;

  explicit Poller(EventLoop* loop);
  virtual ~Poller();

  /// Waits up to timeoutMs for IO events and appends the ready channels to activeChannels.
  virtual Timestamp poll(int timeoutMs, ChannelList* activeChannels) = 0;
  /// Adds the channel, or changes the events it is watched for.
  virtual void updateChannel(Channel* channel) = 0;
  /// Forgets the channel; it must already have no events enabled.
  virtual void removeChannel(Channel* channel) = 0;

  virtual bool hasChannel(Channel* channel) const;

  /// The poller every new EventLoop uses.
  static std::unique_ptr<Poller> newDefaultPoller(EventLoop* loop);

  void assertInLoopThread() const;

 protected:
  using ChannelMap = std::map<int, Channel*>;
  ChannelMap channels_;

 private:
  EventLoop* ownerLoop_;
};

}  // namespace net
}  // namespace mymuduo
