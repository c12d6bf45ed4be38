// Hidden exercise tests: `[.exercise]` keeps them out of the default run and out of CTest.
// They fail until the exercise "Read the switch's value" in this chapter's README is done.
// Run them with: build/03/ch03_tests "[exercise]"

#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "mymuduo/net/EventLoop.h"

using mymuduo::net::EventLoop;

namespace {

// How many epoll instances this process holds open: /proc shows each as a link to
// "anon_inode:[eventpoll]".
int countEpollFds() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (struct dirent* entry = ::readdir(dir)) {
    std::string path = std::string("/proc/self/fd/") + entry->d_name;
    char target[64];
    ssize_t len = ::readlink(path.c_str(), target, sizeof target - 1);
    if (len > 0 && std::string(target, static_cast<size_t>(len)) == "anon_inode:[eventpoll]") {
      ++n;
    }
  }
  ::closedir(dir);
  return n;
}

// Whether an EventLoop created with MYMUDUO_USE_POLL set to value (or unset, for nullptr)
// polls with epoll. The variable is restored afterwards.
bool loopUsesEpoll(const char* value) {
  const char* old = ::getenv("MYMUDUO_USE_POLL");
  std::string saved = old != nullptr ? old : "";
  bool wasSet = old != nullptr;
  if (value != nullptr) {
    ::setenv("MYMUDUO_USE_POLL", value, 1);
  } else {
    ::unsetenv("MYMUDUO_USE_POLL");
  }
  int before = countEpollFds();
  bool epoll;
  {
    EventLoop loop;
    epoll = countEpollFds() == before + 1;
  }
  if (wasSet) {
    ::setenv("MYMUDUO_USE_POLL", saved.c_str(), 1);
  } else {
    ::unsetenv("MYMUDUO_USE_POLL");
  }
  return epoll;
}

}  // namespace

TEST_CASE("exercise 03: MYMUDUO_USE_POLL selects poll only when set to neither empty nor 0",
          "[.exercise][ex03]") {
  CHECK(loopUsesEpoll(nullptr));
  CHECK(loopUsesEpoll("0"));
  CHECK(loopUsesEpoll(""));
  CHECK_FALSE(loopUsesEpoll("1"));
  CHECK_FALSE(loopUsesEpoll("yes"));
}
