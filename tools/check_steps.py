"""tools/check-steps: every chapter goes green step by step, as its steps.md says.

  tools/check-steps [NN ...] [--static] [--work DIR] [--keep] [--jobs N]

For each chapter (or only chapters NN), first the rules, without building anything:
  - steps.md has `## Step K — title` sections numbered 1..N, N >= 2, each listing under
    "Write:" the library files and under "Tests:" the test files it adds, changes or removes;
  - every file the chapter changes under mymuduo/ and tests/ is in exactly one step (its own
    tests/exercises_chNN.cc is in the last step without being listed), and nothing else is;
  - every test case tagged [chNN] carries exactly one step tag, [sK], K being its file's step,
    and every step has at least one.
Then, unless --static, for each step K but the last (the last is the chapter itself, which its
own build tests) the tree of step K is built (the previous chapter's mymuduo/ and tests/ with
the chapter's files of steps 1..K laid over them; the chapter's CMakeLists.txt; Debug -O0, unity
build, no examples) and its test binary run: every test in it must pass.

Scratch trees go to DIR (default: a temporary folder, removed unless --keep). Exit 0 when every
chapter passes, 1 otherwise, 2 on a usage error. `python3 tools/check-chapters` runs the rules.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import chapterlib
import steps as stepslib


def chapters(repo):
    snaps, problems = chapterlib.discover(repo.root)
    return [s for s in snaps if s.num is not None], problems


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, errors="replace")
    return p.returncode, p.stdout


def build_step(repo, plan, k, work, jobs):
    """(ok, message) for the tree of step k."""
    snap = plan.snap
    src = os.path.join(work, f"{snap.num:02d}-s{k}", snap.name)  # the number names the targets
    build = os.path.join(os.path.dirname(src), "build")
    shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    os.makedirs(src)
    shutil.copy2(repo.path(snap, "CMakeLists.txt"), os.path.join(src, "CMakeLists.txt"))
    for top in ("mymuduo", "tests"):
        stepslib.materialize(stepslib.tree(repo, plan, k, top), src)
    os.makedirs(os.path.join(src, "mymuduo"), exist_ok=True)
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    rc, out = run(["cmake", *gen, "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Debug",
                   "-DCMAKE_CXX_FLAGS_DEBUG=-O0", "-DCMAKE_UNITY_BUILD=ON", "-DMYMUDUO_WERROR=ON",
                   "-DMYMUDUO_SANITIZE=", "-DMYMUDUO_FUZZ=OFF", "-DMYMUDUO_BUILD_TESTS=ON"])
    if rc != 0:
        return False, "cmake failed:\n" + out[-3000:]
    target = f"ch{snap.num:02d}_tests"
    rc, out = run(["cmake", "--build", build, "--target", target, "-j", str(jobs)])
    if rc != 0:
        errors = [l for l in out.splitlines() if "error" in l][:8]
        return False, "does not build:\n  " + "\n  ".join(errors or out.splitlines()[-20:])
    rc, out = run([os.path.join(build, target)], cwd=build)
    summary = [l for l in out.splitlines() if l.startswith(("All tests passed", "test cases:"))]
    if rc != 0:
        failed = [l for l in out.splitlines() if "FAILED" in l or l.startswith("test cases:")][:8]
        return False, "tests fail:\n  " + "\n  ".join(failed)
    return True, summary[-1] if summary else "passed"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    ap.add_argument("--root", default=chapterlib.default_root())
    ap.add_argument("--static", action="store_true", help="the rules only; build nothing")
    ap.add_argument("--work", help="where the scratch trees go")
    ap.add_argument("--keep", action="store_true", help="keep the scratch trees")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    args = ap.parse_args()
    repo = chapterlib.Repo(args.root)
    snaps, problems = chapters(repo)
    if problems:
        for p, m in problems:
            print(f"{p}: {m}", file=sys.stderr)
        return 2
    wanted = {int(c) for c in args.chapters if c.isdigit()}
    if len(wanted) != len(args.chapters):
        print("tools/check-steps: give chapter numbers, e.g. 06", file=sys.stderr)
        return 2
    chosen = [s for s in snaps if not wanted or s.num in wanted]
    work = args.work or tempfile.mkdtemp(prefix="mymuduo-steps-")
    failures = 0
    try:
        for snap in chosen:
            plan, problems = stepslib.load(repo, snaps, snap)
            for where, msg in problems:
                print(f"{where}: {msg}")
            if problems or plan is None:
                failures += 1
                print(f"FAIL  {snap.name}: steps.md or the step tags break the rules (above)")
                continue
            if args.static:
                print(f"ok    {snap.name}: {plan.count} steps")
                continue
            for s in plan.steps[:-1]:
                ok, msg = build_step(repo, plan, s.num, work, args.jobs)
                print(f"{'ok  ' if ok else 'FAIL'}  {snap.name} step {s.num} ({s.title}): {msg}",
                      flush=True)
                failures += 0 if ok else 1
            print(f"ok    {snap.name} step {plan.count}: the chapter itself", flush=True)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
