// UniqueFd, the one owner of an fd: Socket holds one.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <utility>

#include "mymuduo/base/UniqueFd.h"

using mymuduo::UniqueFd;

namespace {

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("UniqueFd closes its fd once when destroyed or reset and never after release",
          "[ch05][s2][uniquefd]") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  {
    UniqueFd readEnd(fds[0]);
    CHECK(readEnd.get() == fds[0]);
  }
  CHECK_FALSE(isOpen(fds[0]));
  CHECK(errno == EBADF);

  UniqueFd writeEnd(fds[1]);
  UniqueFd moved(std::move(writeEnd));
  CHECK(writeEnd.get() == -1);  // NOLINT(bugprone-use-after-move): moved-from is empty
  CHECK(moved.get() == fds[1]);
  const int raw = moved.release();
  CHECK(moved.get() == -1);
  CHECK(isOpen(raw));  // given up, not closed

  UniqueFd again(raw);
  again.reset();
  CHECK(again.get() == -1);
  CHECK_FALSE(isOpen(raw));
}
