/* The raw epoll yardstick of the benchmark suite: the least a server on this machine must do,
 * written straight against the system calls, so that the library's numbers have a floor to be
 * measured against. One thread, one epoll loop, level-triggered, no abstractions.
 *
 *   raw_epoll echo PORT   sends back every byte it reads
 *   raw_epoll http PORT   answers every complete request (one per "\r\n\r\n") with a fixed
 *                         200 response, "hello, world!\n"; keeps the connection open unless the
 *                         request says "Connection: close" (then answers so, and closes)
 *
 * It listens on 127.0.0.1 only; PORT 0 lets the kernel choose, and the port is printed on
 * stdout ("listening on 127.0.0.1:PORT"). SIGINT or SIGTERM ends it cleanly (through a signalfd
 * in the same epoll set, so no code runs in a signal handler).
 *
 * Build: cc -O2 -Wall -Wextra -o raw_epoll raw_epoll.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MODE_ECHO, MODE_HTTP };

/* A request header larger than this is refused (the connection is closed). */
#define REQ_MAX 8192
#define IO_CHUNK 65536
#define MAX_EVENTS 256

static const char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nhello, world!\n";
static const char kResponseClose[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n"
    "Connection: close\r\n\r\nhello, world!\n";

/* Per connection, indexed by fd. Buffers are allocated on first use only. */
struct conn {
  int open;
  int closing;   /* close once out[] is written (http: a "Connection: close" was answered) */
  char *req;     /* http: the unfinished request header so far */
  size_t reqlen;
  char *out;     /* bytes not yet written (the socket was full) */
  size_t outlen, outoff, outcap;
};

static struct conn *conns;
static size_t nconns;
static int epfd, mode;
static char iobuf[IO_CHUNK];

static void die(const char *what) {
  perror(what);
  exit(1);
}

static struct conn *conn_of(int fd) {
  if ((size_t)fd >= nconns) {
    size_t n = nconns ? nconns : 1024;
    while (n <= (size_t)fd) n *= 2;
    struct conn *p = realloc(conns, n * sizeof *p);
    if (p == NULL) die("realloc");
    memset(p + nconns, 0, (n - nconns) * sizeof *p);
    conns = p;
    nconns = n;
  }
  return &conns[fd];
}

static void close_conn(int fd) {
  struct conn *c = &conns[fd];
  epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(c->req);
  free(c->out);
  memset(c, 0, sizeof *c);
}

static void watch(int fd, int op, unsigned events) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epfd, op, fd, &ev) < 0) die("epoll_ctl");
}

/* Keeps what write() did not take; while anything is pending the connection waits for
 * EPOLLOUT and reads nothing more (back pressure). */
static int queue_out(struct conn *c, const char *data, size_t len) {
  if (c->outlen == c->outoff) c->outlen = c->outoff = 0;
  if (c->outlen + len > c->outcap) {
    size_t cap = c->outcap ? c->outcap : 4096;
    while (cap < c->outlen + len) cap *= 2;
    char *p = realloc(c->out, cap);
    if (p == NULL) return -1;
    c->out = p;
    c->outcap = cap;
  }
  memcpy(c->out + c->outlen, data, len);
  c->outlen += len;
  return 0;
}

/* Writes data (after anything pending). Returns -1 if the connection must close. */
static int send_data(int fd, struct conn *c, const char *data, size_t len) {
  if (c->outlen == c->outoff) {
    while (len > 0) {
      ssize_t n = write(fd, data, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return -1;
      }
      data += n;
      len -= (size_t)n;
    }
    if (len == 0) return 0;
    if (queue_out(c, data, len) < 0) return -1;
    watch(fd, EPOLL_CTL_MOD, EPOLLOUT);
    return 0;
  }
  return queue_out(c, data, len);
}

static int flush_out(int fd, struct conn *c) {
  while (c->outoff < c->outlen) {
    ssize_t n = write(fd, c->out + c->outoff, c->outlen - c->outoff);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return -1;
    }
    c->outoff += (size_t)n;
  }
  c->outlen = c->outoff = 0;
  if (c->closing) return -1;
  watch(fd, EPOLL_CTL_MOD, EPOLLIN);
  return 0;
}

/* Case-insensitive search for "connection: close" in one request header. */
static int wants_close(const char *hdr, size_t len) {
  static const char needle[] = "\nconnection: close";
  size_t n = sizeof needle - 1;
  for (size_t i = 0; i + n <= len; ++i) {
    if (hdr[i] != '\n') continue;
    if (strncasecmp(hdr + i, needle, n) == 0) return 1;
  }
  return 0;
}

