#!/usr/bin/env python3
"""The benchmark suite: the installed example servers side by side with nginx and a raw epoll
yardstick (raw_epoll.c beside this file), on loopback, on this machine.

Usually run by `./autobuild.sh bench`, which installs wrk, nginx and gnuplot, builds and installs
final/ into ./install and then runs this script. It starts every server itself on a free
loopback port, drives it with wrk or pingpong_client, reads the server's CPU time from
/proc/<pid>/stat before and after each run, and stops all it started, also on Ctrl-C.
Contenders are interleaved (A B C A B C ...) over several rounds and medians are reported.

Output: a table on stdout, BUILD/bench/results.json and docs/benchmarks.md (with SVG plots in
docs/benchmarks/ when gnuplot is installed).
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Every process this script started and has not yet stopped.
_children = []


def log(msg):
    print(msg, flush=True)


# ---- processes --------------------------------------------------------------------------------

def free_port():
    """A port nobody listens on: the kernel picks it for a socket bound to port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile(want):
    """Raises this process's RLIMIT_NOFILE towards want; returns the soft limit reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    for target_hard in (max(hard, want), hard):
        try:
            new_hard = target_hard if target_hard != resource.RLIM_INFINITY else want
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, new_hard), new_hard))
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name, from field 3 (state) on."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def children_of(pid):
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if int(proc_stat(int(name))[1]) == pid:  # field 4, the parent
                    kids.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def cpu_list(cpus):
    return ",".join(str(c) for c in cpus)


class Server:
    """One server process: started, waited for until it accepts, measured, stopped."""

    def __init__(self, name, argv, port, logdir, env=None, nofile=None):
        self.name, self.argv, self.port = name, argv, port
        self.logpath = os.path.join(logdir, "%s-%d.log" % (name.replace(" ", "_"), port))
        self.proc = None
        self.env = env
        self.nofile = nofile

    def start(self, timeout=10.0):
        env = dict(os.environ)
        env.update(self.env or {})
        nofile = self.nofile

        def preexec():
            if nofile:
                raise_nofile(nofile)

        self.logfile = open(self.logpath, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.logfile,
                                     stderr=subprocess.STDOUT, env=env, preexec_fn=preexec)
        _children.append(self.proc)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start (status %s):\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("%s does not accept on port %d after %.0f s:\n%s"
                                       % (self.name, self.port, timeout, self.log_tail()))
                time.sleep(0.05)
        return self

    def log_tail(self, n=2000):
        try:
            with open(self.logpath, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self):
        """utime + stime of the whole process (all its threads) and of its running children
        (nginx's workers, when it has a master)."""
        return sum(self.cpu_split())

    def cpu_split(self):
        """(utime, stime) in seconds, summed as cpu_seconds() sums them: the time in user space
        and the time in the kernel on the process's behalf."""
        user = system = 0
        for pid in [self.proc.pid] + children_of(self.proc.pid):
            try:
                fields = proc_stat(pid)
            except OSError:
                continue  # a child that has just gone
            # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
            user += int(fields[11])
            system += int(fields[12])
        return user / CLK_TCK, system / CLK_TCK

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS for %s" % self.name)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc in _children:
            _children.remove(self.proc)
        self.logfile.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def stop_all_children():
    for proc in list(_children):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in list(_children):
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _children.remove(proc)


def run_client(argv, timeout):
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _children.append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=5)
        _children.remove(proc)
        raise RuntimeError("%s did not finish within %.0f s" % (argv[0], timeout))
    # (On Ctrl-C the client stays in _children, and stop_all_children() ends it.)
    _children.remove(proc)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (status %d):\n%s%s" % (" ".join(argv), proc.returncode, out, err))
    return out


# ---- the contenders ---------------------------------------------------------------------------

NGINX_CONF = """\
worker_processes {workers};
daemon off;
master_process {master};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    # The library keeps a connection for any number of requests; so does nginx here
    # (its default closes after 1000).
    keepalive_requests 100000000;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ application/octet-stream bin; }}
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port}{reuseport};
        root {www};
        location = / {{ return 200 "hello, world!\\n"; }}
    }}
}}
"""


class Env:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.bin = os.path.join(args.install, "bin")
        self.www = os.path.join(tmp, "www")
        os.makedirs(self.www)
        with open(os.path.join(self.www, "4k.bin"), "wb") as f:
            f.write(os.urandom(4096))
        with open(os.path.join(self.www, "1m.bin"), "wb") as f:
            f.write(os.urandom(1 << 20))
        with open(os.path.join(self.www, "2m.bin"), "wb") as f:
            f.write(os.urandom(2 << 20))
        self.raw = os.path.join(args.build_dir, "bench", "raw_epoll")

    def lib(self, name):
        return os.path.join(self.bin, name)

    def server(self, kind, threads=None, extra=(), cpus=None, workers=1):
        """A Server (not started) of the given kind on a free port; with cpus, pinned to them."""
        port = free_port()
        t = str(self.args.threads if threads is None else threads)
        # The library's programs log through chapter 14's asynchronous back end into a file, so
        # that no log line costs a system call on an IO thread.
        logfile = ["--log-file", os.path.join(self.tmp, "%s-%d" % (kind, port))]
        if kind == "http_hello":
            argv = [self.lib("http_hello"), "--port", str(port), "--threads", t] + list(extra) + logfile
        elif kind == "httpd":
            argv = [self.lib("httpd"), "--port", str(port), "--threads", t, "--root", self.www] + logfile
        elif kind == "pingpong_server":
            argv = [self.lib("pingpong_server"), "127.0.0.1", str(port), t]
        elif kind == "echo_server":
            argv = [self.lib("echo_server"), "--port", str(port), "--threads", t] + logfile
        elif kind == "raw http":
            argv = [self.raw, "http", str(port)]
        elif kind == "raw echo":
            argv = [self.raw, "echo", str(port)]
        elif kind == "nginx":
            conf = os.path.join(self.tmp, "nginx-%d.conf" % port)
            with open(conf, "w") as f:
                # One worker with no master, as in scenarios 1-5; more (the scaling run) need the
                # master, which starts them, each with a listening socket of its own.
                f.write(NGINX_CONF.format(tmp=self.tmp, port=port, www=self.www, workers=workers,
                                          master="on" if workers > 1 else "off",
                                          reuseport=" reuseport" if workers > 1 else ""))
            argv = [self.args.nginx, "-p", self.tmp, "-e", os.path.join(self.tmp, "nginx-error.log"),
                    "-c", conf]
        else:
            raise ValueError(kind)
        if cpus:
            argv = [self.args.taskset, "-c", cpu_list(cpus)] + argv
        return Server(kind, argv, port, self.tmp, nofile=20000)


