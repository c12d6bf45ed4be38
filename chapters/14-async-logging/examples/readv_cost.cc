// What Buffer::readFd()'s readv(2) with a 64 KiB stack array buys, against two plain read(2)
// designs: a 64 KiB buffer kept by every connection, and a 1 KiB one with no extra space. A
// burst of B bytes is written into a loopback TCP connection (in pieces, as far as the socket
// takes them) and the reader empties it the way TcpConnection::handleRead() does: one poll(2)
// and one read per readable event, and a message callback that consumes everything. Per
// strategy and burst size: reads per burst, reader time (poll + read + consume) per MiB, and
// the bytes of buffer the connection holds once idle. "readFd released" gives the vector back
// after each read as TcpConnection does; "readFd kept" does not. Median of five runs of 32 MiB.
//   readv_cost [--csv]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mymuduo/net/Buffer.h"

using mymuduo::net::Buffer;
using Clock = std::chrono::steady_clock;

namespace {

enum class Strategy { kReadvReleased, kReadvKept, kRead64K, kRead1K };

const char* nameOf(Strategy strategy) {
  switch (strategy) {
    case Strategy::kReadvReleased:
      return "readFd released";
    case Strategy::kReadvKept:
      return "readFd kept";
    case Strategy::kRead64K:
      return "read 64 KiB";
    case Strategy::kRead1K:
      return "read 1 KiB";
  }
  return "?";
}

void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

/// A connected pair of non-blocking loopback TCP sockets: {writer, reader}.
void connectedPair(int fds[2]) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  sockaddr* sa = reinterpret_cast<sockaddr*>(&addr);
  if (listener < 0 || ::bind(listener, sa, len) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, sa, &len) != 0) {
    die("listen");
  }
  fds[0] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fds[0] < 0 || ::connect(fds[0], sa, len) != 0) die("connect");
  fds[1] = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fds[1] < 0) die("accept4");
  ::close(listener);
  // The writer is non-blocking too: it must not block while the reader waits in this thread.
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) die("fcntl");
}

struct Result {
  double readsPerBurst;
  double microsPerMiB;
  size_t heldWhenIdle;
};

Result run(Strategy strategy, size_t burst) {
  int fds[2];
  connectedPair(fds);
  const size_t total = 32u << 20;
  const size_t bursts = total / burst;
  std::vector<char> data(burst, 'x');
  Buffer buffer;
  std::vector<char> plain(strategy == Strategy::kRead64K ? 65536 : 1024);
  long reads = 0;
  Clock::duration readerTime{};
  for (size_t b = 0; b < bursts; ++b) {
    size_t written = 0, consumed = 0;
    while (consumed < burst) {
      if (written < burst) {
        ssize_t n = ::write(fds[0], data.data() + written, burst - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
        } else if (errno != EAGAIN) {
          die("write");
        }
      }
      const Clock::time_point start = Clock::now();
      pollfd pfd = {fds[1], POLLIN, 0};
      if (::poll(&pfd, 1, 1000) != 1) die("poll");
      ssize_t n = 0;
      int savedErrno = 0;
      switch (strategy) {
        case Strategy::kReadvReleased:
        case Strategy::kReadvKept:
          n = buffer.readFd(fds[1], &savedErrno);
          if (n > 0) buffer.retrieveAll();  // the message callback consumes everything
          if (strategy == Strategy::kReadvReleased) buffer.releaseIfEmpty();
          break;
        case Strategy::kRead64K:
        case Strategy::kRead1K:
          n = ::read(fds[1], plain.data(), plain.size());
          savedErrno = errno;
          break;
      }
      readerTime += Clock::now() - start;
      if (n > 0) {
        consumed += static_cast<size_t>(n);
        ++reads;
      } else if (n == 0 || savedErrno != EAGAIN) {
        die("read");
      }
    }
  }
  ::close(fds[0]);
  ::close(fds[1]);
  const double seconds = std::chrono::duration<double>(readerTime).count();
  const size_t held = strategy == Strategy::kRead64K || strategy == Strategy::kRead1K
                          ? plain.size()
                          : buffer.internalCapacity();
  return {static_cast<double>(reads) / static_cast<double>(bursts),
          seconds * 1e6 / static_cast<double>(total >> 20), held};
}

Result medianOfFive(Strategy strategy, size_t burst) {
  std::vector<Result> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(run(strategy, burst));
  std::sort(runs.begin(), runs.end(),
            [](const Result& a, const Result& b) { return a.microsPerMiB < b.microsPerMiB; });
  return runs[2];
}

}  // namespace

int main(int argc, char* argv[]) {
  const bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
  if (csv) {
    std::printf("strategy,burst_bytes,reads_per_burst,us_per_mib,held_bytes_idle\n");
  } else {
    std::printf("%-16s  %9s  %10s  %9s  %12s\n", "strategy", "burst", "reads", "us/MiB",
                "held idle");
  }
  for (size_t burst : {size_t{4096}, size_t{65536}, size_t{1} << 20}) {
    for (Strategy strategy :
         {Strategy::kReadvReleased, Strategy::kReadvKept, Strategy::kRead64K, Strategy::kRead1K}) {
      Result r = medianOfFive(strategy, burst);
      if (csv) {
        std::printf("%s,%zu,%.1f,%.0f,%zu\n", nameOf(strategy), burst, r.readsPerBurst,
                    r.microsPerMiB, r.heldWhenIdle);
      } else {
        std::printf("%-16s  %9zu  %10.1f  %9.0f  %12zu\n", nameOf(strategy), burst, r.readsPerBurst,
                    r.microsPerMiB, r.heldWhenIdle);
      }
    }
  }
}
