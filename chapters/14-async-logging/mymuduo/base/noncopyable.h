#pragma once

namespace mymuduo {

/// Base class for types that must not be copied or assigned: loops, channels, sockets and
/// threads own OS resources, and a copy would close or join them twice.
/// Inherit privately: `class Thread : noncopyable`.
class noncopyable {
 public:
  noncopyable(const noncopyable&) = delete;
  noncopyable& operator=(const noncopyable&) = delete;

 protected:
  noncopyable() = default;
  ~noncopyable() = default;
};

}  // namespace mymuduo
