#!/usr/bin/env python3
"""http_proxy in front of http_hello: handlers that answer later, from the backend's thread.
CLIENTS clients at once each pipeline ROUNDS requests (GET and HEAD mixed, in one write) and
must get every answer, in order, HEAD with GET's Content-Length and no body; as many clients
send requests and reset their connection without reading (their answers come after they left);
then the backend goes away and the proxy answers 502; SIGTERM, and the proxy exits 0 with no
sanitizer report.

  stress_proxy.py HTTP_PROXY HTTP_HELLO [--clients N=20] [--rounds N=50] [--sanitize NAME]
"""
import argparse
import os
import socket
import struct
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stresslib import Server, check, figure, sanitized, wait_for  # noqa: E402

BODY = b"hello, world!\n"


def request(i):
    method = b"HEAD" if i % 3 == 2 else b"GET"
    return method + b" /r" + str(i).encode() + b" HTTP/1.1\r\nHost: p\r\n\r\n"


def read_answers(sock, rounds):
    """Reads `rounds` answers; returns the list of (status, content-length, body)."""
    data = b""
    answers = []
    for i in range(rounds):
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return answers
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body_len = 0 if i % 3 == 2 else length
        while len(data) < body_len:
            chunk = sock.recv(65536)
            if not chunk:
                return answers
            data += chunk
        answers.append((status, length, data[:body_len]))
        data = data[body_len:]
    return answers


def pipelining_client(port, rounds, errors):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"".join(request(i) for i in range(rounds)))
            answers = read_answers(sock, rounds)
        for i, (status, length, body) in enumerate(answers):
            want = b"" if i % 3 == 2 else BODY
            if status != 200 or length != len(BODY) or body != want:
                errors.append(f"answer {i}: {status}, Content-Length {length}, body {body!r}")
                return
        if len(answers) != rounds:
            errors.append(f"{len(answers)} answers of {rounds}")
    except OSError as e:
        errors.append(f"client: {e}")


def resetting_client(port, rounds):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"".join(request(i) for i in range(rounds)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def get(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request(0))
        return read_answers(sock, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proxy")
    ap.add_argument("hello")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--sanitize", default="")
    args = ap.parse_args()
    sanitized(args.sanitize)

    hello = Server([args.hello, "--port", "0", "--threads", "1"])
    proxy = None
    try:
        proxy = Server([args.proxy, "--port", "0", "--threads", "2",
                        "--backend", f"127.0.0.1:{hello.port}"])
        # The backend connection comes up in the proxy's backend thread: wait for it.
        check(wait_for(lambda: "is UP" in proxy.text(), 20), "the proxy connects to its backend")

        errors = []
        threads = [threading.Thread(target=pipelining_client,
                                    args=(proxy.port, args.rounds, errors))
                   for _ in range(args.clients)]
        resetters = [threading.Thread(target=resetting_client, args=(proxy.port, args.rounds))
                     for _ in range(args.clients)]
        for t in threads + resetters:
            t.start()
        for t in threads + resetters:
            t.join()
        figure("pipelined answers checked", args.clients * args.rounds)
        check(not errors, "every pipelined client gets every answer, in order" +
              (": " + "; ".join(errors[:3]) if errors else ""))
        check(get(proxy.port) == [(200, len(BODY), BODY)],
              "after the clients that reset, the proxy still answers")

        hello.stop_and_check()
        answers = get(proxy.port)
        check(len(answers) == 1 and answers[0][0] == 502,
              f"with the backend gone the proxy answers 502 ({answers})")
        proxy.stop_and_check()
    finally:
        if proxy is not None:
            proxy.close()
        hello.close()


if __name__ == "__main__":
    main()
