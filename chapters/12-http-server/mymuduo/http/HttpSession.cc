#include "mymuduo/http/HttpSession.h"

#include <any>
#include <string>
#include <string_view>

#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace http {

using net::TcpConnectionPtr;

namespace {

/// Output queued for one connection (written by nobody yet because the client reads slowly)
/// above which the server stops reading that connection's requests until the output drains.
/// Without it, a client that pipelines requests and reads nothing makes the server queue
/// responses without end.
constexpr size_t kOutputHighWaterBytes = 1024 * 1024;

/// A response scratch buffer that grew past this is given back once the response is sent; a
/// smaller one is kept, so that small answers on a keep-alive connection allocate nothing.
constexpr size_t kScratchKeepBytes = 64 * 1024;

constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// Requests of one connection handed to the asynchronous callback and not answered yet, above
/// which reading stops until they are: what a pipelining client can make the server hold.
constexpr size_t kMaxPendingAnswers = 16;

/// Whether the comma-separated list `value` has `token`, in any case.
bool listHas(std::string_view value, std::string_view token) {
  std::string_view rest(value);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equalsIgnoreCase(item, token)) return true;
  }
  return false;
}

/// Whether one of the request's Connection fields (a client may send several) lists `token`.
bool connectionHas(const HttpRequest& request, std::string_view token) {
  for (const auto& [name, value] : request.headers()) {
    if (equalsIgnoreCase(name, "Connection") && listHas(value, token)) return true;
  }
  return false;
}

/// RFC 9112 §9.3: HTTP/1.1 persists unless "close" is listed; HTTP/1.0 only with "keep-alive".
bool wantsClose(const HttpRequest& request) {
  if (connectionHas(request, "close")) return true;
  return request.version() != HttpRequest::kHttp11 && !connectionHas(request, "keep-alive");
}

/// The answer when the callback gave none: threw, or set no status.
HttpResponse internalError(bool close) {
  HttpResponse response(close);
  response.setStatusCode(HttpResponse::k500InternalServerError);
  response.setContentType("text/plain; charset=utf-8");
  response.setBody("500 Internal Server Error\n");
  return response;
}

/// The bytes of the connection's answers not yet handed to the kernel.
size_t pendingOutput(net::TcpConnection& conn) { return conn.outputBuffer()->readableBytes(); }

/// Sends the response serialised in `scratch` and gives back a scratch that grew large. Its
/// vector keeps the largest size it ever had, as TcpConnection's buffers would without their
/// releaseIfEmpty(): ten idle connections that each got one 20 MB string body would hold
/// 200 MB. So memory goes back once the answer is handed over, as theirs does.
void sendScratch(net::TcpConnection& conn, net::Buffer* scratch) {
  conn.send(scratch);
  if (scratch->internalCapacity() > kScratchKeepBytes) scratch->releaseIfEmpty();
}

}  // namespace

void IdleList::restart(HttpSession* session) {
  loop_->assertInLoopThread();
  session->idleDeadline_ = Clock::now() + timeout_;
  if (session == back_) return;  // the last one already: no other deadline is later
  remove(session);
  session->idlePrev_ = back_;
  session->idleNext_ = nullptr;
  session->idleLinked_ = true;
  (back_ != nullptr ? back_->idleNext_ : front_) = session;
  back_ = session;
  if (!armed_) {
    armed_ = true;
    timer_ = loop_->runAt(session->idleDeadline_, [this] { onTimer(); });
  }
}

void IdleList::remove(HttpSession* session) {
  if (!session->idleLinked_) return;
  (session->idlePrev_ != nullptr ? session->idlePrev_->idleNext_ : front_) = session->idleNext_;
  (session->idleNext_ != nullptr ? session->idleNext_->idlePrev_ : back_) = session->idlePrev_;
  session->idlePrev_ = session->idleNext_ = nullptr;
  session->idleLinked_ = false;
}

void IdleList::cancelTimer() {
  loop_->cancel(timer_);
  armed_ = false;
}

void IdleList::onTimer() {
  loop_->assertInLoopThread();
  Clock::time_point now = Clock::now();
  // Each due session is unlinked before its turn: a window it restarts puts it at the back,
  // with a deadline after now. armed_ stays true meanwhile, so that restart() arms nothing.
  while (front_ != nullptr && front_->idleDeadline_ <= now) {
    HttpSession* session = front_;
    remove(session);
    session->onIdleDeadline();
  }
  armed_ = front_ != nullptr;
  if (armed_) timer_ = loop_->runAt(front_->idleDeadline_, [this] { onTimer(); });
}

