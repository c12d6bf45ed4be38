#include "mymuduo/base/AsyncLogging.h"

#include <signal.h>

#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "mymuduo/base/CurrentThread.h"
#include "mymuduo/base/LogFile.h"
#include "mymuduo/base/Logger.h"
#include "mymuduo/base/Timestamp.h"

namespace mymuduo {

/// One 4 MB buffer of whole lines; it counts itself in the owner's bufferCount_. Used under the
/// owner's mutex while it is the current buffer, by the back end alone once it has been taken.
class AsyncLogging::Buffer : noncopyable {
 public:
  explicit Buffer(std::atomic<int>* count) : count_(count) { count_->fetch_add(1); }
  ~Buffer() { count_->fetch_sub(1); }

  size_t avail() const { return sizeof data_ - len_; }
  void append(const char* data, size_t len) {
    std::memcpy(data_ + len_, data, len);
    len_ += len;
    ++lines_;
  }
  void reset() {
    len_ = 0;
    lines_ = 0;
  }
  /// Touches every page, so that the kernel maps them now, in the calling thread, and not one
  /// by one under the first appends (a page fault each).
  void bzero() { std::memset(data_, 0, sizeof data_); }
  const char* data() const { return data_; }
  size_t length() const { return len_; }
  size_t lines() const { return lines_; }

 private:
  std::atomic<int>* count_;
  size_t len_ = 0;
  size_t lines_ = 0;  // calls to append(): one per line from the Logger
  char data_[kBufferSize];
};

namespace {

// The Logger takes a plain function pointer, so the object it writes to is a global.
std::atomic<AsyncLogging*> g_asyncLogging{nullptr};

void asyncOutput(const char* msg, size_t len) {
  // A thread may still hold this function after stop() has switched the Logger back: then the
  // pointer is null, and its line goes to stderr.
  AsyncLogging* log = g_asyncLogging.load(std::memory_order_acquire);
  if (log != nullptr) {
    log->append(msg, len);
  } else {
    Logger::defaultOutput(msg, len);
  }
}

void asyncFlush() {
  AsyncLogging* log = g_asyncLogging.load(std::memory_order_acquire);
  if (log != nullptr) {
    log->flush();
  } else {
    Logger::defaultFlush();
  }
}

// The asynchronous signals: all but the faults (SIGSEGV...), which belong to the thread that
// faults, and whose blocking is undefined (sigprocmask(2)).
sigset_t asyncSignals() {
  sigset_t set;
  ::sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) ::sigdelset(&set, sig);
  return set;
}

}  // namespace

AsyncLogging::AsyncLogging(std::string basename, off_t rollSize, int flushInterval)
    : basename_(std::move(basename)),
      rollSize_(rollSize),
      flushInterval_(flushInterval),
      thread_([this] { threadFunc(); }, "AsyncLogging"),
      currentBuffer_(newBuffer()),
      nextBuffer_(newBuffer()) {
  currentBuffer_->bzero();
  nextBuffer_->bzero();
  buffers_.reserve(16);
}

AsyncLogging::~AsyncLogging() { stop(); }

AsyncLogging::BufferPtr AsyncLogging::newBuffer() {
  return std::make_unique<Buffer>(&bufferCount_);
}

void AsyncLogging::append(const char* logline, size_t len) {
  if (len > kBufferSize) len = kBufferSize;  // never from the Logger: its lines are short
  std::lock_guard<std::mutex> lock(mutex_);
  if (currentBuffer_->avail() < len) {
    // Full: hand it to the back end, and continue in the spare.
    buffers_.push_back(std::move(currentBuffer_));
    if (nextBuffer_) {
      currentBuffer_ = std::move(nextBuffer_);
    } else {
      // The back end has not given a spare back yet: rare. Not bzero()ed: 4 MB of memset
      // under the lock would stall every logging thread at once.
      currentBuffer_ = newBuffer();
    }
    cond_.notify_one();
  }
  currentBuffer_->append(logline, len);
  appended_ += len;
}

void AsyncLogging::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!started_ || exited_ || CurrentThread::tid() == backendTid_) return;
  uint64_t target = appended_;
  if (written_ >= target) return;  // nothing appended since the last pass took its buffers
  if (target > flushTarget_) flushTarget_ = target;
  cond_.notify_one();
  // exited_: a line appended after stop()'s last pass is never written; do not wait for it.
  flushedCond_.wait(lock, [this, target] { return written_ >= target || exited_; });
}

