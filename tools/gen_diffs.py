"""Regenerate docs/diffs/*.patch: one function-context diff per consecutive chapter pair.

docs/diffs/NN-name.patch turns chapter NN-1 into chapter NN (README.md excluded), and
docs/diffs/final.patch turns the last chapter into final/ once final/mymuduo/ exists. Paths
are relative to the snapshot root (a/mymuduo/..., b/mymuduo/...), so `git apply` run inside
the older snapshot reproduces the newer one. Patches nobody produces any more are deleted.

  tools/gen-diffs            rewrite what is out of date
  tools/gen-diffs --check    write nothing; list missing/outdated/stale patches, exit 1 if any
"""
import argparse
import sys

import chapterlib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only report patches that are not up to date")
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository to work on (default: this checkout)")
    args = ap.parse_args()

    repo = chapterlib.Repo(args.root)
    snaps, _ = chapterlib.discover(repo.root)  # folder-naming problems are check-chapters' business
    if args.check:
        problems = chapterlib.patch_problems(repo, snaps)
        for path, msg in problems:
            print(f"{path}: {msg}")
        if problems:
            print(f"gen-diffs --check: {len(problems)} patch(es) not up to date")
            return 1
        print(f"gen-diffs --check: {len(chapterlib.expected_patches(snaps))} patch(es) up to date")
        return 0
    done = chapterlib.write_patches(repo, snaps)
    for line in done:
        print(line)
    print(f"gen-diffs: {len(chapterlib.expected_patches(snaps))} patch(es), {len(done)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
