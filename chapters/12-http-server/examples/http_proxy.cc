// A reverse proxy: every HTTP request is passed to a backend HTTP server over one keep-alive
// TcpClient connection, and answered when the backend's answer comes back. The handler answers
// later, through an HttpResponder (HttpServer::setAsyncHttpCallback()).
//   http_proxy [--port N=8080] [--backend IP:PORT=127.0.0.1:8000] [--threads N=0]
// Try it: ./http_hello --port 8000 &  ./http_proxy &  curl -i http://127.0.0.1:8080/
//
// Threads: the HTTP side runs in the main loop (and in --threads IO threads); the backend
// connection in a loop thread of its own. A request crosses to the backend's loop with
// runInLoop(), and its answer comes back from that thread through the responder.
// Kept small on purpose: answers must carry a Content-Length (no chunked bodies), and one
// backend connection carries every request, pipelined.
#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponder.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/EventLoopThread.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/TcpClient.h"
#include "mymuduo/net/TcpConnection.h"

using namespace mymuduo;
using namespace mymuduo::net;
using namespace mymuduo::http;

namespace {

constexpr size_t kMaxAnswerHeader = 64 * 1024;
constexpr size_t kMaxAnswerBody = 16 * 1024 * 1024;

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

/// Fields that belong to one connection (RFC 9110 §7.6.1), not passed on; and the framing, which
/// each side writes itself.
bool isHopByHop(std::string_view field) {
  for (const char* hop : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                          "Transfer-Encoding", "Upgrade", "Expect", "Content-Length"}) {
    if (equalsNoCase(field, hop)) return true;
  }
  return false;
}

HttpResponse errorAnswer(HttpResponse::HttpStatusCode status, const std::string& why) {
  HttpResponse response(false);
  response.setStatusCode(status);
  response.setContentType("text/plain; charset=utf-8");
  response.setBody(std::to_string(static_cast<int>(status)) + " " + why + "\n");
  return response;
}

/// The request as the backend gets it: HTTP/1.1, keep-alive, the body framed by its length.
/// HEAD is asked as GET: our server drops the body of the answer to HEAD and keeps its length,
/// where a body-less answer from the backend would be sent with Content-Length 0.
std::string toBackend(const HttpRequest& request) {
  std::string wire = request.method() == HttpRequest::kHead ? "GET" : request.methodString();
  wire += ' ';
  wire += request.path();
  if (!request.query().empty()) wire += '?' + request.query();
  wire += " HTTP/1.1\r\n";
  for (const auto& [field, value] : request.headers()) {
    if (isHopByHop(field)) continue;
    wire.append(field).append(": ").append(value).append("\r\n");
  }
  wire += "Content-Length: " + std::to_string(request.body().size()) + "\r\n\r\n";
  wire += request.body();
  return wire;
}

/// The connection to the backend. Used only in its own loop (the one of `loop`): no lock. The
/// backend answers pipelined requests in order, so answers are matched to the responders
/// waiting for them first in, first out.
class Backend {
 public:
  Backend(EventLoop* loop, const InetAddress& addr) : client_(loop, addr, "backend") {
    client_.enableRetry();
    client_.setConnectionCallback([this](const TcpConnectionPtr& conn) { onConnection(conn); });
    client_.setMessageCallback(
        [this](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { onMessage(conn, buf); });
  }

  void connect() { client_.connect(); }

  /// In the backend's loop.
  void forward(const std::string& request, HttpResponder responder) {
    TcpConnectionPtr conn = client_.connection();
    if (!conn || !conn->connected()) {
      responder.respond(errorAnswer(HttpResponse::k502BadGateway, "backend unavailable"));
      return;
    }
    waiting_.push_back(std::move(responder));
    conn->send(request);
  }

 private:
  void onConnection(const TcpConnectionPtr& conn) {
    LOG_INFO << "backend " << conn->peerAddress().toIpPort() << " is "
             << (conn->connected() ? "UP" : "DOWN");
    if (conn->connected()) return;
    // Whatever was sent and not answered is lost with the connection.
    for (HttpResponder& responder : waiting_) {
      responder.respond(errorAnswer(HttpResponse::k502BadGateway, "backend connection lost"));
    }
    waiting_.clear();
  }

  void onMessage(const TcpConnectionPtr& conn, Buffer* buf) {
    while (!waiting_.empty()) {
      HttpResponse answer(false);
      int got = takeAnswer(buf, &answer);
      if (got == 0) return;  // not whole yet
      if (got < 0) {
        LOG_ERROR << "backend: an answer this proxy cannot read; reconnecting";
        conn->forceClose();  // onConnection() answers the waiting ones with 502
        return;
      }
      waiting_.front().respond(std::move(answer));
      waiting_.pop_front();
    }
    if (buf->readableBytes() > 0) conn->forceClose();  // an answer nobody asked for
  }

  /// One answer from the front of `buf` into `out`: 1 taken, 0 not whole yet, -1 unreadable.
  static int takeAnswer(Buffer* buf, HttpResponse* out) {
    std::string_view in(buf->peek(), buf->readableBytes());
    size_t end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) return in.size() > kMaxAnswerHeader ? -1 : 0;
    std::string_view headLines = in.substr(0, end + 2);
    size_t lineEnd = headLines.find("\r\n");
    std::string_view statusLine = headLines.substr(0, lineEnd);
    // "HTTP/1.1 200 OK"
    if (statusLine.size() < 12 || statusLine.substr(0, 7) != "HTTP/1.") return -1;
    int status = std::atoi(std::string(statusLine.substr(9, 3)).c_str());
    if (status < 200 || status > 599) return -1;  // no 1xx: requests go without Expect
    out->setStatusCode(static_cast<HttpResponse::HttpStatusCode>(status));
    out->setStatusMessage(std::string(statusLine.size() > 13 ? statusLine.substr(13) : ""));
    long long length = -1;
    for (size_t pos = lineEnd + 2; pos < headLines.size();) {
      size_t next = headLines.find("\r\n", pos);
      std::string_view line = headLines.substr(pos, next - pos);
      pos = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return -1;
      std::string_view field = line.substr(0, colon);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (equalsNoCase(field, "Content-Length")) {
        length = std::atoll(std::string(value).c_str());
      } else if (equalsNoCase(field, "Transfer-Encoding")) {
        return -1;  // chunked answers: not in this example
      } else if (!isHopByHop(field)) {
        out->addHeader(field, value);
      }
    }
    size_t bodyBytes = 0;
    if (HttpResponse::statusHasBody(status)) {
      if (length < 0 || static_cast<unsigned long long>(length) > kMaxAnswerBody) return -1;
      bodyBytes = static_cast<size_t>(length);
    }
    if (in.size() < end + 4 + bodyBytes) return 0;
    out->setBody(std::string(in.substr(end + 4, bodyBytes)));
    buf->retrieve(end + 4 + bodyBytes);
    return 1;
  }

