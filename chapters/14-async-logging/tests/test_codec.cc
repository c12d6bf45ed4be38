// LengthHeaderCodec (Buffer's integers under it are test_byteorder.cc's): framing checked byte by
// byte on a Buffer fed by hand, and over real loopback connections (chapter 06's TestServer,
// plain sockets, and TcpClients for the chat room).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "TestServer.h"
#include "TestUtil.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/LengthHeaderCodec.h"
#include "mymuduo/net/TcpClient.h"
#include "mymuduo/net/TcpConnection.h"
#include "mymuduo/net/TcpServer.h"

using mymuduo::Timestamp;
using mymuduo::net::Buffer;
using mymuduo::net::InetAddress;
using mymuduo::net::LengthHeaderCodec;
using mymuduo::net::TcpClient;
using mymuduo::net::TcpConnectionPtr;
using mymuduo::net::TcpServer;
using testutil::ConnectionEvents;
using testutil::LoopInThread;
using testutil::TestServer;
using testutil::waitFor;

namespace {

/// The bytes as hex pairs, "00 00 00 01".
std::string hex(const char* data, size_t len) {
  std::string out;
  char pair[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", static_cast<unsigned char>(data[i]));
    if (i > 0) out += ' ';
    out += pair;
  }
  return out;
}

/// A 4-byte big-endian header built by hand, not by the code under test.
std::string header(uint32_t len) {
  return {static_cast<char>(len >> 24), static_cast<char>(len >> 16), static_cast<char>(len >> 8),
          static_cast<char>(len)};
}
std::string frame(const std::string& body) {
  return header(static_cast<uint32_t>(body.size())) + body;
}

/// The messages a codec delivered, from whichever thread it runs in.
struct Messages {
  std::mutex mutex;
  std::vector<std::string> list;

  LengthHeaderCodec::StringMessageCallback recorder() {
    return [this](const TcpConnectionPtr&, const std::string& message, Timestamp) {
      std::lock_guard<std::mutex> lock(mutex);
      list.push_back(message);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return list.size();
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock(mutex);
    return list;
  }
};

/// A TestServer whose connections speak the codec.
void serveCodec(TcpServer& server, LengthHeaderCodec& codec, ConnectionEvents& events) {
  server.setConnectionCallback(std::ref(events));
  server.setMessageCallback([&codec](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
    codec.onMessage(conn, buf, when);
  });
}

}  // namespace
TEST_CASE("LengthHeaderCodec send puts a 4-byte big-endian length before each message",
          "[ch10][s2][codec]") {
  LengthHeaderCodec codec([](const TcpConnectionPtr&, const std::string&, Timestamp) {});
  const std::string longer = testutil::pattern(300);
  TestServer server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        codec.send(conn, "hi");
        codec.send(conn, "");
        codec.send(conn, longer);
        conn->shutdown();
      }
    });
  });
  int fd = testutil::connectTo(server.port());
  const std::string received = testutil::readUntilEof(fd);
  ::close(fd);
  REQUIRE(received.size() == 4 + 2 + 4 + 4 + 300);
  CHECK(hex(received.data(), 10) == "00 00 00 02 68 69 00 00 00 00");
  CHECK(hex(received.data() + 10, 4) == "00 00 01 2c");  // 300
  CHECK(received == frame("hi") + frame("") + frame(longer));
}

