"""tools/check-solutions: every reference solution solves its exercise, and only with it applied.

  tools/check-solutions [NN ...] [--work DIR] [--unsolved-from BUILD] [--hidden-only]
                        [--jobs N] [--keep]

A chapter's solutions/exK.patch is a patch against that chapter's folder, with a short
explanation before its first `diff --git` line. For each one (or only those of chapters NN):

  1. the exercise's hidden tests fail on the chapter's own code: the test binary of BUILD (a
     top-level build: BUILD/chapters/NN-name/chNN_tests) is run with the exercise's tag, or,
     without --unsolved-from, a scratch copy of the chapter is built and run;
  2. the patch applies to a scratch copy of the chapter (git apply), which is built (Debug,
     unity, warnings as errors) and whose hidden tests then pass;
  3. the chapter's visible tests pass on the patched code too: a solution must not break them.
     --hidden-only leaves this out, and builds the patched copy with no test file but the
     chapter's exercises_chNN.cc: a fraction of the time (what CTest's solutions.check runs).

Each solution also needs its graded hints, solutions/exK-hints.md, with at least two numbered
hints (tools/workbench exercise NN K --hint prints them). Exercise K of chapter NN has the hidden
tag [exNN] (K = 1) or [exNN-K]. The scratch copies go to
DIR (default: a temporary folder, removed unless --keep). Exit 0 when every solution passes the
three checks, 1 otherwise.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import chapterlib

PATCH_RE = re.compile(r"^ex(\d+)\.patch$")
HINTS_RE = re.compile(r"^ex(\d+)-hints\.md$")  # read by tools/workbench exercise --hint


def run(cmd, cwd=None, quiet=True):
    """Runs cmd; returns (exit status, its output)."""
    # errors="replace": a test may print bytes that are not UTF-8 (a file's content, say).
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    if not quiet:
        print(r.stdout, end="")
    return r.returncode, r.stdout


def copy_chapter(src, dst):
    """The chapter's code, tests and build file, without its texts, solutions or build trees."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    ignore = shutil.ignore_patterns("README*.md", "steps.md", "solutions", "build", "build-*")
    shutil.copytree(src, dst, ignore=ignore)


