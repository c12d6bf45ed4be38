#pragma once

#include <poll.h>

#include <vector>

#include "mymuduo/net/Poller.h"

namespace mymuduo {
namespace net {

/// IO multiplexing with poll(2): the simplest backend, O(number of channels) per call.
///
/// Keeps one pollfd per channel in a vector; a channel's index() is its slot there.
/// A channel with no events keeps its slot but with a negative fd, which poll ignores.
/// Every method must be called in the loop thread.
class PollPoller : public Poller {
 public:
  explicit PollPoller(EventLoop* loop);
  ~PollPoller() override;

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;

 private:
  void fillActiveChannels(int numEvents, ChannelList* activeChannels) const;

  std::vector<struct pollfd> pollfds_;
};

}  // namespace net
}  // namespace mymuduo
