// One suite, two backends: every test that takes `backend` runs against poll(2) and epoll(7).
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"

using mymuduo::Timestamp;
using mymuduo::net::Channel;
using mymuduo::net::EventLoop;

namespace {

/// Chooses the backend that the next EventLoop will use.
void selectBackend(const std::string& backend) {
  if (backend == "poll") {
    ::setenv("MYMUDUO_USE_POLL", "1", 1);
  } else {
    ::unsetenv("MYMUDUO_USE_POLL");
  }
}

/// Runs exactly one iteration of the loop: whatever is ready now is handled, then it returns.
void pollOnce(EventLoop& loop) {
  loop.queueInLoop([&loop] { loop.quit(); });
  loop.wakeup();  // so that poll returns at once even when nothing else is ready
  loop.loop();
}

void signal(int eventFd) {
  uint64_t one = 1;
  REQUIRE(::write(eventFd, &one, sizeof one) == sizeof one);
}

void drain(int eventFd) {
  uint64_t value;
  REQUIRE(::read(eventFd, &value, sizeof value) == sizeof value);
}

void raiseFdLimit(rlim_t wanted) {
  struct rlimit rl;
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_cur < wanted) {
    REQUIRE(rl.rlim_max >= wanted);
    rl.rlim_cur = wanted;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &rl) == 0);
  }
}

/// An eventfd with its channel; removed from the loop and closed on destruction.
struct EventFdChannel {
  explicit EventFdChannel(EventLoop* loop)
      : fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), channel(loop, fd) {
    REQUIRE(fd >= 0);
  }
  ~EventFdChannel() {
    channel.disableAll();
    channel.remove();
    ::close(fd);
  }
  int fd;
  Channel channel;
};

}  // namespace

