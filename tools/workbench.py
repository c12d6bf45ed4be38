"""Build along with the chapters: write chapter NN yourself, in workbench/, against its tests.

    tools/workbench start NN [--force]   copy chapter NN-1's mymuduo/ into workbench/mymuduo/
                                         (chapter 01: an empty folder), list what NN adds and
                                         the steps it is written in (the chapter's steps.md)
    tools/workbench test [NN] [--step K] build chapter NN's tests against workbench/mymuduo/,
                                         run them, print PASS/FAIL and the pitfall each failing
                                         test guards (docs/pitfalls.md); exit 0 only if all pass.
                                         --step K: only the tests of steps 1..K (and the
                                         earlier chapters'), so the chapter goes green in steps
    tools/workbench exercise NN K [--force] [--hint [H]] [--solution]
                                         set exercise K of chapter NN up in the workbench (from
                                         chapter NN's own mymuduo/) and run its hidden tests,
                                         then the visible ones; --hint prints hints 1..H,
                                         --solution the reference solution (nothing is built)
    tools/workbench diff [NN] [--stat]   git diff of chapter NN's reference mymuduo/ against yours

NN defaults to the chapter `start` was given. `--dir DIR` uses another workbench folder,
`--root DIR` another checkout. The build lives in workbench/.build/: a scratch source folder
holding chapter NN's CMakeLists.txt, a link to workbench/mymuduo/ and a link to the chapter's
tests/ (with --step K, copies of the test files of step K's tree, see tools/steps.py; no
examples, no fuzz targets), configured Debug without sanitizers whatever the rest of
the tree uses. $CXX and $CMAKE_PREFIX_PATH are honoured as CMake honours them (the latter finds
Catch2 v3).
"""
import argparse
import os
import re
import shlex
import signal
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import chapterlib
import mdlib
import steps

STAMP = ".workbench-chapter"  # in the workbench: the chapter `start` was given


class Failure(Exception):
    pass


def chapters(repo):
    snaps, problems = chapterlib.discover(repo.root)
    if problems:
        raise Failure("; ".join(f"{p}: {m}" for p, m in problems))
    return [s for s in snaps if s.num is not None]


def find_chapter(repo, spec, wb):
    snaps = chapters(repo)
    if spec is None:
        try:
            with open(os.path.join(wb, STAMP), encoding="utf-8") as f:
                spec = (f.read().split() or [""])[0]  # "06", or "06 ex1" for an exercise
        except OSError:
            raise Failure("which chapter? give NN (no workbench started with `start NN` here)")
    m = re.match(r"^(\d{1,2})(-.*)?$", spec)
    if not m:
        raise Failure(f"'{spec}' is not a chapter number (01 .. {snaps[-1].num:02d})")
    num = int(m.group(1))
    for s in snaps:
        if s.num == num:
            return snaps, s
    raise Failure(f"no chapter {num:02d}: the chapters are 01 .. {snaps[-1].num:02d}")


def what_changed(repo, snap):
    """{path: note} from the bullets of the chapter README's What changed section."""
    found = mdlib.what_changed(mdlib.Document(repo.text(snap, chapterlib.README) or ""))
    return {} if found is None else {c.path: c.note for c in found[1] if c.problem is None}


def rel_for_display(path):
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


# ---------------------------------------------------------------------------------------- start

def clear(wb, force):
    """Readies the workbench for a new start; refuses, without --force, to drop code in it. The
    build folder stays: sync_tree() below rewrites only the files whose content changes, so what
    is already compiled from the same code is not compiled again."""
    if os.path.exists(wb) and os.listdir(wb):
        if not force:
            raise Failure(f"{rel_for_display(wb)} exists and is not empty: your code would be lost. "
                          "Use --force to replace it, or --dir DIR for another folder")
        p = os.path.join(wb, STAMP)
        if os.path.lexists(p):
            os.remove(p)
    os.makedirs(wb, exist_ok=True)


def files_of(folder):
    """{path relative to folder: its path} of every file under folder (None: no file)."""
    out = {}
    for dirpath, _, files in os.walk(folder) if folder else ():
        for f in files:
            out[os.path.relpath(os.path.join(dirpath, f), folder)] = os.path.join(dirpath, f)
    return out