TEST_CASE("LengthHeaderCodec delivers a message split at every offset once it is whole",
          "[ch10][s2][codec]") {
  std::vector<std::string> got;
  LengthHeaderCodec codec([&](const TcpConnectionPtr&, const std::string& message, Timestamp) {
    got.push_back(message);
  });
  // The connection is only passed through to the callback, so a null one will do here.
  const std::string wire = frame("hello, codec");

  SECTION("two reads, cut at every offset") {
    for (size_t cut = 0; cut <= wire.size(); ++cut) {
      CAPTURE(cut);
      got.clear();
      Buffer buf;
      buf.append(wire.substr(0, cut));
      codec.onMessage(nullptr, &buf, Timestamp());
      if (cut < wire.size()) {
        CHECK(got.empty());
        CHECK(buf.readableBytes() == cut);  // left whole, header included, for the next read
      }
      buf.append(wire.substr(cut));
      codec.onMessage(nullptr, &buf, Timestamp());
      REQUIRE(got.size() == 1);
      CHECK(got[0] == "hello, codec");
      CHECK(buf.readableBytes() == 0);
    }
  }

  SECTION("one byte per read, two messages") {
    const std::string two = wire + frame("bye");
    Buffer buf;
    for (size_t i = 0; i < two.size(); ++i) {
      buf.append(two.substr(i, 1));
      codec.onMessage(nullptr, &buf, Timestamp());
      const size_t expected = (i + 1 >= two.size()) ? 2 : (i + 1 >= wire.size()) ? 1 : 0;
      CAPTURE(i);
      REQUIRE(got.size() == expected);
    }
    CHECK(got == std::vector<std::string>{"hello, codec", "bye"});
  }
}

TEST_CASE("LengthHeaderCodec keeps a partial message across real reads of one byte",
          "[ch10][s2][codec]") {
  Messages messages;
  LengthHeaderCodec codec(messages.recorder());
  std::atomic<size_t> arrived{0};  // bytes the server has read so far
  size_t leftover = 0;             // server loop thread only: what the codec left last time
  TestServer server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
      arrived += buf->readableBytes() - leftover;
      codec.onMessage(conn, buf, when);
      leftover = buf->readableBytes();
    });
  });
  int fd = testutil::connectTo(server.port());
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  const std::string wire = frame("abc") + frame("") + frame("defgh");
  for (size_t i = 0; i < wire.size(); ++i) {
    testutil::writeAll(fd, wire.substr(i, 1));
    // The next byte only after the server has read this one: every read holds one byte, so
    // the codec meets every split point for real.
    REQUIRE(waitFor([&] { return arrived == i + 1; }));
    if (i + 1 < 7) CHECK(messages.size() == 0);
  }
  REQUIRE(waitFor([&] { return messages.size() == 3; }));
  CHECK(messages.get() == std::vector<std::string>{"abc", "", "defgh"});
  ::close(fd);
}

TEST_CASE("LengthHeaderCodec delivers several messages of one read in order", "[ch10][s2][codec]") {
  SECTION("one buffer, ending inside a fourth message") {
    std::vector<std::string> got;
    LengthHeaderCodec codec([&](const TcpConnectionPtr&, const std::string& message, Timestamp) {
      got.push_back(message);
    });
    const std::string fourth = frame("four");
    Buffer buf;
    buf.append(frame("one") + frame("two") + frame("three") + fourth.substr(0, 6));
    codec.onMessage(nullptr, &buf, Timestamp());
    CHECK(got == std::vector<std::string>{"one", "two", "three"});
    CHECK(buf.readableBytes() == 6);
    buf.append(fourth.substr(6));
    codec.onMessage(nullptr, &buf, Timestamp());
    CHECK(got == std::vector<std::string>{"one", "two", "three", "four"});
  }

  SECTION("a hundred messages in one write") {
    Messages messages;
    LengthHeaderCodec codec(messages.recorder());
    ConnectionEvents events;
    TestServer server([&](TcpServer& s) { serveCodec(s, codec, events); });
    std::string wire;
    std::vector<std::string> sent;
    for (int i = 0; i < 100; ++i) {
      sent.push_back("message " + std::to_string(i) + " " +
                     std::string(static_cast<size_t>(i), 'x'));
      wire += frame(sent.back());
    }
    int fd = testutil::connectTo(server.port());
    testutil::writeAll(fd, wire);
    REQUIRE(waitFor([&] { return messages.size() == 100; }));
    CHECK(messages.get() == sent);
    ::close(fd);
  }
}

