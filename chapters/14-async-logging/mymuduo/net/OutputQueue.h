#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Buffer.h"

namespace mymuduo {
namespace net {

/// What a TcpConnection has still to write, in the order it was queued: runs of bytes, kept
/// together in one Buffer, and ranges of files, which go from the page cache to the socket with
/// sendfile(2) and never enter the Buffer. Each file range records how many of the Buffer's
/// bytes go out before it; bytes queued after the last file follow it.
/// Owned by one TcpConnection and used in its loop thread only. The fds of the files stay the
/// caller's: the queue reads them and never closes them.
class OutputQueue : noncopyable {
 public:
  enum WriteResult {
    kDone,         ///< everything is written
    kMore,         ///< something is left: write again on the next EPOLLOUT
    kSocketError,  ///< the socket refused (errno says why)
    kFileShort,    ///< a file ended before its range did
  };

  void append(const char* data, size_t len) { buffer_.append(data, len); }
  /// count bytes of the regular file fd from offset, after everything queued so far.
  void appendFile(int fd, off_t offset, size_t count);
  bool empty() const { return buffer_.readableBytes() == 0 && files_.empty(); }
  /// The bytes queued (the runs between and after the files).
  Buffer* buffer() { return &buffer_; }
  /// The bytes of files not yet handed to the kernel.
  size_t fileBytes() const;
  /// One turn of writing to sockfd, as one EPOLLOUT allows: the bytes before the next file,
  /// then, if the socket took them all, up to 48 KiB of that file. Anything but kDone and kMore
  /// leaves the queue as it was at the failure; the connection is closing then.
  WriteResult write(int sockfd);
  /// Forgets the files (their fds may be closed now) and the bytes.
  void clear();

 private:
  struct FileRange {
    int fd;
    off_t offset;
    size_t count;
    size_t bytesAhead;  ///< of buffer_, not yet written, that go out before this file
  };

  WriteResult writeFileChunk(int sockfd, FileRange* file);

  Buffer buffer_;
  // A vector, not a deque: libstdc++'s deque allocates its map and a 512-byte block as soon as
  // it exists, some 600 bytes for every connection, most of which never sends a file. Erasing
  // the front moves the ranges behind it, and there are few: HttpServer queues one at a time.
  std::vector<FileRange> files_;
};

}  // namespace net
}  // namespace mymuduo
