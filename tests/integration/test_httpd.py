#!/usr/bin/env python3
"""httpd and http_counter as a user runs them, with curl and Python's http.client as clients.

httpd serves a scratch root on an ephemeral port (--port 0, the port read back from its
"listening on" log line): keep-alive reuse, HEAD, a followed 301, several requests on one
http.client connection, traversal attempts over a raw socket, a 100 MiB file downloaded whole
while the server's peak RSS stays small, POST refused with 405, and a clean exit on SIGINT;
then the default bind address (loopback), --bind ::1 and --access-log; then SIGTERM in the
middle of a download: the download completes, a new connection is refused, an idle keep-alive
connection is closed, and httpd exits 0.
http_counter answers a POST that waits for "100 Continue".

  test_httpd.py HTTPD HTTP_COUNTER
"""
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CURL_TIMEOUT = ["--max-time", "60", "--connect-timeout", "10"]
SECRET = b"OUTSIDE: must never be served"
BIG_SIZE = 100 * 1024 * 1024


def fail(msg):
    print(f"FAILED: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}")


def start(argv, what, address=None):
    """Starts a server that logs 'listening on <ip>:<port>' (an IPv6 address in brackets);
    returns (process, port). With `address`, the server must listen on that address."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on ([0-9.]+|\[[0-9a-f:]+\]):(\d+)", line)
        if m:
            if address is not None and m.group(1) != address:
                proc.kill()
                fail(f"{what} listens on {m.group(1)}, not {address}")
            return proc, int(m.group(2))
    proc.kill()
    fail(f"{what} did not say where it listens: {proc.stdout.read()[-2000:]}")


def stop(proc, what):
    """SIGINT, then the exit status must be 0."""
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail(f"{what} did not stop within 10 s of SIGINT")
    check(rc == 0, f"{what} exits 0 on SIGINT")


def curl(*args):
    r = subprocess.run(["curl", "-sS", *CURL_TIMEOUT, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if r.returncode != 0:
        fail(f"curl {' '.join(args)} exited {r.returncode}: {r.stderr.decode()[-2000:]}")
    return r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    fail("no VmHWM in /proc/<pid>/status")


def raw_request(port, request):
    """Sends bytes, reads until the server closes (bounded), returns the response bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def make_root(base):
    """base/secret lies outside; base/www is the root."""
    root = os.path.join(base, "www")
    os.makedirs(os.path.join(root, "docs"))
    with open(os.path.join(base, "secret"), "wb") as f:
        f.write(SECRET)
    with open(os.path.join(root, "a.txt"), "w") as f:
        f.write("file a\n")
    with open(os.path.join(root, "b.md"), "w") as f:
        f.write("# file b\n")
    with open(os.path.join(root, "docs", "index.html"), "w") as f:
        f.write("<p>docs index</p>\n")
    os.symlink("../secret", os.path.join(root, "link-out"))
    os.symlink(base, os.path.join(root, "dir-out"))
    # 100 MiB, sparse but for a marker of distinct bytes at every MiB, so a lost, repeated or
    # reordered piece changes the hash.
    big = os.path.join(root, "big.bin")
    with open(big, "wb") as f:
        f.truncate(BIG_SIZE)
        for mib in range(100):
            f.seek(mib * 1024 * 1024 + mib)
            f.write(f"[MiB {mib}]".encode() * 50)
    return root, big


