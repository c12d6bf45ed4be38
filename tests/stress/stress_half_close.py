#!/usr/bin/env python3
"""Half-closed connections in both directions, hundreds at once.

  stress_half_close.py ECHO_SERVER HTTPD [--connections N=500] [--sanitize NAME]

1. client -> server, echo_server --threads 2: every connection sends its own ECHO_BYTES of
   random bytes and at once shuts down its writing half (shutdown(SHUT_WR)); it must get
   exactly its bytes back, then EOF.
2. client -> server, httpd --threads 2: every connection pipelines one to three requests (a
   256 KiB file, a small one) and shuts down its writing half; it must get every answer whole,
   in order, then EOF.
3. server -> client, the same httpd: every connection asks for the 256 KiB file with
   "Connection: close", with a further request and garbage pipelined behind it, and keeps
   sending garbage (GARBAGE bytes per pass) while it reads the answer slowly (at most
   SLOW_READ bytes per connection per pass). The server shuts down its writing half after the
   answer: the client must get the first answer whole and then EOF - no answer to the request
   behind it - and it goes on sending GARBAGE_AFTER bytes after the EOF, which the server must
   read and drop. Then each client shuts down
   its own writing half but keeps its socket open: the server must close every connection
   (its fds back to the count before), without waiting for the clients' close().
After each part the server's open fds (/proc/<pid>/fd) must be back where they were; at the
end SIGTERM must end each server with status 0 and no sanitizer report.
"""
import argparse
import errno
import os
import random
import selectors
import shutil
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import (Server, check, fail, figure, raise_nofile, sanitized,  # noqa: E402
                       wait_for)

ECHO_BYTES = 64 * 1024
MEDIUM = 256 * 1024
SLOW_READ = 4096
GARBAGE = 1024  # sent per pass by each client of part 3: GARBAGE_BEFORE before the server's
GARBAGE_BEFORE = 64 * 1024  # EOF at most (as much as the passes allow), then GARBAGE_AFTER
GARBAGE_AFTER = 16 * 1024
SMALL_BODY = b"small file\n"


