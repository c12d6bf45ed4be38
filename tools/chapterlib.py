"""Shared logic of the chapter-chain tools (gen-diffs, check-chapters, propagate, sync-final).

A *snapshot* is a folder holding a complete copy of the library: chapters/NN-name/, and final/
once final/mymuduo/ exists. Paths inside a snapshot are relative to its root, because that is
what the READMEs list and what the patches name. A snapshot's own README.md is prose about that
snapshot, so it is never compared and never appears in a patch.
"""
import difflib
import fnmatch
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Optional

CHAPTER_RE = re.compile(r"^(\d{2})-[a-z0-9][a-z0-9-]*$")
README = "README.md"
# The chapter text in Chinese, a translation of README.md kept in step with it.
README_ZH = "README.zh-CN.md"
DIFFS_DIR = "docs/diffs"
# Build trees and caches are never part of a snapshot, whatever .gitignore says.
SKIP_DIR_RE = re.compile(r"^(\.git|__pycache__|build|cmake-build)([-_.].*)?$")
# A chapter's reference solutions to its own exercises (solutions/exK.patch): like its texts, they
# belong to that chapter alone, so they are never compared, carried forward or copied to final/.
OWN_DIR = "solutions/"
# A chapter's division into steps (steps.md, read by tools/workbench and tools/check-steps) is its
# own too, for the same reason.
STEPS = "steps.md"

# The folders final/ takes from the newest chapter, byte for byte; the rest of final/ is its own.
SYNCED = ("mymuduo", "examples", "tests", "fuzz")


def exercise_tag(num, k):
    """The Catch2 tag of exercise k's hidden tests in chapter num: [exNN], or [exNN-K] for K > 1."""
    return f"[ex{int(num):02d}]" if k == 1 else f"[ex{int(num):02d}-{k}]"


@dataclass(frozen=True)
class Snapshot:
    name: str             # "01-thread" or "final"
    rel: str              # "chapters/01-thread" or "final" (relative to the repo root)
    num: Optional[int]    # chapter number, None for final/

    @property
    def patch_name(self):
        return self.name + ".patch"


# final/ as sync-final's target, whether or not it is a snapshot yet (final/mymuduo exists).
FINAL = Snapshot("final", "final", None)


