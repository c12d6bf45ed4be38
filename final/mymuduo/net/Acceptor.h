#pragma once

#include <functional>

#include "mymuduo/base/noncopyable.h"
#include "mymuduo/net/Channel.h"
#include "mymuduo/net/InetAddress.h"
#include "mymuduo/net/Socket.h"
#include "mymuduo/net/TimerId.h"

namespace mymuduo {
namespace net {

class EventLoop;

/// Accepts TCP connections on a listening socket and hands each new fd to a callback.
///
/// Owns the listening Socket, its Channel, and one spare fd kept open for the EMFILE case.
/// Lives in one loop (the main Reactor's); listen() and the callback run in that loop's thread,
/// and so must the destructor (it cancels the retry timer, which points back at us).
/// The callback takes ownership of the new fd; without a callback the fd is closed.
class Acceptor : noncopyable {
 public:
  using NewConnectionCallback = std::function<void(int sockfd, const InetAddress& peerAddr)>;

  /// Binds at once (aborting if the address is in use); SO_REUSEPORT only when reuseport.
  Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reuseport);
  ~Acceptor();

  void setNewConnectionCallback(NewConnectionCallback cb) {
    newConnectionCallback_ = std::move(cb);
  }

  /// Starts listening. Must be called in the loop thread.
  void listen();
  bool listening() const { return listening_; }
  /// The address actually bound: with port 0 asked, it carries the port the kernel chose.
  InetAddress listenAddress() const;
  /// TCP_NODELAY on the listening socket: every connection accepted after it inherits it.
  void setTcpNoDelay(bool on) { acceptSocket_.setTcpNoDelay(on); }

 private:
  void handleRead();
  /// Out of fds with no spare to give up, or the system short of files or memory: stop
  /// reading the listening socket for a while, instead of waking for it again and again.
  void pauseAccepting();
  void resumeAccepting();

  EventLoop* loop_;
  Socket acceptSocket_;
  Channel acceptChannel_;
  NewConnectionCallback newConnectionCallback_;
  bool listening_ = false;
  int idleFd_;          // a spare fd, given up to accept-and-close when we run out (EMFILE); or -1
  TimerId retryTimer_;  // resumes accepting after a pause
};

}  // namespace net
}  // namespace mymuduo
