"""tools/check-tidy: clang-tidy, with the repository's .clang-tidy, over the library of every
chapter and of final/.

  tools/check-tidy [--build-dir DIR] [--jobs N] [--root DIR]

Reads DIR/compile_commands.json (default: build, the top-level build, which has every chapter
and final/; CMake writes it at configure time). The snapshots share most of their files byte for
byte, so a file no chapter changed is not checked again: each distinct form of a source (its
path in the snapshot and its bytes) is checked once, and so is each distinct form of a library
header, through one source of its snapshot that includes it, directly or not. A finding is
reported where its code is, and that code is checked in every form it takes; what goes unchecked
is an unchanged source next to a changed header, whose new declarations could, rarely, give the
old source a finding of its own (a parameter type that became expensive to copy, say).
Prints clang-tidy's findings in the library's own code and exits 1 if there are any; exit 77
(CTest: skipped) when clang-tidy or the compile database is missing, 1 instead when
MYMUDUO_REQUIRE_TOOLS=1 (CI).
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77


def skip(message):
    if os.environ.get("MYMUDUO_REQUIRE_TOOLS") == "1":
        print(f"check-tidy: {message} (MYMUDUO_REQUIRE_TOOLS=1)")
        return 1
    print(f"check-tidy: skipped: {message}")
    return SKIP
INCLUDE = re.compile(r'^\s*#\s*include\s+"(mymuduo/[^"]+)"', re.M)


def snapshot_of(root, path):
    """The snapshot folder (chapters/NN-name or final) that holds path, or None."""
    rel = os.path.relpath(path, root).split(os.sep)
    if len(rel) > 3 and rel[0] == "chapters" and rel[2] == "mymuduo":
        return os.path.join(root, rel[0], rel[1])
    if len(rel) > 2 and rel[0] == "final" and rel[1] == "mymuduo":
        return os.path.join(root, "final")
    return None


def file_key(snapshot, path, data):
    """A file's form: its path in its snapshot and a hash of its bytes."""
    return os.path.relpath(path, snapshot) + "@" + hashlib.sha256(data).hexdigest()


def forms(snapshot, source):
    """The source's own form, and the forms of the library headers it reaches in its snapshot."""
    headers = set()
    own = None
    seen = set()
    todo = [source]
    while todo:
        path = todo.pop()
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        with open(path, "rb") as f:
            data = f.read()
        if path == source:
            own = file_key(snapshot, path, data)
        else:
            headers.add(file_key(snapshot, path, data))
        for name in INCLUDE.findall(data.decode("utf-8", "replace")):
            todo.append(os.path.join(snapshot, name))
    return own, headers


def choose(sources):
    """Sources to check, given (snapshot, source) pairs in order: one per distinct form of a
    source, then, for a header form none of those reaches, a source that reaches it."""
    chosen, owns, covered, rest = [], set(), set(), []
    for snapshot, source in sources:
        own, headers = forms(snapshot, source)
        if own in owns:
            rest.append((source, headers))
            continue
        owns.add(own)
        chosen.append(source)
        covered |= headers
    for source, headers in rest:
        if headers - covered:
            chosen.append(source)
            covered |= headers
    return chosen


def run_tidy(clang_tidy, build_dir, source):
    r = subprocess.run([clang_tidy, "-p", build_dir, "--quiet", source],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return source, r.returncode, r.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--build-dir", default=None, help="default: ROOT/build")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    build_dir = os.path.abspath(args.build_dir or os.path.join(root, "build"))

    clang_tidy = shutil.which(os.environ.get("CLANG_TIDY", "clang-tidy"))
    if clang_tidy is None:
        return skip("no clang-tidy (Debian: apt-get install clang-tidy)")
    database = os.path.join(build_dir, "compile_commands.json")
    if not os.path.isfile(database):
        return skip(f"no {database} (configure the build first)")
    with open(database) as f:
        entries = json.load(f)

    sources, seen = [], set()
    for entry in entries:
        source = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        snapshot = snapshot_of(root, source)
        if snapshot is not None and source.endswith(".cc") and source not in seen:
            seen.add(source)
            sources.append((snapshot, source))
    total = len(sources)
    chosen = choose(sources)
    if not chosen:
        print(f"check-tidy: no library source of a snapshot in {database}")
        return 1

    findings = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for source, rc, out in pool.map(lambda s: run_tidy(clang_tidy, build_dir, s),
                                        sorted(chosen)):
            lines = [line for line in out.splitlines() if line.strip()]
            if rc != 0 or any(": warning: " in line or ": error: " in line for line in lines):
                findings.append((source, rc, lines))
    for source, rc, lines in findings:
        print(f"== {os.path.relpath(source, root)} (clang-tidy exit {rc})")
        print("\n".join(lines))
    print(f"check-tidy: {len(chosen)} distinct sources of {total} checked, "
          f"{len(findings)} with findings")
    return 1 if findings else 0
