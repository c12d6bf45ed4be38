"""Checks the relative links of the repository's Markdown: every [text](path) and
[text](path#anchor) must name a file or folder that exists, and an anchor must be a heading of
that file as GitHub spells it. Links to other sites (http:, https:, mailto:) are not followed.

    tools/check-links [--root DIR]

One `file:line: message` per broken link; exit 1 if there is any.
"""
import argparse
import os
import subprocess
import sys

import mdlib

EXTERNAL = ("http://", "https://", "mailto:", "ftp://")


def markdown_files(root):
    """The Markdown files git knows about (tracked or new, not ignored)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
                         cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if out.returncode == 0:
        return sorted(p for p in out.stdout.splitlines() if os.path.exists(os.path.join(root, p)))
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "build", "install"))]
        found += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames if f.endswith(".md")]
    return sorted(found)


def document(path, cache={}):
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            cache[path] = mdlib.Document(f.read())
    return cache[path]


def anchors(path):
    """The anchors of a Markdown file's headings, as GitHub spells them."""
    return document(path).anchors


def broken(root, rel, link):
    """What is wrong with a relative link of file rel, or None."""
    path = os.path.join(root, rel)
    file_part, _, anchor = link.target.partition("#")
    dest = path if not file_part else os.path.normpath(os.path.join(os.path.dirname(path), file_part))
    if not dest.startswith(root + os.sep) and dest != root:
        return f"link {link.target} leaves the repository"
    if not os.path.exists(dest):
        return f"link {link.target}: no such file {os.path.relpath(dest, root)}"
    if anchor and dest.endswith(".md") and anchor not in anchors(dest):
        return f"link {link.target}: {os.path.relpath(dest, root)} has no heading with the anchor #{anchor}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    root = os.path.abspath(parser.parse_args().root)
    problems = []
    files = markdown_files(root)
    links = 0
    for rel in files:
        for link in document(os.path.join(root, rel)).links():
            if link.target.startswith(EXTERNAL):
                continue
            links += 1
            problem = broken(root, rel, link)
            if problem:
                problems.append(f"{rel}:{link.line}: {problem}")
    for p in problems:
        print(p)
    if problems:
        print(f"check-links: {len(problems)} broken link(s) in {len(files)} Markdown files", file=sys.stderr)
        return 1
    print(f"links OK ({links} relative links in {len(files)} Markdown files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