def connect_all(port, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setblocking(False)
        socks.append(s)
    return socks


def send_some(sock, data):
    """Sends what the socket takes now; returns the count (0 when it would block)."""
    try:
        return sock.send(data)
    except BlockingIOError:
        return 0


def parse_responses(data):
    """Splits whole HTTP responses off the front of `data`: ([(status, body)], rest)."""
    out = []
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return out, data
        head = data[:end].decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if len(data) < end + 4 + length:
            return out, data
        out.append((int(head[0].split()[1]), data[end + 4:end + 4 + length]))
        data = data[end + 4 + length:]


def drive(socks, states, step, seconds, what):
    """Runs step(sock, state, events) for every ready socket until each returns True."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, states[s])
    left = len(socks)
    deadline = time.monotonic() + seconds
    while left:
        if time.monotonic() > deadline:
            fail(f"{what}: {left} connections not done within {seconds} s")
        for key, events in sel.select(1):
            if step(key.fileobj, key.data, events):
                sel.unregister(key.fileobj)
                left -= 1
    sel.close()


def part_echo(echo, n, rng):
    base = echo.fd_count()
    socks = connect_all(echo.port, n)
    states = {s: {"out": rng.randbytes(ECHO_BYTES), "sent": 0, "got": bytearray(),
                  "shut": False} for s in socks}

    def step(s, st, events):
        if events & selectors.EVENT_WRITE and not st["shut"]:
            st["sent"] += send_some(s, st["out"][st["sent"]:])
            if st["sent"] == len(st["out"]):
                s.shutdown(socket.SHUT_WR)
                st["shut"] = True
        if events & selectors.EVENT_READ:
            chunk = s.recv(65536)
            if chunk:
                st["got"] += chunk
                return False
            if not st["shut"] or bytes(st["got"]) != st["out"]:
                fail(f"echo: EOF after {len(st['got'])} of {len(st['out'])} bytes, "
                     f"{'after' if st['shut'] else 'before'} the client's shutdown")
            return True
        return False

    t0 = time.monotonic()
    drive(socks, states, step, 60, "echo")
    figure("echo: half-closed connections that got every byte back, then EOF",
           f"{n} ({n * ECHO_BYTES} bytes) in {time.monotonic() - t0:.1f} s")
    check(True, f"{n} half-closed echo connections got their bytes back, then EOF")
    back = wait_for(lambda: echo.fd_count() == base, 20)
    check(back, f"echo_server's fds return to {base} (now {echo.fd_count()})")
    for s in socks:
        s.close()


def request(path, close=False):
    extra = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\nHost: stress\r\n{extra}\r\n".encode()


def part_http_client_half_close(httpd, n, rng, medium):
    base = httpd.fd_count()
    socks = connect_all(httpd.port, n)
    states = {}
    answers = 0
    for s in socks:
        paths = [rng.choice(["/medium.bin", "/small.txt"]) for _ in range(rng.randint(1, 3))]
        answers += len(paths)
        states[s] = {"out": b"".join(request(p) for p in paths), "sent": 0, "paths": paths,
                     "got": bytearray(), "shut": False}

    def step(s, st, events):
        if events & selectors.EVENT_WRITE and not st["shut"]:
            st["sent"] += send_some(s, st["out"][st["sent"]:])
            if st["sent"] == len(st["out"]):
                s.shutdown(socket.SHUT_WR)
                st["shut"] = True
        if events & selectors.EVENT_READ:
            chunk = s.recv(65536)
            if chunk:
                st["got"] += chunk
                return False
            got, rest = parse_responses(bytes(st["got"]))
            want = [(200, medium if p == "/medium.bin" else SMALL_BODY) for p in st["paths"]]
            if got != want or rest:
                fail(f"httpd, client half-close: asked {st['paths']}, got "
                     f"{[(c, len(b)) for c, b in got]} and {len(rest)} bytes more before EOF")
            return True
        return False

    t0 = time.monotonic()
    drive(socks, states, step, 60, "httpd, client half-close")
    figure("httpd: half-closed clients that got every answer, then EOF",
           f"{n} ({answers} answers) in {time.monotonic() - t0:.1f} s")
    check(True, f"{n} half-closed HTTP clients got all {answers} answers whole, then EOF")
    back = wait_for(lambda: httpd.fd_count() == base, 20)
    check(back, f"httpd's fds return to {base} (now {httpd.fd_count()})")
    for s in socks:
        s.close()


def part_http_server_half_close(httpd, n, rng, medium):
    base = httpd.fd_count()
    socks = connect_all(httpd.port, n)
    first = request("/medium.bin", close=True) + request("/small.txt") + b"garbage\r\n" * 8
    states = {s: {"out": first, "sent": 0, "garbage": 0, "got": bytearray(), "eof": False,
                  "after_eof": 0} for s in socks}
    sent_before_eof = [0]
    sent_after_eof = [0]

    def step(s, st, events):
        if events & selectors.EVENT_WRITE:
            if st["sent"] < len(st["out"]):
                st["sent"] += send_some(s, st["out"][st["sent"]:])
            elif st["eof"]:
                st["after_eof"] += send_some(s, rng.randbytes(GARBAGE))
            elif st["garbage"] < GARBAGE_BEFORE:
                st["garbage"] += send_some(s, rng.randbytes(GARBAGE))
        if events & selectors.EVENT_READ and not st["eof"]:
            chunk = s.recv(SLOW_READ)
            if chunk:
                st["got"] += chunk
            else:
                got, rest = parse_responses(bytes(st["got"]))
                if got != [(200, medium)] or rest:
                    fail(f"httpd, server half-close: got {[(c, len(b)) for c, b in got]} and "
                         f"{len(rest)} bytes more before EOF; want one {len(medium)}-byte answer")
                st["eof"] = True
        # Done once the answer and EOF are in and GARBAGE_AFTER more bytes went after the EOF.
        if st["eof"] and st["after_eof"] >= GARBAGE_AFTER:
            sent_after_eof[0] += st["after_eof"]
            sent_before_eof[0] += st["garbage"]
            return True
        return False

    t0 = time.monotonic()
    passes = 0
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, states[s])
    left = n
    deadline = time.monotonic() + 90
    while left:
        if time.monotonic() > deadline:
            fail(f"httpd, server half-close: {left} connections not done within 90 s")
        # A slow reader: a pause between passes, and at most SLOW_READ bytes each per pass.
        time.sleep(0.002)
        passes += 1
        for key, events in sel.select(1):
            try:
                done = step(key.fileobj, key.data, events)
            except (ConnectionResetError, BrokenPipeError) as e:
                fail(f"httpd, server half-close: {e!r} on a connection the client still uses")
            if done:
                sel.unregister(key.fileobj)
                left -= 1
    sel.close()
    figure("httpd: Connection: close answers read slowly, then EOF",
           f"{n} in {time.monotonic() - t0:.1f} s ({passes} passes)")
    figure("httpd: garbage bytes the clients sent before/after the server's EOF",
           f"{sent_before_eof[0]}/{sent_after_eof[0]}")
    check(True, f"{n} clients got one whole answer then EOF, none answered twice")
    held = httpd.fd_count() - base
    figure("httpd: connections still open after the clients' garbage", held)
    # Each client shuts down its writing half and keeps its socket: the server must close.
    for s in socks:
        s.shutdown(socket.SHUT_WR)
    back = wait_for(lambda: httpd.fd_count() == base, 20)
    check(back, f"httpd's fds return to {base} while the clients' sockets are still open "
                f"(now {httpd.fd_count()})")
    for s in socks:
        try:
            rest = s.recv(1)
        except OSError as e:
            if e.errno != errno.ECONNRESET:
                raise
            fail("httpd, server half-close: the server reset a connection instead of closing it")
        if rest:
            fail("httpd, server half-close: bytes after the server's EOF")
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("echo_server")
    ap.add_argument("httpd")
    ap.add_argument("--connections", type=int, default=500)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    sanitized(args.sanitize)
    raise_nofile(args.connections + 256)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"note: --seed {seed} repeats this run's choices", flush=True)
    rng = random.Random(seed)
    n = args.connections

    echo = Server([args.echo_server, "--port", "0", "--threads", "2"])
    try:
        part_echo(echo, n, rng)
        echo.stop_and_check()
    finally:
        echo.close()

    root = tempfile.mkdtemp(prefix="mymuduo_stress_root_")
    medium = rng.randbytes(MEDIUM)
    with open(os.path.join(root, "medium.bin"), "wb") as f:
        f.write(medium)
    with open(os.path.join(root, "small.txt"), "wb") as f:
        f.write(SMALL_BODY)
    httpd = Server([args.httpd, "--port", "0", "--threads", "2", "--root", root],
                   ready="httpd listening on")
    try:
        part_http_client_half_close(httpd, n, rng, medium)
        part_http_server_half_close(httpd, n, rng, medium)
        httpd.stop_and_check()
    finally:
        httpd.close()
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