def test_httpd(httpd, base):
    root, big = make_root(base)
    proc, port = start([httpd, "--port", "0", "--root", root, "--threads", "2"], "httpd")
    url = f"http://127.0.0.1:{port}"
    try:
        # Two URLs in one curl: the second reuses the first one's connection.
        out, err = curl("-v", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n",
                        f"{url}/a.txt", f"{url}/b.md")
        check(out.split("\n")[:2] == ["200 1", "200 0"],
              f"curl reuses the connection for a second URL (got {out.split()})")
        check("Re-using existing connection" in err, "curl says it re-used the connection")

        out, _ = curl("-I", f"{url}/a.txt")
        check(out.startswith("HTTP/1.1 200"), "HEAD (curl -I) is 200")
        check(re.search(r"(?im)^content-length: 7\r?$", out) is not None, "HEAD has the file's length")
        check(re.search(r"(?im)^content-type: text/plain; charset=utf-8\r?$", out) is not None,
              "HEAD has the file's type")

        out, _ = curl("-L", "-w", "\n%{num_redirects} %{url_effective}", f"{url}/docs")
        body, _, info = out.rpartition("\n")
        check(body == "<p>docs index</p>\n" and info == f"1 {url}/docs/",
              f"curl -L follows the 301 to /docs/ and gets its index.html ({info})")

        out, _ = curl("-X", "POST", "--data-binary", "hello", "-D", "-", "-o", "/dev/null",
                      f"{url}/a.txt")
        check(out.startswith("HTTP/1.1 405"), "POST to httpd is 405")
        check(re.search(r"(?im)^allow: GET, HEAD\r?$", out) is not None, "405 says Allow: GET, HEAD")

        # http.client: several requests on one connection, all answered, the socket kept.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        first_sock = None
        for path, status in [("/a.txt", 200), ("/missing", 404), ("/b.md", 200), ("/docs", 301),
                             ("/docs/", 200)]:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            if r.status != status:
                fail(f"http.client GET {path}: {r.status}, expected {status}")
            if first_sock is None:
                first_sock = conn.sock
            if conn.sock is None or conn.sock is not first_sock:
                fail(f"http.client had to reconnect for GET {path}")
            if path == "/b.md" and r.getheader("Content-Type") != "text/markdown; charset=utf-8":
                fail(f"b.md served as {r.getheader('Content-Type')}")
        conn.close()
        check(True, "http.client: 5 requests on one keep-alive connection")

        # Traversal over a raw socket, exactly the bytes a client may send.
        for target in [b"/../secret", b"/%2e%2e/secret", b"/%2e%2e%2fsecret", b"/..%2f..%2fsecret",
                       b"/a/../../secret", b"/link-out", b"/dir-out/secret"]:
            resp = raw_request(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not resp.startswith(b"HTTP/1.1 404") or SECRET in resp:
                fail(f"GET {target.decode()}: {resp[:100]!r}")
        check(True, "traversal attempts (dot segments, encoded, symlinks) are 404 and leak nothing")
        resp = raw_request(port, b"GET /a%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(resp.startswith(b"HTTP/1.1 400"), "a decoded NUL is 400")

        # 100 MiB streamed whole, with bounded memory on the server.
        expected = hashlib.sha256()
        with open(big, "rb") as f:
            while chunk := f.read(1 << 20):
                expected.update(chunk)
        hwm_before = vm_hwm_kib(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/big.bin")
        r = conn.getresponse()
        got = hashlib.sha256()
        size = 0
        while chunk := r.read(1 << 20):
            got.update(chunk)
            size += len(chunk)
        conn.close()
        hwm_after = vm_hwm_kib(proc.pid)
        check(r.status == 200 and size == BIG_SIZE and got.digest() == expected.digest(),
              f"100 MiB downloaded whole and unchanged ({size} bytes)")
        growth = (hwm_after - hwm_before) // 1024
        check(growth < 40, f"httpd's peak RSS grew by {growth} MiB (< 40) while sending 100 MiB "
                           f"(VmHWM {hwm_before} -> {hwm_after} KiB)")
    finally:
        if proc.poll() is None:
            stop(proc, "httpd")


def test_bind_and_access_log(httpd, base):
    """The default address is loopback; --bind ::1 serves over IPv6; --access-log writes one
    Common Log Format line per answer; an address that does not parse is a usage error."""
    root = os.path.join(base, "www")
    proc, _ = start([httpd, "--port", "0", "--root", root], "httpd", address="127.0.0.1")
    stop(proc, "httpd on its default address")
    log = os.path.join(base, "access.log")
    proc, port = start([httpd, "--port", "0", "--root", root, "--bind", "::1",
                        "--access-log", log], "httpd --bind ::1", address="[::1]")
    try:
        out, _ = curl("-g", f"http://[::1]:{port}/a.txt")
        check(out == "file a\n", "httpd --bind ::1 serves over IPv6")
        curl("-g", "-o", "/dev/null", f"http://[::1]:{port}/missing")
    finally:
        stop(proc, "httpd --bind ::1")
    with open(log) as f:
        lines = f.read().splitlines()
    clf = r'::1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET %s HTTP/1.1" %s'
    check(len(lines) == 2 and re.fullmatch(clf % ("/a.txt", "200 7"), lines[0]) is not None
          and re.fullmatch(clf % ("/missing", r"404 \d+"), lines[1]) is not None,
          f"--access-log writes one Common Log Format line per answer ({lines!r})")
    r = subprocess.run([httpd, "--port", "0", "--root", root, "--bind", "localhost"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
    check(r.returncode == 1 and "not an IPv4 address" in r.stdout,
          f"--bind with a name, not an address, is refused ({r.stdout.strip()!r})")


def refused(port):
    """Whether a connect to the port is refused; one reset in the backlog as the listening
    socket closes is not (yet)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False


def test_drain(httpd, base):
    """SIGTERM drains: the listening socket closes at once, a download under way completes, an
    idle keep-alive connection is closed, and the process exits 0 once no connection is left."""
    root = os.path.join(base, "www")  # made by test_httpd
    proc, port = start([httpd, "--port", "0", "--root", root, "--drain-timeout", "60"], "httpd")
    try:
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        idle.request("GET", "/a.txt")
        r = idle.getresponse()
        check(r.read() == b"file a\n" and not r.will_close, "a keep-alive connection, now idle")
        download = socket.create_connection(("127.0.0.1", port), timeout=30)
        download.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = download.recv(1 << 20)
        check(got.startswith(b"HTTP/1.1 200"), "a 100 MiB download has begun")

        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not refused(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        check(refused(port), "after SIGTERM a new connection is refused")
        check(idle.sock.recv(1) == b"", "the idle keep-alive connection is closed")
        idle.close()
        # Counted, not kept: 100 MiB appended to a bytes object chunk by chunk is quadratic.
        size = len(got.partition(b"\r\n\r\n")[2])
        while chunk := download.recv(1 << 20):
            size += len(chunk)
        download.close()
        check(size == BIG_SIZE, f"the download under way completes ({size} of {BIG_SIZE} bytes)")
        rc = proc.wait(timeout=20)
        check(rc == 0, "httpd exits 0 once the last connection is gone")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_counter(counter):
    proc, port = start([counter, "--port", "0"], "http_counter")
    url = f"http://127.0.0.1:{port}/counter"
    try:
        out, err = curl("-v", "--expect100-timeout", "20", "-H", "Expect: 100-continue",
                        "--data-binary", "5", url)
        check("< HTTP/1.1 100 Continue" in err, "http_counter answers Expect: 100-continue")
        check(re.fullmatch(r'\{"count": 5\}\s*', out) is not None, f"the counter is 5 ({out!r})")
        out, _ = curl("--data-binary", "37", url)
        check(re.fullmatch(r'\{"count": 42\}\s*', out) is not None, f"the counter is 42 ({out!r})")
    finally:
        if proc.poll() is None:
            stop(proc, "http_counter")


def main():
    httpd, counter = sys.argv[1], sys.argv[2]
    if shutil.which("curl") is None:
        fail("curl is not installed (apt-get install curl; ./autobuild.sh installs it)")
    base = tempfile.mkdtemp(prefix="mymuduo-httpd-")
    try:
        test_httpd(httpd, base)
        test_bind_and_access_log(httpd, base)
        test_drain(httpd, base)
        test_counter(counter)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("ok: httpd and http_counter behave as a user expects")


if __name__ == "__main__":
    main()
