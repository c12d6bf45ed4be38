// Kept apart from Poller.cc so that the interface does not depend on its implementations.
#include <cstdlib>

#include "mymuduo/net/Poller.h"
#include "mymuduo/net/poller/EPollPoller.h"
#include "mymuduo/net/poller/PollPoller.h"

namespace mymuduo {
namespace net {

std::unique_ptr<Poller> Poller::newDefaultPoller(EventLoop* loop) {
  if (::getenv("MYMUDUO_USE_POLL") != nullptr) {
    return std::make_unique<PollPoller>(loop);
  }
  return std::make_unique<EPollPoller>(loop);
}

}  // namespace net
}  // namespace mymuduo
