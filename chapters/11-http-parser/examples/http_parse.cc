// Feeds the bytes of standard input to an HttpContext, `--chunk N` bytes at a time (default:
// all at once), and prints each request it parses, or the status a server would answer a bad
// one with. No network: the parser alone, as the server will drive it.
//
//   printf 'GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n' | build/11/http_parse
//   printf 'GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.0\r\n\r\n' | build/11/http_parse --chunk
//   1 printf 'GET / HTTP/1.1\nHost: h\n\n' | build/11/http_parse     # bare LF: 400
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Timestamp.h"
#include "mymuduo/http/HttpContext.h"
#include "mymuduo/net/Buffer.h"

using mymuduo::Timestamp;
using mymuduo::http::HttpContext;
using mymuduo::http::HttpRequest;
using mymuduo::net::Buffer;

namespace {

const char* versionString(HttpRequest::Version version) {
  switch (version) {
    case HttpRequest::kHttp10:
      return "HTTP/1.0";
    case HttpRequest::kHttp11:
      return "HTTP/1.1";
    default:
      return "?";
  }
}

void print(const HttpRequest& request) {
  std::printf("request: %s %s", request.methodString(), request.path().c_str());
  if (!request.query().empty()) std::printf(" query=%s", request.query().c_str());
  std::printf(" %s\n", versionString(request.version()));
  for (const auto& [field, value] : request.headers()) {
    std::printf("  %.*s: %.*s\n", static_cast<int>(field.size()), field.data(),
                static_cast<int>(value.size()), value.data());
  }
  std::printf("  body: %zu bytes\n", request.body().size());
}

}  // namespace

int main(int argc, char* argv[]) {
  long chunk = 0;  // 0: everything at once
  if (argc == 3 && std::strcmp(argv[1], "--chunk") == 0) {
    if (!example::parseNumber(argv[2], 1, 1 << 20, &chunk)) {
      std::fprintf(stderr, "bad chunk size: %s\n", argv[2]);
      return 2;
    }
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--chunk N] < request-bytes\n", argv[0]);
    return 2;
  }

  std::string input;
  char block[4096];
  ssize_t n;
  while ((n = ::read(STDIN_FILENO, block, sizeof block)) > 0) {
    input.append(block, static_cast<size_t>(n));
  }

  HttpContext context;
  Buffer buf;
  size_t fed = 0;
  int requests = 0;
  while (fed < input.size() || buf.readableBytes() > 0) {
    // The next piece of input arrives, as one read(2) of a connection would deliver it.
    size_t piece =
        chunk == 0 ? input.size() - fed : std::min(static_cast<size_t>(chunk), input.size() - fed);
    buf.append(input.data() + fed, piece);
    fed += piece;
    if (!context.parseRequest(&buf, Timestamp::now())) {
      std::printf("error: %d %s\n", context.errorStatus(), context.errorReason());
      return 1;
    }
    while (context.gotAll()) {
      print(context.request());
      ++requests;
      context.reset();
      if (!context.parseRequest(&buf, Timestamp::now())) {
        std::printf("error: %d %s\n", context.errorStatus(), context.errorReason());
        return 1;
      }
    }
    if (fed == input.size()) break;  // nothing more will come
  }
  if (buf.readableBytes() > 0 || context.state() != HttpContext::kExpectRequestLine) {
    std::printf("incomplete: the input ends inside a request (%zu bytes not parsed yet)\n",
                buf.readableBytes());
  }
  std::printf("%d request(s)\n", requests);
  return 0;
}
