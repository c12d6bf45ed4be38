// The chat room of muduo's examples/asio/chat (the book's §7.3): every message a client sends
// goes to every client connected, the sender included, framed by LengthHeaderCodec.
//   chat_server [--port N=2010] [--threads N=0]
// With --threads N the listening loop only accepts, and N IO threads serve the connections.
// Talk to it with chat_client. Stop it: Ctrl-C (SIGINT) or SIGTERM.
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "ExampleUtil.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/LengthHeaderCodec.h"
#include "mymuduo/net/TcpServer.h"

using namespace mymuduo;
using namespace mymuduo::net;

namespace {

int usage(const char* prog, int status) {
  std::fprintf(status == 0 ? stdout : stderr, "usage: %s [--port N=2010] [--threads N=0]\n", prog);
  return status;
}

/// The room: the server, its codec, and the members.
/// With IO threads, onConnection() and onStringMessage() run in several threads at once (one
/// per connection's loop), so the member list is shared between threads. It is copy on write:
/// the list in place is never changed, a join or a leave makes a new one under the mutex, and
/// a broadcast takes the current one under the mutex and sends with no lock held.
class ChatServer : noncopyable {
 public:
  ChatServer(EventLoop* loop, const InetAddress& listenAddr, int threads)
      : codec_([this](const TcpConnectionPtr& conn, const std::string& message, Timestamp when) {
          onStringMessage(conn, message, when);
        }),
        server_(loop, listenAddr, "ChatServer") {
    server_.setThreadNum(threads);
    server_.setConnectionCallback([this](const TcpConnectionPtr& conn) { onConnection(conn); });
    server_.setMessageCallback([this](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
      codec_.onMessage(conn, buf, when);
    });
  }

  void start() { server_.start(); }
  const std::string& ipPort() const { return server_.ipPort(); }

 private:
  using ConnectionList = std::set<TcpConnectionPtr>;

  void onConnection(const TcpConnectionPtr& conn) {
    LOG_INFO << conn->peerAddress().toIpPort() << " is " << (conn->connected() ? "UP" : "DOWN");
    std::lock_guard<std::mutex> lock(mutex_);
    // A copy, changed and then published: a broadcast may be going through the old list in
    // another thread right now. Joins and leaves are rare next to messages.
    auto members = std::make_shared<ConnectionList>(*members_);
    if (conn->connected()) {
      members->insert(conn);
    } else {
      members->erase(conn);
    }
    members_ = std::move(members);
  }

  void onStringMessage(const TcpConnectionPtr&, const std::string& message, Timestamp) {
    std::shared_ptr<const ConnectionList> members;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      members = members_;
    }
    // A member that left since is still in our copy; send() on a closed connection does
    // nothing.
    for (const TcpConnectionPtr& member : *members) {
      codec_.send(member, message);
    }
  }

  LengthHeaderCodec codec_;
  std::mutex mutex_;
  std::shared_ptr<const ConnectionList> members_ = std::make_shared<ConnectionList>();  // mutex_
  // Last, so destroyed first: ~TcpServer closes every connection, and their DOWN callbacks
  // use the members above.
  TcpServer server_;
};

}  // namespace

int main(int argc, char* argv[]) {
  long port = 2010;
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
  // Before server.start(): the IO threads inherit the blocked signals.
  example::QuitOnSignals quitOnSignals(&loop);
  ChatServer server(&loop, InetAddress(static_cast<uint16_t>(port)), static_cast<int>(threads));
  server.start();
  LOG_INFO << "chat server listening on " << server.ipPort() << " with " << threads
           << " IO thread(s)";
  loop.loop();
  LOG_INFO << "chat server stopped";
}
