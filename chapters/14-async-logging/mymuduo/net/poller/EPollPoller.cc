#include "mymuduo/net/poller/EPollPoller.h"

#include <unistd.h>

#include <cassert>
#include <cerrno>

#include "mymuduo/base/Logger.h"
#include "mymuduo/net/Channel.h"

namespace mymuduo {
namespace net {

namespace {
// The states a channel's index() takes with this poller.
constexpr int kNew = -1;     // never seen (the Channel's initial index)
constexpr int kAdded = 1;    // in channels_ and in the epoll interest list
constexpr int kDeleted = 2;  // in channels_, but removed from the interest list
}  // namespace

EPollPoller::EPollPoller(EventLoop* loop)
    : Poller(loop), epollfd_(::epoll_create1(EPOLL_CLOEXEC)), events_(kInitEventListSize) {
  if (epollfd_ < 0) {
    LOG_SYSFATAL << "EPollPoller::EPollPoller";
  }
}

EPollPoller::~EPollPoller() { ::close(epollfd_); }

Timestamp EPollPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  int numEvents =
      ::epoll_wait(epollfd_, events_.data(), static_cast<int>(events_.size()), timeoutMs);
  int savedErrno = errno;
  Timestamp now(Timestamp::now());
  if (numEvents > 0) {
    fillActiveChannels(numEvents, activeChannels);
    if (static_cast<size_t>(numEvents) == events_.size()) {
      events_.resize(events_.size() * 2);
    }
  } else if (numEvents < 0 && savedErrno != EINTR) {
    errno = savedErrno;
    LOG_SYSERR << "EPollPoller::poll()";
  }
  return now;
}

void EPollPoller::fillActiveChannels(int numEvents, ChannelList* activeChannels) const {
  for (size_t i = 0; i < static_cast<size_t>(numEvents); ++i) {
    auto* channel = static_cast<Channel*>(events_[i].data.ptr);
    assert(channels_.count(channel->fd()) == 1 && channels_.at(channel->fd()) == channel);
    channel->set_revents(static_cast<int>(events_[i].events));
    activeChannels->push_back(channel);
  }
}

void EPollPoller::updateChannel(Channel* channel) {
  assertInLoopThread();
  const int index = channel->index();
  LOG_TRACE << "fd = " << channel->fd() << " events = " << channel->events()
            << " index = " << index;
  if (index == kNew || index == kDeleted) {
    if (index == kNew) {
      assert(channels_.find(channel->fd()) == channels_.end());
      channels_[channel->fd()] = channel;
    } else {
      assert(channels_.find(channel->fd()) != channels_.end());
      assert(channels_[channel->fd()] == channel);
    }
    if (channel->isNoneEvent()) {
      channel->set_index(kDeleted);  // known, but nothing to watch yet
      return;
    }
    channel->set_index(kAdded);
    update(EPOLL_CTL_ADD, channel);
  } else {
    assert(channels_.find(channel->fd()) != channels_.end());
    assert(channels_[channel->fd()] == channel);
    assert(index == kAdded);
    if (channel->isNoneEvent()) {
      update(EPOLL_CTL_DEL, channel);
      channel->set_index(kDeleted);
    } else {
      update(EPOLL_CTL_MOD, channel);
    }
  }
}

void EPollPoller::removeChannel(Channel* channel) {
  assertInLoopThread();
  int fd = channel->fd();
  LOG_TRACE << "fd = " << fd;
  assert(channels_.find(fd) != channels_.end());
  assert(channels_[fd] == channel);
  assert(channel->isNoneEvent());
  int index = channel->index();
  assert(index == kAdded || index == kDeleted);
  channels_.erase(fd);
  if (index == kAdded) {
    update(EPOLL_CTL_DEL, channel);
  }
  channel->set_index(kNew);
}

void EPollPoller::update(int operation, Channel* channel) {
  struct epoll_event event {};
  event.events = static_cast<uint32_t>(channel->events());
  event.data.ptr = channel;
  int fd = channel->fd();
  if (::epoll_ctl(epollfd_, operation, fd, &event) < 0) {
    if (operation == EPOLL_CTL_DEL) {
      LOG_SYSERR << "epoll_ctl op=DEL fd=" << fd;
    } else {
      LOG_SYSFATAL << "epoll_ctl op=" << (operation == EPOLL_CTL_ADD ? "ADD" : "MOD")
                   << " fd=" << fd;
    }
  }
}

}  // namespace net
}  // namespace mymuduo
