"""Carry a fix from one chapter through every later chapter and final/ (CONTRIBUTING.md, rule 7).

  tools/propagate PATCH --from NN [--dry-run]

PATCH names paths relative to a chapter root: make it with
`git diff --relative=chapters/NN-name > fix.patch` after editing chapter NN, or with `diff -u`.
a/ b/ prefixes are fine (the strip level is worked out from which files exist). Use - for stdin.
A diff between two snapshots' copies of a file is understood too: the snapshot folders are taken
out of its file names, so `git diff --no-index chapters/13-static-files/X final/X` carries a fix made in
final/ (tools/sync-final --check prints that command with the chapter to start from).

The patch is applied with `git apply --3way --directory=<snapshot>` to chapters/NN-*, then to
each later chapter in order, then to final/ if final/mymuduo exists. The repository must be a git
checkout with the patched files tracked and without unstaged edits; results are staged. A chapter
whose patched files were byte-identical to the previous chapter's gets exactly the same result.
A snapshot that already has the change (chapter NN after you edited it and ran git diff, or
final/ after a fix made there) is left as it is.
It stops at the first chapter where the patch fails or leaves a conflict, says what was applied,
and how to go on: fix that chapter by hand, then rerun with --from set to the next chapter.
When every snapshot took the patch it regenerates docs/diffs (tools/gen-diffs).

--dry-run applies nothing: it checks each snapshot as it is now and says what would happen.
"""
import argparse
import os
import re
import subprocess
import sys

import chapterlib


def fail(msg):
    print(f"propagate: {msg}", file=sys.stderr)
    sys.exit(1)


def git(root, *args, data=None):
    return subprocess.run(["git", *args], cwd=root, input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# A snapshot folder after an optional one-part prefix (a/, b/): a/chapters/13-static-files/, b/final/.
SNAPSHOT_DIR_RE = re.compile(rb"^([^/\s]+/)?(?:chapters/\d\d-[a-z0-9][a-z0-9-]*|final)/")


def snapshot_relative(patch):
    """The patch with a snapshot folder taken out of each file name of its headers, so that one
    strip level fits both sides of `git diff --no-index chapters/13-static-files/X final/X`."""
    lines = patch.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"diff --git "):
            parts = line.split(b" ")
            if len(parts) == 4:
                lines[i] = b" ".join(parts[:2] + [SNAPSHOT_DIR_RE.sub(rb"\1", n) for n in parts[2:]])
        elif (line.startswith(b"--- ") and i + 2 < len(lines) and lines[i + 1].startswith(b"+++ ")
              and lines[i + 2].startswith(b"@@")):
            for k in (i, i + 1):
                lines[k] = lines[k][:4] + SNAPSHOT_DIR_RE.sub(rb"\1", lines[k][4:])
    return b"\n".join(lines)


def header_names(patch):
    """(old, new) file names from each ---/+++ header pair, timestamps and quotes dropped."""
    names, old = [], None
    for line in patch.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("--- "):
            old = line[4:].split("\t")[0].strip().strip('"')
        elif line.startswith("+++ ") and old is not None:
            names.append((old, line[4:].split("\t")[0].strip().strip('"')))
            old = None
    return names


def strip_level(repo, snap, names):
    """The -p level under which the patch's existing files are files of snap."""
    def strip(name, p):
        parts = name.split("/")
        return "/".join(parts[p:]) if len(parts) > p else None
    def exists(name, p):
        return name != "/dev/null" and strip(name, p) and repo.read(snap, strip(name, p)) is not None
    # A diff of an existing file must name it on one side (diff -u may call the other x.orig).
    edits = [pair for pair in names if pair[0] != "/dev/null"]
    all_names = [n for pair in names for n in pair if n != "/dev/null"]
    for p in range(0, 5):
        if edits and all(exists(old, p) or exists(new, p) for old, new in edits):
            return p, {strip(n, p) for n in all_names if strip(n, p)}
    if not edits and all(n.startswith(("a/", "b/")) for n in all_names):
        return 1, {strip(n, 1) for n in all_names}
    fail(f"cannot match the files in the patch to files of {snap.rel}/ "
         f"(it names {', '.join(sorted({n for pair in names for n in pair}))}); "
         "make it relative to the chapter root, e.g. git diff --relative=" + snap.rel)