/* Appends what was read to the request buffer and answers every complete request in it. */
static int on_http_data(int fd, struct conn *c, const char *data, size_t len) {
  if (c->req == NULL && (c->req = malloc(REQ_MAX)) == NULL) return -1;
  while (len > 0) {
    size_t take = REQ_MAX - c->reqlen;
    if (take == 0) return -1; /* a header longer than REQ_MAX */
    if (take > len) take = len;
    memcpy(c->req + c->reqlen, data, take);
    size_t scan = c->reqlen >= 3 ? c->reqlen - 3 : 0;
    c->reqlen += take;
    data += take;
    len -= take;
    size_t start = 0;
    for (size_t i = scan; i + 4 <= c->reqlen; ++i) {
      if (c->req[i] != '\r' || memcmp(c->req + i, "\r\n\r\n", 4) != 0) continue;
      size_t end = i + 4;
      if (wants_close(c->req + start, end - start)) {
        c->closing = 1;
        if (send_data(fd, c, kResponseClose, sizeof kResponseClose - 1) < 0) return -1;
        return c->outlen == c->outoff ? -1 : 0; /* all written: close now */
      }
      if (send_data(fd, c, kResponse, sizeof kResponse - 1) < 0) return -1;
      start = end;
      i = end - 1;
    }
    memmove(c->req, c->req + start, c->reqlen - start);
    c->reqlen -= start;
  }
  return 0;
}

static void on_readable(int fd, struct conn *c) {
  for (;;) {
    ssize_t n = read(fd, iobuf, sizeof iobuf);
    if (n > 0) {
      int rc = mode == MODE_ECHO ? send_data(fd, c, iobuf, (size_t)n)
                                 : on_http_data(fd, c, iobuf, (size_t)n);
      if (rc < 0) {
        close_conn(fd);
        return;
      }
      /* Level-triggered: stop after a short read, or when output is pending. */
      if ((size_t)n < sizeof iobuf || c->outlen != c->outoff) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_conn(fd); /* 0: the client closed; < 0: an error */
    return;
  }
}

static void on_acceptable(int listenfd, int *sparefd) {
  for (;;) {
    int fd = accept4(listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        /* Out of descriptors: accept with the spare one and close at once, so the pending
         * connection does not keep the level-triggered listener ready forever. */
        close(*sparefd);
        fd = accept(listenfd, NULL, NULL);
        if (fd >= 0) close(fd);
        *sparefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return; /* EAGAIN: all accepted */
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = conn_of(fd);
    c->open = 1;
    watch(fd, EPOLL_CTL_ADD, EPOLLIN);
  }
}

int main(int argc, char *argv[]) {
  if (argc != 3 || (strcmp(argv[1], "echo") != 0 && strcmp(argv[1], "http") != 0)) {
    fprintf(stderr, "usage: %s echo|http PORT\n", argv[0]);
    return 2;
  }
  mode = strcmp(argv[1], "echo") == 0 ? MODE_ECHO : MODE_HTTP;
  char *end;
  long port = strtol(argv[2], &end, 10);
  if (*argv[2] == '\0' || *end != '\0' || port < 0 || port > 65535) {
    fprintf(stderr, "%s: bad port '%s'\n", argv[0], argv[2]);
    return 2;
  }

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) die("signalfd");

  int listenfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listenfd < 0) die("socket");
  int one = 1;
  setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(listenfd, SOMAXCONN) < 0) die("listen");
  socklen_t alen = sizeof addr;
  getsockname(listenfd, (struct sockaddr *)&addr, &alen);
  printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
  fflush(stdout);

  int sparefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");
  watch(listenfd, EPOLL_CTL_ADD, EPOLLIN);
  watch(sigfd, EPOLL_CTL_ADD, EPOLLIN);

  struct epoll_event events[MAX_EVENTS];
  int running = 1;
  while (running) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listenfd) {
        on_acceptable(listenfd, &sparefd);
      } else if (fd == sigfd) {
        running = 0;
      } else if ((size_t)fd < nconns && conns[fd].open) {
        struct conn *c = &conns[fd];
        if (events[i].events & EPOLLOUT) {
          if (flush_out(fd, c) < 0) close_conn(fd);
        } else if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          on_readable(fd, c);
        }
      }
    }
  }

  for (size_t fd = 0; fd < nconns; ++fd) {
    if (conns[fd].open) close_conn((int)fd);
  }
  free(conns);
  close(listenfd);
  close(sigfd);
  close(epfd);
  if (sparefd >= 0) close(sparefd);
  fprintf(stderr, "raw_epoll: stopped\n");
  return 0;
}
