#!/usr/bin/env python3
"""A storm of connections against a server that is out of fds (EMFILE).

  stress_emfile.py ECHO_SERVER [--limit N=64] [--storm N=3000] [--sanitize NAME]

echo_server --threads 2 starts as usual and serves WARM_UP connections (see run() for why);
then its RLIMIT_NOFILE is lowered to LIMIT (prlimit on its pid), and:
1. Connections are opened, each echoing a byte, until one is not served: the server holds
   LIMIT minus the fds it had before (its spare fd among them), and must close that one.
2. A burst of BURST connects, all completed by the kernel (the listen backlog holds them until
   the server accepts them), then a quiet QUIET seconds: the server's CPU time over them (/proc/<pid>/stat) must stay
   under a fifth of it - a server that leaves refused connections in the backlog of a
   level-triggered poller is woken at once, again and again, and spins at 100% - and every one
   of the burst must then see the server close it (EOF or reset), not hang.
3. The storm: STORM more connects, IN_FLIGHT at a time; each must likewise be closed by the
   server, within the test's time.
4. The held connections close: the server's fds return to the count before step 1, it holds
   as many echoing connections as in step 1 again, and after they close the count is back
   once more. SIGTERM: exit 0, no sanitizer report.
"""
import argparse
import errno
import os
import resource
import selectors
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, fail, figure, sanitized, wait_for  # noqa: E402

BURST = 200
QUIET = 0.5
IN_FLIGHT = 100
WARM_UP = 32
PROBE_WAIT = 5  # seconds an echo of one byte may take


def echo_or_refused(port):
    """Connects and echoes one byte: ("served", socket), ("refused", None) if the server
    closed it, or ("hanging", socket) if neither happened within PROBE_WAIT seconds."""
    s = socket.create_connection(("127.0.0.1", port), timeout=PROBE_WAIT)
    try:
        s.sendall(b"x")
        got = s.recv(1)
    except ConnectionResetError:
        got = b""
    except socket.timeout:
        s.setblocking(False)
        return "hanging", s
    if got == b"x":
        return "served", s
    s.close()
    return "refused", None


def fill(server):
    """Opens echoing connections until the server does not serve one: (held, the last one's
    socket if it hangs, else None)."""
    held = []
    while True:
        what, s = echo_or_refused(server.port)
        if what == "refused":
            return held, None
        if what == "hanging":
            return held, s
        held.append(s)
        if len(held) > 10000:
            fail("the server never refused a connection: is its fd limit in force?")


def start_connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        fail(f"connect: {os.strerror(err)}")
    return s


def closed_by_peer(s):
    """True once the server has closed s (EOF or reset); raises if it sent data."""
    try:
        data = s.recv(1)
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    if data:
        fail("a refused connection got data")
    return True