TEST_CASE("LengthHeaderCodec delivers an empty message", "[ch10][s2][codec]") {
  std::vector<std::string> got;
  LengthHeaderCodec codec([&](const TcpConnectionPtr&, const std::string& message, Timestamp) {
    got.push_back(message);
  });
  Buffer buf;
  buf.append(frame(""));
  codec.onMessage(nullptr, &buf, Timestamp());
  CHECK(got == std::vector<std::string>{""});
  CHECK(buf.readableBytes() == 0);

  buf.append(frame("") + frame("") + frame("x"));
  codec.onMessage(nullptr, &buf, Timestamp());
  CHECK(got == std::vector<std::string>{"", "", "", "x"});
}

TEST_CASE("LengthHeaderCodec closes the connection on a negative length or one above the limit",
          "[ch10][s2][codec]") {
  // Each section: what the client sends, what the codec must deliver before it closes.
  size_t limit = 1024;
  std::string wire;
  std::vector<std::string> delivered;
  SECTION("a negative length") { wire = header(0xffffffff) + "junk"; }
  SECTION("INT32_MIN") { wire = header(0x80000000); }
  SECTION("one byte above the limit") { wire = frame(std::string(1025, 'x')); }
  SECTION("0x7fffffff under the default limit, before any of its body") {
    limit = 64 * 1024 * 1024;
    wire = header(0x7fffffff);
  }
  SECTION("the messages before a bad header, and none after it") {
    wire = frame("first") + frame(std::string(1024, 'y')) + header(0xfffffffe) + frame("after");
    delivered = {"first", std::string(1024, 'y')};
  }

  Messages messages;
  LengthHeaderCodec codec(messages.recorder(), limit);
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { serveCodec(s, codec, events); });
  int fd = testutil::connectTo(server.port());
  testutil::writeAll(fd, wire);
  // The server closes: EOF (or a reset, if our bytes were still unread), and nothing sent.
  CHECK(testutil::readUntilEof(fd).empty());
  CHECK(events.waitDown());
  CHECK(messages.get() == delivered);
  ::close(fd);
}

TEST_CASE("LengthHeaderCodec accepts a message of exactly the limit and stays connected",
          "[ch10][s2][codec]") {
  Messages messages;
  LengthHeaderCodec codec(messages.recorder(), 1024);
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { serveCodec(s, codec, events); });
  int fd = testutil::connectTo(server.port());
  testutil::writeAll(fd, frame(std::string(1024, 'z')) + frame("next"));
  REQUIRE(waitFor([&] { return messages.size() == 2; }));
  CHECK(messages.get() == std::vector<std::string>{std::string(1024, 'z'), "next"});
  CHECK(events.downs == 0);
  ::close(fd);
  CHECK(events.waitDown());
}

