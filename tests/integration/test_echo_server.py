#!/usr/bin/env python3
"""The echo_server program as a user runs it: arguments, echo over TCP, clean stop on signals.

Usage: test_echo_server.py PATH_TO_ECHO_SERVER
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import unittest

SERVER = None  # set from argv in main


def start_server(*args):
    """Starts the server on an ephemeral port; returns (process, port)."""
    proc = subprocess.Popen([SERVER, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    seen = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            seen += line
            match = re.search(r"listening on [0-9.]+:(\d+)", line)
            if match:
                return proc, int(match.group(1))
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("server did not report its port; it said:\n" + seen)


def stop(proc, sig):
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("server did not stop within 10 s of signal %d" % sig)
    return proc.returncode, err


class EchoServerTest(unittest.TestCase):
    def test_help_prints_usage_and_succeeds(self):
        result = subprocess.run([SERVER, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 0)
        self.assertIn("usage:", result.stdout)

    def test_bad_arguments_fail_with_usage(self):
        for args in (["--port"], ["--port", "70000"], ["--port", "12x"], ["--threads", "-1"],
                     ["--bogus"]):
            with self.subTest(args=args):
                result = subprocess.run([SERVER, *args], capture_output=True, text=True,
                                        timeout=10)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("usage:", result.stderr)

    def test_echoes_a_megabyte_and_stops_on_sigterm(self):
        proc, port = start_server()
        try:
            payload = os.urandom(1 << 20)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(payload)
                conn.shutdown(socket.SHUT_WR)
                received = bytearray()
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += chunk
            self.assertEqual(len(received), len(payload))
            self.assertEqual(bytes(received), payload)
        finally:
            code, err = stop(proc, signal.SIGTERM)
        self.assertEqual(code, 0, err)
        self.assertIn("stopped", err)

    def test_listen_per_loop_echoes_and_stops_with_clients_connected(self):
        proc, port = start_server("--threads", "2", "--listen-per-loop")
        conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(16)]
        try:
            for i, conn in enumerate(conns):
                conn.sendall(b"ping %d" % i)
                self.assertEqual(conn.recv(64), b"ping %d" % i)
            code, err = stop(proc, signal.SIGTERM)
            self.assertEqual(code, 0, err)
            for conn in conns:
                self.assertEqual(conn.recv(1), b"")  # closed by its IO loop on the way out
        finally:
            for conn in conns:
                conn.close()

    def test_stops_on_sigint_with_a_client_connected(self):
        proc, port = start_server()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"ping")
            self.assertEqual(conn.recv(4), b"ping")
            code, err = stop(proc, signal.SIGINT)
            self.assertEqual(code, 0, err)
            self.assertEqual(conn.recv(1), b"")  # the server closed our connection


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
