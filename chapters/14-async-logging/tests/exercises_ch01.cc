// Hidden exercise tests: `[.exercise]` keeps them out of the default run and out of CTest.
// They fail until the exercise "Name the thread for the tools" in this chapter's README is
// done. Run them with: build/01/ch01_tests "[exercise]"

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <string>

#include "mymuduo/base/Thread.h"

using mymuduo::Thread;

namespace {

// The name the kernel keeps for a thread of this process: what top -H and gdb show.
std::string kernelThreadName(int tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Starts a Thread called `name`, waits until its function runs (so whatever start() and the
// thread's own prologue do is done), and returns the kernel's name for it.
std::string nameSeenByKernel(const std::string& name, std::string* threadName = nullptr) {
  std::promise<void> running;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Thread t(
      [&running, released] {
        running.set_value();
        released.wait();
      },
      name);
  t.start();
  running.get_future().wait();
  std::string seen = kernelThreadName(t.tid());
  if (threadName != nullptr) *threadName = t.name();
  release.set_value();
  t.join();
  return seen;
}

}  // namespace

TEST_CASE("exercise 01: a Thread's name is the kernel's name for it", "[.exercise][ex01]") {
  CHECK(nameSeenByKernel("worker") == "worker");
  std::string defaultName;
  std::string seen = nameSeenByKernel("", &defaultName);
  CHECK(defaultName.rfind("Thread", 0) == 0);
  CHECK(seen == defaultName);
}

TEST_CASE("exercise 01: a Thread name longer than 15 bytes is cut to its first 15",
          "[.exercise][ex01]") {
  CHECK(nameSeenByKernel("a-very-long-thread-name") == "a-very-long-thr");
}