HttpSession::HttpSession(const HttpCallback* callback, const AsyncHttpCallback* asyncCallback,
                         const HttpContext::Limits& limits, IdleList* idleList)
    : callback_(callback), asyncCallback_(asyncCallback), context_(limits), idleList_(idleList) {}

HttpSession::~HttpSession() {
  if (idleList_ != nullptr) idleList_->remove(this);  // unlinked at DOWN already, normally
}

HttpSession* HttpSession::of(const TcpConnectionPtr& conn) {
  auto* session = std::any_cast<std::shared_ptr<HttpSession>>(conn->getMutableContext());
  return session != nullptr ? session->get() : nullptr;
}

void HttpSession::start(const TcpConnectionPtr& conn) {
  conn->setHalfCloseCallback([](const TcpConnectionPtr& c) {
    if (HttpSession* session = of(c)) session->onHalfClose(c);
  });
  if (idleList_ != nullptr) {
    conn_ = conn;
    restartIdleWindow(*conn);
  }
}

void HttpSession::stop(const TcpConnectionPtr&) {
  if (idleList_ != nullptr) idleList_->remove(this);
}

void HttpSession::restartIdleWindow(net::TcpConnection& conn) {
  if (idleList_ == nullptr) return;
  pendingOutputSeen_ = pendingOutput(conn);
  idleList_->restart(this);
}

void HttpSession::onIdleDeadline() {
  TcpConnectionPtr conn = conn_.lock();
  if (!conn) return;
  // Output that moved since the window started is progress, not idleness: a client reading a
  // large answer slowly. Counted between two looks, as nginx's send_timeout counts between two
  // writes, so a client that stops reading is still closed.
  // Waiting for a handler's answer is not idleness either.
  if (pendingOutput(*conn) != pendingOutputSeen_ || !pending_.empty()) {
    restartIdleWindow(*conn);
  } else {
    LOG_INFO << "HttpServer: " << conn->name() << " idle, closing";
    conn->forceClose();
  }
}

void HttpSession::onMessage(const TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime) {
  switch (phase_) {
    case Phase::kReading:
      processRequests(conn, receiveTime);
      break;
    case Phase::kOutputFull:
    case Phase::kWaitingHandler:
      break;  // the next request waits until the output drains, or the answers are sent
    case Phase::kClosing:
      // Read and thrown away: closing a socket with unread input makes the kernel answer with
      // RST, and an RST can destroy the answer still in the peer's receive queue.
      buf->retrieveAll();
      break;
  }
}

void HttpSession::processRequests(const TcpConnectionPtr& conn, Timestamp receiveTime) {
  // Answers that came while the output drained go first, and a 100 Continue that waited for
  // them.
  sendReadyAnswers(conn);
  if (continueOwed_ && pending_.empty() && phase_ == Phase::kReading) {
    continueOwed_ = false;
    conn->send(std::string_view(kContinue));
  }
  net::Buffer* buf = conn->inputBuffer();
  while (phase_ == Phase::kReading) {
    if (mustWaitForAnswers()) {
      waitForAnswers(conn);
      return;
    }
    if (!context_.parseRequest(buf, receiveTime)) {
      // The error answer goes after the answers under way, when they are all sent; the parser
      // stays in its error state until then.
      if (!pending_.empty()) {
        waitForAnswers(conn);
      } else {
        respondWithError(conn);
      }
      return;
    }
    // HTTP/1.0 clients do not know 1xx responses (RFC 9110 §15.2): never send them one.
    if (context_.takeExpectContinue() && context_.request().version() == HttpRequest::kHttp11) {
      if (!pending_.empty()) {
        // Likewise a 100 Continue: it must not overtake the answers to earlier requests.
        continueOwed_ = true;
        waitForAnswers(conn);
        return;
      }
      conn->send(std::string_view(kContinue));
    }
    if (!context_.gotAll()) break;
    if (*asyncCallback_) {
      dispatch(conn);
      continue;
    }
    respond(conn);
    // A client that sends requests faster than it reads the answers: stop reading it (the
    // requests then wait in the kernel, and its sends block) until the output drains. Not when
    // closing: then the input is read and thrown away.
    if (phase_ == Phase::kReading &&
        conn->outputBuffer()->readableBytes() > kOutputHighWaterBytes) {
      phase_ = Phase::kOutputFull;
      conn->stopRead();
      break;
    }
  }
  if (peerClosed_) endAfterHalfClose(conn);
  closeIfDrainedIdle(conn);
}

