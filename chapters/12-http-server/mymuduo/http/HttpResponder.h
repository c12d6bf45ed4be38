#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

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
/// responder never leaves a client waiting. An answer reaches the connection's loop only while
/// the connection is up (TcpConnection::queueInLoopUnlessDown()), so answers given while or
/// after its HttpServer is destroyed go nowhere: the loops may be gone.
class HttpResponder {
 public:
  HttpResponder(const net::TcpConnectionPtr& conn, uint64_t id);

  /// Sends `response` as the answer to this request, in its turn among the connection's
  /// pipelined requests. Its closeConnection() adds to the server's decision (true closes the
  /// connection after it; false still closes when the request asked to). Returns whether the
  /// answer was handed to the connection: false after an earlier answer, and when the
  /// connection is down.
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