# ---- measurements -----------------------------------------------------------------------------

def parse_size(text):
    m = re.match(r"([\d.]+)([KMGT]?)B", text)
    if not m:
        return 0.0
    return float(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2)]


def wrk_run(env, server, path, duration, close=False, headers=(), threads=1, cpus=None):
    argv = [env.args.wrk, "-t%d" % threads, "-c100", "-d%ds" % duration, "--timeout", "5s"]
    if cpus:
        argv = [env.args.taskset, "-c", cpu_list(cpus)] + argv
    if close:
        argv += ["-H", "Connection: close"]
    for h in headers:
        argv += ["-H", h]
    argv.append("http://127.0.0.1:%d%s" % (server.port, path))
    user0, system0 = server.cpu_split()
    out = run_client(argv, timeout=duration + 60)
    user1, system1 = server.cpu_split()
    user = user1 - user0
    cpu = user + system1 - system0
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+\w?B) read", out)
    if not m:
        raise RuntimeError("cannot read wrk's output:\n" + out)
    requests = int(m.group(1))
    secs = float(m.group(2)) * {"s": 1, "ms": 1e-3, "m": 60, "us": 1e-6}.get(m.group(3), 1)
    nbytes = parse_size(m.group(4))
    errors = 0
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if e:
        errors += sum(int(x) for x in e.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        errors += int(bad.group(1))
    if requests == 0:
        raise RuntimeError("%s answered no request:\n%s" % (server.name, out))
    return {
        "requests": requests, "seconds": secs, "rps": requests / secs,
        "mib_s": nbytes / secs / (1 << 20), "cpu_s": cpu,
        "cpu_us_per_req": cpu / requests * 1e6, "user_us_per_req": user / requests * 1e6,
        "errors": errors,
    }


def pingpong_run(env, server, block, sessions, duration):
    argv = [env.lib("pingpong_client"), "127.0.0.1", str(server.port), "1", str(block),
            str(sessions), str(duration)]
    cpu0 = server.cpu_seconds()
    out = run_client(argv, timeout=duration + 60)
    cpu = server.cpu_seconds() - cpu0
    m = re.search(r"(\d+) total bytes read", out)
    t = re.search(r"([\d.]+) MiB/s throughput", out)
    if not m or not t:
        raise RuntimeError("cannot read pingpong_client's output:\n" + out)
    mib = int(m.group(1)) / (1 << 20)
    if mib == 0:
        raise RuntimeError("%s echoed nothing" % server.name)
    return {"mib_s": float(t.group(1)), "mib": mib, "cpu_s": cpu, "cpu_ms_per_mib": cpu / mib * 1e3}


def memory_run(server, count):
    """Opens count connections, echoes one message on each, and returns the RSS growth."""
    got = raise_nofile(count + 200)
    if got < count + 100:
        return {"skipped": "RLIMIT_NOFILE is %d, %d connections need more" % (got, count)}
    time.sleep(0.2)
    rss0 = server.rss_kib()
    socks = []
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            socks.append(s)
            s.sendall(b"ping %05d\n" % i)
        for i, s in enumerate(socks):
            want = b"ping %05d\n" % i
            got_bytes = b""
            while len(got_bytes) < len(want):
                chunk = s.recv(len(want) - len(got_bytes))
                if not chunk:
                    raise RuntimeError("%s closed connection %d" % (server.name, i))
                got_bytes += chunk
            if got_bytes != want:
                raise RuntimeError("%s echoed %r, not %r" % (server.name, got_bytes, want))
        time.sleep(0.2)
        rss1 = server.rss_kib()
    finally:
        for s in socks:
            s.close()
    return {"rss_before_kib": rss0, "rss_after_kib": rss1, "connections": count,
            "kib_per_conn": (rss1 - rss0) / count}


# ---- the scenarios ----------------------------------------------------------------------------

RANGE_HEADER = "Range: bytes=524288-1572863"


def scenarios(args):
    """(id, title, unit, contenders) where each contender is (label, server kind, run function)."""
    d = args.duration
    hello = lambda close: (lambda env, srv: wrk_run(env, srv, "/", d, close))
    static = lambda path: (lambda env, srv: wrk_run(env, srv, path, d))
    # The middle 1 MiB of a 2 MiB file: as many bytes per answer as the whole 1 MiB file.
    middle = lambda env, srv: wrk_run(env, srv, "/2m.bin", d, headers=[RANGE_HEADER])
    pp = lambda block: (lambda env, srv: pingpong_run(env, srv, block, 100, d))
    return [
        ("1", "keep-alive hello (wrk -t1 -c100)", "req/s",
         [("http_hello", "http_hello", hello(False)), ("nginx", "nginx", hello(False)),
          ("raw_epoll", "raw http", hello(False))]),
        ("2", "short connections (Connection: close)", "req/s",
         [("http_hello", "http_hello", hello(True)), ("nginx", "nginx", hello(True)),
          ("raw_epoll", "raw http", hello(True))]),
        ("3a", "static file 4 KiB", "req/s",
         [("httpd", "httpd", static("/4k.bin")), ("nginx", "nginx", static("/4k.bin"))]),
        ("3b", "static file 1 MiB", "MiB/s",
         [("httpd", "httpd", static("/1m.bin")), ("nginx", "nginx", static("/1m.bin"))]),
        ("3c", "static file, a 1 MiB range of 2 MiB", "MiB/s",
         [("httpd-range", "httpd", middle), ("httpd-whole", "httpd", static("/1m.bin")),
          ("nginx-range", "nginx", middle)]),
        ("4a", "pingpong 16 KiB x 100 sessions", "MiB/s",
         [("pingpong_server", "pingpong_server", pp(16384)), ("raw_epoll", "raw echo", pp(16384))]),
        ("4b", "pingpong 64 B x 100 sessions", "MiB/s",
         [("pingpong_server", "pingpong_server", pp(64)), ("raw_epoll", "raw echo", pp(64))]),
        ("5", "memory: 10,000 connections, one echo each", "KiB/conn",
         [("echo_server", "echo_server", lambda env, srv: memory_run(srv, args.connections)),
          ("raw_epoll", "raw echo", lambda env, srv: memory_run(srv, args.connections))]),
    ]


# System calls per request: (label, server kind, Connection: close?).
SYSCALL_RUNS = [("http_hello", "http_hello", False), ("nginx", "nginx", False),
                ("raw_epoll", "raw http", False), ("http_hello", "http_hello", True),
                ("nginx", "nginx", True), ("raw_epoll", "raw http", True)]
SYSCALL_LIMIT_SHORT = 8


def strace_run(env, kind, close, duration):
    """The system calls of every thread of a server during one wrk run, per request: strace -c
    attached to the running server (so its start-up is not counted), detached by SIGINT."""
    srv = env.server(kind)
    with srv:
        pid = srv.proc.pid
        tids = sorted(os.listdir("/proc/%d/task" % pid))
        out = os.path.join(env.tmp, "strace-%s-%d.txt" % (kind.replace(" ", "_"), srv.port))
        argv = [env.args.strace, "-f", "-c", "-o", out]
        for tid in tids:
            argv += ["-p", tid]
        st = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        _children.append(st)
        try:
            deadline = time.monotonic() + 10
            while not all(tracer_of(pid, tid) for tid in tids):
                if time.monotonic() > deadline or st.poll() is not None:
                    raise RuntimeError("strace did not attach to %s" % srv.name)
                time.sleep(0.02)
            res = wrk_run(env, srv, "/", duration, close)
        finally:
            st.send_signal(signal.SIGINT)
            st.wait(timeout=30)
            _children.remove(st)
    calls = {}
    with open(out) as f:
        for line in f:
            fields = line.split()
            # "% time  seconds  usecs/call  calls  [errors]  syscall"
            if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
                calls[fields[-1]] = int(fields[3])
    per = {name: n / res["requests"] for name, n in calls.items()}
    return {"per_request": sum(per.values()), "calls": per, "requests": res["requests"]}


def tracer_of(pid, tid):
    try:
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1]) != 0
    except OSError:
        pass
    return False


