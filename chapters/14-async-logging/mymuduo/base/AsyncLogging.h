#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mymuduo/base/Thread.h"
#include "mymuduo/base/noncopyable.h"

namespace mymuduo {

/// muduo's asynchronous, double-buffered logging. The front end, append(), is what a thread that
/// logs pays: it copies the line into the current 4 MB buffer under a short lock and makes no
/// system call. The back end is a thread of its own: it wakes when a buffer is full, when flush()
/// or stop() asks, or after flushInterval seconds, swaps the full buffers and the current one for
/// two empty spares, and writes them to a LogFile outside the lock.
///
/// Owns the back-end thread and every buffer; the LogFile lives in the back-end thread. When more
/// than kMaxBuffersToWrite buffers wait at once (the back end fell behind), it writes the two
/// oldest, drops the others and writes one line that says how many lines and bytes were lost.
/// Thread safety: append() and flush() from any thread. The constructor, start(), stop(),
/// setAsLoggerOutput(), setBackendHook() and the destructor from the owning thread. The object
/// must outlive every thread that may still append to it: a line appended after stop() is lost.
class AsyncLogging : noncopyable {
 public:
  static constexpr size_t kBufferSize = 4000 * 1000;  // muduo's kLargeBuffer
  static constexpr size_t kMaxBuffersToWrite = 25;

  /// The files are named as LogFile names them: basename.YYYYmmdd-HHMMSS.hostname.pid.log.
  AsyncLogging(std::string basename, off_t rollSize, int flushInterval = 3);
  /// Stops, if running: everything appended before is written.
  ~AsyncLogging();

  /// Copies one line (or several whole lines) into the current buffer. Never blocks on the file.
  void append(const char* logline, size_t len);
  /// Returns when everything appended before the call has been written to the file. Returns at
  /// once when not running, and when called by the back-end thread (it cannot wait for itself).
  void flush();

  void start();
  /// Wakes the back end for a last pass, which writes everything appended before, and joins it.
  /// If this object is the Logger's output, the Logger goes back to stderr first.
  void stop();

  /// Makes the Logger send every line here, and LOG_FATAL call flush() before it aborts; until
  /// stop(). Call it after start(), before other threads log.
  void setAsLoggerOutput();

  /// How many buffers exist: the memory held is this many times kBufferSize.
  int bufferCount() const { return bufferCount_.load(std::memory_order_relaxed); }

  /// A test seam: the back end calls hook(n) at each pass, outside the lock, before it writes
  /// the n buffers it took. A hook that blocks makes the back end slow. Set before start().
  void setBackendHook(std::function<void(size_t)> hook) { backendHook_ = std::move(hook); }

 private:
  class Buffer;
  using BufferPtr = std::unique_ptr<Buffer>;
  using BufferVector = std::vector<BufferPtr>;

  BufferPtr newBuffer();
  void threadFunc();

  const std::string basename_;
  const off_t rollSize_;
  const int flushInterval_;
  std::atomic<int> bufferCount_{0};
  std::function<void(size_t)> backendHook_;
  Thread thread_;

  std::mutex mutex_;
  std::condition_variable cond_;         // wakes the back end
  std::condition_variable flushedCond_;  // wakes the callers of flush()
  // Guarded by mutex_:
  bool started_ = false;
  bool running_ = false;  // between start() and stop()
  bool exited_ = false;   // the back end has made its last pass
  int backendTid_ = 0;
  BufferPtr currentBuffer_;
  BufferPtr nextBuffer_;
  BufferVector buffers_;      // full, waiting for the back end
  uint64_t appended_ = 0;     // bytes appended since the start
  uint64_t written_ = 0;      // appended_ as it was when the last finished pass took its buffers
  uint64_t flushTarget_ = 0;  // the largest appended_ a flush() waits for
};

}  // namespace mymuduo
