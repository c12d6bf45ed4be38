#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/http/HttpContext.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponder.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/Callbacks.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {
class EventLoop;
}  // namespace net

namespace http {

struct AccessLogEntry;

class HttpSession;

/// The sessions of one loop that have an idle deadline, the earliest first, and one timer for
/// the front. Every session of a server has the same timeout, so a window that starts now ends
/// after all the others: restarting one moves it to the back, and only the front can be due.
/// A connection costs a link and an unlink, not a timer of its own (one per connection cost the
/// loop's TimerQueue four allocations, and an entry put into and taken out of each of two maps).
///
/// One per loop of an HttpServer, which owns it; used only in that loop's thread. It does not
/// own its sessions: each is linked while its window runs and unlinks itself at DOWN.
class IdleList : noncopyable {
 public:
  using Clock = std::chrono::steady_clock;

  IdleList(net::EventLoop* loop, Clock::duration timeout) : loop_(loop), timeout_(timeout) {}

  /// Starts `session`'s window now: deadline now + timeout, at the back.
  void restart(HttpSession* session);
  /// Unlinks `session`; nothing if it is not linked.
  void remove(HttpSession* session);
  /// For a list that goes before its loop: the timer must not fire into it.
  void cancelTimer();

 private:
  void onTimer();

  net::EventLoop* const loop_;
  const Clock::duration timeout_;
  HttpSession* front_ = nullptr;
  HttpSession* back_ = nullptr;
  /// The timer is armed for a time no later than the front's deadline. It stays armed when the
  /// list empties: a session linked later has a later deadline, and the early firing re-arms.
  bool armed_ = false;
  net::TimerId timer_;
};

/// One connection of an HttpServer: its parser, where it stands between requests and answers,
/// and its idle deadline. The server keeps it in the TcpConnection's context from UP to DOWN,
/// and the connection's callbacks find it there (of()).
///
/// Used only in the connection's IO loop (every callback that reaches it runs there), so it
/// needs no lock. It holds its connection only weakly (for the idle deadline), never keeps it
/// alive. The callbacks it calls are the server's, which outlive every session that can still
/// be called: the server's destructor takes every connection down first.
class HttpSession : noncopyable {
 public:
  using Clock = std::chrono::steady_clock;
  using HttpCallback = std::function<void(const HttpRequest&, HttpResponse*)>;
  using AccessLogCallback = std::function<void(const AccessLogEntry&)>;

  /// Where the connection stands: one phase at a time.
  enum class Phase {
    kReading,         ///< requests are read and answered in order
    kOutputFull,      ///< the answers waiting for a slow reader passed the high-water mark:
                      ///< reading is stopped, and requests read already wait, until they drain
    kSendingFile,     ///< a file body goes out with sendFile(); the requests behind it wait
    kWaitingHandler,  ///< reading is stopped until every asynchronous answer under way is
                      ///< sent (see mustWaitForAnswers())
    kClosing,         ///< the last answer is queued and shutdown() called
  };

  /// `callback` and `asyncCallback` are the server's (the second used when set); `idleList` is
  /// its list for this connection's loop, null when there is no idle timeout.
  HttpSession(const HttpCallback* callback, const AsyncHttpCallback* asyncCallback,
              const AccessLogCallback* accessLog, const HttpContext::Limits& limits,
              IdleList* idleList);
  ~HttpSession();

  /// The session in conn's context, or nullptr once the connection went down.
  static HttpSession* of(const net::TcpConnectionPtr& conn);

  /// The connection is up: its callbacks, and its idle window when there is a timeout.
  void start(const net::TcpConnectionPtr& conn);
  /// The connection went down.
  void stop(const net::TcpConnectionPtr& conn);
  /// The connection's message callback.
  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime);
  /// The server is draining (HttpServer::drain()): an idle connection closes now; a request
  /// under way gets its answer, with "Connection: close", and then the connection closes.
  void drain(const net::TcpConnectionPtr& conn);
  /// The answer of the request numbered `id` came through its HttpResponder (nullopt: the
  /// responder was dropped unanswered).
  void onAnswer(const net::TcpConnectionPtr& conn, uint64_t id,
                std::optional<HttpResponse> response);

  Phase phase() const { return phase_; }

 private:
  friend class IdleList;

