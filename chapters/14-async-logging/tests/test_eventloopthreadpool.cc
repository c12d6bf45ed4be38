// EventLoopThreadPool: N EventLoopThreads whose loops are handed out round robin, or the base
// loop with none; and startLoop() when a loop ends before its caller wakes up, which start()
// must leave out of the pool.
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/EventLoopThreadPool.h"

using mymuduo::net::EventLoop;
using mymuduo::net::EventLoopThread;
using mymuduo::net::EventLoopThreadPool;
namespace CurrentThread = mymuduo::CurrentThread;

namespace {

/// Remembers each IO loop and its thread, in the order the pool created them; install it
/// as the thread init callback, which runs in each IO thread. (Its twin in test_threadpool.cc
/// is IoLoops: test files of one chapter may share a unity build, so their names differ.)
class PoolLoops {
 public:
  void operator()(EventLoop* loop) {
    std::lock_guard<std::mutex> lock(mutex_);
    order_.push_back(loop);
    tids_[loop] = CurrentThread::tid();
  }
  std::vector<EventLoop*> order() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return order_;
  }
  int tidOf(EventLoop* loop) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tids_.find(loop);
    return it == tids_.end() ? -1 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<EventLoop*> order_;
  std::map<EventLoop*, int> tids_;
};

// endLoopBeforeCallerWakes() makes "the loop has ended before the caller of startLoop() wakes
// up" certain instead of a race: as the init callback, it queues quit() and wakes the loop, so
// that loop() returns at once, and it holds the caller in a signal handler until the loop's
// thread has exited. For a forked child only (testutil::runInChild): it installs the handler.
pthread_t g_caller;
int g_callerTid = 0;
char g_loopTaskPath[64] = {};  // /proc/self/task/<tid> of the loop's thread: gone when it exits
/// 0: not run; 1: the caller was held until the loop's thread had exited; 2: the handler gave
/// up waiting; 3: the caller never slept in startLoop(), so it was not signalled.
std::atomic<int> g_holdResult{0};
static_assert(std::atomic<int>::is_always_lock_free, "stored from a signal handler");

// The SIGUSR1 handler, in the caller's thread: async-signal-safe calls only.
void holdUntilLoopThreadExits(int) {
  int savedErrno = errno;
  struct timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  int result = 2;
  for (;;) {
    if (::access(g_loopTaskPath, F_OK) != 0) {
      result = 1;
      break;
    }
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= 5) break;
    struct timespec oneMs = {0, 1000 * 1000};
    ::nanosleep(&oneMs, nullptr);
  }
  g_holdResult = result;
  errno = savedErrno;
}

/// Call in the thread that will call startLoop() (directly or through a pool), before it does.
void setCaller() {
  g_caller = ::pthread_self();
  // Not CurrentThread::tid(): in a forked child it may still hold the parent's cached tid.
  g_callerTid = static_cast<int>(::syscall(SYS_gettid));
  g_holdResult = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = holdUntilLoopThreadExits;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGUSR1, &action, nullptr);
}

void endLoopBeforeCallerWakes(EventLoop* loop) {
  std::snprintf(g_loopTaskPath, sizeof g_loopTaskPath, "/proc/self/task/%d", CurrentThread::tid());
  loop->queueInLoop([loop] { loop->quit(); });  // quit() itself would be undone by loop()
  loop->wakeup();  // queued from the loop's own thread, the functor wakes nothing by itself
  // Asleep, the caller waits on the condition variable with the mutex released; signalled
  // earlier, it could be held with the mutex locked, and the hand-off would wait for it.
  if (!testutil::waitUntilSleeping(g_callerTid)) {
    g_holdResult = 3;
    return;
  }
  ::pthread_kill(g_caller, SIGUSR1);
}

}  // namespace

TEST_CASE("startLoop() returns nullptr when the loop ended before the caller woke up",
          "[ch08][s2][threadpool]") {
  // A startLoop() that waits for a non-null loop_ instead of handedOff_ waits for ever here:
  // the loop was handed off, but it has ended and cleared loop_ before the caller looks.
  testutil::ChildResult r = testutil::runInChild([] {
    auto* thread = new EventLoopThread(endLoopBeforeCallerWakes);  // leaked if startLoop() hangs
    std::promise<EventLoop*> returned;
    std::thread caller([&] {
      setCaller();
      returned.set_value(thread->startLoop());
    });
    std::future<EventLoop*> loop = returned.get_future();
    if (loop.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      std::printf("startLoop() has not returned after 10 s\n");
      std::fflush(stdout);
      ::_exit(2);  // the caller is stuck in startLoop(): it ends with the process
    }
    caller.join();
    bool isNull = loop.get() == nullptr;
    delete thread;  // joins; the loop is gone, so it quits nothing
    std::printf("hold result %d, startLoop() returned %s\n", g_holdResult.load(),
                isNull ? "nullptr" : "a loop");
    std::fflush(stdout);
    ::_exit(isNull && g_holdResult == 1 ? 0 : 1);
  });
  INFO(r.output);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
}

