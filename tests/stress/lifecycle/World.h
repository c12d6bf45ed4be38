#pragma once
// One round of the lifecycle fuzzer: its loops, servers, clients and raw peers, the threads
// that act on them at random, and the end of the round, where everything is torn down and
// checked (Round.cc). The actors themselves are in Actors.h.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "Fuzz.h"
#include "Ledger.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {
class EventLoop;
class EventLoopThread;
}  // namespace net
}  // namespace mymuduo

namespace lifecycle {

class ServerBox;
class ClientOwner;

/// The fuzzer's own thread rules, which every part keeps (breaking one is a bug of the fuzzer,
/// not of the library):
/// - the loops of the round (server loops, client loops) live until the end of the round;
/// - a ServerBox is made and destroyed in its loop's thread (from a task, a timer); start()
///   may come from another thread, but returns before the server is listed, so before anyone
///   can destroy it;
/// - a ClientOwner is destroyed in its loop's thread (by a callback or timer there), or from a
///   thread that is no loop's, while its loop runs; never from another loop's thread;
/// - a connection's context and setters only in its callbacks (its loop thread);
/// - whoever takes a server or client out of its list (takeServer, takeClient) destroys it;
///   a server or client is used only while it is in its list, under that list's lock.
class World {
 public:
  World(const Options& options, uint64_t seed);
  ~World();

  /// The whole round: set up, act, tear down, check. Returns only if every check held.
  void run();

  const Options& options;
  Ledger ledger;

  // Servers. ---------------------------------------------------------------------------------
  /// Takes a random server of this loop out of the list, or nullptr. In that loop's thread.
  ServerBox* takeServerOf(mymuduo::net::EventLoop* loop, Rng& rng);

  // Clients. ---------------------------------------------------------------------------------
  /// Calls f(owner) if the client is still in the list, under the list's lock (recursive: a
  /// client call may run a callback of the same client at once, in the loop thread).
  template <typename F>
  void withClient(int id, F&& f) {
    std::lock_guard<std::recursive_mutex> lock(clientsMutex_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    ++tClientCallDepth;
    f(*it->second);
    --tClientCallDepth;
  }
  /// connect() on the client, inside withClient(). Unless it is allowed by its group, not on
  /// a client that connect() was called on before ("reconnect"), nor in its down callback
  /// (`inDownCallback`, "reconnect-in-down").
  void connectClient(ClientOwner& owner, bool inDownCallback = false);
  /// Destroys a client in its loop thread, from one of its callbacks or a timer. Not while
  /// this thread is inside a call on a client (connect(), disconnect()... may run a callback at
  /// once): that call would return into a freed client. Without "destroy-connected" only a
  /// client whose connection is down (`connectionDown`, or it has none). True if destroyed.
  bool destroyClientInLoop(int id, bool connectionDown);
  /// A random client of this loop (0 if none).
  int clientOf(mymuduo::net::EventLoop* loop, Rng& rng);

  // Connections held by the fuzzer, acted on from any thread at any time. ---------------------
  void hold(const mymuduo::net::TcpConnectionPtr& conn, int owner);

  // HTTP. ------------------------------------------------------------------------------------
  long nextRequest() { return ++requests_; }
  /// False if the handler has been called for this request before.
  bool firstCall(long request);

  // Where peers and clients connect. ---------------------------------------------------------
  enum class Target { kTcp, kHttp };
  /// A live server's port (of that kind, when there is one), most of the time; else a port
  /// that refuses. (Not the port of a destroyed server: another program may have it now.)
  uint16_t target(Rng& rng, Target kind);

  std::atomic<bool> peersStop{false};

  /// The fuzzer's timer callbacks alive now, wherever the loops keep them (each carries a
  /// counting probe): none once the loops are gone.
  static long timerCallbacksAlive();

 private:
  struct ServerInfo {
    int id = 0;
    ServerBox* box = nullptr;
    mymuduo::net::EventLoop* loop = nullptr;
    uint16_t port = 0;
    bool http = false;
    double idleTimeout = 0.0;
  };
  struct Held {
    mymuduo::net::TcpConnectionPtr conn;
    int owner = 0;
  };

  void setUp(Rng& rng);
  void actor(uint64_t seed);
  void newServer(Rng& rng);
  void destroyServer(Rng& rng);
  void newClient(Rng& rng);
  void clientAction(Rng& rng);
  void destroyClientFromOutside(int id);
  void heldAction(Rng& rng);
  void timerAction(Rng& rng);
  void lifecycleTimer(Rng& rng, mymuduo::net::EventLoop* loop, bool serverLoop);
  void probeHttpServers();
  void tearDown(Rng& rng, std::thread& peers);
  void barrier(const std::vector<mymuduo::net::EventLoop*>& loops);
  void pokeHeld(bool loopsGone);
  ClientOwner* takeClient(int id);
  mymuduo::net::EventLoop* anyLoop(Rng& rng, bool* serverLoop);

  static thread_local int tClientCallDepth;

  const uint64_t seed_;
  std::vector<std::unique_ptr<mymuduo::net::EventLoopThread>> serverLoopThreads_;
  std::vector<std::unique_ptr<mymuduo::net::EventLoopThread>> clientLoopThreads_;
  std::vector<mymuduo::net::EventLoop*> serverLoops_;
  std::vector<mymuduo::net::EventLoop*> clientLoops_;
  int refusingFd_ = -1;  // bound, never listening: connects to its port are refused
  uint16_t refusingPort_ = 0;

  std::mutex serversMutex_;
  std::vector<ServerInfo> servers_;  // live ones

  std::recursive_mutex clientsMutex_;
  std::map<int, ClientOwner*> clients_;

  std::mutex heldMutex_;
  std::vector<Held> held_;

  std::mutex requestsMutex_;
  std::set<long> requestsSeen_;
  std::atomic<long> requests_{0};

  std::atomic<bool> actorsStop_{false};
};

}  // namespace lifecycle
