// World's actions: what the actor threads, callbacks and timers do to servers, clients, held
// connections and timers during a round (Round.cc has the round itself).
#include <chrono>
#include <future>
#include <thread>

#include "Actors.h"
#include "World.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpClient.h"
#include "mymuduo/net/TcpConnection.h"

namespace lifecycle {

using mymuduo::net::EventLoop;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TimerId;
using Clock = std::chrono::steady_clock;

namespace {

/// Timer callbacks alive: each carries a Probe. Once the loops are gone, none may be left.
std::atomic<long> g_timerCallbacks{0};
struct Probe {
  Probe() { ++g_timerCallbacks; }
  Probe(const Probe&) { ++g_timerCallbacks; }
  Probe& operator=(const Probe&) = default;
  ~Probe() { --g_timerCallbacks; }
};

/// One timer, as its callback and the code that cancels it see it.
struct TimerRecord {
  std::mutex mutex;
  TimerId id;     // guarded by mutex: set by the adding thread, read by the callback
  int ticks = 0;  // a repeating timer cancels itself on this tick
  std::atomic<int> fired{0};
  // Set in the loop thread right after cancel() there: from then on the timer may not run.
  std::atomic<bool> cancelledInLoop{false};
};

void fireOnce(TimerRecord& rec) {
  if (rec.cancelledInLoop) violation("a timer ran after it was cancelled in its loop thread");
  if (++rec.fired > 1) violation("a runAfter() timer ran twice");
  ++g_figures.timersFired;
}

}  // namespace

long World::timerCallbacksAlive() { return g_timerCallbacks; }

// Servers. -----------------------------------------------------------------------------------

void World::newServer(Rng& rng) {
  {
    std::lock_guard<std::mutex> lock(serversMutex_);
    if (servers_.size() >= 4) return;
  }
  EventLoop* loop = serverLoops_[index(rng, serverLoops_.size())];
  bool http = chance(rng, 0.4);
  int ioThreads = between(rng, 0, 2);
  static const double kIdleTimeouts[] = {0.0, 0.05, 0.3, 60.0};  // 0: none
  double idle = http ? kIdleTimeouts[index(rng, 4)] : 0.0;
  // Made in its loop's thread; started there or from this thread. start() from another
  // thread queues a task, which does nothing if the server is destroyed first (TcpServer.h):
  // a timer or another actor may destroy it as soon as it is listed.
  bool startHere = chance(rng, 0.5);
  std::promise<ServerBox*> made;
  loop->runInLoop([&] {
    auto* box = new ServerBox(*this, loop, http, ioThreads, idle);
    if (!startHere) box->start();
    made.set_value(box);
  });
  ServerBox* box = made.get_future().get();
  if (startHere) box->start();
  std::lock_guard<std::mutex> lock(serversMutex_);
  servers_.push_back(ServerInfo{box->id(), box, loop, box->port(), http, idle});
}

void World::destroyServer(Rng& rng) {
  ServerInfo info;
  {
    std::lock_guard<std::mutex> lock(serversMutex_);
    if (servers_.empty()) return;
    size_t i = index(rng, servers_.size());
    info = servers_[i];
    servers_.erase(servers_.begin() + static_cast<long>(i));
  }
  // In its loop's thread, and most of the time we wait for it.
  if (chance(rng, 0.7)) {
    std::promise<void> done;
    info.loop->runInLoop([&] {
      delete info.box;
      done.set_value();
    });
    done.get_future().wait();
  } else {
    info.loop->runInLoop([box = info.box] { delete box; });
  }
}

ServerBox* World::takeServerOf(EventLoop* loop, Rng& rng) {
  std::lock_guard<std::mutex> lock(serversMutex_);
  std::vector<size_t> mine;
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].loop == loop) mine.push_back(i);
  }
  if (mine.empty()) return nullptr;
  size_t i = mine[index(rng, mine.size())];
  ServerBox* box = servers_[i].box;
  servers_.erase(servers_.begin() + static_cast<long>(i));
  return box;
}

uint16_t World::target(Rng& rng, Target kind) {
  std::lock_guard<std::mutex> lock(serversMutex_);
  std::vector<uint16_t> live;
  for (const ServerInfo& s : servers_) {
    if (s.http == (kind == Target::kHttp)) live.push_back(s.port);
  }
  return !live.empty() && chance(rng, 0.8) ? live[index(rng, live.size())] : refusingPort_;
}

// Clients. -----------------------------------------------------------------------------------

