"""Rerun the chapters' cost programs and regenerate docs/measurements.md and its plots.

Builds final/'s log_cost, poller_cost, wakeup_cost and readv_cost with -DCMAKE_BUILD_TYPE=Release (or
uses --build-dir, configuring and building there), runs each with --csv, writes the CSV files
and, with gnuplot, the SVG plots into docs/measurements/, and writes docs/measurements.md with
the tables and the machine they ran on. Takes a few seconds plus the build.

  tools/measure                         build in build/measure, run, write the page
  tools/measure --build-dir /tmp/b      build (or reuse) there
  tools/measure --max-idle 1000         poller_cost up to 1,000 idle fds (default 10,000)
"""
import argparse
import csv
import datetime
import io
import os
import platform
import re
import shutil
import subprocess
import sys

import chapterlib

PROGRAMS = ["log_cost", "poller_cost", "wakeup_cost", "readv_cost"]


def build(root, build_dir):
    subprocess.run(["cmake", "-S", os.path.join(root, "final"), "-B", build_dir,
                    "-DCMAKE_BUILD_TYPE=Release", "-DMYMUDUO_BUILD_TESTS=OFF"],
                   check=True, stdout=subprocess.DEVNULL)
    targets = []
    for name in PROGRAMS:
        targets += ["--target", "final_" + name]
    subprocess.run(["cmake", "--build", build_dir, "-j2"] + targets, check=True,
                   stdout=subprocess.DEVNULL)


