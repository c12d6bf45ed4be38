#include "mymuduo/net/Poller.h"

#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

namespace mymuduo {
namespace net {

Poller::Poller(EventLoop* loop) : ownerLoop_(loop) {}

Poller::~Poller() = default;

bool Poller::hasChannel(Channel* channel) const {
  assertInLoopThread();
  auto it = channels_.find(channel->fd());
  return it != channels_.end() && it->second == channel;
}

void Poller::assertInLoopThread() const { ownerLoop_->assertInLoopThread(); }

}  // namespace net
}  // namespace mymuduo
