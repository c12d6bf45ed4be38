#pragma once

namespace mymuduo {
namespace CurrentThread {

/// The kernel thread id (gettid), cached per thread: the first call makes the system call,
/// every later call in the same thread reads a thread-local variable. Logging and the loop's
/// "am I in my own thread?" check call it constantly, so it must be cheap.
/// __thread, not thread_local: other files read it, and through an `extern thread_local`
/// declaration every read first checks for (and at -O0 calls) a TLS init wrapper, since the
/// declaration cannot promise a constant initializer. __thread (GCC and Clang) can only be
/// constant-initialized, so a read is one load. (C++20 would write `constinit thread_local`.)
extern __thread int t_cachedTid;

void cacheTid();

inline int tid() {
  if (__builtin_expect(t_cachedTid == 0, 0)) {
    cacheTid();
  }
  return t_cachedTid;
}

}  // namespace CurrentThread
}  // namespace mymuduo
