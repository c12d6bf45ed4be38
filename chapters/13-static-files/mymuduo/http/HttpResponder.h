#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace http {

class HttpRequest;
class HttpResponse;

/// The promise of one answer to one request, given to an AsyncHttpCallback
/// (HttpServer::setAsyncHttpCallback()) so that it can answer later: after asking another
/// service over a TcpClient, or a worker thread. Copies share the one answer.
///
/// Thread rules: respond() from any thread, at any time. Only the first call counts; later ones
/// return false. The answer is always queued to the connection's IO loop, even from that loop,
/// so the callback may also answer before it returns. An answer to a connection that closed
/// meanwhile is dropped (respond() returns false).
///
/// Lifetime: holds its connection weakly, never keeps it open. When the last copy goes without
/// an answer, the request is answered with 500 and the connection closed, so that a lost
/// responder never leaves a client waiting. Once the HttpServer's destructor has begun, answers
/// go nowhere: the loops they would be queued to may be gone.
class HttpResponder {
 public:
  /// Shared by an HttpServer and the responders of its requests; closed by ~HttpServer.
  struct Gate {
    std::mutex mutex;
    bool open = true;  // guarded by mutex
  };

  HttpResponder(std::shared_ptr<Gate> gate, const net::TcpConnectionPtr& conn, uint64_t id);

  /// Sends `response` as the answer to this request, in its turn among the connection's
  /// pipelined requests. Its closeConnection() adds to the server's decision (true closes the
  /// connection after it; false still closes when the request asked to). Returns whether the
  /// answer was handed to the connection: false after an earlier answer, and when the
  /// connection or the server is gone.
  bool respond(HttpResponse response) const;
  /// Whether the connection is still up: a backend call for a client that left can be given up.
  bool connected() const;

 private:
  class State;
  std::shared_ptr<State> state_;
};

/// An HTTP callback that may answer later: it gets the request (a reference valid only until
/// it returns: copy what is needed) and the responder to answer through.
using AsyncHttpCallback = std::function<void(const HttpRequest&, HttpResponder)>;

}  // namespace http
}  // namespace mymuduo