def run_syscalls(args, env):
    if not args.strace:
        log("strace not found: no system call counts")
        return {}
    counts = {}
    for label, kind, close in SYSCALL_RUNS:
        key = "%s %s" % (label, "short" if close else "keep-alive")
        try:
            counts[key] = strace_run(env, kind, close, min(args.duration, 3))
            log("   syscalls %-22s %.2f per request" % (key, counts[key]["per_request"]))
        except RuntimeError as e:
            log("   syscalls %s: %s" % (key, e))
    return counts


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# The scaling run: (label, server kind, extra arguments of http_hello), and the two shapes.
SCALE_CONTENDERS = [("main/sub Reactor", "http_hello", ()),
                    ("SO_REUSEPORT per loop", "http_hello", ("--listen-per-loop",)),
                    ("nginx", "nginx", ())]
SCALE_SHAPES = [("keep-alive", False), ("short connections", True)]


def scale_plan(args):
    """(loop counts, server cores, client cores) of the scaling run, or None to skip it. The
    first half of the cores this process may use go to the server, the rest to wrk, so the
    two never share one; the server runs with N loops pinned to its first N cores."""
    cpus = sorted(os.sched_getaffinity(0))
    if args.scale == 0 or len(cpus) < 2 or (args.only and "scale" not in args.only):
        return None
    server, client = cpus[:len(cpus) // 2], cpus[len(cpus) // 2:]
    top = len(server) if args.scale is None else min(args.scale, len(server))
    counts = sorted({n for n in (1, 2, 4, 8, 16, 32, 64) if n < top} | {top})
    return counts, server, client


def run_scaling(args, env, plan, scaling):
    counts, server_cpus, client_cpus = plan
    for n in counts:
        for shape, close in SCALE_SHAPES:
            for label, kind, extra in SCALE_CONTENDERS:
                srv = env.server(kind, threads=n, extra=extra, cpus=server_cpus[:n], workers=n)
                try:
                    with srv:
                        res = wrk_run(env, srv, "/", args.duration, close,
                                      threads=len(client_cpus), cpus=client_cpus)
                except RuntimeError as e:
                    log("   scale %d %s %s: %s" % (n, shape, label, e))
                    continue
                scaling.setdefault((n, shape, label), []).append(res)
                log("   scale %-2d %-17s %-21s %s" % (n, shape, label, brief(res)))


def run_all(args, env, plan):
    chosen = [s for s in scenarios(args) if not args.only or s[0] in args.only or s[0][0] in args.only]
    raw = {sid: {label: [] for label, _, _ in cont} for sid, _, _, cont in chosen}
    scaling = {}
    for r in range(args.rounds):
        log("== round %d of %d" % (r + 1, args.rounds))
        for sid, title, unit, contenders in chosen:
            for label, kind, fn in contenders:
                srv = env.server(kind)
                try:
                    with srv:
                        res = fn(env, srv)
                except RuntimeError as e:
                    # One failed run is reported and left out; the others still count.
                    res = {"skipped": "a run failed: %s" % str(e).strip().splitlines()[0]}
                    log("   %s %s: %s" % (sid, label, e))
                raw[sid][label].append(res)
                log("   %-3s %-16s %s" % (sid, label, brief(res)))
        if plan:
            run_scaling(args, env, plan, scaling)
    return chosen, raw, scaling


def brief(res):
    if "skipped" in res:
        return "skipped: " + res["skipped"]
    if "kib_per_conn" in res:
        return "%.2f KiB/conn (RSS %d -> %d KiB)" % (res["kib_per_conn"], res["rss_before_kib"],
                                                   res["rss_after_kib"])
    if "rps" in res:
        return "%.0f req/s, %.1f MiB/s, %.2f us CPU/req, %d errors" % (
            res["rps"], res["mib_s"], res["cpu_us_per_req"], res["errors"])
    return "%.1f MiB/s, %.2f ms CPU/MiB" % (res["mib_s"], res["cpu_ms_per_mib"])


# Targets of the issue: (scenario, text, metric, contender, reference, limit, direction).
# The value compared is the median over rounds of the per-round ratio contender/reference
# (per-round ratios cancel some of the machine's drift); "le" means ratio <= limit is met.
TARGETS = [
    ("1", "server CPU per request <= 0.95 x nginx's", "cpu_us_per_req", "http_hello", "nginx", 0.95, "le"),
    ("1", "server CPU per request <= 1.05 x raw_epoll's", "cpu_us_per_req", "http_hello", "raw_epoll", 1.05, "le"),
    ("1", "requests/s >= nginx's", "rps", "http_hello", "nginx", 1.0, "ge"),
    ("2", "requests/s >= nginx's", "rps", "http_hello", "nginx", 1.0, "ge"),
    ("2", "server CPU per connection <= nginx's", "cpu_us_per_req", "http_hello", "nginx", 1.0, "le"),
    ("3a", "server CPU per request <= nginx's", "cpu_us_per_req", "httpd", "nginx", 1.0, "le"),
    ("3b", "throughput >= 0.9 x nginx's", "mib_s", "httpd", "nginx", 0.9, "ge"),
    ("3c", "server CPU per 1 MiB range <= 1.05 x per whole 1 MiB file", "cpu_us_per_req",
     "httpd-range", "httpd-whole", 1.05, "le"),
    ("4a", "server CPU per MiB <= 1.1 x raw_epoll's", "cpu_ms_per_mib", "pingpong_server", "raw_epoll", 1.1, "le"),
    ("4b", "server CPU per MiB <= 1.1 x raw_epoll's", "cpu_ms_per_mib", "pingpong_server", "raw_epoll", 1.1, "le"),
]
MEMORY_LIMIT_KIB = 1.5


def summarise(chosen, raw, scaling):
    summary = {}
    for sid, title, unit, contenders in chosen:
        rows = {}
        for label, _, _ in contenders:
            runs = [x for x in raw[sid][label] if "skipped" not in x]
            if not runs:
                rows[label] = {"skipped": raw[sid][label][0].get("skipped") if raw[sid][label] else "no run"}
                continue
            keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
            rows[label] = {k: median([x[k] for x in runs]) for k in keys}
        summary[sid] = {"title": title, "unit": unit, "contenders": rows}
    targets = []
    for sid, text, metric, a, b, limit, how in TARGETS:
        if sid not in raw:
            continue
        ra, rb = raw[sid].get(a, []), raw[sid].get(b, [])
        ratios = [x[metric] / y[metric] for x, y in zip(ra, rb) if metric in x and y.get(metric)]
        ratio = median(ratios)
        met = None if ratio is None else (ratio <= limit if how == "le" else ratio >= limit)
        targets.append({"scenario": sid, "target": text, "metric": metric, "contender": a,
                        "reference": b, "limit": limit, "direction": how, "ratio": ratio,
                        "ratios": ratios, "met": met})
    if "5" in summary:
        row = summary["5"]["contenders"].get("echo_server", {})
        v = row.get("kib_per_conn")
        targets.append({"scenario": "5", "target": "<= %.1f KiB resident per connection" % MEMORY_LIMIT_KIB,
                        "metric": "kib_per_conn", "contender": "echo_server", "reference": None,
                        "limit": MEMORY_LIMIT_KIB, "direction": "le", "ratio": v,
                        "met": None if v is None else v <= MEMORY_LIMIT_KIB})
    scale = {}
    for key, runs in sorted(scaling.items()):
        scale[key] = {"rps": median([x["rps"] for x in runs]),
                      "cpu_us_per_req": median([x["cpu_us_per_req"] for x in runs])}
    return summary, targets, scale


def scale_rows(scale):
    """Per shape, the rows (loops, [req/s, CPU per request] of each contender in order)."""
    tables = {}
    for shape, _ in SCALE_SHAPES:
        rows = []
        for n in sorted({k[0] for k in scale if k[1] == shape}):
            cells = []
            for label, _, _ in SCALE_CONTENDERS:
                s = scale.get((n, shape, label), {})
                cells += [fmt(s.get("rps"), 0), fmt(s.get("cpu_us_per_req"))]
            rows.append((n, cells))
        if rows:
            tables[shape] = rows
    return tables


# ---- reports ----------------------------------------------------------------------------------

def fmt(v, digits=2):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return "%.*f" % (digits, v)


def table_rows(summary):
    """Rows: scenario, contender, throughput (with unit), server CPU (with unit), errors."""
    rows = []
    for sid, s in summary.items():
        for label, r in s["contenders"].items():
            if "skipped" in r:
                rows.append((sid, s["title"], label, "skipped: %s" % r["skipped"], "", ""))
            elif "kib_per_conn" in r:
                rows.append((sid, s["title"], label, "%s KiB/conn" % fmt(r["kib_per_conn"]),
                             "RSS %s -> %s KiB" % (fmt(r["rss_before_kib"], 0), fmt(r["rss_after_kib"], 0)), ""))
            elif "rps" in r:
                thr = ("%s MiB/s (%s req/s)" % (fmt(r["mib_s"], 1), fmt(r["rps"], 0)) if s["unit"] == "MiB/s"
                       else "%s req/s" % fmt(r["rps"], 0))
                cpu = "%s us/req" % fmt(r["cpu_us_per_req"])
                if "user_us_per_req" in r:
                    cpu += " (user %s)" % fmt(r["user_us_per_req"])
                rows.append((sid, s["title"], label, thr, cpu, fmt(r["errors"], 0)))
            else:
                rows.append((sid, s["title"], label, "%s MiB/s" % fmt(r["mib_s"], 1),
                             "%s ms/MiB" % fmt(r["cpu_ms_per_mib"]), ""))
    return rows


def target_text(t):
    if t["ratio"] is None:
        return "not measured"
    if t["reference"] is None:
        return "%s %s" % (fmt(t["ratio"]), absolute_unit(t))
    return "%.3f x" % t["ratio"]


def absolute_unit(t):
    """The unit of a target measured without a reference: memory, or system calls."""
    return "calls" if t["metric"] == "syscalls" else "KiB"


def verdict(t):
    if t["met"] is None:
        return "-"
    if t["met"]:
        return "met"
    if t["reference"] is None:
        return "missed (%.2f %s over)" % (t["ratio"] - t["limit"], absolute_unit(t))
    if t["direction"] == "le":
        return "missed (%.1f%% over the limit)" % ((t["ratio"] / t["limit"] - 1) * 100)
    return "missed (%.1f%% short)" % ((1 - t["ratio"] / t["limit"]) * 100)


def print_tables(summary, targets, scale):
    rows = table_rows(summary)
    w = [max(len(str(r[i])) for r in rows) for i in range(6)] if rows else [0] * 6
    print()
    print("%-3s  %-*s  %-*s  %-*s  %s" % ("sc", w[2], "server", w[3], "throughput (median)", w[4],
                                       "server CPU (median)", "errors"))
    last = None
    for r in rows:
        if r[0] != last:
            print("-- %s: %s" % (r[0], r[1]))
            last = r[0]
        print("%-3s  %-*s  %-*s  %-*s  %s" % (r[0], w[2], r[2], w[3], r[3], w[4], r[4], r[5]))
    print()
    print("targets (median of per-round ratios):")
    for t in targets:
        print("  %-3s %-55s %-10s %s" % (t["scenario"], t["target"], target_text(t), verdict(t)))
    for shape, rows in scale_rows(scale).items():
        print()
        print("scaling, %s: loops, then req/s and us CPU/req of %s" % (
            shape, ", ".join(label for label, _, _ in SCALE_CONTENDERS)))
        for n, cells in rows:
            print("  %-3d %s" % (n, "  ".join("%10s" % c for c in cells)))
    print()


def print_syscalls(syscalls):
    if not syscalls:
        return
    print("system calls per request (strace -c, all threads):")
    for key, c in syscalls.items():
        top = sorted(((n, name) for name, n in c["calls"].items() if n >= 0.05), reverse=True)
        print("  %-22s %6.2f  %s" % (key, c["per_request"], " ".join("%s=%.2f" % (name, n) for n, name in top)))
    print()


def command_version(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
        return p.stdout.strip().splitlines()[0] if p.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine(args):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = "%.1f GiB" % (kib / (1 << 20))
    except (OSError, ValueError, IndexError):
        pass
    cxx = os.environ.get("CXX") or "c++"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
        "kernel": "%s %s" % (platform.system(), platform.release()),
        "compiler": command_version([cxx, "--version"]),
        "nginx": command_version([args.nginx, "-v"]),
        "wrk": command_version([args.wrk, "--version"]).split(" Copyright")[0],
        "python": platform.python_version(),
    }


def plot(summary, outdir, gnuplot):
    """One SVG per scenario: throughput and server CPU, one bar per contender."""
    os.makedirs(outdir, exist_ok=True)
    made = {}
    for sid, s in summary.items():
        rows = [(label, r) for label, r in s["contenders"].items() if "skipped" not in r]
        if not rows:
            continue
        if "kib_per_conn" in rows[0][1]:
            panels = [("resident memory per connection (KiB)", "kib_per_conn")]
        elif "rps" in rows[0][1]:
            first = ("throughput (MiB/s)", "mib_s") if s["unit"] == "MiB/s" else ("requests/s", "rps")
            panels = [first, ("server CPU per request (us)", "cpu_us_per_req")]
        else:
            panels = [("throughput (MiB/s)", "mib_s"), ("server CPU per MiB (ms)", "cpu_ms_per_mib")]
        data = os.path.join(outdir, ".scenario%s.dat" % sid)
        with open(data, "w") as f:
            for label, r in rows:
                f.write("\"%s\" %s\n" % (label, " ".join(repr(float(r[k])) for _, k in panels)))
        svg = "scenario%s.svg" % sid
        script = [
            "set terminal svg size %d,320 dynamic font 'sans,11' background rgb 'white'" % (380 * len(panels)),
            "set output '%s'" % os.path.join(outdir, svg),
            "set termoption noenhanced",  # names like http_hello are not subscripts
            "set style fill solid 0.7 border -1",
            "set boxwidth 0.6",
            "set yrange [0:*]",
            "set grid ytics",
            "unset key",
            "set multiplot layout 1,%d title \"Scenario %s: %s (medians)\"" % (len(panels), sid, s["title"]),
        ]
        for i, (ylabel, _) in enumerate(panels):
            script += ["set title '%s'" % ylabel,
                       "plot '%s' using 0:%d:xtic(1) with boxes lc rgb '#4477aa', "
                       "'' using 0:%d:(sprintf($%d >= 1000 ? '%%.0f' : '%%.3g', $%d)) with labels offset 0,0.7 notitle"
                       % (data, i + 2, i + 2, i + 2, i + 2)]
        script.append("unset multiplot")
        try:
            subprocess.run([gnuplot], input="\n".join(script) + "\n", text=True, check=True,
                           timeout=60, stdout=subprocess.DEVNULL)
            made[sid] = svg
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            log("gnuplot failed for scenario %s: %s" % (sid, e))
        finally:
            os.remove(data)
    return made


METHOD = """\
Every server runs on this machine, on 127.0.0.1, started by the suite on a port the kernel chose
as free; the client runs on the same machine. Each run starts the server afresh, waits until it
accepts, and reads the server's CPU time (utime + stime of all its threads, from
`/proc/<pid>/stat`, in clock ticks of {tick} ms) just before and just after the client runs: the
difference, divided by the requests (or MiB) the client counted, is the server CPU per request
(or per MiB). On a machine this small the client often saturates first, so CPU per request
says more about a server than requests/s does.

The contenders of a scenario take turns (A B C A B C ...) for {rounds} round(s) of {duration} s
each; the table shows the median over the rounds, and each target compares the median of the
per-round ratios, so that drift of a shared machine between rounds cancels out. Absolute
numbers belong to this run on this machine only: compare the ratios, not numbers across runs.

- The library's programs are the installed examples (`install/bin`, built RelWithDebInfo by
  `./autobuild.sh build`), run with `--threads {threads}` ({threads_text}), logging at INFO
  through chapter 14's asynchronous back end into a file (`--log-file`), as a production server
  would: no log line costs a system call on an IO thread.
- nginx runs as the invoking user from a configuration written into a temporary directory:
  one process (`worker_processes 1; master_process off; daemon off`), `access_log off`,
  `sendfile on; tcp_nopush on`, `keepalive_requests` raised far above what a run sends so that, like the
  library, it does not close a keep-alive connection itself (its default closes after 1000
  requests); `return 200 "hello, world!\\n"` for `/` and a
  static root with the same 4 KiB, 1 MiB and 2 MiB files httpd serves.
- `raw_epoll` (`final/bench/raw_epoll.c`, compiled `-O2`) is the yardstick: one
  level-triggered epoll loop, no abstractions, a fixed 14-byte HTTP answer to every request
  (`http`) or an echo of every byte (`echo`). What it costs is about the least any server on this
  machine can cost.
- Scenarios 1 to 3: `wrk -t1 -c100 -d{duration}s` (scenario 2 adds `-H 'Connection: close'`, so
  every request is a new connection; scenario 3c adds `-H '{range_header}'`, the middle 1 MiB
  of a 2 MiB file, answered 206 with `sendfile` from an offset, beside the whole 1 MiB file). Scenario 4: `pingpong_client 127.0.0.1 PORT 1 BLOCK 100
  {duration}` (one client IO loop, 100 sessions, each sending a block and echoing back what
  returns). Scenario 5: the suite opens {connections} connections to the server, sends one short
  message on each and reads it back, all connections still open; the growth of the server's
  `VmRSS` (from `/proc/<pid>/status`) divided by the connections is the memory per connection
  (user-space memory only: the kernel's socket buffers are not in `VmRSS`).
- The clients (wrk, pingpong_client, the suite itself for scenario 5) share the machine's
  cores with the server.
"""


def write_markdown(path, args, mach, summary, targets, scale, plan, plots, plot_note, syscalls):
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("Generated by `./autobuild.sh bench` (`final/bench/run_bench.py`) on %s; rerun it to "
      "regenerate this page. The targets are those of the performance issue; where one is "
      "missed, this page says by how much." % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    w("")
    w("Where measured: every figure on this page comes from this one run, on the %s-core machine "
      "below, over loopback (127.0.0.1), the clients sharing its cores with the servers: wrk "
      "drives scenarios 1 to 3, `pingpong_client` scenario 4 and the suite itself scenario 5; "
      "the servers' CPU time and memory are read from `/proc`." % mach["cores"])
    w("")
    w("## The machine")
    w("")
    w("| | |")
    w("|---|---|")
    for key, label in (("cpu", "CPU"), ("cores", "cores"), ("memory", "memory"), ("kernel", "kernel"),
                       ("compiler", "compiler"), ("nginx", "nginx"), ("wrk", "wrk"), ("python", "Python")):
        w("| %s | %s |" % (label, str(mach[key]).replace("|", "/")))
    w("")
    w("Settings: %d round(s), %d s per run, library servers with `--threads %d`%s." % (
        args.rounds, args.duration, args.threads,
        ", scaling run up to %d loops" % plan[0][-1] if plan and scale else ""))
    w("")
    w("## Method")
    w("")
    w(METHOD.format(tick=1000 // CLK_TCK, rounds=args.rounds, duration=args.duration, threads=args.threads,
                    threads_text="all IO in the one loop that also accepts" if args.threads == 0
                    else "an accepting loop and %d IO loops" % args.threads,
                    connections="{:,}".format(args.connections),
                    range_header=RANGE_HEADER).rstrip())
    w("")
    w("## Results")
    w("")
    w("Medians over the rounds. Server CPU is per request for wrk's scenarios, per MiB echoed "
      "for pingpong; for wrk's, \"user\" is the part of it spent in user space (utime), the "
      "rest is the kernel's work on the server's behalf (stime).")
    w("")
    w("| scenario | server | throughput | server CPU | wrk errors |")
    w("|---|---|---|---|---|")
    last = None
    for r in table_rows(summary):
        name = "%s %s" % (r[0], r[1]) if r[0] != last else ""
        last = r[0]
        w("| %s | %s | %s | %s | %s |" % (name, r[2], r[3], r[4], r[5]))
    w("")
    w("## Targets")
    w("")
    w("Each ratio is the median of the per-round ratios (contender / reference) of the same run.")
    w("")
    w("| scenario | target | measured | |")
    w("|---|---|---|---|")
    for t in targets:
        w("| %s | %s: %s | %s | %s |" % (t["scenario"], t["contender"], t["target"], target_text(t), verdict(t)))
    w("")
    if syscalls:
        w("## System calls")
        w("")
        w("Every thread of the server traced with `strace -f -c` during one %d s wrk run of "
          "scenario 1 or 2 (tracing slows the server; only the counts are used), divided by the "
          "requests wrk completed: per request for keep-alive, per connection for short "
          "connections. Calls made fewer than 0.05 times per request are left out of the list." % min(args.duration, 3))
        w("")
        w("| server | connections | system calls per request | the calls |")
        w("|---|---|---|---|")
        for key, c in syscalls.items():
            label, mode = key.rsplit(" ", 1)
            top = sorted(((n, name) for name, n in c["calls"].items() if n >= 0.05), reverse=True)
            w("| %s | %s | %.2f | %s |" % (label, mode, c["per_request"],
                                          ", ".join("`%s` %.2f" % (name, n) for n, name in top)))
        w("")
    if scale:
        counts, server_cpus, client_cpus = plan
        w("## Scaling")
        w("")
        w("`http_hello` with N loops, pinned to N cores of the first half of the machine "
          "(`taskset -c %s` for the server, here), against `wrk -t%d -c100` pinned to the other "
          "half (`taskset -c %s`), so that client and server never share a core:" % (
              cpu_list(server_cpus[:counts[-1]]), len(client_cpus), cpu_list(client_cpus)))
        w("")
        w("- main/sub Reactor: `--threads N`, an accepting loop and N IO loops that it hands "
          "connections to;")
        w("- `SO_REUSEPORT` per loop: `--threads N --listen-per-loop`, N IO loops each listening on "
          "a socket of its own, accepting and serving without the accepting loop;")
        w("- nginx: N workers (`worker_processes N`, `listen ... reuseport` from 2 on).")
        w("")
        w("N = %s on this %s-core machine; the same command runs N = 1, 2, 4 and 8 on a 16-core one. "
          "CPU per request is all the server's processes and threads; medians of %d rounds." % (
              ", ".join(str(n) for n in counts), mach["cores"], args.rounds))
        w("")
        for shape, rows in scale_rows(scale).items():
            w("%s (`wrk -t%d -c100`%s):" % (shape.capitalize(), len(client_cpus),
                                          ", `Connection: close`" if shape != "keep-alive" else ""))
            w("")
            w("| N | " + " | ".join("%s req/s | CPU per request" % label
                                    for label, _, _ in SCALE_CONTENDERS) + " |")
            w("|---|" + "---|---|" * len(SCALE_CONTENDERS))
            for n, cells in rows:
                w("| %d | %s |" % (n, " | ".join(
                    c + (" us" if i % 2 else "") for i, c in enumerate(cells))))
            w("")
    w("## Plots")
    w("")
    if plot_note:
        w(plot_note)
        w("")
    for sid, svg in plots.items():
        w("![Scenario %s: %s](benchmarks/%s)" % (sid, summary[sid]["title"], svg))
        w("")
    w("What changed in the library to reach these numbers, and what a profile shows is left: "
      "[performance.md](performance.md).")
    w("")
    w("## Rerunning")
    w("")
    w("`./autobuild.sh bench` installs wrk, nginx and gnuplot if missing, builds and installs "
      "final/, compiles raw_epoll and runs every scenario; `python3 final/bench/run_bench.py "
      "--help` lists the options (`--quick` for one short round, `--duration`, `--rounds`, "
      "`--threads`, `--scale`, `--only`). Raw numbers of every run are in "
      "`build/bench/results.json`.")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---- main -------------------------------------------------------------------------------------

def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def compile_raw(args):
    src = os.path.join(HERE, "raw_epoll.c")
    dst = os.path.join(args.build_dir, "bench", "raw_epoll")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
        return
    cc = os.environ.get("CC") or "cc"
    log("==> compiling raw_epoll")
    subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-o", dst, src], check=True, timeout=120)


def main():
    p = argparse.ArgumentParser(
        description="Benchmarks the installed MyMuduo example servers against nginx and a raw "
                    "epoll yardstick, on loopback, and writes docs/benchmarks.md.")
    p.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of interleaved runs (default 3)")
    p.add_argument("--threads", type=int, default=0,
                   help="IO loops of the library servers in scenarios 1-5 (default 0: one loop "
                        "does everything, as nginx's single worker and raw_epoll do)")
    p.add_argument("--scale", type=int, default=None,
                   help="scaling run: up to N loops on N cores, wrk on the other half of the "
                        "cores (default: half the cores; 0 skips it)")
    p.add_argument("--quick", action="store_true", help="one round of 2 s runs (a smoke test)")
    p.add_argument("--only", nargs="+", metavar="SCENARIO",
                   help="run only these scenarios (1 2 3 3a 3b 3c 4 4a 4b 5 scale syscalls)")
    p.add_argument("--connections", type=int, default=10000, help="connections of scenario 5")
    p.add_argument("--install", default=os.path.join(ROOT, "install"), help="where final/ is installed")
    p.add_argument("--build-dir", default=os.path.join(ROOT, os.environ.get("BUILD_DIR", "build")),
                   help="results.json and raw_epoll go into BUILD_DIR/bench")
    p.add_argument("--docs", default=os.path.join(ROOT, "docs", "benchmarks.md"),
                   help="the page to write ('' to write none)")
    p.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    p.add_argument("--taskset", default=shutil.which("taskset") or "taskset")
    p.add_argument("--strace", default=shutil.which("strace"),
                   help="strace, for the system call counts (none: no counts)")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.duration = 1, 2
    if args.rounds < 1 or args.duration < 1 or args.threads < 0 or (args.scale or 0) < 0:
        p.error("--rounds and --duration must be >= 1, --threads and --scale >= 0")
    args.build_dir = os.path.abspath(args.build_dir)
    args.install = os.path.abspath(args.install)

    missing = [n for n in ("http_hello", "httpd", "pingpong_server", "pingpong_client", "echo_server")
               if not os.access(os.path.join(args.install, "bin", n), os.X_OK)]
    if missing:
        p.error("not installed in %s: %s (run ./autobuild.sh build first)" % (args.install, ", ".join(missing)))
    for tool in (args.nginx, args.wrk):
        if not (os.access(tool, os.X_OK) or shutil.which(tool)):
            p.error("%s not found (Debian: apt-get install wrk nginx)" % tool)

    # SIGTERM stops the suite like Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, _interrupt)
    compile_raw(args)
    plan = scale_plan(args)
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="mymuduo-bench-")
    try:
        env = Env(args, tmp)
        chosen, raw, scaling = run_all(args, env, plan)
        syscalls = run_syscalls(args, env) if not args.only or "syscalls" in args.only else {}
    except KeyboardInterrupt:
        log("interrupted: stopping every server started")
        return 130
    finally:
        stop_all_children()
        shutil.rmtree(tmp, ignore_errors=True)
    summary, targets, scale = summarise(chosen, raw, scaling)
    short = syscalls.get("http_hello short")
    if short:
        targets.append({"scenario": "2", "target": "<= %d system calls per connection" % SYSCALL_LIMIT_SHORT,
                        "metric": "syscalls", "contender": "http_hello", "reference": None,
                        "limit": SYSCALL_LIMIT_SHORT, "direction": "le", "ratio": short["per_request"],
                        "met": short["per_request"] <= SYSCALL_LIMIT_SHORT})
    print_tables(summary, targets, scale)
    print_syscalls(syscalls)
    mach = machine(args)
    outdir = os.path.join(args.build_dir, "bench")
    os.makedirs(outdir, exist_ok=True)
    results = {"machine": mach, "settings": {k: v for k, v in vars(args).items()
                                             if k in ("duration", "rounds", "threads", "scale", "connections")},
               "runs": raw, "scaling_runs": {"|".join(map(str, k)): v for k, v in scaling.items()},
               "summary": summary, "scaling": {"|".join(map(str, k)): v for k, v in scale.items()},
               "targets": targets, "syscalls": syscalls, "wall_seconds": time.monotonic() - started}
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    log("wrote %s" % os.path.join(outdir, "results.json"))
    if args.docs:
        plotdir = os.path.join(os.path.dirname(os.path.abspath(args.docs)), "benchmarks")
        gnuplot = shutil.which("gnuplot")
        if gnuplot:
            plots, note = plot(summary, plotdir, gnuplot), ""
        else:
            plots, note = {}, "gnuplot was not installed when this page was generated: no plots."
            log("gnuplot not found: no plots")
        write_markdown(args.docs, args, mach, summary, targets, scale, plan, plots, note, syscalls)
        log("wrote %s" % args.docs)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all_children()