def sync_tree(files, dst):
    """Makes dst hold exactly files ({relative path: origin}). A file whose bytes are already the
    same keeps its time stamp, so the build does not see it as changed; any other is written
    anew, with a fresh time stamp, and rebuilt."""
    if os.path.islink(dst) or os.path.isfile(dst):
        os.remove(dst)
    os.makedirs(dst, exist_ok=True)
    for rel, origin in files.items():
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        copy_if_changed(origin, os.path.join(dst, rel))
    for dirpath, _, names in os.walk(dst, topdown=False):
        for f in names:
            if os.path.relpath(os.path.join(dirpath, f), dst) not in files:
                os.remove(os.path.join(dirpath, f))
        if dirpath != dst and not os.listdir(dirpath):
            os.rmdir(dirpath)


def cmd_start(repo, args, wb):
    snaps, snap = find_chapter(repo, args.chapter, wb)
    prev = next((s for s in snaps if s.num == snap.num - 1), None)
    mine = os.path.join(wb, "mymuduo")
    clear(wb, args.force)
    sync_tree(files_of(repo.path(prev, "mymuduo") if prev else None), mine)
    with open(os.path.join(wb, STAMP), "w", encoding="utf-8") as f:
        f.write(f"{snap.num:02d}\n")

    start_from = f"chapter {prev.name}'s mymuduo/" if prev else "an empty mymuduo/"
    print(f"{rel_for_display(mine)}/ holds {start_from}: write chapter {snap.name} there.")
    notes = what_changed(repo, snap)
    if prev is None:
        changes = {p: "added" for p in repo.files(snap)}
    else:
        changes = repo.changes(prev, snap)
    lib = [(p, st) for p, st in sorted(changes.items()) if p.startswith("mymuduo/")]
    tests = [(p, st) for p, st in sorted(changes.items()) if p.startswith("tests/")]
    print(f"\nThe reference chapter ({snap.rel}/) changes these files of the library:")
    for p, st in lib:
        print(f"  {st:8} {p}" + (f" — {notes[p]}" if notes.get(p) else ""))
    if tests:
        print("\nIts tests, your specification (they stay in the chapter; the workbench uses them there):")
        for p, st in tests:
            print(f"  {st:8} {p}")
    me = "tools/workbench" + (f" --dir {rel_for_display(wb)}" if args.dir else "")
    plan, problems = steps.load(repo, snaps, snap)
    if plan is not None and not problems:
        print(f"\nStep by step ({snap.rel}/{chapterlib.STEPS}); each step ends green:")
        for st in plan.steps:
            files = ", ".join(os.path.basename(p) for p, _, _ in st.writes) or "tests only"
            print(f"  {st.num}. {st.title} — {files}")
        test_line = f"{me} test {snap.num:02d} --step 1   (then --step 2 ...; without --step: all)"
    else:
        test_line = f"{me} test {snap.num:02d}"
    print(f"""
Next:
  read      {snap.rel}/README.md (Concepts, Walk-through, Pitfalls)
  write     the files above in {rel_for_display(mine)}/
  test      {test_line}
  compare   {me} diff {snap.num:02d} --stat""")
    return 0


# ----------------------------------------------------------------------------------------- test

def pitfall_index(repo):
    """{test name: [(pitfall, what goes wrong)]} from the tables of docs/pitfalls.md."""
    try:
        with open(os.path.join(repo.root, "docs", "pitfalls.md"), encoding="utf-8") as f:
            doc = mdlib.Document(f.read())
    except OSError:
        return {}
    index = {}
    for table in doc.tables():
        for _, cells in table.rows:
            if len(cells) < 3:
                continue
            for name in re.findall(r'\*\*"(.+?)"\*\*', cells[-1]):
                index.setdefault(name, []).append((cells[0], cells[1]))
    return index


def ensure_link(link, target):
    if os.path.islink(link) and os.readlink(link) == target:
        return
    if os.path.lexists(link):
        if os.path.isdir(link) and not os.path.islink(link):
            shutil.rmtree(link)
        else:
            os.remove(link)
    os.symlink(target, link)


def copy_if_changed(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    try:
        with open(dst, "rb") as f:
            if f.read() == data:
                return  # an unchanged CMakeLists.txt: no reconfigure
    except OSError:
        pass
    with open(dst, "wb") as f:
        f.write(data)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, errors="replace", **kw)