def default_root():
    """The checkout this tools/ folder belongs to."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def discover(root):
    """Return (snapshots in chain order, problems); problems are (path, message) pairs."""
    snaps, problems, seen = [], [], {}
    chapters_dir = os.path.join(root, "chapters")
    entries = sorted(os.listdir(chapters_dir)) if os.path.isdir(chapters_dir) else []
    for entry in entries:
        if entry.startswith(".") or not os.path.isdir(os.path.join(chapters_dir, entry)):
            continue
        m = CHAPTER_RE.match(entry)
        if not m:
            problems.append((f"chapters/{entry}", "folder name is not NN-name (two digits, a dash, lowercase name)"))
            continue
        num = int(m.group(1))
        if num in seen:
            problems.append((f"chapters/{entry}",
                             f"chapter number {m.group(1)} is already used by chapters/{seen[num]}"))
            continue
        seen[num] = entry
        snaps.append(Snapshot(entry, f"chapters/{entry}", num))
    snaps.sort(key=lambda s: s.num)
    if not snaps:
        problems.append(("chapters", "no chapter folders found"))
    expected = 1
    for s in snaps:
        if s.num != expected:
            problems.append((s.rel, "chapter numbers must run 01, 02, ... without gaps; "
                                    f"expected {expected:02d} before this one"))
        expected = s.num + 1
    # final/ holds only a README until the library is copied in; it is a snapshot from then on.
    if os.path.isdir(os.path.join(root, "final", "mymuduo")):
        snaps.append(Snapshot("final", "final", None))
    return snaps, problems


def _git(args, cwd, env=None, check=True):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def git_toplevel(root):
    """The work tree top if root is exactly the top of a git checkout, else None."""
    try:
        out = _git(["rev-parse", "--show-toplevel"], root, check=False)
    except FileNotFoundError:
        return None
    top = out.stdout.decode().strip()
    if out.returncode == 0 and top and os.path.realpath(top) == os.path.realpath(root):
        return top
    return None


def _read_gitignore(root):
    """Root .gitignore patterns, for the os.walk fallback (an approximation: no negation)."""
    try:
        with open(os.path.join(root, ".gitignore"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    pats = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            pats.append((line.rstrip("/").lstrip("/"), "/" in line.rstrip("/")))
    return pats


def _ignored(pats, rel):
    base = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel if anchored else base, p) for p, anchored in pats)


class Repo:
    """One checkout, with cached file lists, file contents, comparisons and patches."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.is_git = git_toplevel(self.root) is not None
        self._all = None
        self._bytes = {}
        self._changes = {}
        self._patches = {}

    def path(self, snap, rel=""):
        return os.path.join(self.root, snap.rel, rel) if rel else os.path.join(self.root, snap.rel)

    def _listing(self):
        """Every file under chapters/ and final/ (repo-relative): tracked or untracked-but-not-ignored."""
        if self._all is None:
            if self.is_git:
                out = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard",
                            "--", "chapters", "final"], self.root).stdout
                names = {n.decode("utf-8", "surrogateescape") for n in out.split(b"\0") if n}
            else:
                names = set(self._walk(["chapters", "final"]))
            self._all = sorted(n for n in names
                               if not any(SKIP_DIR_RE.match(p) for p in n.split("/")[:-1])
                               and os.path.isfile(os.path.join(self.root, n)))
        return self._all

    def _walk(self, tops):
        pats = _read_gitignore(self.root)
        for top in tops:
            for dirpath, dirnames, filenames in os.walk(os.path.join(self.root, top)):
                rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                dirnames[:] = sorted(d for d in dirnames if not SKIP_DIR_RE.match(d)
                                     and not _ignored(pats, f"{rel_dir}/{d}"))
                for f in filenames:
                    if not _ignored(pats, f"{rel_dir}/{f}"):
                        yield f"{rel_dir}/{f}"

    def files(self, snap, with_readme=False):
        """Sorted snapshot-relative paths; the snapshot's own texts (README.md, its translation,
        steps.md and its solutions/) only if asked for."""
        prefix = snap.rel + "/"
        out = [n[len(prefix):] for n in self._listing() if n.startswith(prefix)]
        if with_readme:
            return out
        return [n for n in out if n not in (README, README_ZH, STEPS) and not n.startswith(OWN_DIR)]

    def read(self, snap, rel):
        """File bytes, or None when the snapshot has no such file."""
        key = (snap.rel, rel)
        if key not in self._bytes:
            try:
                with open(self.path(snap, rel), "rb") as f:
                    self._bytes[key] = f.read()
            except OSError:
                self._bytes[key] = None
        return self._bytes[key]

    def text(self, snap, rel):
        data = self.read(snap, rel)
        return None if data is None else data.decode("utf-8", "replace")

    def changes(self, old, new):
        """{path: 'added' | 'changed' | 'removed'} between two snapshots, bytes compared."""
        key = (old.rel, new.rel)
        if key not in self._changes:
            result = {}
            old_files, new_files = set(self.files(old)), set(self.files(new))
            for p in sorted(old_files | new_files):
                if p not in old_files:
                    result[p] = "added"
                elif p not in new_files:
                    result[p] = "removed"
                elif self.read(old, p) != self.read(new, p):
                    result[p] = "changed"
            self._changes[key] = result
        return self._changes[key]

    def patch(self, old, new):
        """The patch (bytes) turning snapshot old into new, one function-context diff per file."""
        key = (old.rel, new.rel)
        if key not in self._patches:
            changes = self.changes(old, new)
            with tempfile.TemporaryDirectory(prefix="mymuduo-diff-") as neutral:
                parts = [self._file_diff(old, new, p, st, neutral) for p, st in sorted(changes.items())]
            self._patches[key] = b"".join(parts)
        return self._patches[key]

    def _file_diff(self, old, new, rel, status, neutral):
        a = os.devnull if status == "added" else self.path(old, rel)
        b = os.devnull if status == "removed" else self.path(new, rel)
        # Run git outside any repository and without user or system config, and spell out every
        # option that config could change: the output must be the same on every machine.
        env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                   GIT_CEILING_DIRECTORIES=os.path.dirname(neutral), LC_ALL="C")
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        out = _git(["-c", "core.quotepath=false", "diff", "--no-index", "--no-color", "--no-ext-diff",
                    "--no-textconv", "--binary", "--full-index", "--function-context", "--unified=3",
                    "--inter-hunk-context=0", "--diff-algorithm=myers", "--indent-heuristic",
                    "--src-prefix=a/", "--dst-prefix=b/", "--", a, b], neutral, env=env, check=False)
        if out.returncode not in (0, 1):
            raise RuntimeError(f"git diff failed for {rel}: {out.stderr.decode(errors='replace')}")
        return _rename_headers(out.stdout, rel, status)


