#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace mymuduo {
namespace net {

/// A byte buffer for non-blocking IO, modelled on muduo's (and Netty's ChannelBuffer):
///
///     +-------------------+------------------+------------------+
///     | prependable bytes |  readable bytes  |  writable bytes  |
///     |                   |     (CONTENT)    |                  |
///     +-------------------+------------------+------------------+
///     0      <=      readerIndex   <=   writerIndex    <=     size
///
/// Reading retrieves from the front, writing appends at the back; when the back runs out the
/// content is moved to the front if that frees enough room, otherwise the vector grows. The
/// prependable area lets a codec put a length header in front of a message without copying.
///
/// The vector is allocated on the first write, not at construction, and releaseIfEmpty() gives
/// it back: a server keeps buffers for every connection, and most connections sit idle with
/// theirs empty. Without the vector the indexes stay where an empty buffer has them
/// (prependableBytes() is kCheapPrepend, writableBytes() 0), and prepend() allocates first, so
/// it works on a fresh buffer too.
///
/// Not thread safe: each Buffer belongs to one TcpConnection and is used in its loop thread.
class Buffer {
 public:
  static constexpr size_t kCheapPrepend = 8;
  static constexpr size_t kInitialSize = 1024;

  /// Allocates nothing; the first write allocates kCheapPrepend + initialSize bytes, or more.
  explicit Buffer(size_t initialSize = kInitialSize)
      : initialSize_(initialSize), readerIndex_(kCheapPrepend), writerIndex_(kCheapPrepend) {}

  /// A copy is independent: a vector of its own with the same bytes at the same indexes.
  Buffer(const Buffer&) = default;
  Buffer& operator=(const Buffer&) = default;
  /// Takes the other's vector and indexes, and leaves it empty and usable, like a fresh
  /// buffer. Written out because the implicit move would empty the vector but copy the
  /// indexes, and a buffer without a vector must have both at kCheapPrepend: makeSpace()
  /// relies on it, and the next append would write past the end of the new vector.
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;

  size_t readableBytes() const { return writerIndex_ - readerIndex_; }
  size_t writableBytes() const { return buffer_.empty() ? 0 : buffer_.size() - writerIndex_; }
  size_t prependableBytes() const { return readerIndex_; }

  /// The first readable byte; valid until the next non-const call.
  const char* peek() const { return begin() + readerIndex_; }

  /// The first "\r\n" in the readable bytes, or nullptr.
  const char* findCRLF() const { return findCRLF(peek()); }
  const char* findCRLF(const char* start) const;

  void retrieve(size_t len);
  /// Retrieves everything before end, which must point into the readable bytes.
  void retrieveUntil(const char* end);
  void retrieveAll();
  std::string retrieveAsString(size_t len);
  std::string retrieveAllAsString() { return retrieveAsString(readableBytes()); }

  /// append() and ensureWritableBytes() throw std::length_error, and change nothing, when
  /// len bytes could never fit. Appending 0 bytes does nothing, whatever data points to.
  void append(std::string_view data) { append(data.data(), data.size()); }
  void append(const void* data, size_t len);
  void ensureWritableBytes(size_t len);
  char* beginWrite() { return begin() + writerIndex_; }
  void hasWritten(size_t len);

  /// Puts data just before the readable bytes; needs prependableBytes() >= len.
  void prepend(const void* data, size_t len);

  /// 32-bit integers in network byte order (big-endian), whatever the host's order: the
  /// length header of a codec. (muduo also has 64-, 16- and 8-bit ones; nothing needs them.)
  void appendInt32(int32_t x);
  /// The first four readable bytes as a big-endian int32_t; needs readableBytes() >= 4.
  int32_t peekInt32() const;
  /// peekInt32(), then retrieveInt32().
  int32_t readInt32();
  void retrieveInt32() { retrieve(sizeof(int32_t)); }
  /// Puts x, big-endian, just before the readable bytes; needs prependableBytes() >= 4.
  void prependInt32(int32_t x);

  /// Capacity of the underlying vector, for tests and statistics: 0 until the first write
  /// and after releaseIfEmpty().
  size_t internalCapacity() const { return buffer_.capacity(); }

  /// Frees the vector if no bytes are readable, and does nothing otherwise; the next write
  /// allocates again.
  void releaseIfEmpty();

  /// Reads from fd straight into the buffer, with one readv(2) call. Returns what read
  /// returns; on error *savedErrno holds errno.
  ssize_t readFd(int fd, int* savedErrno);

 private:
  // Without a vector, begin() is a static array of kCheapPrepend bytes, so that peek() and
  // beginWrite() still point into (the end of) an object instead of offsetting a null pointer.
  // Nothing is ever written to it: every write allocates first.
  char* begin() { return buffer_.empty() ? noStorage_ : buffer_.data(); }
  const char* begin() const { return buffer_.empty() ? noStorage_ : buffer_.data(); }
  void makeSpace(size_t len);

  static inline char noStorage_[kCheapPrepend] = {};

  std::vector<char> buffer_;
  size_t initialSize_;
  size_t readerIndex_;
  size_t writerIndex_;
};

}  // namespace net
}  // namespace mymuduo