  void onWriteComplete(const net::TcpConnectionPtr& conn);
  void onHalfClose(const net::TcpConnectionPtr& conn);
  /// Answers the complete requests at the front of the input, in order, while the phase stays
  /// kReading and the input holds a whole request.
  void processRequests(const net::TcpConnectionPtr& conn, Timestamp receiveTime);
  void respond(const net::TcpConnectionPtr& conn);
  /// Hands the request to the asynchronous callback; its answer comes to onAnswer().
  void dispatch(const net::TcpConnectionPtr& conn);
  /// Sends the answers at the front of pending_ that came, in request order.
  void sendReadyAnswers(const net::TcpConnectionPtr& conn);
  /// Whether reading must stop until the answers under way are sent: the last request
  /// dispatched ends the connection, or too many are under way.
  bool mustWaitForAnswers() const;
  void waitForAnswers(const net::TcpConnectionPtr& conn);
  void sendResponse(const net::TcpConnectionPtr& conn, const HttpRequest& request,
                    HttpResponse* response);
  void respondWithError(const net::TcpConnectionPtr& conn);
  /// After an answer: the idle window restarts; with `close`, the connection ends, at once when
  /// that loses nothing and `mayCloseAtOnce`, else after the client's EOF.
  void finishResponse(const net::TcpConnectionPtr& conn, bool close, bool mayCloseAtOnce = true);
  void endAfterHalfClose(const net::TcpConnectionPtr& conn);
  /// Between requests, with nothing of the next one read: close when draining.
  void closeIfDrainedIdle(const net::TcpConnectionPtr& conn);
  /// Makes onWriteComplete() the connection's write-complete callback: needed once an answer
  /// did not go out whole at once (to restart the idle window at its true end, and to resume
  /// reading after the output drained) or a file is sent.
  void watchWriteComplete(const net::TcpConnectionPtr& conn);
  /// The start of the window in which the next request must complete, or the output move.
  void restartIdleWindow(net::TcpConnection& conn);
  /// The window ended (IdleList's timer, the session unlinked): restarted if the output moved
  /// or an answer is awaited, else the connection closes.
  void onIdleDeadline();

  /// An answer is queued: tells the access log, if there is one.
  void logAnswer(const net::TcpConnectionPtr& conn, const HttpRequest* request, int status,
                 uint64_t bodyBytes);

  const HttpCallback* const callback_;
  const AsyncHttpCallback* const asyncCallback_;
  const AccessLogCallback* const accessLog_;
  HttpContext context_;
  /// The requests handed to the asynchronous callback, oldest first, with their answers once
  /// they come; sent from the front in order. Each keeps its request (HEAD gets no body).
  struct PendingAnswer {
    uint64_t id;
    HttpRequest request;
    bool close;
    std::optional<HttpResponse> response;
  };
  // A vector, not a deque: at most kMaxPendingAnswers, and it allocates nothing until the
  // first asynchronous request, where libstdc++'s deque allocates its map and a first block
  // as soon as it is made (two allocations for every connection).
  std::vector<PendingAnswer> pending_;
  uint64_t nextAnswerId_ = 0;
  /// A request's "100 Continue" waits until the answers before it are sent.
  bool continueOwed_ = false;
  Phase phase_ = Phase::kReading;
  /// The peer shut down its writing half: answer what is buffered, then close.
  bool peerClosed_ = false;
  /// The server drains: the answer under way is the last.
  bool draining_ = false;
  bool watchingWriteComplete_ = false;
  /// kSendingFile: the file body, kept open until it is out, and what follows it.
  std::shared_ptr<HttpResponse::FileBody> file_;
  bool closeAfterFile_ = false;
  /// What an answer is serialised into (all but a streamed file), reused so that a keep-alive
  /// connection does not allocate per answer.
  net::Buffer scratch_;

  /// Idle timeout: the window's end and the session's links in its loop's IdleList.
  IdleList* const idleList_;
  std::weak_ptr<net::TcpConnection> conn_;
  Clock::time_point idleDeadline_;
  HttpSession* idlePrev_ = nullptr;
  HttpSession* idleNext_ = nullptr;
  bool idleLinked_ = false;
  /// The output still to go when the idle window last started: an answer going out slowly is
  /// progress, not idleness.
  size_t pendingOutputSeen_ = 0;
};

}  // namespace http
}  // namespace mymuduo