def first_errors(log, paths, max_errors=4):
    """The first compiler errors of a build log (scratch paths shown as the learner's), then the
    symbols the linker found undefined, each once."""
    out, taking, errors, undefined = [], 0, 0, []
    for line in log.splitlines():
        for scratch, real in paths:
            line = line.replace(scratch, real)
        ref = re.search(r"undefined reference to [`'](.*)'", line)
        if ref:
            if ref.group(1) not in undefined:
                undefined.append(ref.group(1))
            continue
        if re.search(r"\b(fatal )?error:", line) and "ld returned" not in line:
            errors += 1
            taking = 3 if errors <= max_errors else 0  # the error and the source lines under it
        if taking:
            out.append("  " + line)
            taking -= 1
    if errors > max_errors:
        out.append(f"  ... {errors - max_errors} more")
    if undefined:
        out.append("  undefined (declared, used, but defined nowhere in the library):")
        out += [f"    {u}" for u in undefined[:12]]
        if len(undefined) > 12:
            out.append(f"    ... {len(undefined) - 12} more")
    return out


def print_missing(repo, snap, mine):
    ref = {p[len("mymuduo/"):] for p in repo.files(snap) if p.startswith("mymuduo/")}
    have = set()
    for dirpath, _, files in os.walk(mine):
        for f in files:
            have.add(os.path.relpath(os.path.join(dirpath, f), mine).replace(os.sep, "/"))
    missing = sorted(ref - have)
    if missing:
        print(f"\nReference files of {snap.rel}/mymuduo/ that {rel_for_display(mine)}/ lacks:")
        for p in missing:
            print(f"  mymuduo/{p}")


def prepare(repo, snap, wb, args, tests_tree=None):
    """Configures and builds chapter snap's test binary against the workbench's mymuduo/.
    tests_tree: {path: source} for a step's tests/ (None: the chapter's tests/ as they are).
    Returns (build folder, target, shown paths), or None when the build failed (said why)."""
    mine = os.path.realpath(os.path.join(wb, "mymuduo"))
    if not os.path.isdir(mine):
        raise Failure(f"no {rel_for_display(mine)}/: run `tools/workbench start {snap.num:02d}` first")
    tag = f"ch{snap.num:02d}"
    if not any(f.endswith(".cc") for _, _, files in os.walk(mine) for f in files):
        print(f"BUILD FAILED: {rel_for_display(mine)}/ has no .cc file yet, so there is no library to test.")
        print_missing(repo, snap, mine)
        return None
    scratch = os.path.join(os.path.realpath(wb), ".build")
    src = os.path.join(scratch, "src", snap.name)  # the folder name gives the targets' chNN_ prefix
    build = os.path.join(scratch, f"build-{snap.num:02d}")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(scratch, ".gitignore"), "w", encoding="utf-8") as f:
        f.write("*\n")
    copy_if_changed(repo.path(snap, "CMakeLists.txt"), os.path.join(src, "CMakeLists.txt"))
    ensure_link(os.path.join(src, "mymuduo"), mine)
    # The tests are copied, never linked, and only where their bytes change: going from one
    # step's tests to the next, or to the whole chapter's, compiles only the files that differ.
    tests = os.path.join(src, "tests")
    if tests_tree is None:
        sync_tree(files_of(repo.path(snap, "tests")), tests)
    else:
        sync_tree({p[len("tests/"):]: origin for p, origin in tests_tree.items()}, tests)
    for extra in ("examples", "fuzz"):  # the chapter's tests only
        p = os.path.join(src, extra)
        if os.path.lexists(p):
            shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)

    # A build made with another compiler or another Catch2 is started afresh.
    key = f"CXX={os.environ.get('CXX', '')}\nCMAKE_PREFIX_PATH={os.environ.get('CMAKE_PREFIX_PATH', '')}\n"
    key_file = os.path.join(build, "workbench-key")
    try:
        with open(key_file, encoding="utf-8") as f:
            if f.read() != key:
                shutil.rmtree(build)
    except OSError:
        pass
    os.makedirs(build, exist_ok=True)
    with open(key_file, "w", encoding="utf-8") as f:
        f.write(key)

    print(f"Building chapter {snap.name}'s tests against {rel_for_display(mine)}/ (Debug, in {rel_for_display(build)}) ...",
          flush=True)
    conf = run(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Debug", "-DMYMUDUO_SANITIZE=",
                "-DMYMUDUO_WERROR=OFF", "-DMYMUDUO_BUILD_TESTS=ON", "-DMYMUDUO_FUZZ=OFF"])
    if conf.returncode != 0:
        print(conf.stdout)
        raise Failure("CMake could not configure the workbench build (above)")
    catch2 = re.search(rf"{tag}: tests use Catch2 (\S+)", conf.stdout)
    if not catch2:
        raise Failure("CMake found no Catch2, so there are no tests to build (Debian: apt-get install "
                      "catch2; for Catch2 v3 set CMAKE_PREFIX_PATH)")
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8", errors="replace") as f:
        compiler = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", f.read(), re.M)
    print(f"  with {compiler.group(1) if compiler else 'c++'} and Catch2 {catch2.group(1)}", flush=True)
    # Compiler messages and test output name the scratch links; show the real folders instead.
    shown = [(os.path.join(src, "mymuduo"), rel_for_display(mine)),
             (os.path.join(src, "tests"), rel_for_display(repo.path(snap, "tests")))]
    bld = run(["cmake", "--build", build, "--target", f"{tag}_tests", "-j", str(args.jobs)])
    if bld.returncode != 0:
        print(f"\nBUILD FAILED: chapter {snap.num:02d}'s tests do not compile or link against your code.")
        print("First errors:")
        print("\n".join(first_errors(bld.stdout, shown)))
        print_missing(repo, snap, mine)
        print(f"\nThe full log: cmake --build {rel_for_display(build)} --target {tag}_tests")
        return None
    return build, f"{tag}_tests", shown


