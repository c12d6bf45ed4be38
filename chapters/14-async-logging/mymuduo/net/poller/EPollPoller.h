#pragma once

#include <sys/epoll.h>

#include <vector>

#include "mymuduo/net/Poller.h"

namespace mymuduo {
namespace net {

/// IO multiplexing with epoll(7), level-triggered: the kernel keeps the interest list, so a
/// poll costs O(ready channels), not O(all channels).
///
/// Owns the epoll fd. A channel's index() records whether it is new, added to the epoll
/// interest list, or deleted from it (known to us, with no events enabled).
/// Every method must be called in the loop thread.
class EPollPoller : public Poller {
 public:
  explicit EPollPoller(EventLoop* loop);
  ~EPollPoller() override;

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;

 private:
  static constexpr int kInitEventListSize = 16;

  void fillActiveChannels(int numEvents, ChannelList* activeChannels) const;
  void update(int operation, Channel* channel);

  int epollfd_;
  /// Filled by epoll_wait; doubled whenever a poll fills it, so a busy loop catches up.
  std::vector<struct epoll_event> events_;
};

}  // namespace net
}  // namespace mymuduo
