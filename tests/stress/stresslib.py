"""Helpers the stress drivers share: start a server program on an ephemeral port with its log in
a file, read its fd count and memory from /proc, raise RLIMIT_NOFILE, find sanitizer reports.

Every driver prints one "figure:" line per measured quantity (docs/reliability.md quotes them)
and exits 0 on success, 1 on failure, 77 when the machine cannot run it (CTest SKIP_RETURN_CODE).
"""
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77

# What the sanitizer runtimes print when they find something (ASan/LSan, TSan, UBSan).
SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:")


def fail(msg):
    print(f"FAILED: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}", flush=True)


def figure(name, value):
    print(f"figure: {name} = {value}", flush=True)


def sanitized(name):
    """The value of --sanitize (CMake passes MYMUDUO_SANITIZE, empty for a plain build)."""
    if name:
        print(f"note: built with -fsanitize={name}: sizes scaled down where noted", flush=True)
    return bool(name)


def wait_for(cond, seconds):
    """Polls cond() every 20 ms for up to `seconds`; returns its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def raise_nofile(need):
    """Raises this process's soft RLIMIT_NOFILE (children inherit it) to at least `need`;
    exits with SKIP when the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        print(f"SKIPPED: needs {need} open files per process, but the hard RLIMIT_NOFILE is "
              f"{hard} (raise it, e.g. ulimit -Hn, to run this test)", flush=True)
        sys.exit(SKIP)
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    print(f"note: RLIMIT_NOFILE soft {soft} -> {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, "
          f"hard {hard}", flush=True)


class Server:
    """A server program started with --port 0; its stdout+stderr go to a scratch file, from
    which the port is read back ("listening on <ip>:<port>"). `ready`, if given, is a text
    the program prints once it is fully started (a driver that counts the server's fds waits
    for the program's own last start-up line, not for the library's)."""

    def __init__(self, argv, env_extra=None, ready=None):
        self.log = tempfile.NamedTemporaryFile(prefix="mymuduo_stress_", suffix=".log",
                                               delete=False)
        env = dict(os.environ)
        env.update(env_extra or {})
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.port = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(r"listening on [0-9.]+:(\d+)", self.text())
            if m and (ready is None or ready in self.text()):
                self.port = int(m.group(1))
                return
            time.sleep(0.02)
        self.kill()
        fail(f"{argv[0]} did not say where it listens:\n{self.text()[-2000:]}")

    @property
    def pid(self):
        return self.proc.pid

    def text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def rss_kib(self, field="VmRSS"):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        fail(f"no {field} in /proc/{self.pid}/status")

    def cpu_seconds(self):
        """User + system CPU time the server has used so far (/proc/<pid>/stat, fields 14-15)."""
        with open(f"/proc/{self.pid}/stat") as f:
            # The command name (field 2) may hold spaces; the fields after it are plain.
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def terminate(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig`; returns (exit status, seconds it took to exit). Kills it after timeout."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(f"{self.argv[0]} did not exit within {timeout} s of signal {int(sig)}")
        return rc, time.monotonic() - start

    def sanitizer_report(self):
        """The first lines of a sanitizer report in the log, or ''."""
        text = self.text()
        m = SANITIZER_REPORT.search(text)
        return text[max(0, m.start() - 200):m.start() + 3000] if m else ""

    def stop_and_check(self):
        """SIGTERM; the server must exit 0 and its output hold no sanitizer report."""
        rc, took = self.terminate()
        figure("seconds from SIGTERM to exit", f"{took:.2f}")
        check(rc == 0, f"the server exits 0 on SIGTERM (status {rc})")
        report = self.sanitizer_report()
        check(not report, "no sanitizer report in the server's output" +
              (":\n" + report if report else ""))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        os.unlink(self.log.name)
