#!/usr/bin/env python3
"""Instructions per keep-alive request of an HTTP server, counted by callgrind.

Runs the server under `valgrind --tool=callgrind` twice, sends it SMALL requests in the first
run and LARGE in the second (one keep-alive connection, each request answered before the next
is sent, as wrk does), and divides the difference of the two totals by LARGE - SMALL: start-up,
the connection and the exit cancel out. Every instruction of the server's process counts, user
space only (the kernel's share of a system call is not seen by valgrind).

Three shapes: wrk's request (a request line and Host) and a browser's (eight header fields) on
one keep-alive connection, and wrk's with `Connection: close` on a connection of its own each
(the short-connection scenario: the count is then per connection).
With --annotate PREFIX, callgrind_annotate's report of each larger run goes to
PREFIX.<shape>.txt (inclusive counts) and PREFIX.<shape>.self.txt (each function's own), to see
where the instructions go. With --nginx PATH instead of --server, the same runs count nginx's
instructions, configured as the benchmark configures it (one process, `access_log off`).

    python3 final/bench/instructions.py --server install/bin/http_hello
    python3 final/bench/instructions.py --nginx /usr/sbin/nginx
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SHAPES = {
    "wrk": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "short": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    "browser": (b"GET /index.html?lang=en HTTP/1.1\r\n"
                b"Host: www.example.com\r\n"
                b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                b"Accept-Language: en-US,en;q=0.5\r\n"
                b"Accept-Encoding: gzip, deflate, br\r\n"
                b"Connection: keep-alive\r\n"
                b"Upgrade-Insecure-Requests: 1\r\n"
                b"Cache-Control: max-age=0\r\n\r\n"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_response(sock, pending):
    """Reads one response with a Content-Length body; returns the bytes after it."""
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        rest += chunk
    return rest[length:]


def server_argv(args, port, outdir):
    """http_hello with one loop, or nginx with one process as run_bench.py configures it."""
    if args.nginx is None:
        return [args.server, "--port", str(port), "--threads", "0"]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run_bench import NGINX_CONF  # noqa: E402 (the benchmark's own configuration)
    conf = os.path.join(outdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=outdir, port=port, www=outdir, workers=1, master="off",
                                  reuseport=""))
    return [args.nginx, "-p", outdir, "-e", os.path.join(outdir, "nginx-error.log"), "-c", conf]


def total_instructions(args, request, count, outdir, tag):
    """The Ir total of one callgrind run of the server that answered `count` requests."""
    port = free_port()
    out = os.path.join(outdir, "callgrind.%s.%d" % (tag, count))
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                            + server_argv(args, port, outdir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the server did not start under valgrind")
                time.sleep(0.2)
        if b"Connection: close" in request:
            sock.close()
            for _ in range(count):
                with socket.create_connection(("127.0.0.1", port)) as one:
                    one.sendall(request)
                    while one.recv(65536):  # the answer, then the server's EOF
                        pass
        else:
            with sock:
                pending = b""
                for _ in range(count):
                    sock.sendall(request)
                    pending = read_response(sock, pending)
        proc.send_signal(signal.SIGINT)  # the first SIGINT drains, the next quits
        time.sleep(0.5)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1]), out
    raise RuntimeError("no totals in " + out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--server", help="an http_hello binary")
    which.add_argument("--nginx", help="an nginx binary, to count its instructions instead")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=6000)
    parser.add_argument("--annotate", help="write callgrind_annotate's reports to PREFIX.*.txt "
                        "(inclusive) and PREFIX.*.self.txt (each function's own)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instructions.py: valgrind is not installed (tools/install-deps bench)")
    with tempfile.TemporaryDirectory() as tmp:
        print("| request | header fields | instructions per request (short: per connection) |")
        print("|---|---|---|")
        for tag, request in SHAPES.items():
            small, _ = total_instructions(args, request, args.small, tmp, tag)
            large, out = total_instructions(args, request, args.large, tmp, tag)
            per = (large - small) / (args.large - args.small)
            fields = request.count(b"\r\n") - 2
            print("| %s | %d | %.0f |" % (tag, fields, per), flush=True)
            if args.annotate:
                for kind, flag in (("", "yes"), (".self", "no")):
                    with open("%s.%s%s.txt" % (args.annotate, tag, kind), "w") as f:
                        subprocess.run(["callgrind_annotate", "--inclusive=" + flag, out],
                                       stdout=f, check=True)


if __name__ == "__main__":
    main()
