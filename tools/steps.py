"""A chapter's steps (chapters/NN-name/steps.md): parsing, the rules, and the tree of one step.

A step is a part of the chapter's walk-through that ends green. steps.md lists, per step, the
library files it writes (whole files of the chapter's change against the previous chapter) and
the test files that check it; each of the chapter's test cases (tag [chNN]) carries the tag [sK]
of the step of its file. The tree of step K is the previous chapter's mymuduo/ and tests/ with
this chapter's version of the files of steps 1..K laid over them: it must build, and every test
in it must pass. tools/workbench (`test NN --step K`) and tools/check-steps build such trees.
"""
import os
import re
import shutil
from dataclasses import dataclass, field
from typing import List, Optional

import chapterlib
import testcases

HEADING_RE = re.compile(r"^## Step (\d+)\s*[—–-]\s*(.+?)\s*$")
BULLET_RE = re.compile(r"^[-*]\s+`([^`]+)`\s*(?:\((new|changed|removed)\))?")
STATUS_WORD = {"added": "new", "changed": "changed", "removed": "removed"}
STEP_TAG_RE = re.compile(r"\[s(\d+)\]")


@dataclass
class Step:
    num: int
    title: str
    line: int
    writes: List[tuple] = field(default_factory=list)   # (path, status word or None, line)
    tests: List[tuple] = field(default_factory=list)


def parse(text):
    """(steps, problems): problems are (line, message)."""
    steps, problems, label = [], [], None
    for i, line in enumerate(text.splitlines(), 1):
        m = HEADING_RE.match(line)
        if m:
            steps.append(Step(int(m.group(1)), m.group(2), i))
            label = None
            continue
        if line.startswith("## "):
            problems.append((i, f"'{line}' is not a `## Step K — title` heading"))
            label = None
            continue
        if not steps:
            continue
        stripped = line.strip()
        if stripped in ("Write:", "Tests:"):
            label = stripped[:-1]
            continue
        bullet = BULLET_RE.match(stripped) if label else None
        if bullet:
            entries = steps[-1].writes if label == "Write" else steps[-1].tests
            entries.append((bullet.group(1), bullet.group(2), i))
        elif not stripped:
            label = None  # a list ends at a blank line
    for want, s in enumerate(steps, 1):
        if s.num != want:
            problems.append((s.line, f"step {s.num} where step {want} was expected: "
                                     "number them 1, 2, 3 ..."))
    return steps, problems


@dataclass
class Plan:
    snap: object
    prev: Optional[object]
    steps: List[Step]
    step_of: dict        # chapter-relative path -> step number, for every changed file
    changes: dict        # path -> 'added' | 'changed' | 'removed' against the previous chapter

    @property
    def count(self):
        return len(self.steps)


def own_exercises(snap):
    return f"tests/exercises_ch{snap.num:02d}.cc"


def load(repo, snaps, snap):
    """(plan or None, problems as (path, message)) for chapter snap."""
    rel = f"{snap.rel}/{chapterlib.STEPS}"
    text = repo.text(snap, chapterlib.STEPS)
    if text is None:
        return None, [(rel, "missing: divide the chapter into steps (see CONTRIBUTING.md)")]
    steps, bad = parse(text)
    problems = [(f"{rel}:{line}", msg) for line, msg in bad]
    if len(steps) < 2:
        problems.append((rel, f"{len(steps)} step(s): a chapter has at least 2"))
    prev = next((s for s in snaps if s.num == snap.num - 1), None)
    if prev is None:
        changes = {p: "added" for p in repo.files(snap)}
    else:
        changes = repo.changes(prev, snap)
    owned = {p: st for p, st in changes.items() if p.startswith(("mymuduo/", "tests/"))}
    step_of = {}
    for s in steps:
        if not s.tests:
            problems.append((f"{rel}:{s.line}", f"step {s.num} lists no test file"))
        for kind, entries in (("Write", s.writes), ("Tests", s.tests)):
            for path, word, line in entries:
                where = f"{rel}:{line}"
                want_prefix = "mymuduo/" if kind == "Write" else "tests/"
                if not path.startswith(want_prefix):
                    problems.append((where, f"`{path}` under {kind}: only {want_prefix} files go there"))
                elif path == own_exercises(snap):
                    problems.append((where, f"`{path}` belongs to the last step without being listed"))
                elif path not in owned:
                    problems.append((where, f"`{path}` is not a file this chapter changes"))
                elif path in step_of:
                    problems.append((where, f"`{path}` is in step {step_of[path]} already"))
                else:
                    step_of[path] = s.num
                    if word and word != STATUS_WORD[owned[path]]:
                        problems.append((where, f"`{path}` is {STATUS_WORD[owned[path]]}, not {word}"))
    last = steps[-1].num if steps else 1
    for path in sorted(owned):
        if path == own_exercises(snap):
            step_of[path] = last
        elif path not in step_of:
            problems.append((rel, f"`{path}` is changed by the chapter but in no step"))
    plan = Plan(snap, prev, steps, step_of, changes)
    problems += tag_problems(repo, plan)
    return plan, problems


def tag_problems(repo, plan):
    """Each of the chapter's test cases carries [sK], K being its file's step."""
    snap, problems, tag = plan.snap, [], f"[ch{plan.snap.num:02d}]"
    seen = {s.num: 0 for s in plan.steps}
    for path in repo.files(snap):
        if not (path.startswith("tests/") and path.endswith(".cc")):
            continue
        text = repo.text(snap, path) or ""
        for name, tag_text, line in testcases.test_cases(text):
            tags = re.findall(r"\[[^\]]*\]", tag_text)
            if tag not in tags:
                continue
            where = f"{snap.rel}/{path}:{line}"
            marks = [int(m) for t in tags for m in STEP_TAG_RE.findall(t)]
            step = plan.step_of.get(path)
            if step is None:
                problems.append((where, f'"{name}" is a {tag} test in a file no step lists'))
            elif marks != [step]:
                have = ", ".join(f"[s{m}]" for m in marks) or "no step tag"
                problems.append((where, f'"{name}": {have}; its file is in step {step}, so [s{step}]'))
            else:
                seen[step] += 1
    for s in plan.steps:
        if not seen[s.num]:
            problems.append((f"{snap.rel}/{chapterlib.STEPS}:{s.line}", f"step {s.num} has no {tag} test case"))
    return problems


def tree(repo, plan, k, top, with_library=True):
    """{relative path: absolute source path or None (absent)} for the folder `top` (mymuduo or
    tests) of step k: the previous chapter's files with this chapter's files of steps 1..k."""
    out = {}
    if plan.prev is not None:
        for p in repo.files(plan.prev):
            if p.startswith(top + "/"):
                out[p] = repo.path(plan.prev, p)
    for p, st in plan.changes.items():
        if not p.startswith(top + "/") or plan.step_of.get(p, 10**6) > k:
            continue
        if st == "removed":
            out.pop(p, None)
        else:
            out[p] = repo.path(plan.snap, p)
    return out


def materialize(files, dest_root):
    """Copies {relative path: source} under dest_root."""
    for rel, src in sorted(files.items()):
        dst = os.path.join(dest_root, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
