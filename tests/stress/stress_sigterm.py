#!/usr/bin/env python3
"""SIGTERM while clients are busy: the server must exit 0 within 2 s, and a sanitizer build
must report nothing (its exit status and output show it).

  stress_sigterm.py SERVER echo|httpd [--clients N] [--sanitize NAME]

echo:  echo_server --threads 2; every client keeps sending 4 KiB blocks and reading the echo.
httpd: httpd --threads 2 on a scratch root; every client keeps asking for a 16 KiB file on
       its keep-alive connection, a new request each time a response's worth has arrived.
The signal is sent once every client has had an answer, with all of them still sending; the
clients keep going until the server has exited.
"""
import argparse
import os
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, fail, figure, raise_nofile, sanitized  # noqa: E402

EXIT_LIMIT = 2.0
FILE_SIZE = 16 * 1024
REQUEST = b"GET /f.txt HTTP/1.1\r\nHost: stress\r\n\r\n"


class Client:
    def __init__(self, sock, mode):
        self.sock = sock
        self.mode = mode
        self.received = 0
        self.owed = 0  # httpd: bytes received since the last request was sent
        self.out = bytearray(os.urandom(4096) if mode == "echo" else REQUEST)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("mode", choices=["echo", "httpd"])
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    sanitized(args.sanitize)
    raise_nofile(args.clients + 256)

    root = tempfile.mkdtemp(prefix="mymuduo_stress_root_")
    with open(os.path.join(root, "f.txt"), "wb") as f:
        f.write(b"x" * FILE_SIZE)
    argv = [args.server, "--port", "0", "--threads", "2"]
    if args.mode == "httpd":
        argv += ["--root", root]
    # httpd's own line, logged once the server listens.
    server = Server(argv, ready="httpd listening on" if args.mode == "httpd" else None)
    try:
        run(server, args)
    finally:
        server.close()
        shutil.rmtree(root)


def run(server, args):
    sel = selectors.DefaultSelector()
    clients = []
    for _ in range(args.clients):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.setblocking(False)
        c = Client(s, args.mode)
        clients.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def pump(timeout):
        for key, events in sel.select(timeout):
            c = key.data
            try:
                if events & selectors.EVENT_WRITE and c.out:
                    del c.out[:c.sock.send(c.out)]
                if events & selectors.EVENT_READ:
                    chunk = c.sock.recv(65536)
                    if not chunk:
                        raise ConnectionResetError
                    c.received += len(chunk)
                    if c.mode == "echo":
                        if len(c.out) < 4096:
                            c.out += chunk  # send back what came, so traffic never stops
                    else:
                        c.owed += len(chunk)
                        if c.owed >= FILE_SIZE:
                            c.owed -= FILE_SIZE
                            c.out += REQUEST
            except (ConnectionResetError, BrokenPipeError):
                sel.unregister(c.sock)
                c.sock.close()
                c.sock = None

    deadline = time.monotonic() + 60
    while not all(c.received > 0 for c in clients):
        if time.monotonic() > deadline:
            fail("not every client got an answer within 60 s")
        if any(c.sock is None for c in clients):
            fail("the server closed a connection before the signal")
        pump(1)
    busy_until = time.monotonic() + 0.3
    while time.monotonic() < busy_until:
        pump(0.05)
    check(all(c.sock is not None for c in clients), f"{args.clients} clients active")
    received = sum(c.received for c in clients)

    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    while server.proc.poll() is None and time.monotonic() - start < 30:
        pump(0.01)
    took = time.monotonic() - start
    rc = server.proc.poll()
    if rc is None:
        server.kill()
        fail(f"{args.mode}: the server did not exit within 30 s of SIGTERM")
    figure(f"{args.mode}: clients active at SIGTERM", args.clients)
    figure(f"{args.mode}: bytes received by clients before SIGTERM", received)
    figure(f"{args.mode}: seconds from SIGTERM to exit", f"{took:.2f}")
    check(rc == 0, f"the server exits with status 0 (it exited {rc})")
    check(took <= EXIT_LIMIT, f"it exits within {EXIT_LIMIT} s of SIGTERM (took {took:.2f} s)")
    report = server.sanitizer_report()
    check(not report, "no sanitizer report in its output" + (":\n" + report if report else ""))
    for c in clients:
        if c.sock is not None:
            c.sock.close()


if __name__ == "__main__":
    main()
