#include "mymuduo/net/Buffer.h"

#include <arpa/inet.h>
#include <sys/uio.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

namespace mymuduo {
namespace net {

namespace {
const char kCRLF[] = "\r\n";

/// One released vector of the default size per thread, for the next buffer of that thread
/// that needs one. A busy connection gives its input buffer back after every message and
/// needs one again at the next: with the spare that is two swaps, instead of an allocation, a
/// zero-fill of 1 KiB and a free. Per thread, so no lock; a buffer belongs to one thread.
thread_local std::vector<char> t_spare;
}  // namespace

Buffer::Buffer(Buffer&& other) noexcept
    : buffer_(std::exchange(other.buffer_, std::vector<char>())),
      initialSize_(other.initialSize_),
      readerIndex_(std::exchange(other.readerIndex_, kCheapPrepend)),
      writerIndex_(std::exchange(other.writerIndex_, kCheapPrepend)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {  // a self-move would otherwise end with the indexes reset
    // std::exchange, not a plain move: only a moved-from vector's constructor is guaranteed
    // to leave it empty, and "no vector" must mean exactly that.
    buffer_ = std::exchange(other.buffer_, std::vector<char>());
    initialSize_ = other.initialSize_;
    readerIndex_ = std::exchange(other.readerIndex_, kCheapPrepend);
    writerIndex_ = std::exchange(other.writerIndex_, kCheapPrepend);
  }
  return *this;
}

const char* Buffer::findCRLF(const char* start) const {
  assert(peek() <= start);
  assert(start <= begin() + writerIndex_);
  const char* end = begin() + writerIndex_;
  const char* crlf = std::search(start, end, kCRLF, kCRLF + 2);
  return crlf == end ? nullptr : crlf;
}

void Buffer::retrieve(size_t len) {
  assert(len <= readableBytes());
  if (len < readableBytes()) {
    readerIndex_ += len;
  } else {
    retrieveAll();
  }
}

void Buffer::retrieveUntil(const char* end) {
  assert(peek() <= end);
  assert(end <= begin() + writerIndex_);
  retrieve(static_cast<size_t>(end - peek()));
}

void Buffer::retrieveAll() {
  // Empty again: start over at the front, so the whole vector is writable.
  readerIndex_ = kCheapPrepend;
  writerIndex_ = kCheapPrepend;
}

std::string Buffer::retrieveAsString(size_t len) {
  assert(len <= readableBytes());
  std::string result(peek(), len);
  retrieve(len);
  return result;
}

void Buffer::append(const void* data, size_t len) {
  // An empty string_view may have a null data(), and memcpy's arguments must not be null,
  // even for 0 bytes.
  if (len == 0) return;
  ensureWritableBytes(len);
  std::memcpy(beginWrite(), data, len);
  hasWritten(len);
}

void Buffer::ensureWritableBytes(size_t len) {
  if (writableBytes() < len) {
    makeSpace(len);
  }
  assert(writableBytes() >= len);
}

void Buffer::hasWritten(size_t len) {
  assert(len <= writableBytes());
  writerIndex_ += len;
}

void Buffer::prepend(const void* data, size_t len) {
  assert(len <= prependableBytes());
  if (len == 0) return;               // as in append(): data may be null
  if (buffer_.empty()) makeSpace(0);  // a fresh buffer: allocate, keeping the indexes
  readerIndex_ -= len;
  std::memcpy(begin() + readerIndex_, data, len);
}

void Buffer::appendInt32(int32_t x) {
  const uint32_t be32 = htonl(static_cast<uint32_t>(x));
  append(&be32, sizeof be32);
}

int32_t Buffer::peekInt32() const {
  assert(readableBytes() >= sizeof(int32_t));
  // Copied out, not read through an int32_t*: peek() has no alignment (it moves by whatever
  // was retrieved), and such a read is undefined behaviour (SIGBUS on some CPUs).
  uint32_t be32 = 0;
  std::memcpy(&be32, peek(), sizeof be32);
  // Above INT32_MAX this wraps to a negative value: implementation-defined before C++20, modulo
  // 2^32 in GCC and Clang (and in C++20); a codec rejects negative lengths.
  return static_cast<int32_t>(ntohl(be32));
}

int32_t Buffer::readInt32() {
  const int32_t result = peekInt32();
  retrieveInt32();
  return result;
}

void Buffer::prependInt32(int32_t x) {
  const uint32_t be32 = htonl(static_cast<uint32_t>(x));
  prepend(&be32, sizeof be32);
}

void Buffer::releaseIfEmpty() {
  if (readableBytes() != 0 || buffer_.empty()) return;
  std::vector<char>& spare = t_spare;  // one lookup: in a shared library each costs a call
  if (spare.empty() && buffer_.size() == kCheapPrepend + kInitialSize) {
    buffer_.swap(spare);  // kept for the next buffer; a grown vector is never kept
  } else {
    std::vector<char>().swap(buffer_);  // shrink_to_fit() is only a request; a swap frees
  }
  readerIndex_ = kCheapPrepend;
  writerIndex_ = kCheapPrepend;
}

void Buffer::makeSpace(size_t len) {
  // len comes from the caller. Past this check, writerIndex_ + len (and len + kCheapPrepend,
  // as writerIndex_ >= kCheapPrepend) cannot wrap around to a small size that would shrink the
  // vector and let the write run off its end.
  if (len > buffer_.max_size() - writerIndex_) {
    throw std::length_error("Buffer::makeSpace: " + std::to_string(len) + " bytes do not fit");
  }
  if (buffer_.empty()) {
    // The first write, or the first since releaseIfEmpty(): nothing is readable and both
    // indexes are at kCheapPrepend.
    std::vector<char>& spare = t_spare;
    if (!spare.empty() && initialSize_ == kInitialSize && len <= kInitialSize) {
      buffer_.swap(spare);
    } else {
      buffer_.resize(kCheapPrepend + std::max(initialSize_, len));
    }
  } else if (writableBytes() + prependableBytes() < len + kCheapPrepend) {
    // Even moving the content to the front would not free enough room: grow.
    buffer_.resize(writerIndex_ + len);
  } else {
    // Enough room in total: move the content to the front instead of allocating.
    size_t readable = readableBytes();
    std::copy(begin() + readerIndex_, begin() + writerIndex_, begin() + kCheapPrepend);
    readerIndex_ = kCheapPrepend;
    writerIndex_ = readerIndex_ + readable;
  }
}

ssize_t Buffer::readFd(int fd, int* savedErrno) {
  // A 64 KiB stack buffer catches what does not fit, so one system call reads everything
  // available without first growing every connection's buffer to the largest message.
  char extrabuf[65536];
  struct iovec vec[2];
  const size_t writable = writableBytes();
  vec[0].iov_base = beginWrite();
  vec[0].iov_len = writable;
  vec[1].iov_base = extrabuf;
  vec[1].iov_len = sizeof extrabuf;
  const int iovcnt = writable < sizeof extrabuf ? 2 : 1;
  const ssize_t n = ::readv(fd, vec, iovcnt);
  if (n < 0) {
    *savedErrno = errno;
  } else if (static_cast<size_t>(n) <= writable) {
    writerIndex_ += static_cast<size_t>(n);
  } else {
    writerIndex_ += writable;  // the tail is full (a buffer without a vector had no tail)
    append(extrabuf, static_cast<size_t>(n) - writable);
  }
  return n;
}

}  // namespace net
}  // namespace mymuduo
