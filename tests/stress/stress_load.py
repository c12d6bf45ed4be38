#!/usr/bin/env python3
"""Load on echo_server (2 IO threads), driven from one process with selectors (epoll).

  stress_load.py ECHO_SERVER concurrent [--connections N] [--sanitize NAME]
      N connections (default 10,000) held open at once; then each sends its own 2 KiB of random
      bytes and must get exactly those back; then all close and the server's fd count must
      return to where it was.
  stress_load.py ECHO_SERVER cycles [--cycles N] [--sanitize NAME]
      N connect/close cycles (default 100,000; 64 in flight); the server's open fds
      (/proc/<pid>/fd) must come back to the count before them, and its VmRSS may grow by at
      most RSS_BOUND_KIB (not checked under sanitizers: ASan's quarantine and TSan's shadow
      memory grow on their own; LeakSanitizer checks the exit instead).
Both end with SIGTERM: exit status 0 and no sanitizer report in the server's output.
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, fail, figure, raise_nofile, sanitized  # noqa: E402

PAYLOAD = 2048
IN_FLIGHT = 64
RSS_BOUND_KIB = 8 * 1024
# Source addresses for the cycles: each gives its own ~28,000 ephemeral ports, so 100,000
# cycles do not run out of ports while closed ones wait in TIME_WAIT (the client closes first).
SOURCES = [f"127.0.0.{i}" for i in range(1, 9)]


def wait_for(cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def start_connect(port, source=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    if source is not None:
        # The port is chosen at connect(), for the whole 4-tuple, not at bind().
        s.setsockopt(socket.IPPROTO_IP, socket.IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((source, 0))
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        fail(f"connect: {os.strerror(err)}")
    return s


def connected_ok(s):
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err != 0:
        fail(f"connect: {os.strerror(err)}")


def echo_once(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"still there?")
        got = b""
        while len(got) < 12:
            chunk = s.recv(64)
            if not chunk:
                break
            got += chunk
    return got == b"still there?"


def run_concurrent(server, n):
    base_fds = server.fd_count()
    t0 = time.monotonic()
    sel = selectors.DefaultSelector()
    socks = []
    # In batches, so the listen backlog (somaxconn) never overflows and no SYN is retried.
    batch = 500
    for start in range(0, n, batch):
        pending = set()
        for _ in range(min(batch, n - start)):
            s = start_connect(server.port)
            socks.append(s)
            pending.add(s)
            sel.register(s, selectors.EVENT_WRITE)
        deadline = time.monotonic() + 30
        while pending:
            if time.monotonic() > deadline:
                fail(f"{len(pending)} connects did not complete in 30 s")
            for key, _ in sel.select(1):
                connected_ok(key.fileobj)
                sel.unregister(key.fileobj)
                pending.discard(key.fileobj)
    held = wait_for(lambda: server.fd_count() >= base_fds + n, 60)
    connected_at = time.monotonic() - t0
    check(held, f"the server holds all {n} connections at once "
                f"({server.fd_count() - base_fds} fds more than before)")
    figure("concurrent connections held", n)
    figure("seconds to connect them all", f"{connected_at:.1f}")

    # Every connection sends its own bytes and must get exactly them back.
    t1 = time.monotonic()
    state = {}
    for s in socks:
        data = os.urandom(PAYLOAD)
        state[s] = [data, 0, bytearray()]  # payload, bytes sent, bytes received
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    left = len(socks)
    deadline = time.monotonic() + 45
    while left:
        if time.monotonic() > deadline:
            fail(f"{left} connections did not get all their bytes back within 45 s")
        for key, events in sel.select(1):
            s = key.fileobj
            data, sent, got = state[s]
            if events & selectors.EVENT_WRITE and sent < len(data):
                sent += s.send(data[sent:])
                state[s][1] = sent
                if sent == len(data):
                    sel.modify(s, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    fail("the server closed a connection before echoing everything")
                got += chunk
                if len(got) >= len(data):
                    if bytes(got) != data:
                        fail("a connection got back bytes that differ from what it sent")
                    sel.unregister(s)
                    left -= 1
    echoed = n * PAYLOAD
    check(True, f"every one of {echoed} bytes came back on the connection that sent it")
    figure("bytes echoed", echoed)
    figure("seconds to echo them", f"{time.monotonic() - t1:.1f}")
    figure("server peak VmHWM KiB", server.rss_kib("VmHWM"))

    for s in socks:
        s.close()
    back = wait_for(lambda: server.fd_count() == base_fds, 60)
    check(back, f"the server's fds return to {base_fds} after all close (now {server.fd_count()})")


def run_cycles(server, n, check_rss):
    # Warm up: the allocator's pools, the loops' event arrays and the log reach their size.
    base_fds = server.fd_count()
    do_cycles(server.port, 2000)
    check(wait_for(lambda: server.fd_count() == base_fds, 20),
          f"after 2000 warm-up cycles the server is back to {base_fds} fds")
    base_rss = server.rss_kib()
    t0 = time.monotonic()
    do_cycles(server.port, n)
    elapsed = time.monotonic() - t0
    figure("connect/close cycles", n)
    figure("seconds for them", f"{elapsed:.1f}")
    back = wait_for(lambda: server.fd_count() == base_fds, 20)
    check(back, f"the server's open fds return to {base_fds} after {n} cycles "
                f"(now {server.fd_count()})")
    rss = server.rss_kib()
    figure("server VmRSS KiB before/after", f"{base_rss}/{rss}")
    if check_rss:
        check(rss - base_rss <= RSS_BOUND_KIB,
              f"the server's VmRSS grew by {rss - base_rss} KiB, at most {RSS_BOUND_KIB} KiB")
    else:
        print("note: VmRSS bound not checked under a sanitizer", flush=True)
    check(echo_once(server.port), "the server still echoes after the cycles")


def do_cycles(port, n):
    sel = selectors.DefaultSelector()
    started = done = 0
    deadline = time.monotonic() + 600
    while done < n:
        while started < n and started - done < IN_FLIGHT:
            s = start_connect(port, SOURCES[started % len(SOURCES)])
            sel.register(s, selectors.EVENT_WRITE)
            started += 1
        if time.monotonic() > deadline:
            fail(f"only {done} of {n} cycles in 600 s")
        for key, _ in sel.select(1):
            connected_ok(key.fileobj)
            sel.unregister(key.fileobj)
            key.fileobj.close()
            done += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("mode", choices=["concurrent", "cycles"])
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--cycles", type=int, default=100000)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    san = sanitized(args.sanitize)
    if args.mode == "concurrent":
        raise_nofile(args.connections + 256)
    elif san and args.cycles > 30000:
        args.cycles = 30000
        print(f"note: {args.cycles} cycles under the sanitizer instead of 100,000", flush=True)

    server = Server([args.server, "--port", "0", "--threads", "2"])
    try:
        if args.mode == "concurrent":
            run_concurrent(server, args.connections)
        else:
            run_cycles(server, args.cycles, check_rss=not san)
        rc, took = server.terminate()
        figure("seconds from SIGTERM to exit", f"{took:.2f}")
        check(rc == 0, f"the server exits 0 on SIGTERM (status {rc})")
        report = server.sanitizer_report()
        check(not report, "no sanitizer report in the server's output" +
              (":\n" + report if report else ""))
    finally:
        server.close()


if __name__ == "__main__":
    main()