def _rename_headers(diff, rel, status):
    """Replace git's on-disk paths in a file diff's header with snapshot-relative ones."""
    lines = diff.split(b"\n")
    name = rel.encode("utf-8", "surrogateescape")
    for i, line in enumerate(lines):
        if line.startswith((b"@@", b"GIT binary patch", b"Binary files")):
            break  # end of the header: body lines may well start with "--- " too
        if line.startswith(b"diff --git "):
            lines[i] = b"diff --git a/" + name + b" b/" + name
        elif line.startswith(b"--- "):
            lines[i] = b"--- /dev/null" if status == "added" else b"--- a/" + name
        elif line.startswith(b"+++ "):
            lines[i] = b"+++ /dev/null" if status == "removed" else b"+++ b/" + name
    return b"\n".join(lines)


def expected_patches(snaps):
    """{patch file name: (old, new)} for each consecutive pair in the chain."""
    return {new.patch_name: (old, new) for old, new in zip(snaps, snaps[1:])}


def split_patch(data):
    """{path: section bytes} of a patch, keyed by the b/ path of each 'diff --git' header."""
    sections = {}
    for chunk in re.split(rb"(?m)^(?=diff --git a/)", data):
        m = re.match(rb"diff --git a/\S+ b/(\S+)", chunk)
        key = m.group(1).decode("utf-8", "replace") if m else "(text before the first file)"
        if chunk:
            sections[key] = chunk
    return sections


def patch_problems(repo, snaps):
    """(path, message) for every patch under docs/diffs that is missing, out of date or stale."""
    problems = []
    diffs_dir = os.path.join(repo.root, DIFFS_DIR)
    expected = expected_patches(snaps)
    for fname, (old, new) in expected.items():
        rel = f"{DIFFS_DIR}/{fname}"
        try:
            with open(os.path.join(diffs_dir, fname), "rb") as f:
                have = f.read()
        except OSError:
            problems.append((rel, f"missing (diff from {old.rel}/ to {new.rel}/); run tools/gen-diffs"))
            continue
        want = repo.patch(old, new)
        if have != want:
            h, w = split_patch(have), split_patch(want)
            which = sorted(p for p in set(h) | set(w) if h.get(p) != w.get(p))
            problems.append((rel, f"out of date for {', '.join(which) or 'its layout'}; run tools/gen-diffs"))
    if os.path.isdir(diffs_dir):
        for fname in sorted(os.listdir(diffs_dir)):
            if fname.endswith(".patch") and fname not in expected:
                problems.append((f"{DIFFS_DIR}/{fname}",
                                 "stale: no chapter pair produces it any more; run tools/gen-diffs"))
    return problems


