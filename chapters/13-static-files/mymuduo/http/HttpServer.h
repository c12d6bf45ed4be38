#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/http/HttpContext.h"
#include "mymuduo/http/HttpResponder.h"
#include "mymuduo/net/TcpServer.h"

namespace mymuduo {
namespace http {

class HttpRequest;
class HttpResponse;
class IdleList;

/// An HTTP/1.1 server on top of TcpServer: parses each connection's requests with an
/// HttpContext, calls the user's callback once per request, and writes the responses in order.
/// What it keeps per connection is an HttpSession, in the TcpConnection's context.
///
/// Owns its TcpServer; does not own its loop. Thread and lifetime rules are TcpServer's: the
/// callback runs in the IO loop of the request's connection, so with setThreadNum(n > 1) it runs
/// in several threads at once and state shared between requests needs a lock; setters before
/// start(); the destructor in the loop thread, and when it returns no callback runs again.
///
/// What it does for every connection: keep-alive by default for HTTP/1.1, close after the
/// response for HTTP/1.0 unless asked to keep alive and whenever "Connection: close" is sent;
/// pipelined requests answered in order; a bad request answered with its status (400, 413,
/// 414, 431, 501) and then the connection closed; "100 Continue" sent when a client expects
/// it; the whole response still delivered to a client that shut down its write side after its
/// request; the connection closed when a request takes longer than the idle timeout to arrive,
/// counted from the end of the previous response, however slowly its bytes trickle in, or when
/// a response stops moving out for as long; a client that sends requests faster than it reads
/// the answers not read from while more than 1 MiB of answers wait for it; a callback that
/// throws answered with 500 and the connection closed, the request never dispatched again.
/// What an access log hears of one answer, once it is queued: in the IO loop of the request's
/// connection, so with setThreadNum(n > 1) from several threads at once. Valid during the call.
struct AccessLogEntry {
  const net::InetAddress& peer;
  Timestamp received;          // when the request's last bytes were read
  const HttpRequest* request;  // null for a request that could not be parsed
  int status;
  uint64_t bodyBytes;  // of the answer's body; 0 for HEAD, 304 and the like
};

/// The entry as a line of the Common Log Format, without the newline:
///   127.0.0.1 - - [06/Dec/2026:11:30:00 +0000] "GET /a.txt HTTP/1.1" 200 12
/// The request line is the method, the target and the version, with '"', '\' and bytes
/// outside printable ASCII written as \xHH: a client must not be able to forge a line.
std::string commonLogLine(const AccessLogEntry& entry);

class HttpServer : noncopyable {
 public:
  using HttpCallback = std::function<void(const HttpRequest&, HttpResponse*)>;
  using AccessLogCallback = std::function<void(const AccessLogEntry&)>;

  HttpServer(net::EventLoop* loop, const net::InetAddress& listenAddr, std::string name,
             net::TcpServer::Option option = net::TcpServer::kNoReusePort);
  ~HttpServer();

  net::EventLoop* getLoop() const { return server_.getLoop(); }
  /// Where it listens (with the port the kernel chose when asked for port 0).
  net::InetAddress listenAddress() const { return server_.listenAddress(); }

  /// The callback fills in the response before it returns.
  void setHttpCallback(HttpCallback cb) { httpCallback_ = std::move(cb); }
  /// Or, used instead when set: a callback that answers through an HttpResponder, from any
  /// thread, now or later. The answers still go out in request order; up to 16 pipelined
  /// requests of one connection are handed over before the first is answered, and the idle
  /// timeout does not close a connection waiting for an answer.
  void setAsyncHttpCallback(AsyncHttpCallback cb) { asyncHttpCallback_ = std::move(cb); }
  void setThreadNum(int numThreads) { server_.setThreadNum(numThreads); }
  /// Seconds a connection may take to deliver its next request, and a response to make
  /// progress; default 60. 0, a negative value or NaN turns the timeout off, and so does one
  /// longer than about 31 years (1e9 seconds; infinity too): no connection waits that long.
  void setIdleTimeout(double seconds);
  void setLimits(const HttpContext::Limits& limits) { limits_ = limits; }
  /// Called once per answer, bad requests included (see AccessLogEntry). Before start().
  void setAccessLogCallback(AccessLogCallback cb) { accessLogCallback_ = std::move(cb); }

  void start();
  /// A graceful stop (TcpServer::drain()): stops listening at once; an idle keep-alive
  /// connection closes, a request under way gets its answer with "Connection: close" and then
  /// its connection closes; what is still open after `timeoutSeconds` is force-closed; `done`
  /// runs in the server's loop once every connection is gone. Safe from any thread.
  void drain(double timeoutSeconds, std::function<void()> done);

 private:
  void onConnection(const net::TcpConnectionPtr& conn);
  IdleList* idleListOf(net::EventLoop* loop);

  HttpCallback httpCallback_;
  AsyncHttpCallback asyncHttpCallback_;
  AccessLogCallback accessLogCallback_;
  std::chrono::steady_clock::duration idleTimeout_ = std::chrono::seconds(60);  // 0: off
  HttpContext::Limits limits_;
  // One IdleList per loop that has had a connection, made in that loop at its first (the IO
  // loops exist only once the server starts them). Before server_, so destroyed after it: the
  // sessions unlink themselves while ~TcpServer takes their connections down.
  std::mutex idleListsMutex_;
  std::map<net::EventLoop*, std::unique_ptr<IdleList>> idleLists_;  // guarded by the mutex
  // Last, so destroyed first: ~TcpServer tears the connections down, and their callbacks
  // (onConnection) run while the members above are still alive.
  net::TcpServer server_;
};

}  // namespace http
}  // namespace mymuduo
