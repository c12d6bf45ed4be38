#pragma once
// The invariants of the lifecycle fuzzer, checked as the callbacks arrive and at the end of a
// round. The ledger knows every owner (a server or client object of the fuzzer whose callbacks
// the library holds) and every connection it saw come up.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Fuzz.h"
#include "mymuduo/net/Callbacks.h"

namespace lifecycle {

/// One connection the fuzzer saw come UP. Kept in the connection's context (set in the UP
/// callback; the connection's later callbacks find it there, all in its loop thread) and in
/// the ledger, which checks it at the end of the round.
struct ConnRecord {
  int owner = 0;
  std::string name;
  std::weak_ptr<mymuduo::net::TcpConnection> conn;
  bool down = false;  // guarded by the ledger's mutex
  Rng rng;            // what the connection's callbacks decide; its loop thread only
};
using RecordPtr = std::shared_ptr<ConnRecord>;

class Ledger {
 public:
  enum class Kind { kServer, kClient };
  /// An owner is live, then dying while its destructor runs (its callbacks may still come,
  /// its connections go down), then gone when the destructor has returned.
  enum class State { kLive, kDying, kGone };

  /// A new owner, live; `what` describes it in messages ("tcp, 2 IO threads").
  int addOwner(Kind kind, const std::string& what);
  void setState(int owner, State state);
  bool live(int owner);
  std::string label(int owner);  // "server s3 (tcp, 2 IO threads)"

  /// The first thing every callback the fuzzer gives the library does: the destructor of its
  /// owner must not have returned.
  void enter(int owner, const char* callback);
  /// Calls f() if allowed(state of the owner), holding the ledger's lock so that the state
  /// cannot change meanwhile. f must not wait for a loop. Not from a loop thread.
  template <typename P, typename F>
  bool ifState(int owner, P&& allowed, F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!allowed(owners_.at(owner).state)) return false;
    f();
    return true;
  }

  /// The connection callback (after enter()): for UP a new record, set as the connection's
  /// context; for DOWN nullptr. Checks: one UP, then one DOWN; a client has one connection up
  /// at a time.
  RecordPtr connection(int owner, const mymuduo::net::TcpConnectionPtr& conn);
  /// Every other callback of a connection (message, write-complete, high-water, half-close):
  /// after its UP, before its DOWN.
  RecordPtr during(const mymuduo::net::TcpConnectionPtr& conn, const char* callback);
  /// Connections of the owner that are UP and not yet DOWN.
  int openConnections(int owner);

  /// At the end of the round, with every thread and loop gone and nothing held: each
  /// connection went DOWN, none is still alive, and every owner is gone.
  void checkEnd();

 private:
  struct Owner {
    Kind kind = Kind::kServer;
    std::string label;
    State state = State::kLive;
    int open = 0;            // connections UP and not DOWN
    std::string lastOpened;  // the name of the last one, for the message
  };

  std::mutex mutex_;
  std::map<int, Owner> owners_;
  std::vector<RecordPtr> records_;
  int nextOwner_ = 1;
};

}  // namespace lifecycle
