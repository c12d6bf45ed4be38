#include "mymuduo/http/HttpServer.h"

#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <cerrno>
#include <chrono>
#include <string>

#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace http {

using net::TcpConnectionPtr;
using Clock = std::chrono::steady_clock;

namespace {

/// A file body up to this size is read into the buffer behind the header and sent with it in
/// one write; a larger one goes out with sendfile(2), without passing through user space. For a
/// few pages the copy costs less than the second system call the header would need.
constexpr uint64_t kInlineFileBytes = 16 * 1024;

/// Output queued for one connection (written by nobody yet because the client reads slowly)
/// above which the server stops reading that connection's requests until the output drains.
/// Without it, a client that pipelines requests and reads nothing makes the server queue
/// responses without end.
constexpr size_t kOutputHighWaterBytes = 1024 * 1024;

/// A response scratch buffer that grew past this is given back once the response is sent; a
/// smaller one is kept, so that small answers on a keep-alive connection allocate nothing.
constexpr size_t kScratchKeepBytes = 64 * 1024;

/// An idle timeout longer than this (about 31 years) means none: no connection lasts that long,
/// and its nanoseconds added to the clock's must not overflow.
constexpr double kMaxIdleTimeoutSeconds = 1e9;

/// Whether the comma-separated list in the request's Connection field has `token`, in any case.
bool connectionHas(const HttpRequest& request, std::string_view token) {
  auto field = request.headers().find(std::string_view("Connection"));
  if (field == request.headers().end()) return false;
  std::string_view rest(field->second);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() == token.size() &&
        ::strncasecmp(item.data(), token.data(), token.size()) == 0) {
      return true;
    }
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

/// The bytes of the connection's answers not yet handed to the kernel: its output buffer and
/// what is left of a file being sent.
size_t pendingOutput(net::TcpConnection& conn) {
  return conn.outputBuffer()->readableBytes() + conn.fileBytesLeft();
}

/// Sends the response serialised in `scratch` and gives back a scratch that grew large. Its
/// vector keeps the largest size it ever had, as TcpConnection's buffers would without their
/// releaseIfEmpty(): ten idle connections that each got one 20 MB string body would hold
/// 200 MB. So memory goes back once the answer is handed over, as theirs does.
void sendScratch(net::TcpConnection& conn, net::Buffer* scratch) {
  conn.send(scratch);
  if (scratch->internalCapacity() > kScratchKeepBytes) scratch->releaseIfEmpty();
}

/// Reads a file body of at most kInlineFileBytes into buf; false if the file is shorter now.
bool appendSmallFile(const HttpResponse::FileBody& file, net::Buffer* buf) {
  size_t want = static_cast<size_t>(file.length);
  buf->ensureWritableBytes(want);
  ssize_t n = ::pread(file.fd.get(), buf->beginWrite(), want, 0);
  if (n != static_cast<ssize_t>(want)) return false;
  buf->hasWritten(want);
  return true;
}

}  // namespace

/// Everything the server keeps per connection, in the TcpConnection's context. Touched only in
/// the connection's IO loop (every callback that reaches it runs there), so it needs no lock.
struct HttpServer::ConnectionState {
  ConnectionState(const HttpContext::Limits& limits, Clock::duration timeout)
      : context(limits), idleTimeout(timeout) {}

  HttpContext context;
  /// The connection is ending: a last response was sent (or is streaming, closeAfterFile) and
  /// shutdown() called; whatever the peer still sends is read and thrown away, because closing
  /// a socket with unread input makes the kernel answer with RST, and an RST can destroy the
  /// response still in the peer's receive queue.
  bool closing = false;
  /// The peer shut down its writing half: answer what is buffered, then close.
  bool peerClosed = false;
  /// The output passed kOutputHighWaterBytes: reading is stopped and the requests already read
  /// wait in the input buffer until write-complete.
  bool outputFull = false;