void HttpSession::respond(const TcpConnectionPtr& conn) {
  const HttpRequest& request = context_.request();
  HttpResponse response(draining_ || wantsClose(request));
  try {
    if (*callback_) (*callback_)(request, &response);
  } catch (...) {
    // Caught here, not left to the loop: the parser would stay at "request complete" with no
    // answer sent, and the client's next bytes would dispatch the same request again. What
    // the callback left half done is unknown, so the connection ends after the 500.
    std::string what = "HttpServer: " + conn->name() + " the callback for " + request.path();
    net::logCallbackException(what.c_str());
    response = internalError(true);
  }
  sendResponse(conn, request, &response);
  context_.reset();
}

void HttpSession::sendResponse(const TcpConnectionPtr& conn, const HttpRequest& request,
                               HttpResponse* response) {
  if (response->statusCode() == HttpResponse::kUnknown) {
    LOG_ERROR << "HttpServer: the callback set no status for " << request.methodString() << " "
              << request.path();
    *response = internalError(response->closeConnection());
  }
  // The answer to HEAD, and a status that has no body, get the headers only.
  bool headOnly = request.method() == HttpRequest::kHead ||
                  !HttpResponse::statusHasBody(response->statusCode());
  response->appendToBuffer(&scratch_, headOnly);
  sendScratch(*conn, &scratch_);
  if (conn->outputBuffer()->readableBytes() > 0) watchWriteComplete(conn);
  finishResponse(conn, response->closeConnection());
}

void HttpSession::dispatch(const TcpConnectionPtr& conn) {
  const uint64_t id = nextAnswerId_++;
  const bool close = wantsClose(context_.request());
  // Moved, not copied: the parser is reset next, and the request lives on here until answered.
  pending_.push_back(PendingAnswer{id, std::move(context_.request()), close, {}});
  context_.reset();
  HttpResponder responder(conn, id);
  try {
    (*asyncCallback_)(pending_.back().request, responder);
  } catch (...) {
    // As in respond(): a 500, unless it answered before it threw, and the connection ends.
    std::string what =
        "HttpServer: " + conn->name() + " the callback for " + pending_.back().request.path();
    net::logCallbackException(what.c_str());
    responder.respond(internalError(true));
  }
}

bool HttpSession::mustWaitForAnswers() const {
  return !pending_.empty() && (pending_.back().close || pending_.size() >= kMaxPendingAnswers);
}

void HttpSession::waitForAnswers(const TcpConnectionPtr& conn) {
  // The requests behind wait in the kernel, not in our input buffer.
  phase_ = Phase::kWaitingHandler;
  conn->stopRead();
}

void HttpSession::onAnswer(const TcpConnectionPtr& conn, uint64_t id,
                           std::optional<HttpResponse> response) {
  auto it = pending_.begin();
  while (it != pending_.end() && it->id != id) ++it;
  if (it == pending_.end()) return;
  if (!response) {
    LOG_ERROR << "HttpServer: " << conn->name() << " no answer for " << it->request.path()
              << " (its responder was dropped)";
    response = internalError(true);
  }
  it->response = std::move(response);
  if (phase_ == Phase::kReading) {
    processRequests(conn, Timestamp::now());
  } else if (phase_ == Phase::kWaitingHandler) {
    sendReadyAnswers(conn);
    if (phase_ == Phase::kClosing) {
      conn->startRead();  // to read and throw away until the peer's EOF
    } else if (phase_ == Phase::kWaitingHandler && pending_.empty()) {
      // Reading starts after the requests that waited: an answer that closes must not take
      // input the kernel still holds for read (see finishResponse()).
      phase_ = Phase::kReading;
      processRequests(conn, Timestamp::now());
      if (phase_ == Phase::kReading || phase_ == Phase::kClosing) conn->startRead();
    }
  }
  // kOutputFull: sent once the output drains. kClosing: dropped.
}

void HttpSession::sendReadyAnswers(const TcpConnectionPtr& conn) {
  while (!pending_.empty() && pending_.front().response &&
         (phase_ == Phase::kReading || phase_ == Phase::kWaitingHandler)) {
    PendingAnswer answer = std::move(pending_.front());
    pending_.erase(pending_.begin());
    HttpResponse& response = *answer.response;
    // When draining, the last answer under way ends the connection.
    bool close = answer.close || response.closeConnection() || (draining_ && pending_.empty());
    response.setCloseConnection(close);
    sendResponse(conn, answer.request, &response);
  }
  // As after an answer of the synchronous callback: a client that does not read its answers is
  // not read either.
  if (phase_ == Phase::kReading && conn->outputBuffer()->readableBytes() > kOutputHighWaterBytes) {
    phase_ = Phase::kOutputFull;
    conn->stopRead();
  }
}

