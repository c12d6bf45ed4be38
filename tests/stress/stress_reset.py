#!/usr/bin/env python3
"""Clients that reset the connection in the middle of a large HTTP response.

  stress_reset.py HTTPD [--rounds N=200] [--clients N=8] [--seed S] [--sanitize NAME]

httpd --threads 2 serves a scratch root with three 8 MiB files and a small one. Each round,
CLIENTS connections at once ask for a large file (a quarter of them pipeline a second request
behind the first), read a random number of bytes of the answer - none at all, part of the
header, part of the body, or into the second answer - and then reset the connection (SO_LINGER
{1, 0}, then close: the kernel sends RST instead of FIN and drops what was unread). After every
round the server must still be running and answer a normal request correctly; at the end its
open fds (/proc/<pid>/fd) must be back to the count before the first round, its VmRSS within
RSS_BOUND_KIB of the count after the warm-up round (plain build only: ASan's quarantine and
TSan's shadow memory grow on their own), and SIGTERM must end it with status 0 and no sanitizer
report. Under a sanitizer the rounds are scaled down.
"""
import argparse
import hashlib
import http.client
import os
import random
import selectors
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, fail, figure, sanitized, wait_for  # noqa: E402

LARGE = 8 * 1024 * 1024
LARGE_NAMES = ["a.bin", "b.bin", "c.bin"]
SMALL_BODY = b"small file, served between the resets\n"
RSS_BOUND_KIB = 16 * 1024
# SO_LINGER on, with a zero timeout: close() discards the unsent and unread data and sends RST.
LINGER_RESET = struct.pack("ii", 1, 0)


def request(name):
    return f"GET /{name} HTTP/1.1\r\nHost: stress\r\n\r\n".encode()


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
    sock.close()


def get(port, path):
    """A normal request on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def header_length(port):
    """The length of a large file's response header, measured on one whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request(LARGE_NAMES[0]))
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                fail("the server closed before the header of a whole response")
            got += chunk
        return got.index(b"\r\n\r\n") + 4


class Client:
    def __init__(self, sock, target, kind):
        self.sock = sock
        self.target = target  # bytes to read before the reset
        self.kind = kind
        self.read = 0


def plan(rng, header):
    """(requests, bytes to read, kind) for one client."""
    one = header + LARGE
    if rng.random() < 0.25:
        # Pipelined: a large file then a large or the small one; reset anywhere in the two.
        second = rng.choice(LARGE_NAMES + ["small.txt"])
        reqs = request(rng.choice(LARGE_NAMES)) + request(second)
        return reqs, rng.randrange(0, one + header), "pipelined"
    reqs = request(rng.choice(LARGE_NAMES))
    r = rng.random()
    if r < 0.2:
        return reqs, 0, "none read"
    if r < 0.45:
        return reqs, rng.randrange(1, header), "in the header"
    if r < 0.8:
        return reqs, rng.randrange(header, header + 256 * 1024), "early in the body"
    return reqs, rng.randrange(header, one), "anywhere in the body"


def run_round(port, rng, header, clients, kinds):
    sel = selectors.DefaultSelector()
    left = 0
    total = 0
    for _ in range(clients):
        reqs, target, kind = plan(rng, header)
        kinds[kind] = kinds.get(kind, 0) + 1
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(reqs)
        if target == 0:
            reset(s)
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, Client(s, target, kind))
        left += 1
    deadline = time.monotonic() + 60
    while left:
        if time.monotonic() > deadline:
            fail(f"{left} clients did not get their bytes within 60 s")
        for key, _ in sel.select(1):
            c = key.data
            chunk = c.sock.recv(min(1 << 20, c.target - c.read))
            if not chunk:
                fail(f"the server ended a connection after {c.read} bytes; the client wanted "
                     f"{c.target} ({c.kind})")
            c.read += len(chunk)
            if c.read == c.target:
                sel.unregister(c.sock)
                reset(c.sock)
                total += c.read
                left -= 1
    sel.close()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    san = sanitized(args.sanitize)
    if san and args.rounds > 60:
        args.rounds = 60
        print(f"note: {args.rounds} rounds under the sanitizer instead of 200", flush=True)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"note: --seed {seed} repeats this run's choices", flush=True)
    rng = random.Random(seed)

    root = tempfile.mkdtemp(prefix="mymuduo_stress_root_")
    digests = {}
    for name in LARGE_NAMES:
        data = rng.randbytes(LARGE)
        digests[name] = hashlib.sha256(data).hexdigest()
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    with open(os.path.join(root, "small.txt"), "wb") as f:
        f.write(SMALL_BODY)

    server = Server([args.server, "--port", "0", "--threads", "2", "--root", root],
                    ready="httpd listening on")
    try:
        run(server, args, rng, digests, check_rss=not san)
        server.stop_and_check()
    finally:
        server.close()
        shutil.rmtree(root)


def still_serves(port, digests, large_too):
    status, body = get(port, "/small.txt")
    if status != 200 or body != SMALL_BODY:
        return False
    if large_too:
        for name, digest in digests.items():
            status, body = get(port, "/" + name)
            if status != 200 or hashlib.sha256(body).hexdigest() != digest:
                return False
    return True


def run(server, args, rng, digests, check_rss):
    port = server.port
    base_fds = server.fd_count()
    header = header_length(port)
    kinds = {}
    # Warm-up round: the allocator's pools and the loops' arrays reach their working size.
    run_round(port, rng, header, args.clients, kinds)
    check(wait_for(lambda: server.fd_count() == base_fds, 20),
          f"after the warm-up round the server is back to {base_fds} fds "
          f"(now {server.fd_count()})")
    base_rss = server.rss_kib()
    kinds.clear()
    read = 0
    t0 = time.monotonic()
    for i in range(args.rounds):
        read += run_round(port, rng, header, args.clients, kinds)
        if server.proc.poll() is not None:
            fail(f"the server exited (status {server.proc.returncode}) in round {i + 1}")
        # Every round a small file; every 50th, each large file whole, compared by digest.
        if not still_serves(port, digests, large_too=(i + 1) % 50 == 0):
            fail(f"after round {i + 1} a normal request got a wrong answer")
    elapsed = time.monotonic() - t0
    resets = args.rounds * args.clients
    check(True, f"after each of {args.rounds} rounds the server answered a normal request "
                f"correctly")
    figure("connections reset", f"{resets} ({args.rounds} rounds of {args.clients})")
    figure("resets by where", ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    figure("MB read by the clients before their resets", f"{read / 1e6:.0f}")
    figure("seconds for the rounds", f"{elapsed:.1f}")
    back = wait_for(lambda: server.fd_count() == base_fds, 20)
    figure("server fds before the first round/after the last", f"{base_fds}/{server.fd_count()}")
    check(back, f"the server's open fds return to {base_fds}")
    check(still_serves(port, digests, large_too=True),
          "the server still serves every file whole after the resets")
    rss = server.rss_kib()
    figure("server VmRSS KiB after warm-up/after", f"{base_rss}/{rss}")
    if check_rss:
        check(rss - base_rss <= RSS_BOUND_KIB,
              f"the server's VmRSS grew by {rss - base_rss} KiB, at most {RSS_BOUND_KIB} KiB")
    else:
        print("note: VmRSS bound not checked under a sanitizer", flush=True)


if __name__ == "__main__":
    main()