  /// The file body being sent by TcpConnection::sendFile(), kept open until it is out. While
  /// set, later pipelined requests wait, in the input buffer or (reading stopped) in the kernel.
  std::shared_ptr<HttpResponse::FileBody> file;
  bool closeAfterFile = false;
  /// pendingOutput() when the idle window last started: an answer going out slowly is
  /// progress, not idleness.
  size_t pendingOutputSeen = 0;
  /// What a response is serialised into (all but a streamed file), reused so that a
  /// keep-alive connection does not allocate per response (see sendScratch).
  net::Buffer scratch;
  /// onWriteComplete() is the connection's write-complete callback (see watchWriteComplete).
  bool watchingWriteComplete = false;

  /// Idle timeout: one timer per connection. Moving the deadline only writes idleDeadline; the
  /// timer, when it fires early, re-arms itself for the deadline then in force.
  Clock::duration idleTimeout;
  Clock::time_point idleDeadline;
  net::TimerId idleTimer;

  /// The start of the window in which the next request must complete, or the output move.
  void restartIdleWindow(net::TcpConnection& conn) {
    idleDeadline = Clock::now() + idleTimeout;
    pendingOutputSeen = pendingOutput(conn);
  }
};

HttpServer::HttpServer(net::EventLoop* loop, const net::InetAddress& listenAddr, std::string name,
                       net::TcpServer::Option option)
    : server_(loop, listenAddr, std::move(name), option) {
  server_.setConnectionCallback([this](const TcpConnectionPtr& conn) { onConnection(conn); });
  server_.setMessageCallback([this](const TcpConnectionPtr& conn, net::Buffer* buf,
                                    Timestamp receiveTime) { onMessage(conn, buf, receiveTime); });
}

void HttpServer::setIdleTimeout(double seconds) {
  // Checked before the conversion: a double whose nanoseconds do not fit the clock's integer
  // count (1e300, infinity, NaN) is undefined behaviour to convert, and on x86-64 comes out as
  // the most negative count, a deadline long past: every connection would close at once.
  if (!(seconds > 0) || seconds > kMaxIdleTimeoutSeconds) {
    idleTimeout_ = Clock::duration::zero();
    return;
  }
  // At least one tick: a positive timeout is never "off".
  auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  idleTimeout_ = std::max(timeout, Clock::duration(1));
}

void HttpServer::start() {
  server_.start();
  // After: called in the loop's thread, the server listens now (in another, soon).
  LOG_INFO << "HttpServer listening on " << server_.ipPort();
}

HttpServer::ConnectionState* HttpServer::stateOf(const TcpConnectionPtr& conn) {
  auto* state = std::any_cast<StatePtr>(conn->getMutableContext());
  return state != nullptr ? state->get() : nullptr;
}

void HttpServer::onConnection(const TcpConnectionPtr& conn) {
  if (conn->connected()) {
    auto state = std::make_shared<ConnectionState>(limits_, idleTimeout_);
    conn->setContext(state);
    conn->setHalfCloseCallback([this](const TcpConnectionPtr& c) { onHalfClose(c); });
    // An answer may take more than one send (pipelined answers, 100 Continue before the answer,
    // a header before a file): with Nagle's algorithm a small send waits for the ACK of the one
    // before, which the client may delay by 40 ms or more. Answers are whole messages, written as
    // soon as they are ready; nothing is gained by holding them back.
    conn->setTcpNoDelay(true);
    if (idleTimeout_ > Clock::duration::zero()) {
      state->restartIdleWindow(*conn);
      armIdleTimer(conn, state.get());
    }
  } else if (ConnectionState* state = stateOf(conn)) {
    conn->getLoop()->cancel(state->idleTimer);
    conn->setContext(std::any());  // closes the file of a response cut short
  }
}

void HttpServer::armIdleTimer(const TcpConnectionPtr& conn, ConnectionState* state) {
  // The timer holds the connection weakly: it must not keep a closed connection alive.
  std::weak_ptr<net::TcpConnection> weakConn(conn);
  state->idleTimer = conn->getLoop()->runAt(state->idleDeadline, [weakConn] {
    TcpConnectionPtr c = weakConn.lock();
    if (!c) return;
    ConnectionState* s = stateOf(c);
    if (s == nullptr) return;
    // Output that moved since the window started is progress, not idleness: a client reading
    // a large answer slowly, a file or a string draining from the output buffer. Counted
    // between two looks, as nginx's send_timeout counts between two writes, so a client that
    // stops reading is still closed.
    if (pendingOutput(*c) != s->pendingOutputSeen) s->restartIdleWindow(*c);
    if (Clock::now() < s->idleDeadline) {
      armIdleTimer(c, s);  // the deadline moved since we were armed
    } else {
      LOG_INFO << "HttpServer: " << c->name() << " idle, closing";
      c->forceClose();
    }
  });
}

