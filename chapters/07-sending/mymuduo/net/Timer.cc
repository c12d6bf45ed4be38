#include "mymuduo/net/Timer.h"

namespace mymuduo {
namespace net {

std::atomic<int64_t> Timer::numCreated_{0};

void Timer::restart(Timestamp now) {
  expiration_ = repeat_ ? addTime(now, interval_) : Timestamp::invalid();
}

}  // namespace net
}  // namespace mymuduo