TEST_CASE("channels are added and modified and disabled and removed", "[ch03][s2][poller]") {
  std::string backend = GENERATE("poll", "epoll");
  selectBackend(backend);
  INFO("backend " << backend);
  EventLoop loop;
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  Channel reader(&loop, fds[0]);
  Channel writer(&loop, fds[1]);
  int reads = 0;
  int writes = 0;
  reader.setReadCallback([&](Timestamp) { ++reads; });
  writer.setWriteCallback([&] { ++writes; });

  // Added: nothing to read yet.
  reader.enableReading();
  CHECK(loop.hasChannel(&reader));
  pollOnce(loop);
  CHECK(reads == 0);

  // Level-triggered: unread data is reported again on every poll.
  REQUIRE(::write(fds[1], "x", 1) == 1);
  pollOnce(loop);
  pollOnce(loop);
  CHECK(reads == 2);

  // Disabled: the data is still there, but no longer watched.
  reader.disableReading();
  pollOnce(loop);
  CHECK(reads == 2);

  // Modified: the writer is watched for reading (a pipe's write end never is readable), then
  // for writing too, then for reading alone again: each change is from one non-empty event
  // set to another (EPOLL_CTL_MOD), and only the writing one fires.
  writer.enableReading();
  pollOnce(loop);
  CHECK(writes == 0);
  writer.enableWriting();
  pollOnce(loop);
  CHECK(writes == 1);
  writer.disableWriting();
  pollOnce(loop);
  CHECK(writes == 1);
  writer.disableAll();

  // Removed, then added again.
  reader.remove();
  CHECK_FALSE(loop.hasChannel(&reader));
  reader.enableReading();
  pollOnce(loop);
  CHECK(reads == 3);

  reader.disableAll();
  reader.remove();
  writer.remove();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("pipe and eventfd events reach the right callbacks", "[ch03][s2][poller]") {
  std::string backend = GENERATE("poll", "epoll");
  selectBackend(backend);
  INFO("backend " << backend);
  EventLoop loop;

  EventFdChannel efd(&loop);
  uint64_t received = 0;
  efd.channel.setReadCallback(
      [&](Timestamp) { REQUIRE(::read(efd.fd, &received, sizeof received) == sizeof received); });
  efd.channel.enableReading();
  uint64_t seven = 7;
  REQUIRE(::write(efd.fd, &seven, sizeof seven) == sizeof seven);
  pollOnce(loop);
  CHECK(received == 7);

  // The writer closes with nothing left to read: the reader sees a hang-up, not a read.
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  Channel reader(&loop, fds[0]);
  int reads = 0;
  int closes = 0;
  reader.setReadCallback([&](Timestamp) { ++reads; });
  reader.setCloseCallback([&] {
    ++closes;
    reader.disableAll();
  });
  reader.enableReading();
  ::close(fds[1]);
  pollOnce(loop);
  CHECK(closes == 1);
  CHECK(reads == 0);
  reader.remove();
  ::close(fds[0]);
}

TEST_CASE("a disabled channel stays silent when its writer hangs up", "[ch03][s2][poller]") {
  // poll and epoll report a hang-up even for an empty event set: a disabled channel must be
  // taken out of the poller's view (-fd-1 for poll, EPOLL_CTL_DEL for epoll), not just
  // given no events.
  std::string backend = GENERATE("poll", "epoll");
  selectBackend(backend);
  INFO("backend " << backend);
  EventLoop loop;
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  Channel reader(&loop, fds[0]);
  int calls = 0;
  reader.setReadCallback([&](Timestamp) { ++calls; });
  reader.setCloseCallback([&] { ++calls; });
  reader.setErrorCallback([&] { ++calls; });
  reader.enableReading();
  pollOnce(loop);
  reader.disableAll();
  ::close(fds[1]);
  pollOnce(loop);
  pollOnce(loop);
  CHECK(calls == 0);
  reader.remove();
  ::close(fds[0]);
}

TEST_CASE("5000 channels with some of them ready", "[ch03][s2][poller]") {
  std::string backend = GENERATE("poll", "epoll");
  selectBackend(backend);
  INFO("backend " << backend);
  constexpr int kChannels = 5000;
  raiseFdLimit(kChannels + 64);
  EventLoop loop;

  std::vector<std::unique_ptr<EventFdChannel>> channels;
  std::map<int, int> fired;  // index -> times its read callback ran
  for (int i = 0; i < kChannels; ++i) {
    channels.push_back(std::make_unique<EventFdChannel>(&loop));
    EventFdChannel* c = channels.back().get();
    c->channel.setReadCallback([c, i, &fired](Timestamp) {
      drain(c->fd);
      ++fired[i];
    });
    c->channel.enableReading();
  }
  std::map<int, int> expected;
  for (int i = 0; i < kChannels; i += 7) {
    signal(channels[static_cast<size_t>(i)]->fd);
    expected[i] = 1;
  }
  while (fired.size() < expected.size()) pollOnce(loop);
  CHECK(fired == expected);

  // Remove every other channel; the rest still work and the removed ones stay silent.
  for (size_t i = 0; i < channels.size(); i += 2) channels[i].reset();
  fired.clear();
  expected.clear();
  for (size_t i = 0; i < channels.size(); ++i) {
    if (channels[i]) {
      signal(channels[i]->fd);
      expected[static_cast<int>(i)] = 1;
    }
  }
  while (fired.size() < expected.size()) pollOnce(loop);
  pollOnce(loop);
  CHECK(fired == expected);
}

TEST_CASE("epoll's event array grows when a poll fills it", "[ch03][s2][poller][epoll]") {
  selectBackend("epoll");
  EventLoop loop;
  constexpr int kReady = 100;
  std::vector<std::unique_ptr<EventFdChannel>> channels;
  std::map<int64_t, int> handledPerIteration;
  int handled = 0;
  for (int i = 0; i < kReady; ++i) {
    channels.push_back(std::make_unique<EventFdChannel>(&loop));
    EventFdChannel* c = channels.back().get();
    c->channel.setReadCallback([c, &loop, &handledPerIteration, &handled](Timestamp) {
      drain(c->fd);
      ++handledPerIteration[loop.iteration()];
      if (++handled == kReady) loop.quit();
    });
    c->channel.enableReading();
    signal(c->fd);
  }
  loop.loop();  // all 100 are ready before the first poll

  REQUIRE(handled == kReady);
  int first = handledPerIteration.begin()->second;
  int most = 0;
  for (const auto& entry : handledPerIteration) most = std::max(most, entry.second);
  INFO("first poll returned " << first << " events, the largest " << most);
  CHECK(first < kReady);  // the array started small...
  CHECK(most > first);    // ...and a later poll returned more: it grew
}
