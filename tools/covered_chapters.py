"""Print the chapters whose every file is in the next chapter, byte for byte.

Such a chapter only adds to the one before it, and the next chapter adds to it: the next one
compiles the same code and, tests accumulating, runs the same test cases (and more). A build
that only checks the code again under other flags (CI's optimised and sanitizer stages) can
leave it out with MYMUDUO_SKIP_CHAPTERS; the first build of CI builds and runs every chapter.
The newest chapter is never listed. Prints the folder names separated by ';' (a CMake list).
"""
import argparse

import chapterlib


def covered(repo, snaps):
    chapters = [s for s in snaps if s.num is not None]
    out = []
    for prev, nxt in zip(chapters, chapters[1:]):
        if all(kind == "added" for kind in repo.changes(prev, nxt).values()):
            out.append(prev.name)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository (default: this checkout)")
    args = ap.parse_args()
    snaps, problems = chapterlib.discover(args.root)
    if problems:
        for path, msg in problems:
            print(f"{path}: {msg}")
        return 1
    print(";".join(covered(chapterlib.Repo(args.root), snaps)))
    return 0
