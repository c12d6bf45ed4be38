#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "TestUtil.h"
#include "mymuduo/base/Thread.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Thread;
using mymuduo::Timestamp;
using mymuduo::net::Channel;
using mymuduo::net::EventLoop;

// The wrong-thread test starts a thread in a forked child. ThreadSanitizer forbids that by
// default, since its own helper thread makes every process multi-threaded; the child only
// aborts, so allow it.
extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }

TEST_CASE("a second EventLoop in one thread aborts with a clear message", "[ch02][s1][eventloop]") {
  testutil::ChildResult r = testutil::runInChild([] {
    EventLoop first;
    EventLoop second;  // must abort here
  });
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGABRT);
  CHECK(r.output.find("Another EventLoop") != std::string::npos);
}

TEST_CASE("using a loop from another thread aborts", "[ch02][s1][eventloop]") {
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

TEST_CASE("each thread sees its own loop", "[ch02][s1][eventloop]") {
  CHECK(EventLoop::getEventLoopOfCurrentThread() == nullptr);
  {
    EventLoop loop;
    CHECK(EventLoop::getEventLoopOfCurrentThread() == &loop);
    CHECK(loop.isInLoopThread());
  }
  CHECK(EventLoop::getEventLoopOfCurrentThread() == nullptr);
}

TEST_CASE("a readable fd's channel gets its read callback in the loop", "[ch02][s1][channel]") {
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

TEST_CASE("a channel removed by another channel's callback gets no event of the same poll",
          "[ch02][s1][channel]") {
  // Both fds are readable in one poll. Whichever callback runs first destroys the other channel,
  // whose event of that poll is still waiting for its turn: it must never run (a timer callback
  // that destroys a server, whose connections have events too, does just this).
  EventLoop loop;
  int fds[2] = {::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC), ::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)};
  REQUIRE(fds[0] >= 0);
  REQUIRE(fds[1] >= 0);
  std::unique_ptr<Channel> channels[2];
  int calls = 0;
  for (int i = 0; i < 2; ++i) channels[i] = std::make_unique<Channel>(&loop, fds[i]);
  for (int i = 0; i < 2; ++i) {
    channels[i]->setReadCallback([&, i](Timestamp) {
      ++calls;
      std::unique_ptr<Channel>& other = channels[1 - i];
      other->disableAll();
      other->remove();
      other.reset();
      loop.quit();
    });
    channels[i]->enableReading();
  }
  loop.loop();
  CHECK(calls == 1);
  for (auto& channel : channels) {
    if (!channel) continue;
    channel->disableAll();
    channel->remove();
  }
  ::close(fds[0]);
  ::close(fds[1]);
}