void World::newClient(Rng& rng) {
  {
    std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
    if (clients_.size() >= 6) return;
  }
  EventLoop* loop = clientLoops_[index(rng, clientLoops_.size())];
  uint16_t port = target(rng, chance(rng, 0.1) ? Target::kHttp : Target::kTcp);
  auto* owner = new ClientOwner(*this, loop, port, chance(rng, 0.3));
  int id = owner->id();
  {
    std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
    clients_[id] = owner;
  }
  if (chance(rng, 0.9)) withClient(id, [this](ClientOwner& me) { connectClient(me); });
}

void World::connectClient(ClientOwner& owner, bool inDownCallback) {
  if (inDownCallback ? !options.allows("reconnect-in-down")
                     : owner.connects > 0 && !options.allows("reconnect")) {
    return;
  }
  ++owner.connects;
  owner.client().connect();
}

ClientOwner* World::takeClient(int id) {
  std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return nullptr;
  ClientOwner* owner = it->second;
  clients_.erase(it);
  return owner;
}

int World::clientOf(EventLoop* loop, Rng& rng) {
  std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
  std::vector<int> mine;
  for (const auto& [id, owner] : clients_) {
    if (owner->loop() == loop) mine.push_back(id);
  }
  return mine.empty() ? 0 : mine[index(rng, mine.size())];
}

void World::clientAction(Rng& rng) {
  int id = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
    if (clients_.empty()) return;
    auto it = clients_.begin();
    std::advance(it, static_cast<long>(index(rng, clients_.size())));
    id = it->first;
  }
  int r = between(rng, 0, 99);
  if (r < 25) {
    withClient(id, [this](ClientOwner& me) { connectClient(me); });
  } else if (r < 45) {
    withClient(id, [](ClientOwner& me) { me.client().disconnect(); });
  } else if (r < 60) {
    withClient(id, [](ClientOwner& me) { me.client().stop(); });
  } else if (r < 75) {
    destroyClientFromOutside(id);
  } else if (r < 90) {
    withClient(id, [this](ClientOwner& me) {
      if (TcpConnectionPtr conn = me.client().connection()) hold(conn, me.id());
    });
  } else {
    withClient(id, [](ClientOwner& me) { me.client().enableRetry(); });
  }
}