TEST_CASE("a chat room broadcasts every message whole and in order to 3 TcpClients",
          "[ch10][s2][codec]") {
  // The room of examples/chat_server.cc: a copy-on-write member list, over 3 IO threads.
  std::mutex roomMutex;
  auto members = std::make_shared<const std::set<TcpConnectionPtr>>();  // roomMutex
  std::atomic<int> joined{0};
  LengthHeaderCodec* serverCodecRef = nullptr;
  LengthHeaderCodec serverCodec(
      [&](const TcpConnectionPtr&, const std::string& message, Timestamp) {
        std::shared_ptr<const std::set<TcpConnectionPtr>> snapshot;
        {
          std::lock_guard<std::mutex> lock(roomMutex);
          snapshot = members;
        }
        for (const TcpConnectionPtr& member : *snapshot) serverCodecRef->send(member, message);
      });
  serverCodecRef = &serverCodec;
  TestServer server([&](TcpServer& s) {
    s.setThreadNum(3);
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      std::lock_guard<std::mutex> lock(roomMutex);
      auto copy = std::make_shared<std::set<TcpConnectionPtr>>(*members);
      if (conn->connected()) {
        copy->insert(conn);
      } else {
        copy->erase(conn);
      }
      members = std::move(copy);
      if (conn->connected()) ++joined;
    });
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
      serverCodec.onMessage(conn, buf, when);
    });
  });

  constexpr int kClients = 3;
  constexpr int kPerClient = 30;
  Messages received[kClients];
  std::vector<std::unique_ptr<LengthHeaderCodec>> clientCodecs;
  for (int i = 0; i < kClients; ++i) {
    clientCodecs.push_back(std::make_unique<LengthHeaderCodec>(received[i].recorder()));
  }
  LoopInThread clientLoop;
  std::vector<std::unique_ptr<TcpClient>> clients;  // after what their callbacks use
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TcpClient>(
        clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "member"));
    LengthHeaderCodec* codec = clientCodecs[static_cast<size_t>(i)].get();
    clients.back()->setMessageCallback(
        [codec](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
          codec->onMessage(conn, buf, when);
        });
    clients.back()->connect();
  }
  // Everyone in the room before anyone speaks.
  REQUIRE(waitFor([&] { return joined == kClients; }));
  for (auto& client : clients) REQUIRE(waitFor([&] { return client->connection() != nullptr; }));

  // Message j of client i: its name, then up to 64 KiB, so that many arrive in several reads.
  auto message = [](int i, int j) {
    size_t size = static_cast<size_t>(j) * 7919 % 65536;
    return "c" + std::to_string(i) + "#" + std::to_string(j) + ":" + testutil::pattern(size);
  };
  std::vector<std::thread> speakers;  // each sends from a thread of its own, as chat_client does
  for (int i = 0; i < kClients; ++i) {
    speakers.emplace_back([&, i] {
      TcpConnectionPtr conn = clients[static_cast<size_t>(i)]->connection();
      for (int j = 0; j < kPerClient; ++j) {
        clientCodecs[static_cast<size_t>(i)]->send(conn, message(i, j));
      }
    });
  }
  for (auto& t : speakers) t.join();

  for (int r = 0; r < kClients; ++r) {
    CAPTURE(r);
    REQUIRE(waitFor([&] { return received[r].size() == size_t{kClients * kPerClient}; }));
    // Each speaker's messages whole and in its order; speakers interleave as they like.
    int next[kClients] = {};
    for (const std::string& m : received[r].get()) {
      const int from = m[1] - '0';
      REQUIRE((from >= 0 && from < kClients));
      INFO(m.substr(0, 12) << "... (" << m.size() << " bytes)");
      CHECK((m == message(from, next[from])));  // in (( )): no 64 KiB strings in the report
      ++next[from];
    }
    for (int i = 0; i < kClients; ++i) CHECK(next[i] == kPerClient);
  }
  clients.clear();  // from this thread, while their loop runs
}

TEST_CASE("LengthHeaderCodec carries a 10 MiB message whole both ways", "[ch10][s2][codec]") {
  const std::string big = testutil::pattern(10 * 1024 * 1024);
  Messages atServer;
  LengthHeaderCodec* serverCodecRef = nullptr;
  LengthHeaderCodec serverCodec(
      [&](const TcpConnectionPtr& conn, const std::string& message, Timestamp) {
        {
          std::lock_guard<std::mutex> lock(atServer.mutex);
          atServer.list.push_back(message);
        }
        serverCodecRef->send(conn, message);  // and back
      });
  serverCodecRef = &serverCodec;
  ConnectionEvents events;
  TestServer server([&](TcpServer& s) { serveCodec(s, serverCodec, events); });

  Messages atClient;
  LengthHeaderCodec clientCodec(atClient.recorder());
  LoopInThread clientLoop;
  TcpClient client(clientLoop.loop(), InetAddress("127.0.0.1", server.port()), "big");
  client.setConnectionCallback([&](const TcpConnectionPtr& conn) {
    if (conn->connected()) clientCodec.send(conn, big);
  });
  client.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp when) {
    clientCodec.onMessage(conn, buf, when);
  });
  client.connect();
  REQUIRE(waitFor([&] { return atClient.size() == 1; }, std::chrono::seconds(40)));
  REQUIRE(atServer.size() == 1);
  CHECK((atServer.get()[0] == big));  // in (( )): no 10 MiB strings in the report
  CHECK((atClient.get()[0] == big));
}
