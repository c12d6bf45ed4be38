#!/usr/bin/env python3
"""Self-test of tools/check-chapters, tools/gen-diffs, tools/sync-final and tools/propagate.

Each test builds a tiny fake repository (three chapters whose READMEs follow the conventions)
in a temporary directory, breaks one rule, and checks that the tools notice. One test runs the
checker on a copy of the real repository with a change that was not carried forward.
"""
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
TOOLS = os.path.join(REPO, "tools")
sys.dont_write_bytecode = True
sys.path.insert(0, TOOLS)
import chapterlib  # noqa: E402
import steps  # noqa: E402

CMAKE = "cmake_minimum_required(VERSION 3.16)\n# shared by every chapter\n"

A_CC = """\
#include "mymuduo/base/A.h"

int answer() {
  int x = 40;
  x += 2;
  return x;
}

int twice(int v) {
  int r = v;
  r += v;
  return r;
}
"""

# Chapter 03 changes a different function of A.cc, far enough away that a fix to answer()
# still applies to it.
A_CC_03 = A_CC.replace("  r += v;\n", "  r = r * 2;\n")

B_CC = """\
#include "mymuduo/net/B.h"

int b() {
  return 7;
}
"""

TEST_A = """\
#include <catch2/catch.hpp>

TEST_CASE("a works", "[ch01][a]") { CHECK(true); }
"""

TEST_B = """\
#include <catch2/catch.hpp>

TEST_CASE(
    "b works", "[ch02][b]") { CHECK(true); }
"""

README_01 = """\
# Chapter 01

## What changed

- added `CMakeLists.txt` — the shared build file
- added `mymuduo/base/A.cc` — `answer()`
- **added** `tests/test_a.cc` — its test

## Exercises

- none
"""

README_02 = """\
# Chapter 02

The new function:

```cpp mymuduo/net/B.cc
int b() {
  return 7;
}
```

```sh
cmake -S . -B build
```

## What changed

Patch: [02-two.patch](../../docs/diffs/02-two.patch)

- added `mymuduo/net/B.cc` — `b()`
- added `tests/test_b.cc` — tests for `b()`
"""

README_03 = """\
# Chapter 03

```cpp mymuduo/base/A.cc
int twice(int v) {
  int r = v;
  r = r * 2;
```

## What changed

See [the patch](../../docs/diffs/03-three.patch).

- changed `mymuduo/base/A.cc` — `twice()` multiplies
"""


# The chapter text's other sections, which the checker wants around "What changed".
SECTIONS_BEFORE = """\
## Goal

Learn.

## Concepts

```mermaid
graph LR
  a --> b
```

<details><summary>The diagram in plain text</summary>

a leads to b.

</details>

## Walk-through

"""

SECTIONS_AFTER = """
## Build, run, test

Build.

## Pitfalls

None.

## Exercises

None.
"""


def with_sections(readme):
    if "## What changed" not in readme:
        return readme
    return readme.replace("## What changed", SECTIONS_BEFORE + "## What changed", 1) + SECTIONS_AFTER


def chapter(readme, a_cc, with_b):
    files = {"CMakeLists.txt": CMAKE, "README.md": with_sections(readme), "mymuduo/base/A.cc": a_cc,
             "tests/test_a.cc": TEST_A}
    if with_b:
        files.update({"mymuduo/net/B.cc": B_CC, "tests/test_b.cc": TEST_B})
    return files


FAKE = {
    "chapters/01-one": chapter(README_01, A_CC, False),
    "chapters/02-two": chapter(README_02, A_CC, True),
    "chapters/03-three": chapter(README_03, A_CC_03, True),
}


