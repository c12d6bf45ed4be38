#pragma once
// The objects a round of the lifecycle fuzzer drives: servers (ServerBox, Servers.cc), clients
// (ClientOwner, Clients.cc) and raw-socket peers (PeerDriver, Peers.cc). ServerBox and
// ClientOwner are what a user's own classes are: heap objects that own a library object and
// give it callbacks that use `this`. Each callback first tells the ledger, which fails the run
// if the object's destructor has already returned.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "Fuzz.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {
class Buffer;
class EventLoop;
class InetAddress;
class TcpClient;
class TcpServer;
}  // namespace net
namespace http {
class HttpServer;
class HttpRequest;
class HttpResponse;
}  // namespace http
}  // namespace mymuduo

namespace lifecycle {

class World;

/// A TcpServer (echoing, replying, closing at random) or an HttpServer (whose handler throws
/// for some requests), listening on 127.0.0.1 and a port the kernel chose. Made and destroyed
/// in its loop's thread.
class ServerBox : mymuduo::noncopyable {
 public:
  ServerBox(World& world, mymuduo::net::EventLoop* loop, bool http, int ioThreads,
            double idleTimeout);
  ~ServerBox();

  void start();  // any thread
  int id() const { return id_; }
  uint16_t port() const { return port_; }

 private:
  void onConnection(const mymuduo::net::TcpConnectionPtr& conn);
  void onMessage(const mymuduo::net::TcpConnectionPtr& conn, mymuduo::net::Buffer* buf);
  void onHalfClose(const mymuduo::net::TcpConnectionPtr& conn);
  void onRequest(const mymuduo::http::HttpRequest& request, mymuduo::http::HttpResponse* resp);

  World& world_;
  int id_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<mymuduo::net::TcpServer> tcp_;
  std::unique_ptr<mymuduo::http::HttpServer> http_;
};

/// A TcpClient and the callbacks given to it, which act on the client itself at random: send,
/// disconnect, stop, connect again, destroy it (and with it `this`).
class ClientOwner : mymuduo::noncopyable {
 public:
  ClientOwner(World& world, mymuduo::net::EventLoop* loop, uint16_t port, bool retry);
  /// In the loop thread, or in a thread that is no loop's while the loop runs.
  ~ClientOwner();

  int id() const { return id_; }
  mymuduo::net::EventLoop* loop() const { return loop_; }
  mymuduo::net::TcpClient& client() { return *client_; }
  /// How often connect() was called (by World::connectClient).
  std::atomic<int> connects{0};

 private:
  void onConnection(const mymuduo::net::TcpConnectionPtr& conn);
  void onMessage(const mymuduo::net::TcpConnectionPtr& conn, mymuduo::net::Buffer* buf);
  void onConnectError(int err);

  World& world_;
  mymuduo::net::EventLoop* const loop_;
  int id_ = 0;
  mymuduo::net::TcpClient* client_ = nullptr;  // owned; never changes after the constructor
};

/// Raw sockets, driven from one thread of their own: connect to live servers and to a port
/// that refuses, send bytes or HTTP requests (whole, pipelined, cut in two), read or never
/// read, half-close, reset (SO_LINGER 0), close.
class PeerDriver : mymuduo::noncopyable {
 public:
  PeerDriver(World& world, uint64_t seed);
  ~PeerDriver();  // closes the sockets still open, at random with a reset
  void run();     // until World::peersStop

 private:
  struct Peer {
    int fd;
    bool http;
    bool reads;           // some never read, so that the server's output backs up
    std::string pending;  // what is still to be sent
  };
  void open();
  void send(Peer& peer);
  void drain(Peer& peer);
  void close(size_t i, bool reset);

  World& world_;
  Rng rng_;
  std::vector<Peer> peers_;
};

}  // namespace lifecycle
