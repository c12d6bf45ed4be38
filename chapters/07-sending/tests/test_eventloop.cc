#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Thread;
using mymuduo::Timestamp;
using mymuduo::net::Channel;
using mymuduo::net::EventLoop;
using Clock = std::chrono::steady_clock;

// The wrong-thread test starts a thread in a forked child. ThreadSanitizer forbids that by
// default, since its own helper thread makes every process multi-threaded; the child only
// aborts, so allow it.
extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }

TEST_CASE("a second EventLoop in one thread aborts with a clear message", "[ch02][eventloop]") {
  testutil::ChildResult r = testutil::runInChild([] {
    EventLoop first;
    EventLoop second;  // must abort here
  });
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGABRT);
  CHECK(r.output.find("Another EventLoop") != std::string::npos);
}

TEST_CASE("using a loop from another thread aborts", "[ch02][eventloop]") {
  testutil::ChildResult r = testutil::runInChild([] {
    EventLoop loop;
    Thread t([&loop] { loop.assertInLoopThread(); });
    t.start();
    t.join();
  });
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGABRT);
  CHECK(r.output.find("abortNotInLoopThread") != std::string::npos);
}

TEST_CASE("each thread sees its own loop", "[ch02][eventloop]") {
  CHECK(EventLoop::getEventLoopOfCurrentThread() == nullptr);
  {
    EventLoop loop;
    CHECK(EventLoop::getEventLoopOfCurrentThread() == &loop);
    CHECK(loop.isInLoopThread());
  }
  CHECK(EventLoop::getEventLoopOfCurrentThread() == nullptr);
}

TEST_CASE("quit() from another thread wakes a loop blocked in poll", "[ch02][eventloop]") {
  // The loop polls with a 10 s timeout; only the eventfd wakeup can make it return sooner.
  testutil::LoopInThread runner;
  REQUIRE(testutil::waitUntilSleeping(runner.tid()));
  Clock::time_point quitAt = Clock::now();
  runner.loop()->quit();
  runner.join();
  CHECK(runner.returnedAt() - quitAt < std::chrono::milliseconds(1000));
}

TEST_CASE("functors queued from many threads each run once in the loop thread",
          "[ch02][eventloop]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1000;
  testutil::LoopInThread runner;
  EventLoop* loop = runner.loop();
  std::vector<int> runs(kThreads * kPerThread, 0);  // touched only in the loop thread
  int wrongThread = 0;

  std::vector<std::unique_ptr<Thread>> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.push_back(std::make_unique<Thread>([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        loop->queueInLoop([&, id = t * kPerThread + i] {
          if (!loop->isInLoopThread()) ++wrongThread;
          ++runs[static_cast<size_t>(id)];
        });
      }
    }));
    producers.back()->start();
  }
  for (auto& p : producers) p->join();
  // Queued last, so it runs after every functor above; quit() from the loop thread.
  loop->queueInLoop([loop] { loop->quit(); });
  runner.join();

  CHECK(wrongThread == 0);
  CHECK(std::count(runs.begin(), runs.end(), 1) == kThreads * kPerThread);
}

TEST_CASE("a functor queued while pending functors run is not delayed", "[ch02][eventloop]") {
  testutil::LoopInThread runner;
  EventLoop* loop = runner.loop();
  REQUIRE(testutil::waitUntilSleeping(runner.tid()));
  Clock::time_point start = Clock::now();
  loop->queueInLoop([loop] {
    // Queued from inside doPendingFunctors(): without a wakeup it would wait for the
    // 10 s poll timeout.
    loop->queueInLoop([loop] { loop->quit(); });
  });
  runner.join();
  CHECK(runner.returnedAt() - start < std::chrono::milliseconds(1000));
}

TEST_CASE("runInLoop runs at once in the loop thread and queues from elsewhere",
          "[ch02][eventloop]") {
  EventLoop loop;
  bool ran = false;
  loop.runInLoop([&] { ran = true; });
  CHECK(ran);  // before runInLoop returned

  std::atomic<bool> ranFromOther{false};
  Thread other([&] {
    loop.runInLoop([&] {
      ranFromOther = true;
      loop.quit();
    });
  });
  other.start();
  other.join();
  CHECK_FALSE(ranFromOther.load());  // queued, waiting for the loop
  CHECK(loop.queueSize() == 1);
  loop.loop();
  CHECK(ranFromOther.load());
}

TEST_CASE("a readable fd's channel gets its read callback in the loop", "[ch02][channel]") {
  EventLoop loop;
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  REQUIRE(fd >= 0);
  Channel channel(&loop, fd);
  int reads = 0;
  Timestamp seenAt;
  channel.setReadCallback([&](Timestamp when) {
    uint64_t value = 0;
    REQUIRE(::read(fd, &value, sizeof value) == sizeof value);
    CHECK(value == 3);
    ++reads;
    seenAt = when;
    loop.quit();
  });
  channel.enableReading();
  CHECK(loop.hasChannel(&channel));
  uint64_t three = 3;
  REQUIRE(::write(fd, &three, sizeof three) == sizeof three);
  loop.loop();
  CHECK(reads == 1);
  CHECK(seenAt == loop.pollReturnTime());

  channel.disableAll();
  channel.remove();
  CHECK_FALSE(loop.hasChannel(&channel));
  ::close(fd);
}
