#include "mymuduo/net/poller/PollPoller.h"

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"

namespace mymuduo {
namespace net {

PollPoller::PollPoller(EventLoop* loop) : Poller(loop) {}

PollPoller::~PollPoller() = default;

Timestamp PollPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  int numEvents = ::poll(pollfds_.data(), pollfds_.size(), timeoutMs);
  int savedErrno = errno;
  Timestamp now(Timestamp::now());
  if (numEvents > 0) {
    fillActiveChannels(numEvents, activeChannels);
  } else if (numEvents < 0 && savedErrno != EINTR) {
    errno = savedErrno;
    LOG_SYSERR << "PollPoller::poll()";
  }
  return now;
}

void PollPoller::fillActiveChannels(int numEvents, ChannelList* activeChannels) const {
  for (auto pfd = pollfds_.begin(); pfd != pollfds_.end() && numEvents > 0; ++pfd) {
    if (pfd->revents > 0) {
      --numEvents;
      auto ch = channels_.find(pfd->fd);
      assert(ch != channels_.end());
      Channel* channel = ch->second;
      channel->set_revents(pfd->revents);
      activeChannels->push_back(channel);
    }
  }
}

void PollPoller::updateChannel(Channel* channel) {
  assertInLoopThread();
  LOG_TRACE << "fd = " << channel->fd() << " events = " << channel->events();
  if (channel->index() < 0) {
    // A new channel: append a slot.
    assert(channels_.find(channel->fd()) == channels_.end());
    struct pollfd pfd;
    pfd.fd = channel->fd();
    pfd.events = static_cast<short>(channel->events());
    pfd.revents = 0;
    pollfds_.push_back(pfd);
    channel->set_index(static_cast<int>(pollfds_.size()) - 1);
    channels_[pfd.fd] = channel;
  } else {
    assert(channels_.find(channel->fd()) != channels_.end());
    assert(channels_[channel->fd()] == channel);
    auto idx = static_cast<size_t>(channel->index());
    assert(idx < pollfds_.size());
    struct pollfd& pfd = pollfds_[idx];
    assert(pfd.fd == channel->fd() || pfd.fd == -channel->fd() - 1);
    pfd.fd = channel->fd();
    pfd.events = static_cast<short>(channel->events());
    pfd.revents = 0;
    if (channel->isNoneEvent()) {
      pfd.fd = -channel->fd() - 1;  // poll skips negative fds; -fd-1 also works for fd 0
    }
  }
}

void PollPoller::removeChannel(Channel* channel) {
  assertInLoopThread();
  LOG_TRACE << "fd = " << channel->fd();
  assert(channels_.find(channel->fd()) != channels_.end());
  assert(channels_[channel->fd()] == channel);
  assert(channel->isNoneEvent());
  auto idx = static_cast<size_t>(channel->index());
  assert(idx < pollfds_.size());
  channels_.erase(channel->fd());
  // O(1) removal: move the last slot into the hole and fix that channel's index.
  if (idx != pollfds_.size() - 1) {
    int lastFd = pollfds_.back().fd;
    std::iter_swap(pollfds_.begin() + static_cast<std::ptrdiff_t>(idx), pollfds_.end() - 1);
    if (lastFd < 0) lastFd = -lastFd - 1;
    channels_[lastFd]->set_index(static_cast<int>(idx));
  }
  pollfds_.pop_back();
  channel->set_index(-1);
}

}  // namespace net
}  // namespace mymuduo
