#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "mymuduo/base/Timestamp.h"

namespace mymuduo {
namespace net {

/// Every callback type a user of the library sees lives here.

class Buffer;
class TcpConnection;

/// A connection lives as long as someone holds this: the server while it is open, and any
/// callback or queued task that captured it.
using TcpConnectionPtr = std::shared_ptr<TcpConnection>;

using TimerCallback = std::function<void()>;
/// Called when a connection is established and again when it goes down
/// (check conn->connected()).
using ConnectionCallback = std::function<void(const TcpConnectionPtr&)>;
using CloseCallback = std::function<void(const TcpConnectionPtr&)>;
/// Called when the output buffer has been written out completely.
using WriteCompleteCallback = std::function<void(const TcpConnectionPtr&)>;
/// Called once when the queued output grows past the mark; the size is the queued bytes.
using HighWaterMarkCallback = std::function<void(const TcpConnectionPtr&, size_t)>;
/// Called when the peer has half-closed and the connection stays open for writing.
using HalfCloseCallback = std::function<void(const TcpConnectionPtr&)>;
/// Called with the connection's input buffer whenever data has arrived; the callback
/// retrieves what it consumes and leaves the rest for the next call.
using MessageCallback = std::function<void(const TcpConnectionPtr&, Buffer*, Timestamp)>;

/// What a TcpServer uses when no callback was set: log the connection; discard the input.
void defaultConnectionCallback(const TcpConnectionPtr& conn);
void defaultMessageCallback(const TcpConnectionPtr& conn, Buffer* buffer, Timestamp receiveTime);

}  // namespace net
}  // namespace mymuduo