def run(*cmd, cwd=None, check=False):
    return subprocess.run(list(cmd), cwd=cwd, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


class FakeRepo(unittest.TestCase):
    """Base: self.root is a fresh fake repository with up-to-date patches."""
    use_git = False

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mymuduo-chain-")
        self.root = self.tmp.name
        for snap, files in FAKE.items():
            for rel, text in files.items():
                self.write(f"{snap}/{rel}", text)
        out = self.tool("gen-diffs")
        self.assertEqual(out.returncode, 0, out.stdout)
        if self.use_git:
            for args in (["init", "-q"], ["config", "user.name", "Chain Test"],
                         ["config", "user.email", "chain-test@example.invalid"],
                         ["add", "-A"], ["commit", "-q", "-m", "fake chapters"]):
                run("git", *args, cwd=self.root, check=True)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "w", encoding="utf-8") as f:
            f.write(text)

    def read(self, rel):
        with open(self.path(rel), encoding="utf-8") as f:
            return f.read()

    def edit(self, rel, old, new):
        text = self.read(rel)
        self.assertIn(old, text)
        self.write(rel, text.replace(old, new, 1))

    def tool(self, name, *args):
        return run(sys.executable, os.path.join(TOOLS, name), "--root", self.root, *args)

    def check(self):
        return self.tool("check-chapters")

    def assertPasses(self):
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("chapter chain OK (3 chapters", out.stdout)

    def assertFails(self, *needles):
        out = self.check()
        self.assertEqual(out.returncode, 1, out.stdout)
        for needle in needles:
            self.assertIn(needle, out.stdout)
        return out.stdout


