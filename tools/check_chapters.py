"""Check that the chapter snapshots form an honest chain (CONTRIBUTING.md, "The snapshot rules").

Checks: chapter folders are numbered 01, 02, ... without gaps; every chapters/*/CMakeLists.txt
is byte-identical; each README's "## What changed" list equals the real difference from the
previous snapshot and links its patch; docs/diffs/*.patch are up to date; code quoted in a
README under ```cpp <path> (or c++/cmake) is verbatim in that file; each chapter text stays
within its word budget; test cases accumulate
(or are retired under "## Retired tests" with a reason) and carry their chapter tag; each
chapter's steps.md and its tests' step tags follow the rules (tools/steps.py), once any chapter
has a steps.md; and
final/ differs from the last chapter only where final/README.md says (once final/mymuduo exists;
a file of the folders sync-final copies gets sync-final --check's advice). The READMEs are read
with mdlib, the tools' one Markdown reader.

Prints one line per problem, `path: message`, then a summary. Exit status 1 if any problem.
"""
import argparse
import hashlib
import os
import re
import sys

import chapterlib
import mdlib
import steps
from testcases import test_cases
from chapterlib import README, README_ZH

PATCH_LINK_RE = re.compile(r"docs/diffs/([A-Za-z0-9._-]+\.patch)")
QUOTE_LANGS = {"cpp", "c++", "cmake"}
CH_TAG_RE = re.compile(r"\[ch(\d+)\]", re.I)
# An exercise's test ships hidden ([.exercise]) and carries [exNN] instead of [chNN], so that
# "[chNN]" runs the chapter's own tests only and "[exNN]" its exercise tests.
EX_TAG_RE = re.compile(r"\[ex(\d+)\]", re.I)
FILTER_CHARS_RE = re.compile(r"[,;\[\]*~\\]")
# The chapter text's sections, in this order (the issue that set up the chapters lists them).
CHAPTER_SECTIONS = ["Goal", "Concepts", "Walk-through", "What changed", "Build, run, test",
                    "Pitfalls", "Exercises"]
# A chapter teaches one step: its text stays within these (words as `wc -w` counts them).
MAX_WORDS = 5500
MAX_WORDS_OUTSIDE_CODE = 4000


