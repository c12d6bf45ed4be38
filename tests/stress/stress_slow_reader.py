#!/usr/bin/env python3
"""A slow reader against an HttpServer: one client pipelines MEGABYTES of small requests (27
bytes each, answered with about 130) and reads nothing for HOLD seconds. The server must stop
reading that connection while its answers wait (the output high-water mark), so its VmRSS stays
within RSS_BOUND_KIB of what it was; then the client reads, and must get one answer for every
request it sent. Under a sanitizer the size is scaled down and memory is not checked (ASan's
quarantine keeps freed memory, TSan adds shadow memory); delivery and a clean exit still are.

  stress_slow_reader.py HTTP_HELLO [--megabytes N=32] [--hold S=3] [--sanitize NAME]
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, fail, figure, sanitized  # noqa: E402

REQUEST = b"GET / HTTP/1.1\r\nHost: s\r\n\r\n"
STATUS = b"HTTP/1.1 200 OK\r\n"
RSS_BOUND_KIB = 16 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--megabytes", type=int, default=32)
    ap.add_argument("--hold", type=float, default=3.0)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    args.check_memory = not sanitized(args.sanitize)
    if not args.check_memory and args.megabytes > 10:
        print(f"note: 10 MB of requests under the sanitizer instead of {args.megabytes}; memory "
              "not checked", flush=True)
        args.megabytes = 10

    server = Server([args.server, "--port", "0"])
    try:
        run(server, args)
        rc, took = server.terminate()
        check(rc == 0, f"the server exits 0 on SIGTERM (status {rc})")
        report = server.sanitizer_report()
        check(not report, "no sanitizer report in its output" + (":\n" + report if report else ""))
    finally:
        server.close()


def run(server, args):
    count = args.megabytes * 1024 * 1024 // len(REQUEST)
    total = count * len(REQUEST)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(REQUEST)
    got = b""
    while STATUS not in got or not got.endswith(b"hello, world!\n"):
        got += sock.recv(4096)
    time.sleep(0.2)  # let the server settle after the warm-up answer, then measure from here
    base = server.rss_kib()

    sent = [0]
    errors = []

    def sender():
        block = REQUEST * (65536 // len(REQUEST))
        try:
            while sent[0] < total:
                n = min(len(block), total - sent[0])
                sock.sendall(block[:n])
                sent[0] += n
        except OSError as e:  # reported by the main thread
            errors.append(e)

    t0 = time.monotonic()
    th = threading.Thread(target=sender, daemon=True)
    th.start()
    peak = base
    hold_end = time.monotonic() + args.hold
    while time.monotonic() < hold_end:
        peak = max(peak, server.rss_kib())
        time.sleep(0.05)
    sent_while_holding = sent[0]
    figure("MB of requests to send", f"{total / 1e6:.1f} ({count} requests)")
    figure("MB accepted while the client read nothing",
           f"{sent_while_holding / 1e6:.1f} in {args.hold:.0f} s")
    figure("server VmRSS KiB before / peak while not reading", f"{base} / {peak}")
    if args.check_memory:
        check(peak - base <= RSS_BOUND_KIB,
              f"while the client reads nothing the server grows by {peak - base} KiB, "
              f"at most {RSS_BOUND_KIB} KiB")
        # 32 MB is more than the socket buffers of both ends hold (a few MB each), and its
        # answers (about 150 MB) are ten times the bound if the server kept reading.
        check(sent_while_holding < total,
              "the client's sends block: the server stopped reading it")

    # Now read everything: one answer per request.
    answers = 0
    tail = b""
    deadline = time.monotonic() + 600
    recvs = 0
    while answers < count:
        if time.monotonic() > deadline:
            fail(f"only {answers} of {count} answers in 600 s")
        chunk = sock.recv(1 << 20)
        if not chunk:
            fail(f"the server closed after {answers} of {count} answers")
        data = tail + chunk
        answers += data.count(STATUS)
        # Keep a possible partial status line; a whole one in it was already counted.
        tail = data[-(len(STATUS) - 1):]
        recvs += 1
        if recvs % 64 == 0:
            peak = max(peak, server.rss_kib())
    th.join(timeout=30)
    if errors:
        fail(f"sending failed: {errors[0]}")
    elapsed = time.monotonic() - t0
    figure("answers received", answers)
    figure("server VmRSS KiB peak over the whole run", peak)
    figure("seconds for the whole run", f"{elapsed:.1f}")
    check(answers == count, f"every one of the {count} requests was answered")
    if args.check_memory:
        check(peak - base <= RSS_BOUND_KIB,
              f"the server's VmRSS stayed within {RSS_BOUND_KIB} KiB of the start "
              f"(peak +{peak - base} KiB)")
    sock.close()


if __name__ == "__main__":
    main()
