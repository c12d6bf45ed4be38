#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
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

TEST_CASE("Thread::start returns with tid() set to the new thread's kernel tid", "[ch01][thread]") {
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

TEST_CASE("threads alive at the same time have distinct tids", "[ch01][thread]") {
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

TEST_CASE("join waits for the thread function to finish", "[ch01][thread]") {
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

TEST_CASE("default thread names are unique and explicit names are kept", "[ch01][thread]") {
  Thread a([] {});
  Thread b([] {});
  Thread named([] {}, "worker");
  CHECK(a.name() != b.name());
  CHECK(a.name().rfind("Thread", 0) == 0);
  CHECK(named.name() == "worker");
  CHECK(Thread::numCreated() >= 3);
}

TEST_CASE("a Thread destroyed without join() lets its function finish", "[ch01][thread]") {
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

TEST_CASE("CurrentThread::tid() is the kernel tid and stays the same", "[ch01][thread]") {
  int first = mymuduo::CurrentThread::tid();
  CHECK(first == realTid());
  CHECK(mymuduo::CurrentThread::tid() == first);
  CHECK(mymuduo::CurrentThread::t_cachedTid == first);  // later calls read the cache
}
