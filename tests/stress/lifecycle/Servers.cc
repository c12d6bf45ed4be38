// ServerBox: a TcpServer or HttpServer and the callbacks the fuzzer gives it.
#include <cstdlib>
#include <stdexcept>

#include "Actors.h"
#include "World.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpServer.h"

namespace lifecycle {

using mymuduo::http::HttpRequest;
using mymuduo::http::HttpResponse;
using mymuduo::http::HttpServer;
using mymuduo::net::Buffer;
using mymuduo::net::EventLoop;
using mymuduo::net::InetAddress;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;

ServerBox::ServerBox(World& world, EventLoop* loop, bool http, int ioThreads, double idleTimeout)
    : world_(world) {
  loop->assertInLoopThread();
  std::string what =
      std::string(http ? "http" : "tcp") + ", " + std::to_string(ioThreads) + " IO threads";
  if (http) what += ", idle timeout " + std::to_string(idleTimeout) + " s";
  id_ = world.ledger.addOwner(Ledger::Kind::kServer, what);
  Ledger* ledger = &world.ledger;
  const int id = id_;
  InetAddress listenAddr(0, true);
  std::string name = "s" + std::to_string(id);
  // Each callback: the ledger first (it must not touch `this` if the box is gone), then `this`.
  if (http) {
    http_ = std::make_unique<HttpServer>(loop, listenAddr, name);
    http_->setThreadNum(ioThreads);
    http_->setIdleTimeout(idleTimeout);
    http_->setHttpCallback([this, ledger, id](const HttpRequest& request, HttpResponse* resp) {
      ledger->enter(id, "the HTTP handler");
      onRequest(request, resp);
    });
    port_ = http_->listenAddress().port();
  } else {
    tcp_ = std::make_unique<TcpServer>(loop, listenAddr, name);
    tcp_->setThreadNum(ioThreads);
    tcp_->setConnectionCallback([this, ledger, id](const TcpConnectionPtr& conn) {
      ledger->enter(id, "the connection callback");
      onConnection(conn);
    });
    tcp_->setMessageCallback(
        [this, ledger, id](const TcpConnectionPtr& conn, Buffer* buf, mymuduo::Timestamp) {
          ledger->enter(id, "the message callback");
          onMessage(conn, buf);
        });
    if (world.options.allows("write-complete")) {
      tcp_->setWriteCompleteCallback([ledger, id](const TcpConnectionPtr& conn) {
        ledger->enter(id, "the write-complete callback");
        ledger->during(conn, "the write-complete callback");
      });
    }
    port_ = tcp_->listenAddress().port();
  }
}

ServerBox::~ServerBox() {
  world_.ledger.setState(id_, Ledger::State::kDying);
  if (world_.ledger.openConnections(id_) > 0) ++g_figures.serversDestroyedWithConnections;
  tcp_.reset();
  http_.reset();
  world_.ledger.setState(id_, Ledger::State::kGone);
}

void ServerBox::start() {
  if (tcp_) tcp_->start();
  if (http_) http_->start();
  ++g_figures.serversStarted;
}

void ServerBox::onConnection(const TcpConnectionPtr& conn) {
  RecordPtr rec = world_.ledger.connection(id_, conn);
  if (!rec) return;  // DOWN
  Rng& rng = rec->rng;
  if (chance(rng, 0.6)) world_.hold(conn, id_);
  Ledger* ledger = &world_.ledger;
  const int id = id_;
  if (chance(rng, 0.3)) {
    // The peer's half-close then leaves the connection open for writing, until we end it.
    conn->setHalfCloseCallback([this, ledger, id](const TcpConnectionPtr& c) {
      ledger->enter(id, "the half-close callback");
      onHalfClose(c);
    });
  }
  if (chance(rng, 0.3) && world_.options.allows("write-complete")) {
    conn->setHighWaterMarkCallback(
        [ledger, id](const TcpConnectionPtr& c, size_t) {
          ledger->enter(id, "the high-water callback");
          ledger->during(c, "the high-water callback");
        },
        64 * 1024);
  }
}

void ServerBox::onMessage(const TcpConnectionPtr& conn, Buffer* buf) {
  Rng& rng = world_.ledger.during(conn, "the message callback")->rng;
  int r = between(rng, 0, 99);
  if (r < 45) {
    conn->send(buf);  // echo
  } else if (r < 55) {
    buf->retrieveAll();
    conn->send(std::string(256 * 1024, 'x'));  // more than a peer that never reads takes
  } else if (r < 63) {
    conn->send(buf);
    conn->shutdown();
  } else if (r < 68) {
    buf->retrieveAll();
    conn->forceClose();
  } else if (r < 78) {
    // Not ready for more: stop reading for a few milliseconds.
    buf->retrieveAll();
    conn->stopRead();
    std::weak_ptr<mymuduo::net::TcpConnection> weak(conn);
    conn->getLoop()->runAfter(between(rng, 1, 10) / 1000.0, [weak] {
      if (auto c = weak.lock()) c->startRead();
    });
  } else {
    buf->retrieveAll();
  }
}

void ServerBox::onHalfClose(const TcpConnectionPtr& conn) {
  Rng& rng = world_.ledger.during(conn, "the half-close callback")->rng;
  int r = between(rng, 0, 9);
  if (r < 5) {
    conn->send(std::string_view("bye\n"));
    conn->shutdown();
  } else if (r < 7) {
    conn->forceClose();
  }
  // Otherwise it stays open until someone holding it, or the server's end, closes it.
}

void ServerBox::onRequest(const HttpRequest& request, HttpResponse* resp) {
  // Paths are /<kind>/<request number>, each number sent once (PeerDriver, the probe).
  const std::string& path = request.path();
  size_t slash = path.find('/', 1);
  std::string kind = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  long number = slash == std::string::npos ? 0 : std::atol(path.c_str() + slash + 1);
  if (number > 0 && !world_.firstCall(number)) {
    violation(world_.ledger.label(id_) + ": the HTTP handler was called a second time for " + path);
  }
  ++g_figures.httpRequests;
  if (kind == "throw" || kind == "probe") {
    ++g_figures.httpThrows;
    throw std::runtime_error("the handler of " + path + " throws");
  }
  resp->setStatusCode(HttpResponse::k200Ok);
  resp->setContentType("text/plain");
  resp->setBody(kind == "big" ? std::string(200 * 1024, 'b') : std::string("ok\n"));
  if (kind == "close") resp->setCloseConnection(true);
}

}  // namespace lifecycle