class CheckChapters(FakeRepo):
    def test_clean_fake_passes(self):
        self.assertPasses()
        self.assertEqual(self.tool("gen-diffs", "--check").returncode, 0)

    def test_patch_is_relative_to_the_chapter_root(self):
        patch = self.read("docs/diffs/03-three.patch")
        self.assertIn("--- a/mymuduo/base/A.cc\n+++ b/mymuduo/base/A.cc\n", patch)
        self.assertIn(" int twice(int v) {", patch)  # function context: the whole function
        self.assertNotIn(self.root, patch)
        self.assertNotIn("README", self.read("docs/diffs/02-two.patch"))
        # Applied inside a copy of chapter 02, the patch turns it into chapter 03.
        shutil.copytree(self.path("chapters/02-two"), self.path("scratch"))
        run("git", "apply", self.path("docs/diffs/03-three.patch"), cwd=self.path("scratch"), check=True)
        self.assertEqual(self.read("scratch/mymuduo/base/A.cc"), A_CC_03)

    def test_edit_not_carried_forward_fails(self):
        self.edit("chapters/01-one/mymuduo/base/A.cc", "x += 2;", "x += 3;")
        self.assertFails("chapters/02-two/mymuduo/base/A.cc: differs from chapters/01-one/",
                         "docs/diffs/02-two.patch: out of date for mymuduo/base/A.cc")

    def test_stale_and_missing_patches_fail(self):
        with open(self.path("docs/diffs/03-three.patch"), "a") as f:
            f.write(" trailing junk\n")
        self.write("docs/diffs/07-gone.patch", "")
        os.remove(self.path("docs/diffs/02-two.patch"))
        self.assertFails("docs/diffs/03-three.patch: out of date", "docs/diffs/07-gone.patch: stale",
                         "docs/diffs/02-two.patch: missing")
        self.assertEqual(self.tool("gen-diffs", "--check").returncode, 1)
        self.assertFalse(os.path.exists(self.path("docs/diffs/02-two.patch")))  # --check wrote nothing
        self.assertEqual(self.tool("gen-diffs").returncode, 0)
        self.assertFalse(os.path.exists(self.path("docs/diffs/07-gone.patch")))
        self.assertPasses()

    def test_missing_chapter_section_and_diagram_fail(self):
        self.edit("chapters/02-two/README.md", "## Pitfalls", "## Troubles")
        self.edit("chapters/03-three/README.md", "```mermaid", "```text")
        self.assertFails("chapters/02-two/README.md: needs a '## Pitfalls' section",
                         "chapters/03-three/README.md: has no Mermaid diagram")

    def test_diagram_without_its_plain_text_fails(self):
        self.edit("chapters/02-two/README.md", "<details><summary>The diagram in plain text</summary>",
                  "The diagram says:")
        self.assertFails("chapters/02-two/README.md:", "has no plain-text version after it")

    def test_chapter_text_over_its_word_budget_fails(self):
        # 3,900 words of prose fit; 4,100 do not, and neither do 3,900 with 1,700 more in a code block.
        self.edit("chapters/02-two/README.md", "## Pitfalls", "word " * 3900 + "\n\n## Pitfalls")
        self.assertPasses()
        self.edit("chapters/02-two/README.md", "## Pitfalls", "word " * 200 + "\n\n## Pitfalls")
        self.assertFails("chapters/02-two/README.md: has 4")
        self.edit("chapters/02-two/README.md", "word " * 200, "\n```text\n" + "code " * 1700 + "\n```\n")
        self.assertFails("chapters/02-two/README.md: has 5")

    def translate(self, snap):
        """A README.zh-CN.md for snap: its English text as the translation, with the header."""
        en = self.read(f"{snap}/README.md")
        data = en.encode("utf-8")
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git hash-object
        self.write(f"{snap}/README.zh-CN.md", f"<!-- translated from README.md {blob} -->\n" + en)

    def test_translation_follows_its_english_text(self):
        self.translate("chapters/02-two")
        self.assertFails("chapters/01-one/README.zh-CN.md: missing")  # one, then all
        self.translate("chapters/01-one")
        self.translate("chapters/03-three")
        self.assertPasses()  # and README.zh-CN.md is no file of the snapshot's What changed
        self.edit("chapters/02-two/README.md", "## Pitfalls", "More.\n\n## Pitfalls")
        self.assertFails("chapters/02-two/README.zh-CN.md: translates README.md")
        self.translate("chapters/02-two")
        self.edit("chapters/02-two/README.zh-CN.md", "## Pitfalls", "Pitfalls")
        self.edit("chapters/02-two/README.zh-CN.md", "```mermaid", "```mermaid\n%% changed")
        self.assertFails("chapters/02-two/README.zh-CN.md: has", "headings where",
                         "code blocks where")

    def test_covered_chapters_are_those_the_next_chapter_repeats_whole(self):
        out = self.tool("covered-chapters")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertNotIn("03-three", out.stdout)  # the newest chapter is never covered
        shutil.copytree(self.path("chapters/03-three"), self.path("chapters/04-four"))
        self.write("chapters/04-four/mymuduo/base/New.h", "#pragma once\n")
        self.write("chapters/04-four/README.md", "# 04\n")  # READMEs are not compared
        out = self.tool("covered-chapters")
        self.assertIn("03-three", out.stdout.strip().split(";"))
        self.edit("chapters/04-four/mymuduo/base/A.cc", "int", "long")
        self.assertNotIn("03-three", self.tool("covered-chapters").stdout)

    def test_solutions_belong_to_their_chapter_alone(self):
        # A chapter's solutions/ is neither compared with the next chapter nor listed in its
        # "What changed", and it keeps no chapter from being covered by the next.
        self.write("chapters/01-one/solutions/ex1.patch", "one\n")
        self.write("chapters/02-two/solutions/ex1.patch", "two\n")
        self.assertPasses()
        self.assertEqual(self.tool("gen-diffs", "--check").returncode, 0)
        self.assertNotIn("solutions", self.read("docs/diffs/02-two.patch"))

    def test_steps_once_used_are_required_and_checked(self):
        # One chapter's steps.md makes the rules apply to every chapter: the others need one
        # too, the files listed must be the chapter's changes, and the tests carry [sK].
        self.write("chapters/01-one/steps.md", "# Chapter 01 step by step\n\n"
                   "## Step 1 — A\n\nWrite:\n- `mymuduo/base/A.cc` (new)\n\n"
                   "Tests:\n- `tests/test_a.cc` (changed)\n\n"
                   "## Step 2 — B\n\nWrite:\n- `mymuduo/net/B.cc` (new)\n\n"
                   "Tests:\n- `tests/test_b.cc` (new)\n")
        self.assertFails("chapters/02-two/steps.md: missing", "chapters/03-three/steps.md: missing",
                         "`tests/test_a.cc` is new, not changed",
                         "`mymuduo/net/B.cc` is not a file this chapter changes",
                         '"a works": no step tag; its file is in step 1, so [s1]',
                         "step 2 has no [ch01] test case")
        self.assertNotIn("chapters/01-one/steps.md", self.tool("gen-diffs", "--check").stdout)

    def test_step_tree_lays_a_chapters_files_of_steps_1_to_k_over_the_previous_one(self):
        self.write("chapters/03-three/steps.md", "# Chapter 03 step by step\n\n"
                   "## Step 1 — nothing yet\n\n## Step 2 — twice\n\n"
                   "Write:\n- `mymuduo/base/A.cc` (changed)\n")
        repo = chapterlib.Repo(self.root)
        snaps = [s for s in chapterlib.discover(self.root)[0] if s.num is not None]
        plan, problems = steps.load(repo, snaps, snaps[2])
        self.assertIn("step 1 lists no test file", " ".join(m for _, m in problems))
        first = steps.tree(repo, plan, 1, "mymuduo")
        second = steps.tree(repo, plan, 2, "mymuduo")
        self.assertEqual(first["mymuduo/base/A.cc"], self.path("chapters/02-two/mymuduo/base/A.cc"))
        self.assertEqual(second["mymuduo/base/A.cc"], self.path("chapters/03-three/mymuduo/base/A.cc"))
        self.assertEqual(sorted(first), ["mymuduo/base/A.cc", "mymuduo/net/B.cc"])

    def test_test_name_catch_would_read_as_a_filter_fails(self):
        self.edit("chapters/01-one/tests/test_a.cc", '"a works"', '"a works, mostly"')
        self.edit("chapters/02-two/tests/test_a.cc", '"a works"', '"a works, mostly"')
        self.edit("chapters/03-three/tests/test_a.cc", '"a works"', '"a works, mostly"')
        self.assertFails('test case "a works, mostly" has a character Catch reads as filter syntax')

    def test_listed_but_unchanged_file_fails(self):
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `mymuduo/net/B.cc` — claims a change\n- changed `mymuduo/base/A.cc`")
        self.assertFails("chapters/03-three/README.md:", "lists `mymuduo/net/B.cc` as changed, but "
                         "chapters/03-three/mymuduo/net/B.cc is identical to chapters/02-two/")

    def test_unlisted_new_file_and_missing_section_fail(self):
        self.write("chapters/03-three/mymuduo/net/C.cc", "int c();\n")
        self.tool("gen-diffs")
        self.assertFails("chapters/03-three/mymuduo/net/C.cc: is new since chapters/02-two/")
        self.write("chapters/02-two/README.md", "# Chapter 02\n")
        self.assertFails("chapters/02-two/README.md: has no '## What changed' section")
        os.remove(self.path("chapters/02-two/README.md"))
        self.assertFails("chapters/02-two/README.md: missing")

    def test_folder_bullet_covers_the_files_under_it(self):
        self.write("chapters/03-three/data/seeds/one", "1\n")
        self.write("chapters/03-three/data/seeds/two", "2\n")
        self.tool("gen-diffs")
        self.assertFails("chapters/03-three/data/seeds/one: is new since chapters/02-two/")
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- added `data/seeds/` — two seeds\n- changed `mymuduo/base/A.cc`")
        self.assertPasses()
        self.edit("chapters/03-three/README.md", "- added `data/seeds/`",
                  "- added `data/seeds/`\n- added `data/none/` — nothing there")
        self.assertFails("lists folder `data/none/` as added, but no file under it differs")

    def test_missing_patch_link_fails(self):
        self.edit("chapters/03-three/README.md", "(../../docs/diffs/03-three.patch)", "(elsewhere)")
        self.assertFails("does not link its patch ../../docs/diffs/03-three.patch")

    def test_missing_test_needs_a_retirement_note(self):
        self.edit("chapters/03-three/tests/test_b.cc", '"b works", "[ch02][b]"', '"b works twice", "[ch03][b]"')
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `tests/test_b.cc` — renamed\n- changed `mymuduo/base/A.cc`")
        self.tool("gen-diffs")
        self.assertFails('test case "b works" (from chapters/02-two/tests/test_b.cc:3) is missing')
        readme = self.read("chapters/03-three/README.md")
        self.write("chapters/03-three/README.md", readme + "\n## Retired tests\n\n- `b works`\n")
        self.assertFails("retirement of `b works` gives no reason")
        note = "- `b works` — replaced by `b works twice`,\n  which checks more.\n"
        self.write("chapters/03-three/README.md", readme + "\n## Retired tests\n\n" + note)
        self.assertPasses()

    def test_chapter_tags_are_checked(self):
        self.edit("chapters/03-three/tests/test_a.cc", "{ CHECK(true); }",
                  '{ CHECK(true); }\nTEST_CASE("new one", "[ch02]") {}\nTEST_CASE("two tags", "[ch03][ch01]") {}\n'
                  '// TEST_CASE("commented out", "[ch09]") {}\n')
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `tests/test_a.cc` — more tests\n- changed `mymuduo/base/A.cc`")
        self.tool("gen-diffs")
        out = self.assertFails('"new one" is new in chapters/03-three and must be tagged [ch03], not [ch02]',
                               '"two tags" must carry exactly one chapter tag [chNN], has 2')
        self.assertNotIn("commented out", out)

    def test_exercise_tags_are_checked(self):
        self.edit("chapters/03-three/tests/test_a.cc", "{ CHECK(true); }",
                  '{ CHECK(true); }\nTEST_CASE("ex fine", "[.exercise][ex03]") {}\n'
                  'TEST_CASE("ex chapter tag", "[ch03][.exercise]") {}\n'
                  'TEST_CASE("ex not hidden", "[ex03]") {}\n'
                  'TEST_CASE("ex wrong chapter", "[.exercise][ex02]") {}\n')
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `tests/test_a.cc` — more tests\n- changed `mymuduo/base/A.cc`")
        self.tool("gen-diffs")
        out = self.assertFails('"ex chapter tag" is an exercise ([.exercise]): tag it [exNN]',
                               '"ex not hidden" carries an exercise tag [exNN] but is not hidden',
                               '"ex wrong chapter" is new in chapters/03-three and must be tagged [ex03], not [ex02]')
        self.assertNotIn('"ex fine"', out)

    def test_quoted_code_must_be_verbatim(self):
        self.edit("chapters/02-two/README.md", "  return 7;\n}\n```", "  return 8;\n}\n```")
        self.assertFails("chapters/02-two/README.md:5: quoted block is not verbatim in "
                         "chapters/02-two/mymuduo/net/B.cc: README line 7 '  return 8;'")
        self.edit("chapters/02-two/README.md", "```cpp mymuduo/net/B.cc", "```cpp mymuduo/net/Nope.cc")
        self.assertFails("quotes `mymuduo/net/Nope.cc`, which does not exist")

    def test_cmakelists_must_be_identical(self):
        for snap in FAKE:
            with open(self.path(f"{snap}/CMakeLists.txt"), "a") as f:
                f.write("# local change\n" if snap.endswith("03-three") else "")
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `CMakeLists.txt` — oops\n- changed `mymuduo/base/A.cc`")
        self.tool("gen-diffs")
        self.assertFails("chapters/03-three/CMakeLists.txt: differs from chapters/01-one/CMakeLists.txt")

    def test_final_only_differs_where_its_readme_says(self):
        shutil.copytree(self.path("chapters/03-three"), self.path("final"))
        self.write("final/README.md", "# final\n\n## What changed\n\n[patch](../docs/diffs/final.patch)\n\n"
                   "- added `packaging/mymuduo.pc.in` — pkg-config\n")
        self.write("final/packaging/mymuduo.pc.in", "Name: mymuduo\n")
        self.tool("gen-diffs")
        self.assertTrue(os.path.exists(self.path("docs/diffs/final.patch")))
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stdout)
        self.write("final/packaging/extra.txt", "not listed\n")
        self.edit("final/mymuduo/net/B.cc", "return 7;", "return 9;")
        self.tool("gen-diffs")
        self.assertFails("final/packaging/extra.txt: is new since chapters/03-three/ but final/README.md "
                         "does not list it as added",
                         # final/'s copy of the chapter is not listed: the same advice as sync-final's
                         "final/mymuduo/net/B.cc: differs from chapters/03-three/mymuduo/net/B.cc. If the "
                         "chapter is what changed, tools/sync-final copies it over. If you fixed it in "
                         "final/, carry the fix from chapters/02-two")

    def test_what_changed_bullets_may_use_any_marker(self):
        self.edit("chapters/02-two/README.md", "- added `mymuduo/net/B.cc`", "* added `mymuduo/net/B.cc`")
        self.edit("chapters/02-two/README.md", "- added `tests/test_b.cc`", "+ **added:** `tests/test_b.cc`")
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc` — `twice()` multiplies",
                  "- changed `mymuduo/base/A.cc` — `twice()` multiplies\n  - a note under the bullet")
        self.assertPasses()

    def test_what_changed_bullet_that_does_not_parse_fails(self):
        self.edit("chapters/03-three/README.md", "- changed `mymuduo/base/A.cc`",
                  "- changed `mymuduo/base/A.cc`\n* A.cc got faster\n- `mymuduo/net/B.cc` — no status\n"
                  "- removed nothing")
        out = self.assertFails("chapters/03-three/README.md:33: bullet is not a file entry; write '- added `path`",
                               "chapters/03-three/README.md:34: bullet names a file without saying how it changed",
                               "chapters/03-three/README.md:35: bullet starts with added/changed/removed but has no `path`")
        self.assertNotIn("mymuduo/net/B.cc as", out)  # one line per mistake

    def test_gap_in_numbering_fails(self):
        os.rename(self.path("chapters/03-three"), self.path("chapters/04-three"))
        self.assertFails("chapters/04-three: chapter numbers must run 01, 02, ... without gaps")


class SyncFinal(FakeRepo):
    """tools/sync-final: final/ takes mymuduo/, examples/, tests/, fuzz/ from the newest chapter."""

    def setUp(self):
        super().setUp()
        self.write("final/README.md", "# final\n\n## What changed\n\n[patch](../docs/diffs/final.patch)\n\n"
                   "- changed `CMakeLists.txt` — final's own build\n")
        self.write("final/CMakeLists.txt", "# final's own\n")

    def test_first_sync_copies_the_newest_chapter(self):
        self.assertEqual(self.tool("sync-final", "--check").returncode, 1)
        out = self.tool("sync-final")
        self.assertEqual(out.returncode, 0, out.stdout)
        for rel in ("mymuduo/base/A.cc", "mymuduo/net/B.cc", "tests/test_a.cc", "tests/test_b.cc"):
            self.assertEqual(self.read(f"final/{rel}"), self.read(f"chapters/03-three/{rel}"), rel)
        self.assertEqual(self.read("final/CMakeLists.txt"), "# final's own\n")
        self.assertTrue(self.read("final/README.md").startswith("# final"))
        self.assertEqual(self.tool("sync-final", "--check").returncode, 0)
        self.tool("gen-diffs")
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_new_chapter_is_followed_and_stale_files_go(self):
        self.tool("sync-final")
        self.write("final/tests/test_old.cc", "// a file no chapter has\n")
        self.edit("final/mymuduo/net/B.cc", "return 7;", "return 9;")
        out = self.tool("sync-final", "--check")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("final/mymuduo/net/B.cc: differs from chapters/03-three/mymuduo/net/B.cc", out.stdout)
        self.assertIn("final/tests/test_old.cc: not in chapters/03-three/", out.stdout)
        out = self.tool("sync-final")
        self.assertIn("removed final/tests/test_old.cc", out.stdout)
        self.assertFalse(os.path.exists(self.path("final/tests/test_old.cc")))
        self.assertEqual(self.read("final/mymuduo/net/B.cc"), self.read("chapters/03-three/mymuduo/net/B.cc"))
        self.assertEqual(self.tool("sync-final", "--check").returncode, 0)

    def test_fix_made_in_final_names_the_earliest_chapter_with_its_lines(self):
        self.tool("sync-final")
        # answer() is the same since chapter 01; chapter 03 changed twice().
        self.edit("final/mymuduo/base/A.cc", "x += 2;", "x += 1;")
        out = self.tool("sync-final", "--check")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("final/mymuduo/base/A.cc: differs from chapters/03-three/mymuduo/base/A.cc. If the chapter "
                      "is what changed, tools/sync-final copies it over. If you fixed it in final/, carry the fix "
                      "from chapters/01-one, the earliest chapter with these lines: git diff --no-index "
                      "chapters/03-three/mymuduo/base/A.cc final/mymuduo/base/A.cc > /tmp/fix.patch; "
                      "tools/propagate /tmp/fix.patch --from 01\n", out.stdout)
        self.write("final/mymuduo/base/A.cc", A_CC_03.replace("r = r * 2;", "r = 2 * r;"))
        self.assertIn("--from 03\n", self.tool("sync-final", "--check").stdout)
        # An older chapter's version: the chapter moved on, nothing to carry.
        self.write("final/mymuduo/base/A.cc", A_CC)
        self.assertIn("final/mymuduo/base/A.cc: differs from chapters/03-three/mymuduo/base/A.cc: it is an older "
                      "chapter's version; run tools/sync-final\n", self.tool("sync-final", "--check").stdout)

    def test_fuzz_folder_is_followed(self):
        self.write("chapters/03-three/fuzz/fuzz_a.cc", "// a fuzz target\n")
        self.write("chapters/03-three/fuzz/corpus/fuzz_a/seed", "GET / HTTP/1.1\r\n\r\n")
        out = self.tool("sync-final")
        self.assertIn("copied chapters/03-three/fuzz/corpus/fuzz_a/seed -> final/fuzz/corpus/fuzz_a/seed", out.stdout)
        self.assertEqual(self.read("final/fuzz/fuzz_a.cc"), "// a fuzz target\n")
        self.assertEqual(self.tool("sync-final", "--check").returncode, 0)
        os.remove(self.path("chapters/03-three/fuzz/corpus/fuzz_a/seed"))
        self.assertIn("final/fuzz/corpus/fuzz_a/seed: not in chapters/03-three/",
                      self.tool("sync-final", "--check").stdout)
        self.assertIn("removed final/fuzz/corpus/fuzz_a/seed", self.tool("sync-final").stdout)
        self.assertFalse(os.path.exists(self.path("final/fuzz/corpus")))


class Propagate(FakeRepo):
    use_git = True
    FIX = "chapters/01-one/mymuduo/base/A.cc"

    def make_fix(self):
        """Edit chapter 01 and turn the edit into a patch relative to the chapter root."""
        self.edit(self.FIX, "int x = 40;", "int x = 41;  // fixed")
        self.edit(self.FIX, "x += 2;", "x += 1;")
        patch = run("git", "diff", "--relative=chapters/01-one", cwd=self.root, check=True).stdout
        run("git", "checkout", "--", self.FIX, cwd=self.root, check=True)
        self.write("fix.patch", patch)
        return self.path("fix.patch")

    def test_fix_is_carried_from_01_through_03(self):
        patch = self.make_fix()
        dry = self.tool("propagate", patch, "--from", "01", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stdout)
        self.assertNotIn("41", self.read("chapters/02-two/mymuduo/base/A.cc"))
        out = self.tool("propagate", patch, "--from", "01")
        self.assertEqual(out.returncode, 0, out.stdout)
        for snap in FAKE:
            text = self.read(f"{snap}/mymuduo/base/A.cc")
            self.assertIn("int x = 41;  // fixed", text)
            self.assertIn("x += 1;", text)
        self.assertIn("r = r * 2;", self.read("chapters/03-three/mymuduo/base/A.cc"))
        self.assertPasses()  # patches were regenerated

    def test_repo_relative_patch_is_understood(self):
        self.edit(self.FIX, "x += 2;", "x += 1;")
        self.write("full.patch", run("git", "diff", cwd=self.root, check=True).stdout)
        out = self.tool("propagate", self.path("full.patch"), "--from", "01", "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("chapters/01-one: already has the change", out.stdout)
        self.assertIn("chapters/03-three: would apply", out.stdout)
        self.assertNotIn("x += 1;", self.read("chapters/02-two/mymuduo/base/A.cc"))

    def test_already_edited_chapter_is_left_alone(self):
        self.make_fix()
        run("git", "apply", "--directory=chapters/01-one", "fix.patch", cwd=self.root, check=True)
        out = self.tool("propagate", self.path("fix.patch"), "--from", "1")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("chapters/01-one: already has the change", out.stdout)
        self.assertIn("x += 1;", self.read("chapters/03-three/mymuduo/base/A.cc"))

    def test_conflict_stops_with_a_clear_message(self):
        for snap in ("chapters/02-two", "chapters/03-three"):
            self.edit(f"{snap}/mymuduo/base/A.cc", "int x = 40;", "int x = 39;  // differs")
        run("git", "commit", "-qam", "diverge", cwd=self.root, check=True)
        patch = self.make_fix()
        out = self.tool("propagate", patch, "--from", "01")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("did not apply cleanly to chapters/02-two/", out.stdout)
        self.assertIn("Conflict markers were left in: chapters/02-two/mymuduo/base/A.cc", out.stdout)
        self.assertIn("Already done: chapters/01-one", out.stdout)
        self.assertIn("--from 03", out.stdout)
        self.assertIn("x += 1;", self.read(self.FIX))
        self.assertNotIn("x += 1;", self.read("chapters/03-three/mymuduo/base/A.cc"))

    def test_fix_made_in_final_is_carried_by_the_commands_sync_final_prints(self):
        self.write("final/README.md", "# final\n\n## What changed\n\n[patch](../docs/diffs/final.patch)\n")
        shutil.copy(self.path("chapters/03-three/CMakeLists.txt"), self.path("final/CMakeLists.txt"))
        self.tool("sync-final")
        self.tool("gen-diffs")
        run("git", "add", "-A", cwd=self.root, check=True)
        run("git", "commit", "-qm", "final", cwd=self.root, check=True)
        self.edit("final/mymuduo/base/A.cc", "x += 2;", "x += 1;")  # not staged
        out = self.tool("sync-final", "--check").stdout
        commands = out.split("the earliest chapter with these lines: ", 1)[1].splitlines()[0].split("; ")
        patch = self.path("fix.patch")
        tool = f"{shlex.quote(sys.executable)} {shlex.quote(os.path.join(TOOLS, 'propagate'))} --root {shlex.quote(self.root)}"
        for cmd in commands:
            cmd = cmd.replace("/tmp/fix.patch", shlex.quote(patch)).replace("tools/propagate", tool)
            done = subprocess.run(cmd, shell=True, cwd=self.root, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            self.assertIn(done.returncode, (0, 1) if cmd.startswith("git diff") else (0,), done.stdout)
        self.assertIn("final: already has the change, left as it is", done.stdout)
        for snap in [*FAKE, "final"]:
            self.assertIn("x += 1;", self.read(f"{snap}/mymuduo/base/A.cc"), snap)
        self.assertEqual(self.tool("sync-final", "--check").returncode, 0)
        out = self.check()
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_untracked_files_are_refused(self):
        patch = self.make_fix()
        run("git", "rm", "-q", "--cached", "chapters/03-three/mymuduo/base/A.cc", cwd=self.root, check=True)
        out = self.tool("propagate", patch, "--from", "01")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("not tracked", out.stdout)
        self.assertNotIn("x += 1;", self.read(self.FIX))  # refused before touching anything


class RealRepository(unittest.TestCase):
    def test_unpropagated_edit_to_real_chapter_01_is_caught(self):
        if not os.path.isdir(os.path.join(REPO, "chapters", "02-eventloop")):
            self.skipTest("chapters/02-eventloop does not exist yet")
        with tempfile.TemporaryDirectory(prefix="mymuduo-real-") as tmp:
            # Copy only what the tools would look at, so build trees in the checkout don't matter.
            repo = chapterlib.Repo(REPO)
            snaps, _ = chapterlib.discover(REPO)
            for snap in snaps:
                for rel in repo.files(snap, with_readme=True):
                    dst = os.path.join(tmp, snap.rel, rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copy2(repo.path(snap, rel), dst)
            for extra in ("tools", "docs"):
                if os.path.isdir(os.path.join(REPO, extra)):
                    shutil.copytree(os.path.join(REPO, extra), os.path.join(tmp, extra),
                                    ignore=shutil.ignore_patterns("__pycache__"))
            check = [sys.executable, os.path.join(tmp, "tools", "check-chapters"), "--root", tmp]
            before = set(run(*check).stdout.splitlines()[:-1])
            with open(os.path.join(tmp, "chapters/01-thread/mymuduo/base/Thread.cc"), "a") as f:
                f.write("// an edit that was not carried forward\n")
            out = run(*check)
            self.assertEqual(out.returncode, 1, out.stdout)
            new = [l for l in out.stdout.splitlines()[:-1] if l not in before]
            self.assertTrue(any("Thread.cc" in l and "chapters/0" in l for l in new),
                            "no new problem names Thread.cc:\n" + out.stdout)


class CheckLinks(unittest.TestCase):
    """tools/check-links on a scratch folder (no git: it walks the folder)."""

    def links(self, files):
        with tempfile.TemporaryDirectory() as tmp:
            for rel, text in files.items():
                with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            return run(sys.executable, os.path.join(REPO, "tools", "check-links"), "--root", tmp)

    def test_anchor_of_a_heading_with_inline_code(self):
        out = self.links({"a.md": "# The `loop()` call\n", "b.md": "[x](a.md#the-loop-call)\n"})
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_a_comment_inside_a_fence_is_no_heading(self):
        text = "# Title\n\n```sh\n# edit the code, then\n```\n"
        out = self.links({"a.md": text, "b.md": "[x](a.md#edit-the-code-then)\n"})
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("b.md:1", out.stdout)

    def test_missing_file(self):
        out = self.links({"b.md": "[x](nothere.md)\n"})
        self.assertEqual(out.returncode, 1, out.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