TEST_CASE("EventLoopThreadPool with no threads hands out the base loop", "[ch08][s2][threadpool]") {
  EventLoop base;
  EventLoopThreadPool pool(&base, "pool");
  CHECK(pool.name() == "pool");
  CHECK_FALSE(pool.started());
  std::vector<EventLoop*> inits;
  pool.start([&](EventLoop* loop) { inits.push_back(loop); });
  CHECK(pool.started());
  CHECK(inits == std::vector<EventLoop*>{&base});  // once, with the base loop, right here
  for (int i = 0; i < 3; ++i) CHECK(pool.getNextLoop() == &base);
  CHECK(pool.getAllLoops() == std::vector<EventLoop*>{&base});
}

TEST_CASE("EventLoopThreadPool hands out its loops round robin", "[ch08][s2][threadpool]") {
  EventLoop base;
  EventLoopThreadPool pool(&base, "pool");
  pool.setThreadNum(3);
  PoolLoops ioLoops;
  pool.start(std::ref(ioLoops));
  std::vector<EventLoop*> loops = pool.getAllLoops();
  REQUIRE(loops.size() == 3);
  CHECK(loops == ioLoops.order());  // every init callback has run before start() returned
  std::set<EventLoop*> distinct(loops.begin(), loops.end());
  std::set<int> tids;
  for (EventLoop* loop : loops) tids.insert(ioLoops.tidOf(loop));
  CHECK(distinct.size() == 3);
  CHECK(distinct.count(&base) == 0);
  CHECK(tids.size() == 3);
  CHECK(tids.count(CurrentThread::tid()) == 0);
  for (int i = 0; i < 7; ++i) {
    INFO("call " << i);
    CHECK(pool.getNextLoop() == loops[static_cast<size_t>(i) % 3]);
  }
}

TEST_CASE("EventLoopThreadPool leaves out an IO loop that ended during start()",
          "[ch08][s2][threadpool]") {
  // startLoop() returns nullptr for such a loop; stored, it was the next connection's loop.
  testutil::ChildResult r = testutil::runInChild([] {
    ::alarm(20);  // a start() that never returns ends the child, and fails the test
    setCaller();  // start() calls each startLoop() here, in the base loop's thread
    bool ok = true;
    auto check = [&ok](bool holds, const char* what) {
      if (!holds) {
        std::printf("FAILED: %s\n", what);
        ok = false;
      }
    };
    {
      EventLoop base;
      EventLoopThreadPool pool(&base, "pool");
      pool.setThreadNum(2);
      int inits = 0;              // IO threads run one after another: no lock needed
      EventLoop* live = nullptr;  // the second IO loop, which runs on
      pool.start([&](EventLoop* loop) {
        if (inits++ == 0) {
          endLoopBeforeCallerWakes(loop);
        } else {
          live = loop;
        }
      });
      check(g_holdResult == 1, "the first IO loop ended before start() went on");
      check(pool.getAllLoops() == std::vector<EventLoop*>{live}, "only the live IO loop is kept");
      for (int i = 0; i < 3; ++i) check(pool.getNextLoop() == live, "the live loop, every time");
    }
    {
      setCaller();
      EventLoop base;
      EventLoopThreadPool pool(&base, "lost");
      pool.setThreadNum(1);
      pool.start(endLoopBeforeCallerWakes);
      check(g_holdResult == 1, "the only IO loop ended before start() went on");
      check(pool.getNextLoop() == &base, "with no IO loop left, the base loop");
      check(pool.getAllLoops() == std::vector<EventLoop*>{&base}, "and only the base loop");
    }
    std::fflush(stdout);
    ::_exit(ok ? 0 : 1);
  });
  INFO(r.output);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK(r.output.find("IO loop 0 ended during start()") != std::string::npos);  // logged
}