def run_csv(build_dir, name, extra=()):
    out = subprocess.run([os.path.join(build_dir, name), "--csv", *extra], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    comments = {}
    body = []
    for line in out.splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(",")
            comments[key] = value
        elif line.strip():
            body.append(line)
    return out, comments, list(csv.DictReader(io.StringIO("\n".join(body) + "\n")))


def first_line(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return out.stdout.splitlines()[0].strip() if out.stdout else "?"
    except OSError:
        return "?"


def machine(build_dir):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    osname = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            osname = m.group(1) if m else "?"
    compiler = "c++"
    cache = os.path.join(build_dir, "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            m = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", f.read(), re.M)
            compiler = m.group(1) if m else compiler
    return [("CPU", cpu), ("cores", str(os.cpu_count())), ("system", osname),
            ("kernel", "Linux " + platform.release()),
            ("compiler", first_line([compiler, "--version"])),
            ("build", "final/, `-DCMAKE_BUILD_TYPE=Release`")]


def gnuplot(script):
    done = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit(f"measure: gnuplot failed:\n{done.stderr}\nscript:\n{script}")


def plot(outdir, name, title, xlabel, ylabel, series, extra=()):
    """series: (title, [(x, y), ...]) per line; both axes logarithmic."""
    svg = os.path.join(outdir, name + ".svg")
    lines = ["set terminal svg size 720,420 dynamic font 'sans,12' background '#ffffff'",
             f"set output '{svg}'", "set key top left",
             f"set title '{title}'", f"set xlabel '{xlabel}'", f"set ylabel '{ylabel}'",
             "set grid", "set logscale x", "set logscale y", *extra]
    plots = []
    for i, (label, points) in enumerate(series):
        lines.append(f"$d{i} << EOD")
        lines += [f"{x} {y}" for x, y in points]
        lines.append("EOD")
        plots.append(f"$d{i} using 1:2 with linespoints lw 2 title '{label}'")
    lines.append("plot " + ", ".join(plots))
    gnuplot("\n".join(lines) + "\n")


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def num(value, digits=0):
    return f"{float(value):,.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository to work on (default: this checkout)")
    ap.add_argument("--build-dir", help="build directory (default: build/measure in the repository)")
    ap.add_argument("--max-idle", default="10000", help="poller_cost's largest idle fd count")
    args = ap.parse_args()
    root = os.path.realpath(args.root)
    build_dir = os.path.realpath(args.build_dir or os.path.join(root, "build", "measure"))
    build(root, build_dir)

    outdir = os.path.join(root, "docs", "measurements")
    os.makedirs(outdir, exist_ok=True)
    results = {}
    for name in PROGRAMS:
        print(f"measure: running {name}", file=sys.stderr)
        raw, comments, rows = run_csv(build_dir, name, [args.max_idle] if name == "poller_cost" else [])
        with open(os.path.join(outdir, name + ".csv"), "w") as f:
            f.write(raw)
        results[name] = (comments, rows)

    have_gnuplot = shutil.which("gnuplot") is not None
    if have_gnuplot:
        p_rows = results["poller_cost"][1]
        plot(outdir, "poller_cost", "One ready fd among N idle ones", "idle fds (0 drawn at 1)",
             "microseconds per loop iteration",
             [(backend, [(max(1, int(r["idle_fds"])), r[backend + "_us_per_iteration"]) for r in p_rows])
              for backend in ("poll", "epoll")])
        w_rows = results["wakeup_cost"][1]
        plot(outdir, "wakeup_cost", "N functors queued from another thread",
             "functors queued back to back (N)", "nanoseconds per functor",
             [(f"{what}, loop {state}", [(r["n"], r[column]) for r in w_rows if r["loop"] == state])
              for what, column in (("first call to last run", "end_to_end_ns_per_functor"),
                                   ("producer", "producer_ns_per_functor"))
              for state in ("asleep", "busy")])
        r_rows = results["readv_cost"][1]
        strategies = list(dict.fromkeys(r["strategy"] for r in r_rows))
        plot(outdir, "readv_cost", "Reading a burst: reader time", "burst",
             "microseconds per MiB read",
             [(s, [(r["burst_bytes"], r["us_per_mib"]) for r in r_rows if r["strategy"] == s])
              for s in strategies],
             extra=["set xrange [2048:2097152]",
                    "set xtics ('4 KiB' 4096, '64 KiB' 65536, '1 MiB' 1048576)"])
    else:
        print("measure: gnuplot not found (Debian: apt-get install gnuplot-nox); no plots drawn",
              file=sys.stderr)

    write_page(root, build_dir, results, have_gnuplot)
    print("measure: wrote docs/measurements.md and docs/measurements/", file=sys.stderr)


def write_page(root, build_dir, results, have_gnuplot):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    p_comments, p_rows = results["poller_cost"]
    w_comments, w_rows = results["wakeup_cost"]
    r_comments, r_rows = results["readv_cost"]
    l_rows = results["log_cost"][1]
    img = (lambda name: f"\n![{name}](measurements/{name}.svg)\n") if have_gnuplot else (lambda name: "")
    parts = [f"""# Measurements

Generated by `tools/measure` on {when}; rerun it to regenerate this page, its CSV files and its
plots (`docs/measurements/`). Each chapter that makes a claim about a cost has a program in its
`examples/` that measures it; this page runs the four of them, as built in final/, on one
machine. Absolute numbers belong to that machine and that run: a shared machine moves them by
tens of percent from run to run. The shapes (what grows, what stays flat) are what the chapters
rely on. For the library against nginx see [benchmarks.md](benchmarks.md); for what changed
because of a measurement, [performance.md](performance.md).

Where measured: every figure here comes from that one run, on the {os.cpu_count()}-core
machine below. The program named in a section's heading made its table, in one process:
`readv_cost` over a loopback TCP connection, the other three with no network.

## The machine

{md_table(["", ""], machine(build_dir))}

## Rerun

```sh
tools/measure                        # builds final/ (Release) in build/measure, runs, rewrites
tools/measure --build-dir /tmp/m     # another build directory
build/measure/wakeup_cost            # any of the four alone prints its table
```

Gnuplot draws the plots (Debian: `apt-get install gnuplot-nox`); without it the tables are still
written.

## The thread id and a log line: `log_cost`

[Chapter 01](../chapters/01-thread/README.md#currentthreadtid) and
[the Logger appendix](logging.md#what-a-line-costs-logstream): the cached thread id against the system call, and a log line shaped like `TcpServer`'s
new-connection line (about 180 bytes) through `LogStream` into an output function that
discards it, against the same line built with `std::ostringstream` and a date formatted per
line. Nanoseconds per call, median of five runs.

{md_table(["per call", "ns"], [[r["name"], num(r["ns"], 1)] for r in l_rows])}

## poll against epoll: `poller_cost`

[Chapter 03](../chapters/03-epoll-poller/README.md#measured-one-ready-fd-among-many-idle-ones):
one loop iteration with one ready fd among N idle ones, median of three runs.

{md_table(["idle fds", "poll, µs per iteration", "epoll, µs per iteration"],
          [[num(r["idle_fds"]), num(r["poll_us_per_iteration"], 2), num(r["epoll_us_per_iteration"], 2)] for r in p_rows])}
{img("poller_cost")}
## A cross-thread wakeup: `wakeup_cost`

[Chapter 02](../chapters/02-eventloop/README.md#runinloop-and-queueinloop): what handing work
to a loop from another thread costs.

| | |
|---|---:|
| one eventfd `write` + `read` pair, in one thread (median of five runs of 200,000) | {num(w_comments.get("eventfd_pair_ns", "nan"))} ns |
| `queueInLoop()` in another thread until the functor runs, loop asleep in `poll`: median of 2,000 | {num(w_comments.get("queue_to_run_median_us", "nan"), 1)} µs |
| the same, 99th percentile | {num(w_comments.get("queue_to_run_p99_us", "nan"), 1)} µs |

N functors queued back to back by one thread, while the loop sleeps in `poll` and while it is
busy running a functor (medians of many rounds). *Producer* is the time per `queueInLoop()`
call in the queueing thread; *first call to last run* runs until the loop has run the N-th
functor, divided by N; *eventfd writes* counts the queueing thread's `write(2)` calls
(`/proc/thread-self/io`).

{md_table(["loop", "N", "producer, ns per call", "first call to last run, ns per functor", "eventfd writes"],
          [[r["loop"], num(r["n"]), num(r["producer_ns_per_functor"]), num(r["end_to_end_ns_per_functor"]), num(r["wakeup_writes"])] for r in w_rows])}
{img("wakeup_cost")}
Waking a thread asleep in `poll` is what costs: the producer's first `write` takes microseconds
when it has a sleeper to wake, a fraction of one when the loop is busy. While the loop is busy,
a batch of any size shares one write, as `wakeupPending_` intends. While it sleeps, the loop
wakes during the batch, takes the queue and clears the flag, so a long batch makes a few
writes: still far fewer than one per functor.

## Reading a burst: `readv_cost`

[Chapter 06](../chapters/06-tcp-connection/README.md#bufferreadfd-one-system-call-small-buffers):
`Buffer::readFd()`'s `readv` into the buffer plus a 64 KiB stack array, against plain `read`
into a 64 KiB or a 1 KiB buffer that each connection keeps. A burst is written into a loopback
TCP connection and read one `read` per `poll`, as a connection does; the reader's time
(`poll` + read + consuming the bytes) per MiB, median of five runs of 32 MiB. *readFd released* gives
the buffer's vector back after each read, as `TcpConnection::handleRead()` does; *readFd kept* does
not. *Held when idle* is the buffer memory the connection keeps between bursts.

{md_table(["strategy", "burst, bytes", "reads per burst", "µs per MiB", "held when idle, bytes"],
          [[r["strategy"], num(r["burst_bytes"]), num(r["reads_per_burst"], 1), num(r["us_per_mib"]), num(r["held_bytes_idle"])] for r in r_rows])}
{img("readv_cost")}
The stack array gives a buffer that holds nothing the read count of a 64 KiB one: one `readv`
for a 64 KiB burst, where a 1 KiB buffer needs 64 reads and many times the time. What
*readFd released* pays for holding nothing is an allocation and a copy per read; *readFd kept*
holds as much as the 64 KiB buffer. Between the first three strategies, differences under a
factor of two move from run to run on a shared machine; the 1 KiB buffer's lag does not.
"""]
    with open(os.path.join(root, "docs", "measurements.md"), "w") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
