#include "mymuduo/net/TcpConnection.h"

#include <cassert>
#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/EventLoop.h"
#include "mymuduo/net/OutputQueue.h"
#include "mymuduo/net/Socket.h"
#include "mymuduo/net/SocketsOps.h"

namespace mymuduo {
namespace net {

namespace {

// The peer reset the connection (ECONNRESET; EPIPE when the reset reached a socket that had
// already seen its FIN). That is the peer's doing, not a fault of ours: a warning, not an error.
bool isPeerReset(int err) { return err == ECONNRESET || err == EPIPE; }

// A read or write on the connection's socket that failed with err, logged by who is to blame:
// the peer's reset as a warning, anything else as an error with errno's text.
void logSocketError(const char* where, const std::string& name, int err) {
  if (isPeerReset(err)) {
    LOG_WARN << where << " [" << name << "] - " << strerror_tl(err);
  } else {
    errno = err;  // LOG_SYSERR appends errno's text, and logging may have changed errno
    LOG_SYSERR << where << " [" << name << "]";
  }
}

}  // namespace

void defaultConnectionCallback(const TcpConnectionPtr& conn) {
  LOG_TRACE << conn->localAddress().toIpPort() << " -> " << conn->peerAddress().toIpPort() << " is "
            << (conn->connected() ? "UP" : "DOWN");
}

void defaultMessageCallback(const TcpConnectionPtr&, Buffer* buf, Timestamp) { buf->retrieveAll(); }

TcpConnection::TcpConnection(EventLoop* loop, std::string name, int sockfd,
                             const InetAddress& peerAddr)
    : loop_(loop),
      name_(std::move(name)),
      socket_(std::make_unique<Socket>(sockfd)),
      channel_(std::make_unique<Channel>(loop, sockfd)),
      peerAddr_(peerAddr),
      output_(std::make_unique<OutputQueue>()) {
  channel_->setReadCallback([this](Timestamp receiveTime) { handleRead(receiveTime); });
  channel_->setWriteCallback([this] { handleWrite(); });
  channel_->setCloseCallback([this] { handleClose(); });
  channel_->setErrorCallback([this] { handleError(); });
  LOG_DEBUG << "TcpConnection::ctor[" << name_ << "] at " << this << " fd=" << sockfd;
}

InetAddress TcpConnection::localAddress() const {
  std::call_once(localAddrOnce_,
                 [this] { localAddr_ = InetAddress(sockets::getLocalAddr(socket_->fd())); });
  return localAddr_;
}

TcpConnection::~TcpConnection() {
  LOG_DEBUG << "TcpConnection::dtor[" << name_ << "] at " << this << " fd=" << channel_->fd()
            << " state=" << stateToString();
  assert(state_ == kDisconnected);
}

Buffer* TcpConnection::outputBuffer() { return output_->buffer(); }

size_t TcpConnection::fileBytesLeft() const { return output_->fileBytes(); }

void TcpConnection::send(std::string_view message) { send(message.data(), message.size()); }

void TcpConnection::send(const void* data, size_t len) {
  if (state_ != kConnected) return;
  if (isInLoopThread()) {
    sendInLoop(data, len);
  } else {
    // Another thread: the caller's bytes may be gone before the loop runs this, and so may
    // every other reference to us. Copy the bytes, and hold ourselves.
    queueInLoopUnlessDown(
        [self = shared_from_this(), copy = std::string(static_cast<const char*>(data), len)] {
          self->sendInLoop(copy.data(), copy.size());
        });
  }
}

void TcpConnection::send(Buffer* buf) {
  if (state_ != kConnected) return;
  if (isInLoopThread()) {
    sendInLoop(buf->peek(), buf->readableBytes());
    buf->retrieveAll();
  } else {
    queueInLoopUnlessDown([self = shared_from_this(), copy = buf->retrieveAllAsString()] {
      self->sendInLoop(copy.data(), copy.size());
    });
  }
}

bool TcpConnection::isInLoopThread() const {
  // Compared, not asked of the loop: from another thread the loop may be gone already.
  return EventLoop::getEventLoopOfCurrentThread() == loop_;
}

bool TcpConnection::queueInLoopUnlessDown(std::function<void()> task) {
  // The check and the queueing under one lock, which the loop thread takes to mark us down:
  // a task queued here finds the loop still running (a loop marks its connections down
  // before it ends), and once we are down nobody touches the loop, which may be gone.
  std::lock_guard<std::mutex> lock(downMutex_);
  if (state_ == kDisconnected) return false;
  loop_->queueInLoop(std::move(task));
  return true;
}

void TcpConnection::setDisconnected() {
  loop_->assertInLoopThread();
  std::lock_guard<std::mutex> lock(downMutex_);
  setState(kDisconnected);
}

void TcpConnection::queueWriteComplete() {
  // Checked when it runs: the connection may have gone down since, and no callback of a
  // connection runs after its DOWN.
  loop_->queueInLoop([self = shared_from_this()] {
    if (!self->disconnected()) self->writeCompleteCallback_(self);
  });
}

void TcpConnection::sendInLoop(const void* data, size_t len) {
  loop_->assertInLoopThread();
  if (state_ == kDisconnected) {
    LOG_WARN << "TcpConnection " << name_ << " is disconnected, give up writing";
    return;
  }
  ssize_t nwrote = 0;
  size_t remaining = len;
  bool faultError = false;
  // Nothing queued: try to write directly, and queue only what the kernel does not take.
  if (!channel_->isWriting() && output_->empty()) {
    nwrote = sockets::send(channel_->fd(), data, len);
    if (nwrote >= 0) {
      remaining = len - static_cast<size_t>(nwrote);
      if (remaining == 0 && writeCompleteCallback_) queueWriteComplete();
    } else {
      nwrote = 0;
      int savedErrno = errno;  // logging may change errno
      if (savedErrno != EWOULDBLOCK) logSocketError("TcpConnection::sendInLoop", name_, savedErrno);
      if (isPeerReset(savedErrno)) {
        // The peer is gone. Stop further sends from writing (and logging) again. The poller
        // reports the hang-up next and handleClose() follows - unless we stopped reading (after
        // the peer's EOF, or stopRead()): then nothing would, so close from here.
        faultError = true;
        setState(kDisconnecting);
        if (peerHalfClosed_ || !channel_->isReading()) {
          loop_->queueInLoop([self = shared_from_this()] { self->handleClose(); });
        }
      }
    }
  }

  assert(remaining <= len);
  if (!faultError && remaining > 0) {
    size_t oldLen = output_->buffer()->readableBytes();
    if (oldLen + remaining >= highWaterMark_ && oldLen < highWaterMark_ && highWaterMarkCallback_) {
      loop_->queueInLoop([self = shared_from_this(), queued = oldLen + remaining] {
        if (!self->disconnected()) self->highWaterMarkCallback_(self, queued);
      });
    }
    output_->append(static_cast<const char*>(data) + nwrote, remaining);
    if (!channel_->isWriting()) {
      channel_->enableWriting();
    }
  }
}

void TcpConnection::sendFile(int fd, off_t offset, size_t count) {
  loop_->assertInLoopThread();
  if (state_ != kConnected) return;
  if (count == 0) {
    // Nothing to send, but the caller may wait for the write-complete callback to close fd.
    // With output queued it comes anyway, once that output is out.
    if (!channel_->isWriting() && writeCompleteCallback_) queueWriteComplete();
    return;
  }
  output_->appendFile(fd, offset, count);
  // Output queued: handleWrite() sends the file once the bytes ahead of it are out.
  if (channel_->isWriting()) return;
  bool drained = false;
  if (!writeOutput(&drained)) {
    // Not handleClose() from here: we may be deep in the user's message callback, which
    // must not see its connection torn down under it.
    setState(kDisconnecting);
    loop_->queueInLoop([self = shared_from_this()] { self->handleClose(); });
  } else if (!drained) {
    channel_->enableWriting();
  } else if (writeCompleteCallback_) {
    queueWriteComplete();
  }
}

bool TcpConnection::writeOutput(bool* drained) {
  OutputQueue::WriteResult result = output_->write(channel_->fd());
  *drained = result == OutputQueue::kDone;
  if (result == OutputQueue::kSocketError) {
    logSocketError("TcpConnection::handleWrite", name_, errno);
    return false;
  }
  if (result == OutputQueue::kFileShort) {
    LOG_ERROR << "TcpConnection::handleWrite [" << name_ << "] - a file ended "
              << output_->fileBytes() << " bytes before the end of what was queued";
    return false;
  }
  return true;
}

void TcpConnection::shutdown() {
  StateE expected = kConnected;
  if (state_.compare_exchange_strong(expected, kDisconnecting)) {
    if (isInLoopThread()) {
      shutdownInLoop();
    } else {
      queueInLoopUnlessDown([self = shared_from_this()] { self->shutdownInLoop(); });
    }
  }
}

void TcpConnection::shutdownInLoop() {
  loop_->assertInLoopThread();
  if (state_ == kDisconnected) return;  // closed while this was queued: no FIN to send
  if (!channel_->isWriting()) {
    // Nothing queued. Otherwise handleWrite() calls us again when the output is drained.
    socket_->shutdownWrite();
    // Both halves are closed now: nothing more can happen on this connection.
    if (peerHalfClosed_) handleClose();
  }
}

void TcpConnection::forceClose() {
  // Only the loop thread may set kDisconnected, and no other thread may overwrite it: after
  // a plain check-then-store (we read kConnected, the loop closes, we store kDisconnecting)
  // the queued forceCloseInLoop() would close the connection a second time.
  StateE state = state_;
  while (state == kConnected || state == kDisconnecting) {
    if (state_.compare_exchange_weak(state, kDisconnecting)) {
      queueInLoopUnlessDown([self = shared_from_this()] { self->forceCloseInLoop(); });
      return;
    }
  }
}

void TcpConnection::forceCloseInLoop() {
  loop_->assertInLoopThread();
  if (state_ == kConnected || state_ == kDisconnecting) {
    handleClose();
  }
}

void TcpConnection::setTcpNoDelay(bool on) { socket_->setTcpNoDelay(on); }

void TcpConnection::stopRead() {
  if (isInLoopThread()) {
    stopReadInLoop();
  } else {
    queueInLoopUnlessDown([self = shared_from_this()] { self->stopReadInLoop(); });
  }
}

void TcpConnection::stopReadInLoop() {
  loop_->assertInLoopThread();
  if (state_ != kDisconnected && channel_->isReading()) channel_->disableReading();
}

bool TcpConnection::isReading() const {
  loop_->assertInLoopThread();
  return channel_->isReading();
}

void TcpConnection::startRead() {
  if (isInLoopThread()) {
    startReadInLoop();
  } else {
    queueInLoopUnlessDown([self = shared_from_this()] { self->startReadInLoop(); });
  }
}

void TcpConnection::startReadInLoop() {
  loop_->assertInLoopThread();
  // After EOF there is nothing more to read, and poll would report the EOF again and again.
  if (state_ != kDisconnected && !peerHalfClosed_ && !channel_->isReading()) {
    channel_->enableReading();
  }
}

void TcpConnection::connectEstablished() {
  loop_->assertInLoopThread();
  assert(state_ == kConnecting);
  setState(kConnected);
  channel_->tie(shared_from_this());
  channel_->enableReading();
  connectionCallback_(shared_from_this());
}

void TcpConnection::connectDestroyed() {
  loop_->assertInLoopThread();
  if (state_ == kConnected || state_ == kDisconnecting) {
    // The owner let go without a close from the peer (a server shutting down).
    setDisconnected();
    channel_->disableAll();
    output_->clear();  // the files' owners may close them now
    // Guarded: a DOWN callback that throws must not keep the channel in the poller.
    invokeCallback("TcpConnection: the connection callback",
                   [this] { connectionCallback_(shared_from_this()); });
  }
  channel_->remove();
}

void TcpConnection::handleRead(Timestamp receiveTime) {
  loop_->assertInLoopThread();
  if (state_ == kDisconnected) return;  // handleError() ended it earlier in this event
  int savedErrno = 0;
  ssize_t n = inputBuffer_.readFd(channel_->fd(), &savedErrno);
  if (n > 0) {
    messageCallback_(shared_from_this(), &inputBuffer_, receiveTime);
    // Most connections sit idle between messages, and a kept input buffer would cost each
    // of them 1 KiB. Giving it back costs a busy connection one malloc/free pair per read:
    // readFd() then reads into its stack array and append() allocates. glibc serves that
    // 1032-byte block from its per-thread cache, which is cheap next to the read and the
    // callback.
    inputBuffer_.releaseIfEmpty();
  } else if (n == 0) {
    // EOF: the peer closed, or only half-closed (shutdown(SHUT_WR)) and waits for our reply.
    // Either way stop reading: EOF would be reported on every poll.
    if (halfCloseCallback_ && state_ == kConnected) {
      // The user keeps the connection open for a reply and ends it with shutdown().
      peerHalfClosed_ = true;
      channel_->disableReading();
      halfCloseCallback_(shared_from_this());
    } else if (channel_->isWriting()) {
      // Write out what is queued, then close; a reply sent after this point is dropped.
      peerHalfClosed_ = true;
      channel_->disableReading();
    } else {
      handleClose();
    }
  } else if (savedErrno != EAGAIN && savedErrno != EINTR) {
    logSocketError("TcpConnection::handleRead", name_, savedErrno);
    handleClose();
  }
}

void TcpConnection::handleWrite() {
  loop_->assertInLoopThread();
  if (!channel_->isWriting()) {
    LOG_TRACE << "Connection fd = " << channel_->fd() << " is down, no more writing";
    return;
  }
  // In order: the bytes queued before a file, the file, the bytes queued after it.
  bool drained = false;
  if (!writeOutput(&drained)) {
    handleClose();  // the peer is gone and so is our output
    return;
  }
  if (!drained) return;  // the socket is full, or more is due on the next EPOLLOUT
  // Give the drained buffer back, as handleRead() does with the input: it may have grown
  // to the largest reply, and the next reply most likely goes out directly without it.
  // One free per backlog, next to a send(2) and two epoll_ctl(2) calls, costs nothing.
  output_->buffer()->releaseIfEmpty();
  channel_->disableWriting();
  if (writeCompleteCallback_) queueWriteComplete();
  if (state_ == kDisconnecting) {
    shutdownInLoop();
  } else if (peerHalfClosed_ && !halfCloseCallback_) {
    handleClose();
  }
}

void TcpConnection::handleClose() {
  loop_->assertInLoopThread();
  if (state_ == kDisconnected) return;  // an error and a hang-up may both report the end
  LOG_TRACE << "fd = " << channel_->fd() << " state = " << stateToString();
  setDisconnected();
  channel_->disableAll();
  output_->clear();  // the files' owners may close them now
  TcpConnectionPtr guardThis(shared_from_this());
  // Guarded: a DOWN callback that throws must not skip the owner's close callback, or the
  // owner would hold a closed connection for ever.
  invokeCallback("TcpConnection: the connection callback", [&] { connectionCallback_(guardThis); });
  // Last: the owner drops its reference here, and schedules connectDestroyed().
  closeCallback_(guardThis);
}

void TcpConnection::handleError() {
  int err = sockets::getSocketError(channel_->fd());
  if (isPeerReset(err)) {
    LOG_WARN << "TcpConnection::handleError [" << name_ << "] - SO_ERROR = " << err << " "
             << strerror_tl(err);
  } else {
    LOG_ERROR << "TcpConnection::handleError [" << name_ << "] - SO_ERROR = " << err << " "
              << strerror_tl(err);
  }
  // Without IP_RECVERR (never set here) a TCP socket's error means the connection is dead: a
  // reset or a timeout. Reading SO_ERROR cleared it, so the read that follows in this event
  // would return 0 as for a FIN, and with a half-close callback a reset would pass for a
  // half-close: the connection would wait to answer a peer that is gone. It ends here instead.
  if (err != 0) handleClose();
}

const char* TcpConnection::stateToString() const {
  switch (state_) {
    case kDisconnected:
      return "kDisconnected";
    case kConnecting:
      return "kConnecting";
    case kConnected:
      return "kConnected";
    case kDisconnecting:
      return "kDisconnecting";
  }
  return "unknown state";
}

}  // namespace net
}  // namespace mymuduo
