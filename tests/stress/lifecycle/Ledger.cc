#include "Ledger.h"

#include <any>

#include "mymuduo/net/TcpConnection.h"

namespace lifecycle {

using mymuduo::net::TcpConnectionPtr;

int Ledger::addOwner(Kind kind, const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  int id = nextOwner_++;
  std::string label = (kind == Kind::kServer ? "server s" : "client c") + std::to_string(id);
  Owner owner;
  owner.kind = kind;
  owner.label = label + " (" + what + ")";
  owners_.emplace(id, owner);
  return id;
}

void Ledger::setState(int owner, State state) {
  std::lock_guard<std::mutex> lock(mutex_);
  owners_.at(owner).state = state;
}

bool Ledger::live(int owner) {
  std::lock_guard<std::mutex> lock(mutex_);
  return owners_.at(owner).state == State::kLive;
}

std::string Ledger::label(int owner) {
  std::lock_guard<std::mutex> lock(mutex_);
  return owners_.at(owner).label;
}

void Ledger::enter(int owner, const char* callback) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Owner& o = owners_.at(owner);
  if (o.state == State::kGone) {
    violation(std::string(callback) + " of " + o.label + " ran after its destructor returned");
  }
}

RecordPtr Ledger::connection(int owner, const TcpConnectionPtr& conn) {
  auto* slot = std::any_cast<RecordPtr>(conn->getMutableContext());
  std::lock_guard<std::mutex> lock(mutex_);
  Owner& o = owners_.at(owner);
  // In the loop thread, which alone sets kDisconnected: an UP sees any other state (another
  // thread may have called shutdown() already), a DOWN sees kDisconnected.
  if (!conn->disconnected()) {
    if (slot != nullptr) violation(conn->name() + " of " + o.label + " came UP a second time");
    if (o.kind == Kind::kClient && o.open > 0) {
      violation(o.label + ": " + conn->name() + " came UP while " + o.lastOpened +
                " was still up (two connections at once)");
    }
    auto rec = std::make_shared<ConnRecord>();
    rec->owner = owner;
    rec->name = conn->name();
    rec->conn = conn;
    rec->rng.seed(mix(currentRoundSeed() ^ mix(records_.size() + 1)));
    records_.push_back(rec);
    ++o.open;
    o.lastOpened = conn->name();
    conn->setContext(rec);
    ++g_figures.connectionsUp;
    return rec;
  }
  if (slot == nullptr) violation(conn->name() + " of " + o.label + " went DOWN without an UP");
  if ((*slot)->down) violation(conn->name() + " of " + o.label + " went DOWN a second time");
  (*slot)->down = true;
  --o.open;
  ++g_figures.connectionsDown;
  return nullptr;
}

RecordPtr Ledger::during(const TcpConnectionPtr& conn, const char* callback) {
  auto* slot = std::any_cast<RecordPtr>(conn->getMutableContext());
  if (slot == nullptr) violation(std::string(callback) + " of " + conn->name() + " before its UP");
  std::lock_guard<std::mutex> lock(mutex_);
  if ((*slot)->down) {
    violation(std::string(callback) + " of " + conn->name() + " (" +
              owners_.at((*slot)->owner).label + ") ran after its DOWN");
  }
  return *slot;
}

int Ledger::openConnections(int owner) {
  std::lock_guard<std::mutex> lock(mutex_);
  return owners_.at(owner).open;
}

void Ledger::checkEnd() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const RecordPtr& rec : records_) {
    const std::string& owner = owners_.at(rec->owner).label;
    if (!rec->down) violation(rec->name + " of " + owner + " came UP and never went DOWN");
    if (!rec->conn.expired()) {
      violation(rec->name + " of " + owner +
                " is still alive after every loop, thread and held pointer is gone");
    }
  }
  for (const auto& [id, o] : owners_) {
    if (o.state != State::kGone) violation("the fuzzer left " + o.label + " undestroyed");
  }
}

}  // namespace lifecycle
