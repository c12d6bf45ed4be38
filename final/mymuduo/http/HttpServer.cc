#include "mymuduo/http/HttpServer.h"

#include <algorithm>
#include <any>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpSession.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace http {

using net::TcpConnectionPtr;
using Clock = std::chrono::steady_clock;

namespace {

/// An idle timeout longer than this (about 31 years) means none: no connection lasts that long,
/// and its nanoseconds added to the clock's must not overflow.
constexpr double kMaxIdleTimeoutSeconds = 1e9;

/// Appends `text` for the quoted request line of a log: printable ASCII as it is, the rest
/// (and the quote and backslash, which would end or escape the field) as \xHH.
void appendEscaped(std::string* line, const std::string& text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      line->push_back(ch);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      line->append(hex);
    }
  }
}

}  // namespace

std::string commonLogLine(const AccessLogEntry& entry) {
  static const char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(entry.received.microSecondsSinceEpoch() /
                                                 Timestamp::kMicroSecondsPerSecond);
  struct tm tm;
  ::gmtime_r(&seconds, &tm);
  char when[96];  // room for any int the compiler imagines in each field
  std::snprintf(when, sizeof when, " - - [%02d/%s/%04d:%02d:%02d:%02d +0000] \"", tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string line = entry.peer.toIp() + when;
  if (const HttpRequest* request = entry.request) {
    line += request->methodString();
    line += ' ';
    appendEscaped(&line, request->path());
    if (!request->query().empty()) {
      line += '?';
      appendEscaped(&line, request->query());
    }
    line += request->version() == HttpRequest::kHttp10 ? " HTTP/1.0" : " HTTP/1.1";
  } else {
    line += '-';  // no request line that parsed
  }
  line += "\" " + std::to_string(entry.status) + " ";
  line += entry.bodyBytes > 0 ? std::to_string(entry.bodyBytes) : "-";
  return line;
}

HttpServer::HttpServer(net::EventLoop* loop, const net::InetAddress& listenAddr, std::string name,
                       net::TcpServer::Option option)
    : server_(loop, listenAddr, std::move(name), option) {
  // An answer may take more than one send (pipelined answers, 100 Continue before the answer,
  // a header before a file): with Nagle's algorithm a small send waits for the ACK of the one
  // before, which the client may delay by 40 ms or more. Answers are whole messages, written as
  // soon as they are ready; nothing is gained by holding them back.
  server_.setTcpNoDelay(true);
  server_.setConnectionCallback([this](const TcpConnectionPtr& conn) { onConnection(conn); });
  server_.setMessageCallback(
      [](const TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime) {
        if (HttpSession* session = HttpSession::of(conn))
          session->onMessage(conn, buf, receiveTime);
      });
}

HttpServer::~HttpServer() {
  // The lists of the IO loops go after their loops (~TcpServer joins the IO threads); the
  // server's loop lives on and must not run the timer of a list that is gone.
  std::lock_guard<std::mutex> lock(idleListsMutex_);
  auto it = idleLists_.find(getLoop());
  if (it != idleLists_.end()) it->second->cancelTimer();
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

void HttpServer::drain(double timeoutSeconds, std::function<void()> done) {
  server_.drain(
      timeoutSeconds,
      [](const TcpConnectionPtr& conn) {
        if (HttpSession* session = HttpSession::of(conn)) session->drain(conn);
      },
      std::move(done));
}

void HttpServer::onConnection(const TcpConnectionPtr& conn) {
  if (conn->connected()) {
    IdleList* idleList =
        idleTimeout_ > Clock::duration::zero() ? idleListOf(conn->getLoop()) : nullptr;
    auto session = std::make_shared<HttpSession>(&httpCallback_, &asyncHttpCallback_,
                                                 &accessLogCallback_, limits_, idleList);
    conn->setContext(session);
    session->start(conn);
  } else if (HttpSession* session = HttpSession::of(conn)) {
    session->stop(conn);
    conn->setContext(std::any());  // closes the file of a response cut short
  }
}

IdleList* HttpServer::idleListOf(net::EventLoop* loop) {
  std::lock_guard<std::mutex> lock(idleListsMutex_);
  std::unique_ptr<IdleList>& list = idleLists_[loop];
  if (!list) list = std::make_unique<IdleList>(loop, idleTimeout_);
  return list.get();
}

}  // namespace http
}  // namespace mymuduo