void HttpServer::onMessage(const TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime) {
  ConnectionState* state = stateOf(conn);
  if (state == nullptr) return;
  if (state->closing) {
    buf->retrieveAll();  // drained, see ConnectionState::closing
    return;
  }
  // The next request waits until the file is sent, or the output drains.
  if (state->file || state->outputFull) return;
  processRequests(conn, state, receiveTime);
}

void HttpServer::processRequests(const TcpConnectionPtr& conn, ConnectionState* state,
                                 Timestamp receiveTime) {
  net::Buffer* buf = conn->inputBuffer();
  while (!state->closing && !state->file) {
    if (!state->context.parseRequest(buf, receiveTime)) {
      respondWithError(conn, state);
      return;
    }
    // HTTP/1.0 clients do not know 1xx responses (RFC 9110 §15.2): never send them one.
    if (state->context.takeExpectContinue() &&
        state->context.request().version() == HttpRequest::kHttp11) {
      conn->send(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    if (!state->context.gotAll()) break;
    respond(conn, state);
    // A client that sends requests faster than it reads the answers: stop reading it (the
    // requests then wait in the kernel, and its sends block) until the output drains. Not when
    // closing: then the input is read and thrown away (see ConnectionState::closing).
    if (!state->closing && !state->file &&
        conn->outputBuffer()->readableBytes() > kOutputHighWaterBytes) {
      state->outputFull = true;
      conn->stopRead();
      break;
    }
  }
  if (state->peerClosed) endAfterHalfClose(conn, state);
}

void HttpServer::respond(const TcpConnectionPtr& conn, ConnectionState* state) {
  const HttpRequest& request = state->context.request();
  HttpResponse response(wantsClose(request));
  try {
    if (httpCallback_) httpCallback_(request, &response);
  } catch (...) {
    // Caught here, not left to the loop: the parser would stay at "request complete" with no
    // answer sent, and the client's next bytes would dispatch the same request again. What
    // the callback left half done is unknown, so the connection ends after the 500.
    std::string what = "HttpServer: " + conn->name() + " the callback for " + request.path();
    net::logCallbackException(what.c_str());
    response = internalError(true);
  }
  if (response.statusCode() == HttpResponse::kUnknown) {
    LOG_ERROR << "HttpServer: the callback set no status for " << request.methodString() << " "
              << request.path();
    response = internalError(response.closeConnection());
  }
  // The answer to HEAD, and a status that has no body, get the headers only.
  bool headOnly =
      request.method() == HttpRequest::kHead || !HttpResponse::statusHasBody(response.statusCode());
  const auto& file = response.bodyFile();
  bool withFile = file && !headOnly && file->length > 0;
  bool streaming = withFile && file->length > kInlineFileBytes;
  if (streaming) {
    // Later requests wait, and so do their bytes: in the kernel, not in our input buffer.
    // Before the first send, so that a reset it meets already finds reading off, and
    // TcpConnection closes at once instead of waiting for a poll event that cannot come.
    conn->stopRead();
  }
  response.appendToBuffer(&state->scratch, headOnly);
  if (withFile && !streaming && !appendSmallFile(*file, &state->scratch)) {
    // The file shrank or failed under us: the promised Content-Length cannot be kept, and the
    // only honest way to tell the client is to cut the connection.
    LOG_ERROR << "HttpServer: " << conn->name() << " cannot read the " << file->length
              << " bytes of the file it answers with";
    state->scratch.retrieveAll();
    state->closing = true;
    conn->forceClose();
    return;
  }
  sendScratch(*conn, &state->scratch);
  state->context.reset();
  if (streaming || conn->outputBuffer()->readableBytes() > 0) watchWriteComplete(conn, state);
  if (streaming) {
    // Sent after the header; its write-complete ends the response.
    state->file = file;
    state->closeAfterFile = response.closeConnection();
    conn->sendFile(file->fd.get(), 0, static_cast<size_t>(file->length));
    state->restartIdleWindow(*conn);
    return;
  }
  finishResponse(conn, state, response.closeConnection());
}

void HttpServer::finishResponse(const TcpConnectionPtr& conn, ConnectionState* state, bool close) {
  state->restartIdleWindow(*conn);
  if (close) {
    state->closing = true;
    conn->shutdown();  // after the queued output
  }
}

void HttpServer::respondWithError(const TcpConnectionPtr& conn, ConnectionState* state) {
  int status = state->context.errorStatus();
  if (status < 400 || status > 599) status = HttpResponse::k400BadRequest;
  LOG_INFO << "HttpServer: " << conn->name() << " bad request, " << status << " "
           << state->context.errorReason();
  HttpResponse response(true);
  response.setStatusCode(static_cast<HttpResponse::HttpStatusCode>(status));
  response.setStatusMessage(HttpResponse::reasonPhrase(status));
  response.setContentType("text/plain; charset=utf-8");
  response.setBody(std::to_string(status) + " " + HttpResponse::reasonPhrase(status) + ": " +
                   state->context.errorReason() + "\n");
  response.appendToBuffer(&state->scratch);
  sendScratch(*conn, &state->scratch);
  conn->inputBuffer()->retrieveAll();
  // Not forceClose(): shut down our side and read until the peer's EOF (or the idle timer).
  finishResponse(conn, state, true);
}

void HttpServer::watchWriteComplete(const TcpConnectionPtr& conn, ConnectionState* state) {
  // Not for every connection from the start: a response written whole at once needs nothing
  // more, and a write-complete queued and run per request is a measurable share of a small
  // answer's cost. Once set, it stays.
  if (state->watchingWriteComplete) return;
  state->watchingWriteComplete = true;
  conn->setWriteCompleteCallback([this](const TcpConnectionPtr& c) {
    // Queued by the connection and maybe run after it (and this server) went: look first.
    if (!c->disconnected()) onWriteComplete(c);
  });
}

void HttpServer::onWriteComplete(const TcpConnectionPtr& conn) {
  ConnectionState* state = stateOf(conn);
  if (state == nullptr) return;
  if (state->outputFull) {
    // One queued by a send that went out whole, before the output filled: not drained yet.
    if (conn->outputBuffer()->readableBytes() > 0) return;
    // Drained: the requests that waited in the input buffer first, then read again unless
    // they filled the output once more (or started a file, which stops reading itself).
    state->outputFull = false;
    processRequests(conn, state, Timestamp::now());
    if (state->outputFull || state->file) return;
    conn->startRead();
  }
  if (!state->file) {
    // The output is all in the kernel: the true end of the previous response, later than when
    // it was queued if the client reads a large one slowly. Only our own sends lead here, never
    // the client's bytes; and not in the middle of a request (after a 100 Continue).
    if (state->context.state() == HttpContext::kExpectRequestLine) {
      state->restartIdleWindow(*conn);
    }
    return;
  }
  // A write-complete queued before the file started may arrive while the file is still going
  // out; the file's own write-complete follows.
  if (conn->fileBytesLeft() > 0 || conn->outputBuffer()->readableBytes() > 0) return;
  state->file.reset();
  // Also when closing: the peer's last bytes and its EOF must still be read (see closing).
  conn->startRead();
  finishResponse(conn, state, state->closeAfterFile);
  // Requests that arrived meanwhile waited in the input buffer: their turn now.
  if (!state->closing) processRequests(conn, state, Timestamp::now());
}

void HttpServer::onHalfClose(const TcpConnectionPtr& conn) {
  ConnectionState* state = stateOf(conn);
  if (state == nullptr) return;
  state->peerClosed = true;
  endAfterHalfClose(conn, state);
}

void HttpServer::endAfterHalfClose(const TcpConnectionPtr& conn, ConnectionState* state) {
  // While a file streams or the output drains, the requests behind are still to be answered:
  // wait for it.
  if (state->closing || state->file || state->outputFull) return;
  // Every whole request was answered; what is left is an incomplete one that can never be
  // completed now, and is dropped.
  state->closing = true;
  conn->shutdown();
}

}  // namespace http
}  // namespace mymuduo
