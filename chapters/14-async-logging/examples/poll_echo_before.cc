// The "before" of this chapter: an echo server written straight on poll(2), with no library.
// It works, for a demo. The chapter text lists what is wrong with it; the Reactor fixes each.
// Usage: poll_echo_before [port]   (default 2007; try it with `nc 127.0.0.1 2007`)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char* argv[]) {
  int port = argc > 1 ? std::atoi(argv[1]) : 2007;
  int listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  ::setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd, SOMAXCONN) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  std::printf("echo on port %d\n", port);
  std::fflush(stdout);

  // The state of every fd, kept by hand: slot 0 is the listening socket.
  std::vector<pollfd> fds{{listenFd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {  // no timeout: nothing else could wake us
      std::perror("poll");
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      int connFd = ::accept(listenFd, nullptr, nullptr);
      if (connFd >= 0) fds.push_back({connFd, POLLIN, 0});
    }
    for (size_t i = 1; i < fds.size(); ++i) {  // every connection, ready or not: O(n)
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {  // EOF or error: close, and forget the slot
        ::close(fds[i].fd);
        fds[i] = fds.back();
        fds.pop_back();
        --i;  // the moved slot has not been looked at yet
        continue;
      }
      // Blocking write: a client that does not read stalls every other client.
      if (::write(fds[i].fd, buf, static_cast<size_t>(n)) != n) std::perror("write");
    }
  }
}
