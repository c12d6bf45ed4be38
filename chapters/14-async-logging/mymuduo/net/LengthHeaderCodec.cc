#include "mymuduo/net/LengthHeaderCodec.h"

#include <limits>
#include <utility>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Buffer.h"
#include "mymuduo/net/TcpConnection.h"

namespace mymuduo {
namespace net {

LengthHeaderCodec::LengthHeaderCodec(StringMessageCallback cb, size_t maxMessageBytes)
    : messageCallback_(std::move(cb)), maxMessageBytes_(maxMessageBytes) {}

void LengthHeaderCodec::onMessage(const TcpConnectionPtr& conn, Buffer* buf,
                                  Timestamp receiveTime) {
  // One read may hold several messages and end inside another: deliver every whole one, and
  // leave the rest in buf, where the next read appends to it.
  while (buf->readableBytes() >= kHeaderLen) {
    const int32_t len = buf->peekInt32();
    // Judged as soon as the header is in, before the body: a hostile 0x7fffffff would
    // otherwise make us buffer 2 GiB waiting for it.
    if (len < 0 || static_cast<size_t>(len) > maxMessageBytes_) {
      LOG_ERROR << "LengthHeaderCodec::onMessage [" << conn->name() << "] - invalid length " << len
                << ", closing";
      // No byte after a bad header can be framed again. forceClose(), not muduo's shutdown():
      // after shutdown() we would go on reading, and a peer that keeps sending would fill
      // the buffer the limit protects, or have its bytes parsed as frames. The price: replies
      // still queued for this peer are dropped.
      buf->retrieveAll();
      conn->forceClose();
      break;
    }
    if (buf->readableBytes() < kHeaderLen + static_cast<size_t>(len)) {
      break;  // the body is still on its way
    }
    buf->retrieveInt32();
    const std::string message(buf->peek(), static_cast<size_t>(len));
    buf->retrieve(static_cast<size_t>(len));
    messageCallback_(conn, message, receiveTime);
  }
}

void LengthHeaderCodec::send(const TcpConnectionPtr& conn, std::string_view message) {
  if (message.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    LOG_ERROR << "LengthHeaderCodec::send [" << conn->name() << "] - " << message.size()
              << " bytes do not fit a length header, not sent";
    return;
  }
  // The header goes into the prependable space in front of the copied message: one buffer,
  // no second copy to put the header first, and one send(), so that a frame from another
  // thread cannot land between our header and our body.
  Buffer buf;
  buf.append(message);
  buf.prependInt32(static_cast<int32_t>(message.size()));
  conn->send(&buf);
}

}  // namespace net
}  // namespace mymuduo