void World::destroyClientFromOutside(int id) {
  ClientOwner* owner = takeClient(id);
  if (owner == nullptr) return;
  if (!options.allows("destroy-connected")) {
    // Close its connection and wait for the DOWN, so that the destructor meets none.
    owner->client().stop();
    std::promise<void> closed;
    owner->loop()->runInLoop([owner, &closed] {
      if (TcpConnectionPtr conn = owner->client().connection()) conn->forceClose();
      closed.set_value();
    });
    closed.get_future().wait();
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (ledger.openConnections(owner->id()) > 0) {
      if (Clock::now() > deadline) {
        violation(ledger.label(owner->id()) + ": no DOWN within 10 s of forceClose()");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  delete owner;
}

bool World::destroyClientInLoop(int id, bool connectionDown) {
  if (tClientCallDepth > 0) return false;
  ClientOwner* owner = nullptr;
  {
    std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return false;
    if (!options.allows("destroy-connected") && !connectionDown &&
        it->second->client().connection()) {
      return false;
    }
    owner = it->second;
    clients_.erase(it);
  }
  delete owner;
  return true;
}

// Held connections. --------------------------------------------------------------------------

void World::hold(const TcpConnectionPtr& conn, int owner) {
  std::lock_guard<std::mutex> lock(heldMutex_);
  held_.push_back(Held{conn, owner});
}

void World::heldAction(Rng& rng) {
  Held h;
  {
    std::lock_guard<std::mutex> lock(heldMutex_);
    if (held_.empty()) return;
    size_t i = index(rng, held_.size());
    h = held_[i];
    if (chance(rng, 0.1)) {  // let go of it
      held_[i] = std::move(held_.back());
      held_.pop_back();
      return;
    }
  }
  int r = between(rng, 0, 99);
  bool read = r >= 65;  // stopRead() or startRead()
  auto op = [&] {
    if (r < 35) {
      h.conn->send(std::string(static_cast<size_t>(r * 50 + 1), 'h'));
    } else if (r < 40) {
      h.conn->send(std::string(128 * 1024, 'H'));
    } else if (r < 55) {
      h.conn->shutdown();
    } else if (r < 65) {
      h.conn->forceClose();
    } else if (r < 85) {
      h.conn->stopRead();
    } else {
      h.conn->startRead();
    }
  };
  // stopRead() or startRead() once the owner's destruction has begun needs "late-read". Calls
  // are made under the ledger's lock, which keeps the owner's state as it was seen (live: the
  // destruction cannot begin; gone: it is over); while it is being destroyed, without the lock,
  // racing the destructor, and only with "racing-ops".
  bool allowedLate = !read || options.allows("late-read");
  Ledger::State seen = Ledger::State::kLive;
  bool done = ledger.ifState(
      h.owner,
      [&](Ledger::State state) {
        seen = state;
        return state == Ledger::State::kLive || (state == Ledger::State::kGone && allowedLate);
      },
      op);
  if (!done && seen == Ledger::State::kDying && allowedLate && options.allows("racing-ops")) {
    op();
    done = true;
  }
  if (done) ++g_figures.heldConnectionOps;
  if (done && seen == Ledger::State::kGone) ++g_figures.opsAfterOwnerGone;
}

// Timers. ------------------------------------------------------------------------------------

EventLoop* World::anyLoop(Rng& rng, bool* serverLoop) {
  size_t i = index(rng, serverLoops_.size() + clientLoops_.size());
  *serverLoop = i < serverLoops_.size();
  return *serverLoop ? serverLoops_[i] : clientLoops_[i - serverLoops_.size()];
}

void World::timerAction(Rng& rng) {
  bool serverLoop = false;
  EventLoop* loop = anyLoop(rng, &serverLoop);
  int kind = between(rng, 0, 9);
  if (kind >= 7) {
    lifecycleTimer(rng, loop, serverLoop);
    return;
  }
  auto rec = std::make_shared<TimerRecord>();
  double delay = between(rng, 0, 20) / 1000.0;
  if (kind <= 1) {
    // Once; half of them cancelled from here at once, racing the loop.
    TimerId id = loop->runAfter(delay, [rec, p = Probe()] { fireOnce(*rec); });
    if (kind == 1) loop->cancel(id);
  } else if (kind <= 3) {
    // Once, cancelled in the loop thread: from then on it must not run.
    TimerId id = loop->runAfter(delay, [rec, p = Probe()] { fireOnce(*rec); });
    loop->runInLoop([loop, id, rec] {
      loop->cancel(id);
      rec->cancelledInLoop = true;
    });
  } else {
    // Repeating, and cancelled by its own callback on its k-th tick.
    rec->ticks = between(rng, 1, 3);
    TimerId id = loop->runEvery(between(rng, 1, 5) / 1000.0, [rec, loop, p = Probe()] {
      if (rec->cancelledInLoop) violation("a repeating timer ran again after it cancelled itself");
      ++g_figures.timersFired;
      if (++rec->fired >= rec->ticks) {
        TimerId self;
        {
          std::lock_guard<std::mutex> lock(rec->mutex);
          self = rec->id;
        }
        if (self.sequence() != 0) {  // 0: our adder has not stored it yet; the next tick then
          loop->cancel(self);
          rec->cancelledInLoop = true;
        }
      }
    });
    std::lock_guard<std::mutex> lock(rec->mutex);
    rec->id = id;
  }
}

void World::lifecycleTimer(Rng& rng, EventLoop* loop, bool serverLoop) {
  double delay = between(rng, 0, 20) / 1000.0;
  if (serverLoop) {
    // A server of this loop destroyed by a timer, in the loop's thread.
    if (!options.allows("timer-teardown")) return;
    loop->runAfter(delay, [this, loop, p = Probe()] {
      if (ServerBox* box = takeServerOf(loop, threadRng())) delete box;
    });
    return;
  }
  // Something done to a client of this loop, in the loop's thread.
  int action = between(rng, 0, 3);
  loop->runAfter(delay, [this, loop, action, p = Probe()] {
    int id = clientOf(loop, threadRng());
    if (id == 0) return;
    if (action == 0) {
      withClient(id, [this](ClientOwner& me) { connectClient(me); });
    } else if (action == 1) {
      withClient(id, [](ClientOwner& me) { me.client().disconnect(); });
    } else if (action == 2) {
      if (options.allows("timer-teardown")) {
        withClient(id, [](ClientOwner& me) { me.client().stop(); });
      }
    } else if (options.allows("timer-teardown")) {
      destroyClientInLoop(id, false);
    }
  });
}

// HTTP. --------------------------------------------------------------------------------------

bool World::firstCall(long request) {
  std::lock_guard<std::mutex> lock(requestsMutex_);
  return requestsSeen_.insert(request).second;
}

}  // namespace lifecycle