void HttpSession::finishResponse(const TcpConnectionPtr& conn, bool close, bool mayCloseAtOnce) {
  restartIdleWindow(*conn);
  if (!close) return;
  phase_ = Phase::kClosing;
  // Unread input would make close() send a reset, which can destroy the answer in flight. None
  // is assumed, as nginx does, once the client's EOF was read, or while reading is on and the
  // last read was consumed whole. Else: shutdown() after the output, then read to the EOF.
  bool nothingUnread =
      peerClosed_ || (conn->isReading() && conn->inputBuffer()->readableBytes() == 0);
  if (mayCloseAtOnce && pendingOutput(*conn) == 0 && nothingUnread) {
    conn->forceClose();
  } else {
    conn->shutdown();
  }
}

void HttpSession::respondWithError(const TcpConnectionPtr& conn) {
  int status = context_.errorStatus();
  if (status < 400 || status > 599) status = HttpResponse::k400BadRequest;
  LOG_INFO << "HttpServer: " << conn->name() << " bad request, " << status << " "
           << context_.errorReason();
  HttpResponse response(true);
  response.setStatusCode(static_cast<HttpResponse::HttpStatusCode>(status));
  response.setStatusMessage(HttpResponse::reasonPhrase(status));
  response.setContentType("text/plain; charset=utf-8");
  response.setBody(std::to_string(status) + " " + HttpResponse::reasonPhrase(status) + ": " +
                   context_.errorReason() + "\n");
  response.appendToBuffer(&scratch_);
  sendScratch(*conn, &scratch_);
  conn->inputBuffer()->retrieveAll();
  // Not at once: the rest of a bad request may still be arriving. Shut down our side and read
  // until the peer's EOF (or the idle timer).
  finishResponse(conn, true, /*mayCloseAtOnce=*/false);
}

void HttpSession::watchWriteComplete(const TcpConnectionPtr& conn) {
  // Not for every connection from the start: a response written whole at once needs nothing
  // more, and a write-complete queued and run per request is a measurable share of a small
  // answer's cost. Once set, it stays.
  if (watchingWriteComplete_) return;
  watchingWriteComplete_ = true;
  conn->setWriteCompleteCallback([](const TcpConnectionPtr& c) {
    // Queued by the connection and maybe run after it (and its session) went: look first.
    if (c->disconnected()) return;
    if (HttpSession* session = of(c)) session->onWriteComplete(c);
  });
}

void HttpSession::onWriteComplete(const TcpConnectionPtr& conn) {
  if (phase_ == Phase::kOutputFull) {
    // One queued by a send that went out whole, before the output filled: not drained yet.
    if (conn->outputBuffer()->readableBytes() > 0) return;
    // Drained: the requests that waited in the input buffer first, then read again unless
    // they filled the output once more.
    phase_ = Phase::kReading;
    processRequests(conn, Timestamp::now());
    if (phase_ == Phase::kOutputFull || phase_ == Phase::kWaitingHandler) return;
    conn->startRead();
  }
  // The output is all in the kernel: the true end of the previous response, later than when
  // it was queued if the client reads a large one slowly. Only our own sends lead here, never
  // the client's bytes; and not in the middle of a request (after a 100 Continue).
  if (context_.state() == HttpContext::kExpectRequestLine) restartIdleWindow(*conn);
}

void HttpSession::onHalfClose(const TcpConnectionPtr& conn) {
  peerClosed_ = true;
  endAfterHalfClose(conn);
}

void HttpSession::drain(const TcpConnectionPtr& conn) {
  draining_ = true;
  closeIfDrainedIdle(conn);
}

void HttpSession::closeIfDrainedIdle(const TcpConnectionPtr& conn) {
  // Not while answers wait for a slow reader (kOutputFull: the requests read already are still
  // to be answered, the last of them with "Connection: close") or for a handler, nor in the
  // middle of a request.
  if (!draining_ || phase_ != Phase::kReading || !pending_.empty()) return;
  if (context_.state() != HttpContext::kExpectRequestLine ||
      conn->inputBuffer()->readableBytes() > 0)
    return;
  phase_ = Phase::kClosing;
  conn->shutdown();  // after the answers queued
}

void HttpSession::endAfterHalfClose(const TcpConnectionPtr& conn) {
  // While the output drains, the requests behind are still to be answered: wait for it. Every whole
  // request was answered; what is left is an incomplete one that can never be completed now, and is
  // dropped. Likewise while handlers are still to answer.
  if (phase_ != Phase::kReading || !pending_.empty()) return;
  phase_ = Phase::kClosing;
  conn->shutdown();
}

}  // namespace http
}  // namespace mymuduo
