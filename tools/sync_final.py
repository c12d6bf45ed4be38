"""Make final/ hold the newest chapter's code (CONTRIBUTING.md, "The snapshot rules", rule 9).

  tools/sync-final [--check] [--root DIR]

Copies mymuduo/, examples/, tests/ and fuzz/ (the libFuzzer targets and their corpus, in the
chapters that have them) of the newest chapters/NN-name/ into final/, byte for byte, and deletes
the files under those folders of final/ that the chapter does not have.
Everything else in final/ (its README.md, its own CMakeLists.txt, the packaging files) is final's
own and left alone. Run it after a new chapter lands, then update final/README.md's
"What changed" if the set of files final/ adds or changes is different, and run tools/gen-diffs.

--check writes nothing: it lists every file of those folders that differs, is missing or is
extra, and exits 1 if there is any. For a file that differs it also says how to keep the
difference if it is a fix made in final/: the git diff and tools/propagate commands that carry it
from the earliest chapter holding the lines it changes.
"""
import argparse
import os
import shutil
import sys

import chapterlib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository (default: this checkout)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if final/ is not in sync")
    args = ap.parse_args()
    repo = chapterlib.Repo(args.root)
    snaps, problems = chapterlib.discover(repo.root)
    chapters = [s for s in snaps if s.num is not None]
    if problems or not chapters:
        for path, msg in problems:
            print(f"{path}: {msg}", file=sys.stderr)
        print("sync-final: the chapters folder is not in order; run tools/check-chapters", file=sys.stderr)
        return 2
    newest = chapters[-1]
    final = chapterlib.FINAL
    todo = chapterlib.sync_plan(repo, newest)
    if args.check:
        for _, path in todo:
            print(f"final/{path}: {chapterlib.final_drift(repo, chapters, path)}")
        return 1 if todo else 0
    for action, path in todo:
        dst = repo.path(final, path)
        if action == "copy":
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(repo.path(newest, path), dst)
            print(f"copied {newest.rel}/{path} -> final/{path}")
        else:
            os.remove(dst)
            # Leave no empty folder behind: git does not track them, and a glob would see them.
            d = os.path.dirname(dst)
            while d != repo.path(final) and not os.listdir(d):
                os.rmdir(d)
                d = os.path.dirname(d)
            print(f"removed final/{path}")
    if not todo:
        print(f"final/ is in sync with {newest.rel}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
