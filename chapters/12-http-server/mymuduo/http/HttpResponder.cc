#include "mymuduo/http/HttpResponder.h"

#include <optional>
#include <utility>

#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpSession.h"
#include "mymuduo/net/EventLoop.h"  // logCallbackException()
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace http {

/// What the copies of one responder share: the way to the connection, and whether it answered.
class HttpResponder::State {
 public:
  State(const net::TcpConnectionPtr& conn, uint64_t id) : conn_(conn), id_(id) {}

  State(const State&) = delete;
  State& operator=(const State&) = delete;

  ~State() {
    // The last copy went unanswered: the session answers 500 in its place (nullopt).
    if (answered_.load(std::memory_order_relaxed)) return;
    try {
      deliver(std::nullopt);
    } catch (...) {
      net::logCallbackException("HttpResponder: the answer of a dropped responder");
    }
  }

  bool connected() const {
    net::TcpConnectionPtr conn = conn_.lock();
    return conn && conn->connected();
  }

  bool respond(HttpResponse response) {
    if (answered_.exchange(true)) return false;
    return deliver(std::move(response));
  }

 private:
  bool deliver(std::optional<HttpResponse> response) {
    net::TcpConnectionPtr conn = conn_.lock();
    if (!conn) return false;
    // Always queued: from the callback itself, the session is still in the middle of the
    // request, and the answer must wait for it to finish. Never to a connection that is down:
    // its loop may be gone (its server destroyed).
    return conn->queueInLoopUnlessDown([conn, id = id_, answer = std::move(response)]() mutable {
      if (conn->disconnected()) return;  // closed meanwhile: dropped
      if (HttpSession* session = HttpSession::of(conn)) {
        session->onAnswer(conn, id, std::move(answer));
      }
    });
  }

  const std::weak_ptr<net::TcpConnection> conn_;
  const uint64_t id_;
  std::atomic<bool> answered_{false};
};

HttpResponder::HttpResponder(const net::TcpConnectionPtr& conn, uint64_t id)
    : state_(std::make_shared<State>(conn, id)) {}

bool HttpResponder::respond(HttpResponse response) const {
  return state_ != nullptr && state_->respond(std::move(response));
}

bool HttpResponder::connected() const { return state_ != nullptr && state_->connected(); }

}  // namespace http
}  // namespace mymuduo
