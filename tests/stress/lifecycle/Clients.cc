// ClientOwner: a TcpClient and the callbacks the fuzzer gives it, which act on their own client.
#include "Actors.h"
#include "World.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpClient.h"

namespace lifecycle {

using mymuduo::net::Buffer;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpClient;
using mymuduo::net::TcpConnectionPtr;

ClientOwner::ClientOwner(World& world, EventLoop* loop, uint16_t port, bool retry)
    : world_(world), loop_(loop) {
  id_ = world.ledger.addOwner(Ledger::Kind::kClient,
                              "to port " + std::to_string(port) + (retry ? ", retry" : ""));
  client_ = new TcpClient(loop, InetAddress("127.0.0.1", port), "c" + std::to_string(id_));
  if (retry) client_->enableRetry();
  Ledger* ledger = &world.ledger;
  const int id = id_;
  // Each callback: the ledger first (it must not touch `this` if we are gone), then `this`.
  client_->setConnectionCallback([this, ledger, id](const TcpConnectionPtr& conn) {
    ledger->enter(id, "the connection callback");
    onConnection(conn);
  });
  client_->setMessageCallback(
      [this, ledger, id](const TcpConnectionPtr& conn, Buffer* buf, mymuduo::Timestamp) {
        ledger->enter(id, "the message callback");
        onMessage(conn, buf);
      });
  if (world.options.allows("write-complete")) {
    client_->setWriteCompleteCallback([ledger, id](const TcpConnectionPtr& conn) {
      ledger->enter(id, "the write-complete callback");
      ledger->during(conn, "the write-complete callback");
    });
  }
  client_->setConnectErrorCallback([this, ledger, id](int err, bool) {
    ledger->enter(id, "the connect-error callback");
    onConnectError(err);
  });
  ++g_figures.clientsCreated;
}

ClientOwner::~ClientOwner() {
  world_.ledger.setState(id_, Ledger::State::kDying);
  delete client_;
  // From here on, no callback given to the client may run.
  world_.ledger.setState(id_, Ledger::State::kGone);
}

// Every action on our own client goes through World::withClient(): the client is used only
// while it is in the list, and whoever takes it out destroys it. After a successful
// destroyClientInLoop() `this` is gone: return at once.

void ClientOwner::onConnection(const TcpConnectionPtr& conn) {
  RecordPtr rec = world_.ledger.connection(id_, conn);
  World& world = world_;
  const int id = id_;
  if (rec) {  // UP
    Rng& rng = rec->rng;
    if (chance(rng, 0.5)) world.hold(conn, id);
    if (chance(rng, 0.6)) conn->send(std::string_view("hello\n"));
    int r = between(rng, 0, 99);
    if (r < 5) {
      if (world.destroyClientInLoop(id, false)) ++g_figures.clientsDestroyedInCallbacks;
    } else if (r < 10) {
      world.withClient(id, [](ClientOwner& me) { me.client().disconnect(); });
    } else if (r < 14) {
      world.withClient(id, [](ClientOwner& me) { me.client().stop(); });
    } else if (r < 18) {
      world.withClient(id, [&world](ClientOwner& me) { world.connectClient(me); });
    }
    return;
  }
  // DOWN
  int r = between(threadRng(), 0, 99);
  if (r < 15) {
    if (world.destroyClientInLoop(id, true)) ++g_figures.clientsDestroyedInCallbacks;
  } else if (r < 30) {
    world.withClient(id, [&world](ClientOwner& me) { world.connectClient(me, true); });
  } else if (r < 40) {
    world.withClient(id, [](ClientOwner& me) { me.client().stop(); });
  }
}

void ClientOwner::onMessage(const TcpConnectionPtr& conn, Buffer* buf) {
  Rng& rng = world_.ledger.during(conn, "the message callback")->rng;
  buf->retrieveAll();
  World& world = world_;
  const int id = id_;
  int r = between(rng, 0, 99);
  if (r < 30) {
    conn->send(std::string_view("more\n"));
  } else if (r < 35) {
    if (world.destroyClientInLoop(id, false)) ++g_figures.clientsDestroyedInCallbacks;
  } else if (r < 40) {
    world.withClient(id, [](ClientOwner& me) { me.client().disconnect(); });
  } else if (r < 43) {
    world.withClient(id, [](ClientOwner& me) { me.client().stop(); });
  } else if (r < 45) {
    world.withClient(id, [&world](ClientOwner& me) { world.connectClient(me); });
  }
}

void ClientOwner::onConnectError(int) {
  ++g_figures.connectErrors;
  World& world = world_;
  const int id = id_;
  int r = between(threadRng(), 0, 99);
  if (r < 20) {
    if (world.options.allows("error-stop")) {
      world.withClient(id, [](ClientOwner& me) { me.client().stop(); });
    }
  } else if (r < 30) {
    if (world.options.allows("error-stop") && world.destroyClientInLoop(id, false)) {
      ++g_figures.clientsDestroyedInCallbacks;
    }
  } else if (r < 35) {
    world.withClient(id, [&world](ClientOwner& me) { world.connectClient(me); });
  }
}

}  // namespace lifecycle
