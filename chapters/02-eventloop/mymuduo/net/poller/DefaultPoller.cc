// Kept apart from Poller.cc so that the interface does not depend on its implementations.
#include "mymuduo/net/Poller.h"
#include "mymuduo/net/poller/PollPoller.h"

namespace mymuduo {
namespace net {

std::unique_ptr<Poller> Poller::newDefaultPoller(EventLoop* loop) {
  return std::make_unique<PollPoller>(loop);
}

}  // namespace net
}  // namespace mymuduo
