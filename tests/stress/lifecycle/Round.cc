// World: one round of the lifecycle fuzzer, from its set-up to its last check.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "Actors.h"
#include "World.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/TcpClient.h"
#include "mymuduo/net/TcpConnection.h"

namespace lifecycle {

using mymuduo::net::EventLoop;
using mymuduo::net::EventLoopThread;
using mymuduo::net::TcpConnectionPtr;
using Clock = std::chrono::steady_clock;

namespace {

/// A socket bound to a port of 127.0.0.1 and never listening: connects to it are refused.
int bindRefusingSocket(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    violation("cannot bind a socket to 127.0.0.1: " + std::to_string(errno));
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

/// What a blocking request to 127.0.0.1:port got back: the bytes until EOF, an error, or what
/// came before 10 s passed (a loaded machine running a sanitized build is slow).
struct Answer {
  std::string bytes;
  bool eof = false;
  std::string error;  // the call that failed, and why
};

Answer ask(uint16_t port, const std::string& request) {
  Answer answer;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tick{0, 100 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto failed = [&](const char* call) {
    answer.error = call + std::string(": ") + strerror(errno);
  };
  if (fd < 0) {
    failed("socket");
  } else if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    failed("connect");
  } else if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
             static_cast<ssize_t>(request.size())) {
    failed("send");
  } else {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    char buf[4096];
    while (Clock::now() < deadline) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        answer.bytes.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        answer.eof = true;
        break;
      } else if (errno != EAGAIN && errno != EINTR) {
        failed("recv");
        break;
      }
    }
  }
  if (fd >= 0) ::close(fd);
  return answer;
}

}  // namespace

thread_local int World::tClientCallDepth = 0;

World::World(const Options& opts, uint64_t seed) : options(opts), seed_(seed) {}

World::~World() {
  if (refusingFd_ >= 0) ::close(refusingFd_);
}

void World::run() {
  Rng rng(seed_);
  setUp(rng);
  std::thread peers([this, seed = rng()] {
    PeerDriver driver(*this, seed);
    driver.run();
  });
  std::vector<std::thread> actors;
  for (int i = 0; i < 2; ++i) actors.emplace_back([this, seed = rng()] { actor(seed); });
  // The round itself: actors, peers, callbacks and timers at work, for this long.
  std::this_thread::sleep_for(std::chrono::milliseconds(between(rng, 20, 120)));
  actorsStop_ = true;
  for (auto& t : actors) t.join();
  tearDown(rng, peers);
}

void World::setUp(Rng& rng) {
  for (int i = between(rng, 1, 2); i > 0; --i) {
    serverLoopThreads_.push_back(std::make_unique<EventLoopThread>());
    serverLoops_.push_back(serverLoopThreads_.back()->startLoop());
  }
  for (int i = between(rng, 1, 2); i > 0; --i) {
    clientLoopThreads_.push_back(std::make_unique<EventLoopThread>());
    clientLoops_.push_back(clientLoopThreads_.back()->startLoop());
  }
  refusingFd_ = bindRefusingSocket(&refusingPort_);
  for (int i = between(rng, 1, 3); i > 0; --i) newServer(rng);
  for (int i = between(rng, 0, 3); i > 0; --i) newClient(rng);
}

void World::actor(uint64_t seed) {
  Rng rng(seed);
  while (!actorsStop_) {
    int r = between(rng, 0, 99);
    if (r < 4) {
      newServer(rng);
    } else if (r < 7) {
      destroyServer(rng);
    } else if (r < 15) {
      newClient(rng);
    } else if (r < 35) {
      clientAction(rng);
    } else if (r < 70) {
      heldAction(rng);
    } else if (r < 85) {
      timerAction(rng);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(between(rng, 0, 300)));
  }
}

// The end of the round. ----------------------------------------------------------------------

