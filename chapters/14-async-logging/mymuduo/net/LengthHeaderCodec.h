#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mymuduo/base/Timestamp.h"
#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Callbacks.h"

namespace mymuduo {
namespace net {

class Buffer;

/// Turns a TCP byte stream into messages and back (muduo's examples/asio/chat/codec.h): on the
/// wire every message is a 4-byte big-endian length, then that many bytes.
///
/// Owns only the user's callback and the length limit. A message that has not fully arrived
/// waits in the connection's input Buffer, not here, so one codec serves every connection.
/// Thread rules:
/// - onMessage() is the connection's message callback and runs in its loop thread; with
///   several IO threads it runs in several threads at once, for different connections, which
///   is safe because it changes nothing of its own. The user's callback runs there too.
/// - send() is safe from any thread, as TcpConnection::send() is.
/// - the codec must outlive every connection whose message callback it is.
class LengthHeaderCodec : noncopyable {
 public:
  using StringMessageCallback =
      std::function<void(const TcpConnectionPtr&, const std::string&, Timestamp)>;
  static constexpr size_t kHeaderLen = sizeof(int32_t);

  /// A length above maxMessageBytes, or a negative one, closes the connection.
  explicit LengthHeaderCodec(StringMessageCallback cb, size_t maxMessageBytes = 64 * 1024 * 1024);

  /// Calls the callback once for every whole message in buf, in order, and leaves a partial
  /// one in buf for the next read. A bad length: logged, buf emptied, the connection closed.
  void onMessage(const TcpConnectionPtr& conn, Buffer* buf, Timestamp receiveTime);
  /// Sends message as one frame. A message too long for the header (over INT32_MAX bytes) is
  /// logged and not sent.
  void send(const TcpConnectionPtr& conn, std::string_view message);

  size_t maxMessageBytes() const { return maxMessageBytes_; }

 private:
  const StringMessageCallback messageCallback_;
  const size_t maxMessageBytes_;
};

}  // namespace net
}  // namespace mymuduo
