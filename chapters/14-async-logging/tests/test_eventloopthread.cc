// EventLoopThread: a thread that creates an EventLoop, hands its address back once it exists,
// and runs it; its destructor quits the loop if it is still there and joins.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <utility>

#include "TestUtil.h"
#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"

using mymuduo::net::EventLoop;
using mymuduo::net::EventLoopThread;
using testutil::waitFor;
namespace CurrentThread = mymuduo::CurrentThread;

namespace {

/// Whether kernel thread tid of this process still exists: its entry goes when it exits,
/// joined or not.
bool threadExists(int tid) {
  return ::access(("/proc/self/task/" + std::to_string(tid)).c_str(), F_OK) == 0;
}

}  // namespace

TEST_CASE("EventLoopThread creates its loop in the new thread and hands it back",
          "[ch08][s1][threadpool]") {
  std::promise<int> initTid;
  EventLoop* initLoop = nullptr;  // written in the new thread before startLoop() returns
  EventLoopThread thread(
      [&](EventLoop* loop) {
        initLoop = loop;
        initTid.set_value(CurrentThread::tid());
      },
      "io");
  EventLoop* loop = thread.startLoop();
  REQUIRE(loop != nullptr);
  CHECK(loop == initLoop);
  CHECK_FALSE(loop->isInLoopThread());
  CHECK(EventLoop::getEventLoopOfCurrentThread() == nullptr);  // none was made here

  std::promise<std::pair<int, EventLoop*>> seen;
  loop->runInLoop([&] {
    seen.set_value({CurrentThread::tid(), EventLoop::getEventLoopOfCurrentThread()});
  });
  auto ran = seen.get_future();
  REQUIRE(ran.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  auto [tid, loopThere] = ran.get();
  CHECK(tid == initTid.get_future().get());
  CHECK(tid != CurrentThread::tid());
  CHECK(loopThere == loop);
}

TEST_CASE("an EventLoopThread destroyed right after startLoop() joins cleanly",
          "[ch08][s1][threadpool]") {
  // Its loop may not have entered loop() yet when the destructor's quit() arrives.
  for (int i = 0; i < 100; ++i) {
    EventLoopThread thread;
    REQUIRE(thread.startLoop() != nullptr);
  }
  EventLoopThread neverStarted;  // nothing to quit or join
}

TEST_CASE("an EventLoopThread whose loop quit early is destroyed without touching it",
          "[ch08][s1][threadpool]") {
  // In a child, with the log captured: quit() on a loop that is gone would write to its
  // closed eventfd (and log an error) or crash.
  testutil::ChildResult r = testutil::runInChild([] {
    bool ok = false;
    {
      EventLoopThread thread;
      EventLoop* loop = thread.startLoop();
      std::promise<int> tid;
      loop->runInLoop([&] {
        tid.set_value(CurrentThread::tid());
        loop->quit();
      });
      int loopTid = tid.get_future().get();
      // Once the thread is gone, so is its loop: it lived on the thread's stack.
      ok = waitFor([&] { return !threadExists(loopTid); });
    }  // ~EventLoopThread
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  });
  INFO(r.output);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK(r.output.find("ERROR") == std::string::npos);  // a log line, or a sanitizer's report
}
