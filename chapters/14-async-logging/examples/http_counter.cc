// A JSON counter, the chapter's example of a request with a body:
//   GET /counter               -> {"count": N}
//   POST /counter  (body "5")  -> adds 5, answers the new {"count": N}
// Anything else on /counter is 405, other paths 404, a body that is not a decimal integer 400.
//   http_counter [--port N=8000] [--threads N=0]
// Try it: curl -d 5 http://127.0.0.1:8000/counter        Stop it: Ctrl-C or SIGTERM.
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/http/HttpRequest.h"
#include "mymuduo/http/HttpResponse.h"
#include "mymuduo/http/HttpServer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"

using namespace mymuduo;
using namespace mymuduo::net;
using namespace mymuduo::http;

namespace {

int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr, "usage: %s [--port N=8000] [--threads N=0]\n", prog);
  return status;
}

/// The count, shared by every IO thread: the callback runs in several at once, so a lock.
class Counter {
 public:
  /// False, and the count unchanged, when the sum would overflow.
  bool add(long long delta, long long* result) {
    std::lock_guard<std::mutex> lock(mutex_);
    if ((delta > 0 && count_ > LLONG_MAX - delta) || (delta < 0 && count_ < LLONG_MIN - delta)) {
      return false;
    }
    count_ += delta;
    *result = count_;
    return true;
  }
  long long get() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  long long count_ = 0;
};

/// A whole decimal integer, optionally signed, with no overflow; false on anything else.
bool parseDelta(const std::string& body, long long* out) {
  if (body.empty() || body.size() > 20) return false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    bool sign = i == 0 && (c == '-' || c == '+') && body.size() > 1;
    if (!sign && (c < '0' || c > '9')) return false;
  }
  errno = 0;
  long long value = std::strtoll(body.c_str(), nullptr, 10);
  if (errno != 0) return false;
  *out = value;
  return true;
}

void json(HttpResponse* response, HttpResponse::HttpStatusCode code, const std::string& body) {
  response->setStatusCode(code);
  response->setContentType("application/json");
  response->setBody(body + "\n");
}

}  // namespace

int main(int argc, char* argv[]) {
  long port = 8000;
  long threads = 0;
  for (int i = 1; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "--help") == 0) return usage(argv[0], 0);
    if (std::strcmp(argv[i], "--port") == 0 && example::parseNumber(value, 0, 65535, &port)) {
      ++i;
    } else if (std::strcmp(argv[i], "--threads") == 0 &&
               example::parseNumber(value, 0, 256, &threads)) {
      ++i;
    } else {
      return usage(argv[0], 2);
    }
  }

  EventLoop loop;
  example::QuitOnSignals quitOnSignals(&loop);  // before start(): IO threads inherit the mask
  // Declared before the server, so destroyed after it: the IO threads, which call the
  // callback, are joined in the server's destructor.
  Counter counter;
  HttpServer server(&loop, InetAddress(static_cast<uint16_t>(port)), "HttpCounter");
  server.setThreadNum(static_cast<int>(threads));
  server.setHttpCallback([&counter](const HttpRequest& request, HttpResponse* response) {
    if (request.path() != "/counter") {
      json(response, HttpResponse::k404NotFound, R"({"error": "not found"})");
    } else if (request.method() == HttpRequest::kGet || request.method() == HttpRequest::kHead) {
      json(response, HttpResponse::k200Ok, "{\"count\": " + std::to_string(counter.get()) + "}");
    } else if (request.method() == HttpRequest::kPost) {
      long long delta = 0;
      long long count = 0;
      if (!parseDelta(request.body(), &delta)) {
        json(response, HttpResponse::k400BadRequest,
             R"({"error": "the body must be a decimal integer"})");
      } else if (counter.add(delta, &count)) {
        json(response, HttpResponse::k200Ok, "{\"count\": " + std::to_string(count) + "}");
      } else {
        json(response, HttpResponse::k400BadRequest, R"({"error": "the count would overflow"})");
      }
    } else {
      json(response, HttpResponse::k405MethodNotAllowed, R"({"error": "method not allowed"})");
      response->addHeader("Allow", "GET, HEAD, POST");
    }
  });
  server.start();
  LOG_INFO << "http_counter listening on " << server.listenAddress().toIpPort() << " with "
           << threads << " IO thread(s)";
  loop.loop();
  LOG_INFO << "http_counter stopped";
}