def wait_closed(socks, seconds, what):
    """Waits until the server has closed every socket of `socks`, then closes them."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    left = len(socks)
    deadline = time.monotonic() + seconds
    while left:
        if time.monotonic() > deadline:
            fail(f"{what}: {left} connections were neither served nor closed within "
                 f"{seconds} s (left hanging in the backlog)")
        for key, _ in sel.select(0.5):
            if closed_by_peer(key.fileobj):
                sel.unregister(key.fileobj)
                key.fileobj.close()
                left -= 1
    sel.close()


def burst(server, n):
    """n connects at once, each completed by the kernel; returns the sockets."""
    sel = selectors.DefaultSelector()
    socks = [start_connect(server.port) for _ in range(n)]
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE)
    pending = n
    deadline = time.monotonic() + 30
    while pending:
        if time.monotonic() > deadline:
            fail(f"{pending} connects did not complete within 30 s")
        for key, _ in sel.select(1):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                fail(f"connect: {os.strerror(err)}")
            sel.unregister(key.fileobj)
            pending -= 1
    sel.close()
    return socks


def storm(server, n):
    """n connects, IN_FLIGHT at a time; each must be closed by the server. Returns seconds."""
    sel = selectors.DefaultSelector()
    started = done = 0
    t0 = time.monotonic()
    deadline = t0 + 60
    while done < n:
        while started < n and started - done < IN_FLIGHT:
            sel.register(start_connect(server.port), selectors.EVENT_READ)
            started += 1
        if time.monotonic() > deadline:
            fail(f"storm: {started - done} connections were neither served nor closed "
                 f"({done} of {n} closed within 60 s)")
        for key, _ in sel.select(0.5):
            if closed_by_peer(key.fileobj):
                sel.unregister(key.fileobj)
                key.fileobj.close()
                done += 1
    sel.close()
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--limit", type=int, default=64)
    ap.add_argument("--storm", type=int, default=3000)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    sanitized(args.sanitize)

    server = Server([args.server, "--port", "0", "--threads", "2"])
    try:
        run(server, args)
        server.stop_and_check()
    finally:
        server.close()


def run(server, args):
    # Warm-up, before the limit: connections served and closed. Under UBSan this matters: its
    # vptr check, the first time it meets a (vtable, type) pair, tests whether the memory is
    # readable with a pipe, which fails with EMFILE in a full server, and it reports "invalid
    # vptr" for a sound object. Here the pairs a connection's life meets get cached.
    base = server.fd_count()
    for _ in range(WARM_UP):
        what, s = echo_or_refused(server.port)
        if what != "served":
            fail(f"a connection was {what} before the fd limit was lowered")
        s.close()
    check(wait_for(lambda: server.fd_count() == base, 20),
          f"after {WARM_UP} warm-up connections the server is back to {base} fds")
    limit = max(args.limit, base + 16)
    hard = resource.prlimit(server.pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (limit, hard))
    figure("server RLIMIT_NOFILE / fds open at the start", f"{limit} / {base}")

    held, hanging = fill(server)
    figure("connections held when the server is full", len(held))
    check(len(held) == limit - base,
          f"the server holds {limit - base} connections (its limit less the fds it had) "
          f"before it does not serve one (held {len(held)})")

    cpu0 = server.cpu_seconds()
    socks = burst(server, BURST)
    t0 = time.monotonic()
    cpu1 = server.cpu_seconds()
    time.sleep(QUIET)
    quiet_cpu = server.cpu_seconds() - cpu1
    quiet = time.monotonic() - t0
    figure(f"server CPU s while {BURST} connects completed / over the quiet {quiet:.2f} s after",
           f"{cpu1 - cpu0:.3f} / {quiet_cpu:.3f}")
    check(quiet_cpu <= quiet / 5,
          f"the full server does not spin: {quiet_cpu:.3f} s of CPU in {quiet:.2f} s")
    # The connection that found the server full, if it was left hanging, fails here too.
    wait_closed(socks + ([hanging] if hanging else []), 10, "the first refused and the burst")
    check(True, f"the first refused connection and all {BURST} of the burst were closed by "
                f"the server")

    cpu0 = server.cpu_seconds()
    took = storm(server, args.storm)
    cpu = server.cpu_seconds() - cpu0
    figure("storm: connects refused and closed", f"{args.storm} in {took:.1f} s")
    figure("storm: server CPU s", f"{cpu:.2f}")
    check(True, f"all {args.storm} connections of the storm were closed by the server")
    # Not at once: a refused client may see its EOF before the server has its spare fd back.
    check(wait_for(lambda: server.fd_count() == limit, 5),
          f"the server is still full, no more and no fewer fds ({server.fd_count()})")

    for s in held:
        s.close()
    check(wait_for(lambda: server.fd_count() == base, 20),
          f"once the held connections close, the server's fds return to {base} "
          f"(now {server.fd_count()})")
    again, hanging = fill(server)
    if hanging:
        wait_closed([hanging], 10, "the first refused after the storm")
    figure("connections served again after the storm", len(again))
    check(len(again) == len(held), f"the server serves {len(held)} echoing connections again")
    for s in again:
        s.close()
    check(wait_for(lambda: server.fd_count() == base, 20),
          f"after they close, the server's fds return to {base} (now {server.fd_count()})")


if __name__ == "__main__":
    main()
