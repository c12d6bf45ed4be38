#pragma once

namespace mymuduo {
namespace CurrentThread {

/// The kernel thread id (gettid), cached per thread: the first call makes the system call,
/// every later call in the same thread reads a thread_local. Logging and the loop's
/// "am I in my own thread?" check call it constantly, so it must be cheap.
extern thread_local int t_cachedTid;

void cacheTid();

inline int tid() {
  if (__builtin_expect(t_cachedTid == 0, 0)) {
    cacheTid();
  }
  return t_cachedTid;
}

}  // namespace CurrentThread
}  // namespace mymuduo