def contents_of(folder):
    """{relative path: bytes} of every file under folder: what a patch may change."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, folder)] = fh.read()
    return out


def build(src, jobs, target, one_unit=False):
    """Configures src/build (once) and builds target; returns (ok, output). one_unit: the library
    in a single unity unit and no precompiled header (a build with one test file, made once:
    its headers are parsed once, where the default batches of 8 sources parse them per batch)."""
    bdir = os.path.join(src, "build")
    if not os.path.exists(os.path.join(bdir, "CMakeCache.txt")):
        cmd = ["cmake", "-S", src, "-B", bdir, "-DCMAKE_BUILD_TYPE=Debug",
               "-DCMAKE_CXX_FLAGS_DEBUG=-O0", "-DCMAKE_UNITY_BUILD=ON", "-DMYMUDUO_WERROR=ON"]
        if one_unit:
            cmd += ["-DCMAKE_UNITY_BUILD_BATCH_SIZE=0", "-DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON"]
        if shutil.which("ninja"):
            cmd[1:1] = ["-G", "Ninja"]
        rc, out = run(cmd)
        if rc != 0:
            return False, out
    rc, out = run(["cmake", "--build", bdir, "--parallel", str(jobs), "--target", target])
    return rc == 0, out


def tail(text, n=40):
    return "\n".join(text.splitlines()[-n:])


def check(snap, patch, k, args, work):
    """The three checks of one solution; returns a list of problems (empty: it passes)."""
    num = f"{snap.num:02d}"
    target = f"ch{num}_tests"
    tag = chapterlib.exercise_tag(num, k)
    name = f"{snap.rel}/solutions/{os.path.basename(patch)}"
    problems = []

    unsolved = None
    if args.unsolved_from:
        unsolved = os.path.join(os.path.abspath(args.unsolved_from), snap.rel, target)
        if not os.access(unsolved, os.X_OK):
            return [f"{name}: no {unsolved} (build the tree first, or leave out --unsolved-from)"]
    else:
        plain = os.path.join(work, f"{snap.name}-unsolved")
        copy_chapter(os.path.join(args.root, snap.rel), plain)
        ok, out = build(plain, args.jobs, target)
        if not ok:
            return [f"{name}: the chapter's own code does not build:\n{tail(out)}"]
        unsolved = os.path.join(plain, "build", target)
    rc, out = run([unsolved, tag])
    if rc == 0:
        problems.append(f"{name}: the hidden tests {tag} pass without the solution")
    elif "No test cases matched" in out:
        problems.append(f"{name}: the test binary has no test case tagged {tag}")

    solved = os.path.join(work, f"{snap.name}-ex{k}")
    copy_chapter(os.path.join(args.root, snap.rel), solved)
    # Inside a git work tree (a build folder of the repository), git apply would read the
    # patch's paths from the top of that tree and skip them all without a word: keep git from
    # looking for a repository above the copy, and check that the files changed.
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.abspath(solved)))
    before = contents_of(solved)
    r = subprocess.run(["git", "apply", "--whitespace=nowarn", os.path.abspath(patch)], cwd=solved,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        return problems + [f"{name}: does not apply to {snap.rel}:\n{tail(r.stdout)}"]
    if contents_of(solved) == before:
        return problems + [f"{name}: applying it changed no file of {snap.rel}"]
    if args.hidden_only:
        # The chapter's CMakeLists.txt compiles every tests/*.cc: leave it only the file that
        # holds the hidden tests (after the patch, which may change the others).
        tests = os.path.join(solved, "tests")
        for f in os.listdir(tests):
            if f.endswith(".cc") and f != f"exercises_ch{num}.cc":
                os.remove(os.path.join(tests, f))
    ok, out = build(solved, args.jobs, target, one_unit=args.hidden_only)
    if not ok:
        return problems + [f"{name}: the patched chapter does not build:\n{tail(out)}"]
    binary = os.path.join(solved, "build", target)
    rc, out = run([binary, tag])
    if rc != 0:
        problems.append(f"{name}: the hidden tests {tag} fail with the solution:\n{tail(out)}")
    if not args.hidden_only:
        rc, out = run([binary])
        if rc != 0:
            problems.append(f"{name}: the visible tests fail with the solution:\n{tail(out)}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("chapters", nargs="*", help="chapter numbers (default: every chapter)")
    ap.add_argument("--root", default=chapterlib.default_root())
    ap.add_argument("--work", help="where the scratch copies go (default: a temporary folder)")
    ap.add_argument("--unsolved-from", metavar="BUILD",
                    help="a top-level build whose chapter test binaries show the unsolved state")
    ap.add_argument("--hidden-only", action="store_true",
                    help="only the hidden tests, built without the chapter's other test files")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = ap.parse_args(argv)
    args.root = os.path.abspath(args.root)

    snaps, problems = chapterlib.discover(args.root)
    if problems:
        for path, msg in problems:
            print(f"{path}: {msg}")
        return 1
    wanted = {int(c) for c in args.chapters}
    todo = []
    for snap in snaps:
        if snap.num is None or (wanted and snap.num not in wanted):
            continue
        folder = os.path.join(args.root, snap.rel, "solutions")
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        for n in names:
            m = PATCH_RE.match(n)
            if m:
                todo.append((snap, os.path.join(folder, n), int(m.group(1))))
            elif not HINTS_RE.match(n):
                problems.append((os.path.join(snap.rel, "solutions", n),
                                 "not named exK.patch (a solution) or exK-hints.md (its hints)"))
    for snap, patch, k in todo:  # each solution comes with its graded hints
        hints = os.path.join(os.path.dirname(patch), f"ex{k}-hints.md")
        try:
            with open(hints, encoding="utf-8") as f:
                count = len(re.findall(r"^\d+\. ", f.read(), re.M))
        except OSError:
            count = None
        if not count or count < 2:
            problems.append((os.path.relpath(hints, args.root), "needs at least 2 numbered hints"
                             if count is not None else "missing: every solution has graded hints"))
    for path, msg in problems:
        print(f"{path}: {msg}")
    if not todo:
        print("check-solutions: no solutions/exK.patch found")
        return 1

    work = args.work or tempfile.mkdtemp(prefix="check-solutions.")
    os.makedirs(work, exist_ok=True)
    failed = len(problems)
    try:
        for snap, patch, k in todo:
            found = check(snap, patch, k, args, work)
            label = f"{snap.rel}/solutions/{os.path.basename(patch)}"
            if found:
                failed += 1
                print("\n".join(found))
            elif args.hidden_only:
                print(f"ok    {label}: its hidden tests fail without it and pass with it")
            else:
                print(f"ok    {label}: fails without, passes with, visible tests pass")
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"check-solutions: {len(todo) - failed} of {len(todo)} solutions pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
