#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/Thread.h"

using mymuduo::Thread;

namespace {

int realTid() { return static_cast<int>(::syscall(SYS_gettid)); }

/// Holds threads inside their function until release(), so they are all alive at once.
class Gate {
 public:
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    cond_.wait(lock, [this] { return open_; });
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    cond_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cond_;
  bool open_ = false;
};

}  // namespace

TEST_CASE("Thread::start returns with tid() set to the new thread's kernel tid",
          "[ch01][s2][thread]") {
  Gate gate;
  std::atomic<int> seenInThread{0};
  Thread t([&] {
    seenInThread = realTid();
    gate.wait();
  });
  t.start();
  int tidAfterStart = t.tid();  // read before the thread is allowed to go on
  gate.release();
  t.join();
  CHECK(tidAfterStart != 0);
  CHECK(tidAfterStart == seenInThread.load());
  CHECK(tidAfterStart != realTid());
}

TEST_CASE("threads alive at the same time have distinct tids", "[ch01][s2][thread]") {
  constexpr int kThreads = 8;
  Gate gate;
  std::vector<std::unique_ptr<Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<Thread>([&] { gate.wait(); }));
    threads.back()->start();
  }
  std::set<int> tids;
  for (auto& t : threads) tids.insert(t->tid());
  gate.release();
  for (auto& t : threads) t->join();
  CHECK(tids.size() == kThreads);
  CHECK(tids.count(0) == 0);
}

TEST_CASE("join waits for the thread function to finish", "[ch01][s2][thread]") {
  std::atomic<bool> finished{false};
  Thread t([&] {
    ::usleep(50 * 1000);
    finished = true;
  });
  t.start();
  CHECK(t.started());
  t.join();
  CHECK(finished.load());
}

TEST_CASE("default thread names are unique and explicit names are kept", "[ch01][s2][thread]") {
  Thread a([] {});
  Thread b([] {});
  Thread named([] {}, "worker");
  CHECK(a.name() != b.name());
  CHECK(a.name().rfind("Thread", 0) == 0);
  CHECK(named.name() == "worker");
  CHECK(Thread::numCreated() >= 3);
}

TEST_CASE("a Thread destroyed without join() lets its function finish", "[ch01][s2][thread]") {
  auto done = std::make_shared<std::atomic<bool>>(false);
  Gate gate;
  {
    Thread t([done, &gate] {
      gate.wait();
      *done = true;
    });
    t.start();
  }  // detached here, still blocked on the gate
  gate.release();
  for (int i = 0; i < 500 && !*done; ++i) ::usleep(10 * 1000);
  CHECK(done->load());
}

TEST_CASE("a Thread whose start() failed throws and can be destroyed or started again",
          "[ch01][s2][thread]") {
  // Thread creation is made to fail by a process-wide default, so this runs in a child. (Lower
  // RLIMIT_NPROC would not do: root, which CI runs as, is exempt from it.)
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGABRT, SIG_DFL);  // std::terminate kills the child; the parent judges
    int failures = 0;
    pthread_attr_t saved;
    pthread_attr_t huge;
    ::pthread_getattr_default_np(&saved);
    ::pthread_attr_init(&huge);
    // A default stack larger than the address space: the stack's mmap fails, so every
    // pthread_create (and so every std::thread) fails with EAGAIN.
    ::pthread_attr_setstacksize(&huge, size_t{1} << 50);
    ::pthread_setattr_default_np(&huge);
    {
      Thread t([] {});
      try {
        t.start();
        ++failures;  // it was supposed to throw
      } catch (const std::system_error& e) {
        if (e.code().value() != EAGAIN) ++failures;
      }
      if (t.started()) ++failures;
    }  // destroyed after a failed start(): nothing to detach
    {
      std::atomic<bool> ran{false};
      Thread t([&ran] { ran = true; });
      try {
        t.start();
        ++failures;
      } catch (const std::system_error&) {
      }
      ::pthread_setattr_default_np(&saved);
      t.start();  // threads can be created again: a retry works
      t.join();
      if (!ran) ++failures;
    }
    ::_exit(failures);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));  // not killed by std::terminate's SIGABRT
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("CurrentThread::tid() is the kernel tid and stays the same", "[ch01][s2][thread]") {
  int first = mymuduo::CurrentThread::tid();
  CHECK(first == realTid());
  CHECK(mymuduo::CurrentThread::tid() == first);
  CHECK(mymuduo::CurrentThread::t_cachedTid == first);  // later calls read the cache
}
