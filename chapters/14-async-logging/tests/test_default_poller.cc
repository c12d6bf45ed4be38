// The factory: the default poller is epoll's, unless MYMUDUO_USE_POLL is set.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/Poller.h"
#include "mymuduo/net/poller/EPollPoller.h"
#include "mymuduo/net/poller/PollPoller.h"

using mymuduo::net::EventLoop;
using mymuduo::net::Poller;

TEST_CASE("MYMUDUO_USE_POLL selects the poll backend", "[ch03][s1][poller]") {
  EventLoop loop;
  ::setenv("MYMUDUO_USE_POLL", "1", 1);
  std::unique_ptr<Poller> withEnv = Poller::newDefaultPoller(&loop);
  ::unsetenv("MYMUDUO_USE_POLL");
  std::unique_ptr<Poller> withoutEnv = Poller::newDefaultPoller(&loop);
  CHECK(dynamic_cast<mymuduo::net::PollPoller*>(withEnv.get()) != nullptr);
  CHECK(dynamic_cast<mymuduo::net::EPollPoller*>(withoutEnv.get()) != nullptr);
}