def select(snaps, start):
    for i, s in enumerate(snaps):
        if start == s.name or (start.isdigit() and s.num == int(start)) or start == s.rel:
            return i
    fail(f"--from {start}: no such chapter (have: {', '.join(s.name for s in snaps)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("patch", help="patch file, paths relative to a chapter root (- for stdin)")
    ap.add_argument("--from", dest="start", required=True, metavar="NN",
                    help="first chapter to patch: 01, 1, 01-thread or final")
    ap.add_argument("--dry-run", action="store_true", help="check every snapshot, change nothing")
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository (default: this checkout)")
    args = ap.parse_args()

    root = os.path.realpath(args.root)
    if chapterlib.git_toplevel(root) is None:
        fail(f"{root} is not the top of a git checkout; 3-way apply needs the files tracked in git")
    try:
        patch = sys.stdin.buffer.read() if args.patch == "-" else open(args.patch, "rb").read()
    except OSError as e:
        fail(f"cannot read {args.patch}: {e.strerror}")
    patch = snapshot_relative(patch)
    names = header_names(patch)
    if not names:
        fail(f"{args.patch} contains no file diffs (no ---/+++ headers)")

    repo = chapterlib.Repo(root)
    snaps, _ = chapterlib.discover(root)
    targets = snaps[select(snaps, args.start):]
    level, touched = strip_level(repo, targets[0], names)
    touched = sorted(touched)
    done = []
    if not any(line.startswith(b"index ") for line in patch.splitlines()):
        print("note: the patch has no 'index' lines (diff -u?), so no 3-way merge: plain apply only")

    # The usual workflow edits chapter NN, then runs git diff: that chapter then already has
    # the change, and so has final/ when the fix was made there. Such a snapshot is left as it is
    # (its edits need not be staged).
    already = {s.rel for s in targets
               if git(root, "apply", f"-p{level}", "-R", "--check", f"--directory={s.rel}", "-",
                      data=patch).returncode == 0}

    # Refuse before touching anything if some snapshot could not be applied to with --index.
    todo = [s for s in targets if s.rel not in already]
    paths = [f"{s.rel}/{p}" for s in todo for p in touched if repo.read(s, p) is not None]
    tracked = set() if not paths else set(git(root, "ls-files", "-z", "--", *paths).stdout.decode().split("\0"))
    untracked = [p for p in paths if p not in tracked]
    if untracked:
        fail("these files are not tracked by git, so a 3-way apply cannot use them; `git add` them first:\n  "
             + "\n  ".join(untracked))
    dirty = [] if not paths else [
        p for p in git(root, "diff", "--name-only", "-z", "--", *paths).stdout.decode().split("\0") if p]
    if dirty:
        fail("these files have unstaged edits; stage (git add) or stash them first:\n  " + "\n  ".join(dirty))

    before = {s.rel: [repo.read(s, p) for p in touched] for s in todo}
    before.update((rel, None) for rel in already)  # None: its state before the change is unknown
    prev = None
    for snap in targets:
        if snap.rel in already:
            print(f"{snap.rel}: already has the change, left as it is")
            done.append(snap.rel)
            prev = snap
            continue
        cmd = ["apply", f"-p{level}", "--3way", f"--directory={snap.rel}"]
        if args.dry_run:
            r = git(root, *cmd, "--check", "-", data=patch)
            msgs = git_messages(r)
            verdict = ("would FAIL" if r.returncode else
                       "would CONFLICT" if "with conflicts" in msgs else "would apply")
            same = " (patched files identical to the previous snapshot)" if identical(before, prev, snap) else ""
            print(f"{snap.rel}: {verdict}{same}")
            for line in msgs.splitlines():
                print(f"    {line}")
            prev = snap
            continue
        r = git(root, *cmd, "-", data=patch)
        msgs = git_messages(r)
        conflicted = [p for p in git(root, "diff", "--name-only", "--diff-filter=U", "-z", "--", snap.rel)
                      .stdout.decode().split("\0") if p]
        if r.returncode or conflicted:
            stopped(snap, targets, done, conflicted, msgs, args.patch)
        if identical(before, prev, snap):
            fresh = chapterlib.Repo(root)
            if [fresh.read(snap, p) for p in touched] != [fresh.read(prev, p) for p in touched]:
                fail(f"{snap.rel} started identical to {prev.rel} in the patched files but ended different; "
                     "inspect both before going on")
        print(f"{snap.rel}: applied" + (f" ({msgs.splitlines()[0]})" if "three-way" in msgs.lower() else ""))
        done.append(snap.rel)
        prev = snap

    if args.dry_run:
        print("dry run: nothing was changed")
        return 0
    for line in chapterlib.write_patches(chapterlib.Repo(root), snaps):
        print(line)
    print(f"propagate: applied to {len(done)} snapshot(s) and staged; docs/diffs regenerated "
          "(not staged). Run tools/check-chapters, then review and commit.")
    return 0


# git's remarks when a patch has no index lines (diff -u): a plain apply is all it can do.
NO_BLOB = ("repository lacks the necessary blob", "Falling back to direct application")


def git_messages(result):
    text = result.stderr.decode(errors="replace")
    return "\n".join(l for l in text.strip().splitlines() if not l.removeprefix("error: ").startswith(NO_BLOB))


def identical(before, prev, snap):
    """True if snap's patched files were byte-identical to prev's before anything was applied."""
    return prev is not None and before[prev.rel] is not None and before[prev.rel] == before[snap.rel]


def stopped(snap, targets, done, conflicted, msgs, patch_arg):
    nxt = targets[targets.index(snap) + 1] if snap != targets[-1] else None
    lines = [f"the patch did not apply cleanly to {snap.rel}/."]
    lines += [f"  git: {line}" for line in msgs.splitlines()]
    if conflicted:
        lines.append(f"  Conflict markers were left in: {', '.join(conflicted)}")
        lines.append("  Resolve them by hand and `git add` the files.")
    else:
        lines.append(f"  Nothing was written to {snap.rel}/; make the change there by hand and `git add` it.")
    lines.append("  Already done: " + (", ".join(done) if done else "nothing"))
    if nxt:
        resume = nxt.name if nxt.num is None else f"{nxt.num:02d}"
        lines.append(f"  Then continue with: tools/propagate {patch_arg} --from {resume}")
    else:
        lines.append("  That was the last snapshot; afterwards run tools/gen-diffs.")
    fail("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
