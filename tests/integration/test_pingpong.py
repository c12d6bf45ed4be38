#!/usr/bin/env python3
"""pingpong_client against pingpong_server, as the benchmark runs them: the server on an
ephemeral port (read back from its log), the client for one second; the client's last line must
be "<N> MiB/s throughput" with N > 0, both must exit 0, and the server must stop on SIGTERM.

  test_pingpong.py PINGPONG_SERVER PINGPONG_CLIENT
"""
import re
import signal
import subprocess
import sys
import time


def fail(msg):
    print(f"FAILED: {msg}")
    sys.exit(1)


def main():
    server_bin, client_bin = sys.argv[1], sys.argv[2]
    server = subprocess.Popen([server_bin, "127.0.0.1", "0", "1"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        deadline = time.monotonic() + 10
        while port is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on [0-9.]+:(\d+)", line)
            if m:
                port = m.group(1)
        if port is None:
            fail("pingpong_server did not say where it listens")
        client = subprocess.run([client_bin, "127.0.0.1", port, "1", "16384", "10", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=60)
        lines = client.stdout.strip().splitlines()
        print(client.stdout, end="")
        if client.returncode != 0:
            fail(f"pingpong_client exited {client.returncode}: {client.stderr[-2000:]}")
        m = re.fullmatch(r"(\d+\.\d\d) MiB/s throughput", lines[-1] if lines else "")
        if not m:
            fail(f"the client's last line is not '<N> MiB/s throughput': {lines[-1:]}")
        if float(m.group(1)) <= 0:
            fail("no bytes went back and forth")
        server.send_signal(signal.SIGTERM)
        rc = server.wait(timeout=10)
        if rc != 0:
            fail(f"pingpong_server exited {rc} on SIGTERM")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("ok: pingpong_client printed its throughput line; both programs exited 0")


if __name__ == "__main__":
    main()
