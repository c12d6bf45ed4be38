#pragma once

#include <functional>

namespace mymuduo {
namespace net {

/// Every callback type a user of the library sees lives here.
using TimerCallback = std::function<void()>;

}  // namespace net
}  // namespace mymuduo
