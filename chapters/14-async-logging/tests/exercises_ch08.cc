// Hidden tests of chapter 08's exercise "A hash instead of round robin" (see the chapter
// README). Hidden ([.exercise]): ctest and a plain run skip them; run them with
//   build/08/ch08_tests "[ex08]"
// They compile without the exercise done and fail with a message until EventLoopThreadPool
// has getLoopForHash(size_t).
#include <catch2/catch.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThreadPool.h"

namespace {

/// Whether Pool has a member getLoopForHash(size_t), found at compile time so that this file
/// builds with and without it.
template <typename Pool, typename = void>
struct HasLoopForHash : std::false_type {};
template <typename Pool>
struct HasLoopForHash<Pool,
                      std::void_t<decltype(std::declval<Pool&>().getLoopForHash(std::size_t{0}))>>
    : std::true_type {};

// A template, so the branch not taken is never instantiated.
template <typename Pool>
void checkLoopForHash() {
  using mymuduo::net::EventLoop;
  if constexpr (HasLoopForHash<Pool>::value) {
    SECTION("three IO loops: hash % 3 picks the loop, and round robin is not disturbed") {
      EventLoop base;
      Pool pool(&base, "pool");
      pool.setThreadNum(3);
      pool.start();
      std::vector<EventLoop*> loops = pool.getAllLoops();
      REQUIRE(loops.size() == 3);
      for (std::size_t h : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3},
                            std::size_t{7}, std::size_t{1000}, static_cast<std::size_t>(-1)}) {
        INFO("hash " << h);
        CHECK(pool.getLoopForHash(h) == loops[h % 3]);
        CHECK(pool.getLoopForHash(h) == pool.getLoopForHash(h));  // the same every time
      }
      CHECK(pool.getNextLoop() == loops[0]);  // the hash calls took no turn
      CHECK(pool.getNextLoop() == loops[1]);
    }
    SECTION("no IO threads: every hash gets the base loop") {
      EventLoop base;
      Pool pool(&base, "pool");
      pool.start();
      for (std::size_t h : {std::size_t{0}, std::size_t{5}, static_cast<std::size_t>(-1)}) {
        CHECK(pool.getLoopForHash(h) == &base);
      }
    }
  } else {
    FAIL(
        "EventLoopThreadPool::getLoopForHash(size_t) is missing: do the exercise \"A hash "
        "instead of round robin\" of chapter 08");
  }
}

}  // namespace

TEST_CASE("exercise 08: getLoopForHash maps a hash to the same IO loop every time",
          "[.exercise][ex08]") {
  checkLoopForHash<mymuduo::net::EventLoopThreadPool>();
}