class Checker:
    def __init__(self, root):
        self.repo = chapterlib.Repo(root)
        self.problems = []
        self.patch_names = []
        self.chapters = []

    def add(self, path, msg, line=None):
        self.problems.append((f"{path}:{line}" if line else path, msg))

    # ---- README helpers -------------------------------------------------------------------

    def readme(self, snap):
        text = self.repo.text(snap, README)
        return None if text is None else mdlib.Document(text)

    # ---- the chapter text's sections ---------------------------------------------------------

    def check_sections(self, snap, doc):
        readme = f"{snap.rel}/{README}"
        headings = [h.text for h in doc.headings if h.level == 2]
        at = 0
        for wanted in CHAPTER_SECTIONS:
            hit = next((k for k in range(at, len(headings))
                        if headings[k].lower().startswith(wanted.lower())), None)
            if hit is None:
                self.add(readme, f"needs a '## {wanted}' section, after the ones before it in: "
                         + ", ".join(CHAPTER_SECTIONS))
            else:
                at = hit + 1
        if not any(f.lang == "mermaid" for f in doc.fences):
            self.add(readme, "has no Mermaid diagram (a ```mermaid block)")
        for fence in doc.fences:
            if fence.lang != "mermaid" or fence.end is None:
                continue
            after = next((line for line in doc.lines[fence.end + 1:] if line.strip()), "")
            if not after.lstrip().startswith("<details><summary>"):
                self.add(readme, "the Mermaid diagram has no plain-text version after it "
                         "(a <details><summary>...</summary> block)", fence.line + 1)
        total = sum(len(line.split()) for line in doc.lines)
        outside = sum(len(line.split()) for line, fence in zip(doc.lines, doc.fence_at)
                      if fence is None)
        if total > MAX_WORDS or outside > MAX_WORDS_OUTSIDE_CODE:
            self.add(readme, f"has {total} words, {outside} of them outside code blocks: a chapter "
                     f"stays within {MAX_WORDS} and {MAX_WORDS_OUTSIDE_CODE} (say each point once)")

    # ---- rule 2: identical CMakeLists.txt -------------------------------------------------

    def check_cmakelists(self, chapters):
        ref = None
        for snap in chapters:
            data = self.repo.read(snap, "CMakeLists.txt")
            if data is None:
                self.add(f"{snap.rel}/CMakeLists.txt", "missing (every chapter has the shared CMakeLists.txt)")
            elif ref is None:
                ref = (snap, data)
            elif data != ref[1]:
                self.add(f"{snap.rel}/CMakeLists.txt", f"differs from {ref[0].rel}/CMakeLists.txt "
                         "(all chapter CMakeLists.txt files must be byte-identical)")

    # ---- rules 3 and 9: the "What changed" list --------------------------------------------

    def check_what_changed(self, prev, snap, doc):
        readme = f"{snap.rel}/{README}"
        found = mdlib.what_changed(doc)
        if found is None:
            self.add(readme, "has no '## What changed' section")
            return
        section, changes = found
        listed = {}
        for c in changes:
            if c.problem:
                if c.path:  # reported here only, not again as "not listed" below: one line per mistake
                    listed.setdefault(c.path, ("unknown", c.line))
                self.add(readme, c.problem, c.line)
            elif c.path in listed:
                self.add(readme, f"lists `{c.path}` twice (also on line {listed[c.path][1]})", c.line)
            else:
                listed[c.path] = (c.status, c.line)
        if prev is not None:
            link = ("../" if snap.num is None else "../../") + f"docs/diffs/{snap.patch_name}"
            if link not in section.text:
                self.add(readme, f"'## What changed' does not link its patch {link}", section.line)
        # A link to a patch that gen-diffs never writes is a dead link (chapter 01 has none).
        for i, line in enumerate(doc.lines):
            for name in sorted(set(PATCH_LINK_RE.findall(line)) - set(self.patch_names)):
                self.add(readme, f"links docs/diffs/{name}, which no chapter pair produces "
                         "(the first chapter has no patch)", i + 1)

        if prev is None:
            actual = {p: "added" for p in self.repo.files(snap)}
        else:
            actual = self.repo.changes(prev, snap)
        whose = f"{snap.name}'s README" if snap.num is not None else readme
        since = f"{prev.rel}/" if prev else None
        # A bullet naming a folder (`fuzz/corpus/x/`) stands for every file under it that is
        # not listed on its own; it must cover at least one file, each with the bullet's status.
        for folder in [p for p in listed if p.endswith("/")]:
            status, lineno = listed.pop(folder)
            covered = [p for p in actual if p.startswith(folder) and p not in listed]
            if not covered:
                self.add(readme, f"lists folder `{folder}` as {status}, but no file under it "
                         "differs" + (f" from {since}" if prev else ""), lineno)
            for path in covered:
                listed[path] = (status, lineno)
        for path in sorted(set(actual) | set(listed)):
            real = actual.get(path)
            status, lineno = listed.get(path, (None, None))
            if real == status or status == "unknown":
                continue
            if status is None:
                if snap.num is None and chapterlib.is_synced(path):
                    msg = chapterlib.final_drift(self.repo, self.chapters, path)
                elif real == "changed":
                    msg = f"differs from {since} but {whose} does not list it as changed"
                elif real == "added":
                    msg = (f"is new since {since} but {whose} does not list it as added" if prev
                           else f"{whose} does not list it as added (the first chapter lists every file)")
                else:
                    msg = f"was removed since {since} but {whose} does not list it as removed"
                self.add(f"{snap.rel}/{path}", msg)
            elif path == README:
                self.add(readme, "lists README.md, but READMEs are never compared; drop that bullet", lineno)
            elif real is None:
                where = f"{snap.rel}/{path}"
                if self.repo.read(snap, path) is None and (prev is None or self.repo.read(prev, path) is None):
                    why = f"there is no such file in {snap.rel}/" + (f" or {since}" if prev else "")
                else:
                    why = f"{where} is identical to {since}{path}"
                self.add(readme, f"lists `{path}` as {status}, but {why}", lineno)
            else:
                self.add(readme, f"lists `{path}` as {status}, but it is {real}"
                         + (f" since {since}" if prev else ""), lineno)

    # ---- rule 8: quoted code is verbatim --------------------------------------------------

    def check_quotes(self, snap, doc):
        readme = f"{snap.rel}/{README}"
        for fence in doc.fences:
            if len(fence.words) >= 2 and fence.lang in QUOTE_LANGS:
                self.check_one_quote(snap, readme, fence.line, fence.words[1],
                                     [line.rstrip() for line in fence.body])

    def check_one_quote(self, snap, readme, lineno, path, block):
        text = self.repo.text(snap, path)
        if text is None:
            self.add(readme, f"quotes `{path}`, which does not exist in {snap.rel}/", lineno)
            return
        first = 0
        while first < len(block) and not block[first]:
            first += 1
        block = block[first:]
        while block and not block[-1]:
            block.pop()
        if not block:
            return
        flines = [l.rstrip() for l in text.splitlines()]
        best = 0  # longest prefix of the block found anywhere in the file
        for s in range(len(flines)):
            k = 0
            while k < len(block) and s + k < len(flines) and flines[s + k] == block[k]:
                k += 1
            if k == len(block):
                return
            best = max(best, k)
        bad = lineno + 1 + first + best
        how = "is not in the file" if best == 0 else "breaks the run of matching lines above it"
        self.add(readme, f"quoted block is not verbatim in {snap.rel}/{path}: README line {bad} "
                 f"{block[best]!r} {how}", lineno)

    # ---- rule 6: tests accumulate and carry their chapter tag -------------------------------

    def tests_of(self, snap):
        """{name: (file, line, tags)} of every test case in snap's tests/**/*.cc."""
        found = {}
        for rel in self.repo.files(snap):
            if not (rel.startswith("tests/") and rel.endswith(".cc")):
                continue
            for name, tags, line in test_cases(self.repo.text(snap, rel)):
                where = f"{snap.rel}/{rel}"
                if name in found:
                    other = "{}:{}".format(*found[name][:2])
                    self.add(where, f'test case "{name}" is defined twice (also at {other})', line)
                else:
                    found[name] = (where, line, tags)
        return found

    def check_tests(self, prev, snap, doc, prev_tests):
        tests = self.tests_of(snap)
        last = snap.num if snap.num is not None else (prev.num if prev else 0)
        for name, (where, line, tags) in sorted(tests.items()):
            def bad(msg):
                self.add(where, f'test case "{name}" {msg}', line)
            if FILTER_CHARS_RE.search(name):
                bad("has a character Catch reads as filter syntax (, ; [ ] * ~ \\): CTest runs "
                    "each test by name, so this one would select nothing and pass unrun")
            chtags = CH_TAG_RE.findall(tags)
            is_new = prev is None or name not in prev_tests
            if snap.num is None and is_new:
                if chtags or "[final]" not in tags:
                    bad("is new in final/: tag it [final] and no [chNN]")
                continue
            kind = "ch"
            if "[.exercise]" in tags:
                if chtags:
                    bad("is an exercise ([.exercise]): tag it [exNN], not [chNN], or the "
                        "chapter's \"[chNN]\" filter runs it")
                    continue
                kind, chtags = "ex", EX_TAG_RE.findall(tags)
            elif EX_TAG_RE.search(tags):
                bad("carries an exercise tag [exNN] but is not hidden with [.exercise]")
                continue
            if len(chtags) != 1:
                bad(f"must carry exactly one chapter tag [{kind}NN], has {len(chtags)}")
                continue
            tag = f"[{kind}{chtags[0]}]"
            if not re.search(r"\[" + kind + r"\d\d\]", tags):
                bad(f"must write its chapter tag as two lowercase digits, [{kind}{int(chtags[0]):02d}]")
            elif int(chtags[0]) > last:
                bad(f"is tagged {tag}, a chapter after {snap.rel}")
            elif is_new and int(chtags[0]) != snap.num:
                bad(f"is new in {snap.rel} and must be tagged [{kind}{snap.num:02d}], not {tag}")
        if prev is None:
            return tests
        missing = {n for n in prev_tests if n not in tests}
        retired = self.retirements(snap, doc or mdlib.Document(""), set(prev_tests), missing)
        for name in sorted(missing - retired):
            pwhere, pline, _ = prev_tests[name]
            self.add(f"{snap.rel}/tests", f'test case "{name}" (from {pwhere}:{pline}) is missing; keep it, '
                     f"or retire it in {README} under '## Retired tests' with `{name}` and a reason")
        return tests

    def retirements(self, snap, doc, prev_names, missing):
        """Names retired with a reason under '## Retired tests'; reports malformed notes."""
        found = mdlib.retired_tests(doc)
        if found is None:
            return set()
        readme = f"{snap.rel}/{README}"
        retired = set()
        for lineno, names, reason in found[1]:
            hits = [n for n in names if n in prev_names]
            if not hits:
                self.add(readme, "retirement note names no test case of the previous chapter in backticks", lineno)
                continue
            if not re.search(r"[A-Za-z]{2,}", reason):
                self.add(readme, f"retirement of `{hits[0]}` gives no reason", lineno)
                continue
            retired.update(h for h in hits if h in missing)
        return retired

    # ---- translations: README.zh-CN.md follows README.md ------------------------------------

    def check_translation(self, en_rel, zh_rel, en_text, zh_text):
        """zh_rel translates en_rel: it names the English file's blob as `<!-- translated from
        NAME SHA -->`, has the same headings (level by level, in order) and the same fenced blocks
        byte for byte, in the same order."""
        name = os.path.basename(en_rel)
        m = re.search(r"<!--\s*translated from\s+(\S+)\s+([0-9a-f]{40})\s*-->", zh_text)
        data = en_text.encode("utf-8")
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        if m is None or m.group(1) != name:
            self.add(zh_rel, f"needs `<!-- translated from {name} {blob} -->` "
                     f"(the `git hash-object {name}` it translates)")
        elif m.group(2) != blob:
            self.add(zh_rel, f"translates {name} {m.group(2)[:10]}, but {en_rel} is {blob[:10]} now: "
                     f"bring the translation up to date (git diff {m.group(2)[:10]} {blob[:10]}), "
                     "then record the new hash")
        en, zh = mdlib.Document(en_text), mdlib.Document(zh_text)
        en_levels = [h.level for h in en.headings]
        zh_levels = [h.level for h in zh.headings]
        if en_levels != zh_levels:
            at = next((k for k, (a, b) in enumerate(zip(en_levels, zh_levels)) if a != b),
                      min(len(en_levels), len(zh_levels)))
            where = en.headings[at].text if at < len(en.headings) else "(the end)"
            self.add(zh_rel, f"has {len(zh_levels)} headings where {en_rel} has {len(en_levels)}, "
                     f"or other levels; the first difference is at heading {at + 1} "
                     f"('{where}' in English)")
        en_fences = [(f.info, f.body) for f in en.fences]
        zh_fences = [(f.info, f.body) for f in zh.fences]
        if en_fences != zh_fences:
            at = next((k for k, (a, b) in enumerate(zip(en_fences, zh_fences)) if a != b),
                      min(len(en_fences), len(zh_fences)))
            line = en.fences[at].line + 1 if at < len(en.fences) else len(en.lines)
            self.add(zh_rel, f"has {len(zh_fences)} code blocks where {en_rel} has "
                     f"{len(en_fences)}, or different ones; the first difference is block "
                     f"{at + 1} ({en_rel} line {line}): code blocks are copied byte for byte")

    def check_translations(self, snaps):
        # Once there is a Chinese edition, it is complete: every chapter and final/ has one.
        edition = any(self.repo.read(snap, README_ZH) is not None for snap in snaps)
        for snap in snaps:
            zh_text = self.repo.text(snap, README_ZH)
            en_text = self.repo.text(snap, README)
            if zh_text is None and edition and en_text is not None:
                self.add(f"{snap.rel}/{README_ZH}", f"missing: every chapter and final/ has its "
                         f"text in Chinese too, a translation of {README}")
            if zh_text is not None and en_text is not None:
                self.check_translation(f"{snap.rel}/{README}", f"{snap.rel}/{README_ZH}",
                                       en_text, zh_text)
        docs = os.path.join(self.repo.root, "docs")
        for name in sorted(os.listdir(docs)) if os.path.isdir(docs) else []:
            if not name.endswith(".zh-CN.md"):
                continue
            en_name = name[:-len(".zh-CN.md")] + ".md"
            try:
                with open(os.path.join(docs, name), encoding="utf-8") as f:
                    zh_text = f.read()
                with open(os.path.join(docs, en_name), encoding="utf-8") as f:
                    en_text = f.read()
            except OSError:
                continue
            if "translated from" in zh_text:
                self.check_translation(f"docs/{en_name}", f"docs/{name}", en_text, zh_text)

    # ---- driver ---------------------------------------------------------------------------

    def run(self):
        snaps, problems = chapterlib.discover(self.repo.root)
        self.problems.extend(problems)
        self.patch_names = list(chapterlib.expected_patches(snaps))
        self.chapters = [s for s in snaps if s.num is not None]
        self.check_cmakelists(self.chapters)
        # Once one chapter is written in steps, every chapter must be (CONTRIBUTING.md, rule 10).
        uses_steps = any(self.repo.read(s, chapterlib.STEPS) is not None for s in self.chapters)
        prev, prev_tests = None, {}
        for snap in snaps:
            doc = self.readme(snap)
            if doc is None:
                self.add(f"{snap.rel}/{README}", "missing (it needs at least a '## What changed' section)")
            else:
                self.check_what_changed(prev, snap, doc)
                self.check_quotes(snap, doc)
                if snap.num is not None:
                    self.check_sections(snap, doc)
            prev_tests = self.check_tests(prev, snap, doc, prev_tests)
            if snap.num is not None and uses_steps:
                for where, msg in steps.load(self.repo, snaps, snap)[1]:
                    self.add(where, msg)
            prev = snap
        self.check_translations(snaps)
        self.problems.extend(chapterlib.patch_problems(self.repo, snaps))
        return snaps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=chapterlib.default_root(), help="repository to check (default: this checkout)")
    args = ap.parse_args()
    checker = Checker(args.root)
    snaps = checker.run()
    nfiles = sum(len(checker.repo.files(s)) for s in snaps)
    nchap = sum(1 for s in snaps if s.num is not None)
    what = f"{nchap} chapters" + (" + final" if any(s.num is None for s in snaps) else "") + f", {nfiles} files"
    for path, msg in checker.problems:
        print(f"{path}: {msg}")
    if checker.problems:
        print(f"check-chapters: {len(checker.problems)} problem(s) ({what})")
        return 1
    print(f"chapter chain OK ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