def step_plan(repo, snaps, snap):
    plan, problems = steps.load(repo, snaps, snap)
    if plan is None or problems:
        where = "; ".join(f"{p}: {m}" for p, m in problems[:3])
        raise Failure(f"chapter {snap.num:02d} has no usable steps.md ({where})")
    return plan


def cmd_test(repo, args, wb):
    snaps, snap = find_chapter(repo, args.chapter, wb)
    plan, tests_tree = None, None
    if args.step is not None:
        plan = step_plan(repo, snaps, snap)
        if not 1 <= args.step <= plan.count:
            raise Failure(f"chapter {snap.num:02d} has steps 1 .. {plan.count}")
        tests_tree = steps.tree(repo, plan, args.step, "tests")
        s = plan.steps[args.step - 1]
        print(f"Step {s.num} of {plan.count}: {s.title} (and the steps before it)")
    built = prepare(repo, snap, wb, args, tests_tree)
    if built is None:
        return 1
    build, target, shown = built
    tag = f"ch{snap.num:02d}"

    junit = os.path.join(build, "workbench-junit.xml")
    if os.path.exists(junit):
        os.remove(junit)
    ct = run(["ctest", "--test-dir", build, "--output-junit", junit, "-j", str(args.jobs)])
    try:
        cases = ET.parse(junit).getroot().iter("testcase")
    except (OSError, ET.ParseError):
        print(ct.stdout)
        raise Failure("ctest wrote no JUnit report (above)")
    index = pitfall_index(repo)
    results = []
    for c in cases:
        name = c.get("name", "")
        status = c.get("status", "")
        if status in ("disabled", "notrun", "skipped") and c.find("failure") is None:
            continue
        out = c.findtext("system-out") or ""
        f = c.find("failure")
        if f is not None and f.get("message"):
            out += f"\nctest: {f.get('message')}"
        ok = status == "run" and c.find("failure") is None
        results.append((name, ok, out, c.get("time", "")))
    failed = [r for r in results if not r[1]]
    print()
    for name, ok, out, secs in results:
        print(f"{'PASS' if ok else 'FAIL'}  {re.sub(r'^ch[0-9]+:[ ]*', '', name)}")
    if failed:
        print("\nWhat failed:")
    for name, ok, out, secs in failed:
        bare = re.sub(r"^ch[0-9]+:[ ]*", "", name)
        print(f"\nFAIL  {bare}")
        for line in failure_reason(out):
            for scratch, real in shown:
                line = line.replace(scratch, real)
            print("  " + line)
        for pitfall, effect in index.get(bare, []):
            print(f"  guards the pitfall: {pitfall}\n    what goes wrong: {effect}")
        print(f"  rerun: {rel_for_display(os.path.join(build, target))} {quote(bare)}")
    scope = f"chapter {snap.num:02d}" if plan is None else f"chapter {snap.num:02d} up to step {args.step}"
    print(f"\n{len(results) - len(failed)} of {len(results)} tests of {scope} pass"
          + ("." if not failed else f"; {len(failed)} fail."))
    if plan is not None and not failed and results:
        me = "tools/workbench" + (f" --dir {rel_for_display(wb)}" if args.dir else "")
        if args.step < plan.count:
            nxt = plan.steps[args.step]
            print(f"Next: step {nxt.num}, {nxt.title} ({snap.rel}/{chapterlib.STEPS}), then "
                  f"`{me} test {snap.num:02d} --step {nxt.num}`")
        else:
            print(f"That was the last step: `{me} test {snap.num:02d}` runs the chapter's tests as they are.")
    return 0 if results and not failed else 1