void World::pokeHeld(bool loopsGone) {
  std::vector<Held> held;
  {
    std::lock_guard<std::mutex> lock(heldMutex_);
    held = held_;
  }
  for (const Held& h : held) {
    if (!h.conn->disconnected()) {
      violation(h.conn->name() + " of " + ledger.label(h.owner) +
                " is still connected after its owner was destroyed" +
                (loopsGone ? " and every loop is gone" : ""));
    }
    // Each does nothing now, from any thread.
    h.conn->send(std::string_view("late"));
    h.conn->shutdown();
    h.conn->forceClose();
    if (options.allows("late-read")) {
      h.conn->stopRead();
      h.conn->startRead();
    }
    ++g_figures.opsAfterOwnerGone;
  }
}

void World::probeHttpServers() {
  // A server started from an actor thread listens once its loop has run the queued start():
  // wait for that, or a server listed a moment ago refuses the probe.
  barrier(serverLoops_);
  std::vector<ServerInfo> http;
  {
    std::lock_guard<std::mutex> lock(serversMutex_);
    for (const ServerInfo& s : servers_) {
      // A short idle timeout may close the connection before a slow (sanitized) loop has read
      // the request: no answer is then correct.
      if (s.http && (s.idleTimeout == 0.0 || s.idleTimeout >= 10.0)) http.push_back(s);
    }
  }
  for (const ServerInfo& s : http) {
    std::string path = "/probe/" + std::to_string(nextRequest());
    Answer got = ask(s.port, "GET " + path + " HTTP/1.1\r\nHost: fuzz\r\n\r\n");
    if (!ledger.live(s.id)) continue;  // a timer destroyed the server meanwhile
    if (got.bytes.compare(0, 12, "HTTP/1.1 500") != 0 || !got.eof) {
      violation(ledger.label(s.id) + ": GET " + path + ", whose handler throws, was answered \"" +
                got.bytes.substr(0, 40) + "\"" +
                (got.eof              ? ", then EOF"
                 : !got.error.empty() ? " (" + got.error + ")"
                                      : " and not closed within 10 s") +
                "; expected a 500 response and then EOF");
    }
  }
}

void World::barrier(const std::vector<EventLoop*>& loops) {
  for (EventLoop* loop : loops) {
    std::promise<void> done;
    loop->runInLoop([&done] { done.set_value(); });
    done.get_future().wait();
  }
}

void World::tearDown(Rng& rng, std::thread& peers) {
  // The peers end before or after the servers: connections closed by their peers, or open
  // ones closed by their server's destructor.
  bool peersFirst = chance(rng, 0.5);
  auto stopPeers = [&] {
    peersStop = true;
    peers.join();
  };
  if (peersFirst) stopPeers();
  if (options.allows("http-throw")) probeHttpServers();

  // The clients, from this thread (no loop's) while their loops run. Callbacks and timers may
  // still destroy some in their loops; the barrier waits for those.
  while (true) {
    int id = 0;
    {
      std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
      if (clients_.empty()) break;
      id = clients_.begin()->first;
    }
    destroyClientFromOutside(id);
  }
  barrier(clientLoops_);

  // The servers, each in its loop's thread.
  while (true) {
    ServerInfo info;
    {
      std::lock_guard<std::mutex> lock(serversMutex_);
      if (servers_.empty()) break;
      info = servers_.back();
      servers_.pop_back();
    }
    std::promise<void> done;
    info.loop->runInLoop([&] {
      delete info.box;
      done.set_value();
    });
    done.get_future().wait();
  }
  barrier(serverLoops_);
  if (!peersFirst) stopPeers();

  // Every owner is gone: each held connection is down, and whatever we call on it does nothing.
  pokeHeld(false);
  clientLoopThreads_.clear();  // each quits its loop, which runs what is queued, and joins
  serverLoopThreads_.clear();
  pokeHeld(true);
  {
    std::lock_guard<std::mutex> lock(heldMutex_);
    held_.clear();
  }
  if (long left = timerCallbacksAlive(); left != 0) {
    violation(std::to_string(left) + " timer callbacks still alive after every loop is gone");
  }
  ledger.checkEnd();
}

}  // namespace lifecycle