void AsyncLogging::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    assert(!started_);
    started_ = true;
    running_ = true;
  }
  // A signal sent to the process goes to any one thread that does not block it, and the back
  // end must never be that thread: QuitOnSignals, for one, blocks SIGINT and SIGTERM in the
  // threads that exist and reads them from a signalfd; a back end that took them would die of
  // them. A new thread inherits its creator's mask, so it is born with them blocked: blocking
  // them in threadFunc() would leave a window before it runs.
  sigset_t set = asyncSignals();
  sigset_t saved;
  ::pthread_sigmask(SIG_BLOCK, &set, &saved);
  try {
    thread_.start();
  } catch (...) {  // no thread (std::system_error): not started, as Thread::start() leaves it
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = false;
    running_ = false;
    throw;
  }
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

void AsyncLogging::stop() {
  AsyncLogging* self = this;
  if (g_asyncLogging.compare_exchange_strong(self, nullptr)) {
    // The Logger first: lines logged from now on go to stderr, not into a buffer never written.
    Logger::setOutput(Logger::defaultOutput);
    Logger::setFlush(Logger::defaultFlush);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  cond_.notify_one();
  thread_.join();
}

void AsyncLogging::setAsLoggerOutput() {
  g_asyncLogging.store(this, std::memory_order_release);
  Logger::setOutput(asyncOutput);
  Logger::setFlush(asyncFlush);
}

void AsyncLogging::threadFunc() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    backendTid_ = CurrentThread::tid();
  }
  LogFile output(basename_, rollSize_);
  BufferPtr newBuffer1 = newBuffer();
  BufferPtr newBuffer2 = newBuffer();
  newBuffer1->bzero();  // here, not in the front end's first appends
  newBuffer2->bzero();
  BufferVector buffersToWrite;
  buffersToWrite.reserve(16);
  bool stopping = false;
  while (!stopping) {
    assert(newBuffer1 && newBuffer1->length() == 0);
    assert(newBuffer2 && newBuffer2->length() == 0);
    assert(buffersToWrite.empty());
    uint64_t taken;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // A predicate, unlike muduo's plain timed wait: a flush() or stop() that notified while
      // we were writing must not wait out the interval.
      cond_.wait_for(lock, std::chrono::seconds(flushInterval_),
                     [this] { return !buffers_.empty() || !running_ || flushTarget_ > written_; });
      buffers_.push_back(std::move(currentBuffer_));
      currentBuffer_.swap(newBuffer1);  // a swap: newBuffer1 is left empty, refilled below
      buffersToWrite.swap(buffers_);
      if (!nextBuffer_) nextBuffer_.swap(newBuffer2);
      taken = appended_;
      stopping = !running_;  // read with the swap: what was appended before stop() is taken
    }

    // Outside the lock from here on: the front end keeps appending while we write.
    if (backendHook_) backendHook_(buffersToWrite.size());
    char dropped[256];
    int droppedLen = 0;
    if (buffersToWrite.size() > kMaxBuffersToWrite) {
      // The back end fell behind: keep the two oldest buffers, drop the rest, and say so.
      size_t lines = 0;
      size_t bytes = 0;
      for (size_t i = 2; i < buffersToWrite.size(); ++i) {
        lines += buffersToWrite[i]->lines();
        bytes += buffersToWrite[i]->length();
      }
      droppedLen = std::snprintf(dropped, sizeof dropped,
                                 "%s %d WARN  AsyncLogging dropped %zu lines (%zu bytes, %zu "
                                 "buffers): the back end fell behind\n",
                                 Timestamp::now().toFormattedString().c_str(), CurrentThread::tid(),
                                 lines, bytes, buffersToWrite.size() - 2);
      if (droppedLen >= static_cast<int>(sizeof dropped)) droppedLen = sizeof dropped - 1;
      std::fputs(dropped, stderr);
      buffersToWrite.erase(buffersToWrite.begin() + 2, buffersToWrite.end());
    }
    for (const BufferPtr& buffer : buffersToWrite) {
      output.append(buffer->data(), buffer->length());
    }
    // After the lines it kept, where the gap is (muduo writes it before them).
    if (droppedLen > 0) output.append(dropped, static_cast<size_t>(droppedLen));
    output.flush();

    // The spares for the next swap come from what was just written; clear() frees the rest,
    // so that memory goes back down after a burst.
    if (!newBuffer1) {
      newBuffer1 = std::move(buffersToWrite.back());
      buffersToWrite.pop_back();
      newBuffer1->reset();
    }
    if (!newBuffer2) {
      newBuffer2 = std::move(buffersToWrite.back());
      buffersToWrite.pop_back();
      newBuffer2->reset();
    }
    buffersToWrite.clear();

    {
      std::lock_guard<std::mutex> lock(mutex_);
      written_ = taken;
      exited_ = stopping;
    }
    flushedCond_.notify_all();
  }
}

}  // namespace mymuduo