def write_patches(repo, snaps):
    """Regenerate docs/diffs; return a list of 'wrote X' / 'removed X' lines (unchanged files untouched)."""
    done = []
    diffs_dir = os.path.join(repo.root, DIFFS_DIR)
    expected = expected_patches(snaps)
    if expected:
        os.makedirs(diffs_dir, exist_ok=True)
    for fname, (old, new) in expected.items():
        target = os.path.join(diffs_dir, fname)
        want = repo.patch(old, new)
        try:
            with open(target, "rb") as f:
                if f.read() == want:
                    continue
        except OSError:
            pass
        with open(target, "wb") as f:
            f.write(want)
        done.append(f"wrote {DIFFS_DIR}/{fname}")
    if os.path.isdir(diffs_dir):
        for fname in sorted(os.listdir(diffs_dir)):
            if fname.endswith(".patch") and fname not in expected:
                os.remove(os.path.join(diffs_dir, fname))
                done.append(f"removed {DIFFS_DIR}/{fname}")
    return done


# ---- final/ and the newest chapter ----------------------------------------------------------

def is_synced(rel):
    """True for a final/-relative path under the folders final/ takes from the newest chapter."""
    return rel.split("/", 1)[0] in SYNCED


def sync_plan(repo, newest):
    """[(action, path)] that makes final/ hold newest's synced folders: 'copy' (new or
    different) or 'remove', final-relative."""
    src = {p for p in repo.files(newest) if is_synced(p)}
    have = {p for p in repo.files(FINAL) if is_synced(p)}
    todo = [("copy", p) for p in sorted(src) if repo.read(newest, p) != repo.read(FINAL, p)]
    todo += [("remove", p) for p in sorted(have - src)]
    return todo


def _touched_runs(old, new, context=3):
    """The runs of old's lines a change to new rewrites, each with the context lines around it
    that a patch hunk carries (git apply wants them all)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [old[max(0, i1 - context):i2 + context]
            for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def _holds(lines, run):
    return any(lines[k:k + len(run)] == run for k in range(len(lines) - len(run) + 1))


def fix_origin(repo, chapters, rel, data):
    """The earliest chapter from which every chapter up to the newest holds the lines of rel that
    data (final's version of it) changes: where a fix made in final/ belongs (rule 7)."""
    newest = chapters[-1]
    runs = _touched_runs(repo.read(newest, rel).split(b"\n"), data.split(b"\n"))
    origin = newest
    for snap in reversed(chapters[:-1]):
        mine = repo.read(snap, rel)
        if mine is None or not all(_holds(mine.split(b"\n"), run) for run in runs):
            break
        origin = snap
    return origin


def final_drift(repo, chapters, rel):
    """Why final/rel is not the newest chapter's copy, and what to run (a message after 'final/rel: ')."""
    newest = chapters[-1]
    mine, theirs = repo.read(FINAL, rel), repo.read(newest, rel)
    if theirs is None:
        return f"not in {newest.rel}/; run tools/sync-final"
    if mine is None:
        return f"missing (it is in {newest.rel}/); run tools/sync-final"
    src = f"{newest.rel}/{rel}"
    if any(repo.read(s, rel) == mine for s in chapters[:-1]):
        return f"differs from {src}: it is an older chapter's version; run tools/sync-final"
    # Either the chapter moved on, or someone fixed final/: sync-final would erase such a fix.
    origin = fix_origin(repo, chapters, rel, mine)
    num = f"{origin.num:02d}"
    return (f"differs from {src}. If the chapter is what changed, tools/sync-final copies it over. "
            f"If you fixed it in final/, carry the fix from {origin.rel}, the earliest chapter "
            f"with these lines: git diff --no-index {shlex.quote(src)} {shlex.quote('final/' + rel)} "
            f"> /tmp/fix.patch; tools/propagate /tmp/fix.patch --from {num}")
