// PeerDriver: raw sockets that connect, send, half-close, reset and close, from one thread.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "Actors.h"
#include "World.h"

namespace lifecycle {

PeerDriver::PeerDriver(World& world, uint64_t seed) : world_(world), rng_(seed) {}

PeerDriver::~PeerDriver() {
  while (!peers_.empty()) close(peers_.size() - 1, chance(rng_, 0.3));
}

void PeerDriver::run() {
  while (!world_.peersStop) {
    int r = between(rng_, 0, 99);
    if (peers_.empty() || (r < 15 && peers_.size() < 24)) {
      open();
    } else {
      size_t i = index(rng_, peers_.size());
      if (r < 60) {
        send(peers_[i]);
      } else if (r < 70) {
        ::shutdown(peers_[i].fd, SHUT_WR);  // half-close: the server reads EOF
        ++g_figures.peerHalfCloses;
      } else if (r < 82) {
        close(i, true);
      } else if (r < 92) {
        close(i, false);
      }
    }
    for (Peer& peer : peers_) {
      if (peer.reads) drain(peer);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(between(rng_, 0, 300)));
  }
}

void PeerDriver::open() {
  bool http = chance(rng_, 0.4);
  uint16_t port = world_.target(rng_, http ? World::Target::kHttp : World::Target::kTcp);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) violation("peer: socket() failed: " + std::to_string(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Non-blocking: EINPROGRESS, or refused later; sends before the end of the handshake fail.
  ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  peers_.push_back(Peer{fd, http, chance(rng_, 0.7), std::string()});
  ++g_figures.peersOpened;
}

void PeerDriver::send(Peer& peer) {
  if (peer.http) {
    // One to three requests, each with a number of its own; the last perhaps cut in two.
    int n = between(rng_, 1, 3);
    for (int i = 0; i < n; ++i) {
      int r = between(rng_, 0, 99);
      const char* kind = r < 55 ? "ok" : r < 70 ? "big" : r < 80 ? "close" : "throw";
      if (r >= 80 && !world_.options.allows("http-throw")) kind = "ok";
      if (r >= 95) {
        peer.pending += "NOT HTTP\r\n\r\n";  // a 400, and the connection closes
        continue;
      }
      peer.pending += std::string("GET /") + kind + "/" + std::to_string(world_.nextRequest()) +
                      " HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    }
  } else {
    size_t size = chance(rng_, 0.1) ? 128 * 1024 : static_cast<size_t>(between(rng_, 1, 4096));
    peer.pending.append(size, 'p');
  }
  size_t len = chance(rng_, 0.3) ? index(rng_, peer.pending.size() + 1) : peer.pending.size();
  ssize_t n = ::send(peer.fd, peer.pending.data(), len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0) peer.pending.erase(0, static_cast<size_t>(n));
  if (peer.pending.size() > 1024 * 1024) peer.pending.clear();  // a peer nobody reads from
}

void PeerDriver::drain(Peer& peer) {
  char buf[16 * 1024];
  while (::recv(peer.fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

void PeerDriver::close(size_t i, bool reset) {
  int fd = peers_[i].fd;
  if (reset) {
    // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    linger lin{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    ++g_figures.peerResets;
  }
  ::close(fd);
  peers_[i] = std::move(peers_.back());
  peers_.pop_back();
}

}  // namespace lifecycle