# ------------------------------------------------------------------------------------- exercise

def exercise_text(repo, snap, k):
    """Exercise k of the chapter README's Exercises section, as written, or None."""
    text = repo.text(snap, chapterlib.README) or ""
    m = re.search(r"^## Exercises[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        return None
    items = re.split(r"^(?=\d+\. )", m.group(1), flags=re.M)
    for item in items:
        if item.startswith(f"{k}. "):
            return item.rstrip()
    return None


def hints(repo, snap, k):
    """The numbered hints of solutions/exK-hints.md: [text of hint 1, hint 2, ...]."""
    text = repo.text(snap, f"{chapterlib.OWN_DIR}ex{k}-hints.md")
    if text is None:
        return []
    out = []
    for line in text.splitlines():
        if re.match(r"^\d+\. ", line):
            out.append(line)
        elif out and (line.startswith("   ") or not line.strip()):
            out[-1] += "\n" + line
    return [h.rstrip() for h in out]


def cmd_exercise(repo, args, wb):
    snaps, snap = find_chapter(repo, args.chapter, wb)
    k = args.number
    text = exercise_text(repo, snap, k)
    if text is None:
        raise Failure(f"chapter {snap.num:02d} has no exercise {k} (see {snap.rel}/README.md, Exercises)")
    patch = f"{chapterlib.OWN_DIR}ex{k}.patch"
    me = "tools/workbench" + (f" --dir {rel_for_display(wb)}" if args.dir else "")
    if args.hint is not None:
        found = hints(repo, snap, k)
        if not found:
            raise Failure(f"exercise {k} of chapter {snap.num:02d} has no hints")
        upto = max(1, min(args.hint, len(found)))
        print(f"Chapter {snap.num:02d}, exercise {k}: hints 1 .. {upto} of {len(found)}\n")
        print("\n".join(found[:upto]))
        if upto < len(found):
            print(f"\nThe next one: {me} exercise {snap.num:02d} {k} --hint {upto + 1}")
        else:
            print(f"\nNo more hints; the reference solution: {me} exercise {snap.num:02d} {k} --solution")
        return 0
    if args.solution:
        data = repo.text(snap, patch)
        if data is None:
            raise Failure(f"exercise {k} of chapter {snap.num:02d} has no reference solution")
        print(f"{snap.rel}/{patch}: one way to solve it (apply it to a copy of the chapter with "
              "`git apply`, see docs/exercises.md)\n")
        sys.stdout.write(data)
        return 0

    hidden = chapterlib.exercise_tag(snap.num, k)
    tests_file = repo.text(snap, f"tests/exercises_ch{snap.num:02d}.cc") or ""
    if hidden not in tests_file:
        print(text)
        print(f"\nThis exercise has no hidden tests: the text above says how to check it.")
        return 0
    stamp = f"{snap.num:02d} ex{k}"
    try:
        with open(os.path.join(wb, STAMP), encoding="utf-8") as f:
            current = f.read().strip()
    except OSError:
        current = None
    mine = os.path.join(wb, "mymuduo")
    if current != stamp or args.force:
        clear(wb, args.force)
        sync_tree(files_of(repo.path(snap, "mymuduo")), mine)
        with open(os.path.join(wb, STAMP), "w", encoding="utf-8") as f:
            f.write(stamp + "\n")
        print(f"{rel_for_display(mine)}/ holds chapter {snap.name}'s mymuduo/: do the exercise there.\n")
        print(text)
        print(f"""
This command, run now and after each change, builds the chapter's tests against your code and
runs the exercise's hidden tests ({hidden}), then, once they pass, every visible test.
  hints      {me} exercise {snap.num:02d} {k} --hint 1
  solution   {me} exercise {snap.num:02d} {k} --solution
  your diff  {me} diff {snap.num:02d}
""")
    built = prepare(repo, snap, wb, args)
    if built is None:
        return 1
    build, target, shown = built
    out = run([os.path.join(build, target), hidden], cwd=build)
    lines = out.stdout.splitlines()
    summary = next((l for l in reversed(lines) if l.startswith(("All tests passed", "test cases:"))), "")
    if out.returncode != 0:
        print(f"\nThe hidden tests {hidden} do not pass yet:")
        for line in failure_reason(out.stdout):
            for scratch, real in shown:
                line = line.replace(scratch, real)
            print("  " + line)
        print(f"\n  all of it: {rel_for_display(os.path.join(build, target))} {quote(hidden)}")
        print(f"  stuck?    {me} exercise {snap.num:02d} {k} --hint 1")
        return 1
    print(f"\nThe hidden tests {hidden} pass ({summary}). Now the visible tests ...", flush=True)
    ct = run(["ctest", "--test-dir", build, "-j", str(args.jobs)])
    tail = [l for l in ct.stdout.splitlines() if "tests passed" in l or "Failed" in l or "***" in l]
    print("\n".join("  " + l for l in tail[-12:]))
    if ct.returncode != 0:
        print("Your change breaks visible tests (above): the exercise is done when both pass.")
        return 1
    print(f"Done: exercise {k} of chapter {snap.num:02d} passes its hidden tests, and nothing else broke.\n"
          f"Compare with the reference: {me} exercise {snap.num:02d} {k} --solution")
    return 0


def quote(s):
    return f'"{s}"' if not re.search(r'["$`\\!]', s) else shlex.quote(s)


def failure_reason(out):
    """A few telling lines of a failed test's output: the failed assertion, or the end."""
    lines = [l for l in out.splitlines() if l.strip() and not re.fullmatch(r"[.=~-]+", l.strip())]
    for i, l in enumerate(lines):
        if re.search(r"FAILED|Timeout|SIGSEGV|SIGABRT|Segmentation|Aborted|due to a fatal error", l):
            end = next((j for j in range(i, len(lines)) if lines[j].startswith("test cases:")), len(lines))
            return lines[i:min(end, i + 8)]
    return lines[-6:]


# ----------------------------------------------------------------------------------------- diff

def cmd_diff(repo, args, wb):
    _, snap = find_chapter(repo, args.chapter, wb)
    mine = os.path.join(wb, "mymuduo")
    if not os.path.isdir(mine):
        raise Failure(f"no {rel_for_display(mine)}/: run `tools/workbench start {snap.num:02d}` first")
    ref = repo.path(snap, "mymuduo")
    cmd = ["git", "-c", "core.quotepath=false", "diff", "--no-index"]
    if args.stat:
        cmd.append("--stat")
    cmd += ["--", rel_for_display(ref), rel_for_display(mine)]
    rc = subprocess.run(cmd).returncode
    if rc == 0:
        print(f"{rel_for_display(mine)}/ is the same as {snap.rel}/mymuduo/")
    return rc


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `tools/workbench test | head` ends quietly
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=chapterlib.default_root(), help="the checkout (default: this one)")
    ap.add_argument("--dir", help="the workbench folder (default: ROOT/workbench)")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="copy chapter NN-1's mymuduo/ into the workbench")
    p.add_argument("chapter")
    p.add_argument("--dir", default=argparse.SUPPRESS, help="the workbench folder")
    p.add_argument("--force", action="store_true", help="replace an existing workbench")
    p = sub.add_parser("test", help="build and run chapter NN's tests against the workbench")
    p.add_argument("chapter", nargs="?")
    p.add_argument("--step", type=int, help="only the tests of steps 1 .. K (the chapter's steps.md)")
    p.add_argument("--dir", default=argparse.SUPPRESS, help="the workbench folder")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p = sub.add_parser("exercise", help="do exercise K of chapter NN against its hidden tests")
    p.add_argument("chapter")
    p.add_argument("number", type=int)
    p.add_argument("--dir", default=argparse.SUPPRESS, help="the workbench folder")
    p.add_argument("--force", action="store_true", help="start the exercise afresh")
    p.add_argument("--hint", type=int, nargs="?", const=1, metavar="K", help="print hints 1 .. K")
    p.add_argument("--solution", action="store_true", help="print the reference solution")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p = sub.add_parser("diff", help="the workbench's mymuduo/ against chapter NN's")
    p.add_argument("chapter", nargs="?")
    p.add_argument("--dir", default=argparse.SUPPRESS, help="the workbench folder")
    p.add_argument("--stat", action="store_true")
    args = ap.parse_args()
    repo = chapterlib.Repo(args.root)
    wb = os.path.abspath(args.dir) if args.dir else os.path.join(repo.root, "workbench")
    try:
        return {"start": cmd_start, "test": cmd_test, "exercise": cmd_exercise,
                "diff": cmd_diff}[args.command](repo, args, wb)
    except Failure as e:
        print(f"tools/workbench: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