  TcpClient client_;
  std::deque<HttpResponder> waiting_;
};

/// Runs f in loop's thread and waits for it.
void runAndWait(EventLoop* loop, const std::function<void()>& f) {
  std::promise<void> done;
  loop->runInLoop([&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: %s [--port N=8080] [--backend IP:PORT=127.0.0.1:8000] [--threads N=0]\n",
               prog);
  return status;
}

}  // namespace

int main(int argc, char* argv[]) {
  long port = 8080;
  long threads = 0;
  std::string backendIp = "127.0.0.1";
  long backendPort = 8000;
  for (int i = 1; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (std::strcmp(argv[i], "--port") == 0 && example::parseNumber(value, 0, 65535, &port)) {
      ++i;
    } else if (std::strcmp(argv[i], "--threads") == 0 &&
               example::parseNumber(value, 0, 256, &threads)) {
      ++i;
    } else if (std::strcmp(argv[i], "--backend") == 0 && value != nullptr &&
               std::strrchr(value, ':') != nullptr &&
               example::parseNumber(std::strrchr(value, ':') + 1, 1, 65535, &backendPort)) {
      backendIp.assign(value, std::strrchr(value, ':'));
      ++i;
    } else {
      return usage(argv[0], 2);
    }
  }

  EventLoop loop;
  // Before any thread starts: every thread inherits the blocked signals.
  std::unique_ptr<HttpServer> server;
  example::QuitOnSignals quitOnSignals(&loop, [&] { server->drain(10, [&loop] { loop.quit(); }); });

  EventLoopThread backendThread;
  EventLoop* backendLoop = backendThread.startLoop();
  std::unique_ptr<Backend> backend;
  runAndWait(backendLoop, [&] {
    backend = std::make_unique<Backend>(backendLoop,
                                        InetAddress(backendIp, static_cast<uint16_t>(backendPort)));
    backend->connect();
  });

  // Loopback only: a proxy open to the network would relay anyone's requests.
  server = std::make_unique<HttpServer>(
      &loop, InetAddress(static_cast<uint16_t>(port), /*loopbackOnly=*/true), "HttpProxy");
  server->setThreadNum(static_cast<int>(threads));
  // Runs in the IO threads; hands the request to the backend's loop and returns at once.
  server->setAsyncHttpCallback([&](const HttpRequest& request, HttpResponder responder) {
    backendLoop->runInLoop([b = backend.get(), wire = toBackend(request),
                            responder = std::move(responder)] { b->forward(wire, responder); });
  });
  server->start();
  LOG_INFO << "http_proxy listening on " << server->listenAddress().toIpPort() << ", backend "
           << backendIp << ":" << backendPort;
  loop.loop();
  // The server first: once its IO threads are gone no handler can reach the backend. Then the
  // backend, in its own loop, the only thread that uses it.
  server.reset();
  runAndWait(backendLoop, [&] { backend.reset(); });
  LOG_INFO << "http_proxy stopped";
}
