#pragma once

#include <cstdint>

namespace mymuduo {
namespace net {

/// Names a timer for EventLoop::cancel(). A plain value, safe to copy and to keep after the
/// timer has fired: cancelling a timer that no longer exists does nothing.
class TimerId {
 public:
  TimerId() = default;  // names no timer
  explicit TimerId(int64_t sequence) : sequence_(sequence) {}

  int64_t sequence() const { return sequence_; }

 private:
  int64_t sequence_ = 0;
};

}  // namespace net
}  // namespace mymuduo
