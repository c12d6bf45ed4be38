#!/usr/bin/env python3
"""Self-test of tools/mdlib.py, the Markdown reader every maintainer tool uses: fences, headings
and their anchors, sections, the "What changed" and "Retired tests" lists, links and tables."""
import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(REPO, "tools"))
import mdlib  # noqa: E402


def doc(*lines):
    return mdlib.Document("\n".join(lines) + "\n")


class Fences(unittest.TestCase):
    def test_backticks_and_tildes_with_info_and_lines(self):
        d = doc("text", "```cpp mymuduo/net/Channel.cc", "int x;", "```", "", "~~~sh", "make", "~~~")
        self.assertEqual([(f.line, f.end, f.lang, f.words) for f in d.fences],
                         [(2, 4, "cpp", ["cpp", "mymuduo/net/Channel.cc"]), (6, 8, "sh", ["sh"])])
        self.assertEqual(d.fences[0].body, ["int x;"])

    def test_a_fence_closes_only_with_its_own_kind_and_length(self):
        d = doc("~~~~markdown", "```cpp", "# not a heading", "```", "~~~", "still code", "~~~~", "# Heading")
        self.assertEqual(len(d.fences), 1)
        self.assertEqual(d.fences[0].end, 7)
        self.assertEqual([h.text for h in d.headings], ["Heading"])

    def test_a_closing_line_has_no_info_string(self):
        d = doc("```", "```cpp", "```")
        self.assertEqual([(f.line, f.end) for f in d.fences], [(1, 3)])

    def test_backtick_info_with_a_backtick_is_no_fence(self):
        self.assertEqual(doc("```inline``` code", "# Heading").fences, [])

    def test_unclosed_fence_runs_to_the_end(self):
        d = doc("```", "## Inside")
        self.assertIsNone(d.fences[0].end)
        self.assertEqual(d.headings, [])

    def test_indented_fence_loses_its_indentation(self):
        d = doc("- item", "", "  ```cpp a.cc", "  int x;", "    int y;", "  ```")
        self.assertEqual(d.fences[0].body, ["int x;", "  int y;"])


class Sections(unittest.TestCase):
    TEXT = ("# Title", "## What changed", "", "```sh", "## not a heading", "```",
            "### Detail", "- added `a.cc` — a", "## Pitfalls", "- none")

    def test_a_heading_inside_a_fence_is_no_section(self):
        d = doc(*self.TEXT)
        self.assertIsNone(d.section("not a heading"))
        self.assertEqual([(h.line, h.level, h.text) for h in d.headings],
                         [(1, 1, "Title"), (2, 2, "What changed"), (7, 3, "Detail"), (9, 2, "Pitfalls")])

    def test_section_runs_to_the_next_heading_of_its_level_or_higher(self):
        s = doc(*self.TEXT).section("what CHANGED")
        self.assertEqual((s.line, s.end), (2, 9))
        self.assertEqual(s.lines[-1], "- added `a.cc` — a")
        self.assertEqual(doc("## A", "x", "# B", "y").section("A").end, 3)


class Anchors(unittest.TestCase):
    def test_github_slugs(self):
        d = doc("# The `loop()` call", "## Build, run, test", "## [Link](x.md) text", "## Repeat",
                "## Repeat", "## C++ & <b>HTML</b>", "## 中文 标题", "## Trailing ##")
        self.assertEqual([h.anchor for h in d.headings],
                         ["the-loop-call", "build-run-test", "link-text", "repeat", "repeat-1",
                          "c--html", "中文-标题", "trailing"])

    def test_a_comment_in_a_fence_is_no_anchor(self):
        self.assertEqual(doc("# Title", "```sh", "# edit the code", "```").anchors, {"title"})

    def test_anchors_counter_is_shared_by_the_site(self):
        a = mdlib.Anchors()
        self.assertEqual([a.add("Same"), a.add("same"), a.add("Other")], ["same", "same-1", "other"])


class WhatChanged(unittest.TestCase):
    def changes(self, *bullets):
        _, changes = mdlib.what_changed(doc("## What changed", "", *bullets, "", "## Next"))
        return [(c.line, c.status, c.path, c.note, c.problem) for c in changes]

    def test_every_bullet_marker_and_status_form(self):
        self.assertEqual(self.changes("- added `a.cc` — new", "* added `b.cc` — star", "+ changed `c.cc`",
                                      "- **removed** `./d.cc` — bold", "* **Changed:** `e/` – folder"),
                         [(3, "added", "a.cc", "new", None), (4, "added", "b.cc", "star", None),
                          (5, "changed", "c.cc", "", None), (6, "removed", "d.cc", "bold", None),
                          (7, "changed", "e/", "folder", None)])

    def test_continuation_lines_belong_to_the_note(self):
        self.assertEqual(self.changes("- added `a.cc` — one", "  two"), [(3, "added", "a.cc", "one two", None)])

    def test_bullets_that_do_not_parse_are_problems(self):
        got = self.changes("* A.cc got faster", "- `a.cc` — no status", "- added a.cc")
        self.assertEqual([(line, path) for line, _, path, _, _ in got], [(3, None), (4, "a.cc"), (5, None)])
        self.assertTrue(got[0][4].startswith("bullet is not a file entry"))
        self.assertTrue(got[1][4].startswith("bullet names a file without saying how it changed"))
        self.assertTrue(got[2][4].startswith("bullet starts with added/changed/removed"))

    def test_a_nested_note_is_no_problem_and_a_fence_hides_bullets(self):
        got = self.changes("- added `a.cc` — see", "  - why it is here", "", "```", "- added `x.cc`", "```",
                           "- changed `b.cc`")
        self.assertEqual([(c[1], c[2], c[4]) for c in got], [("added", "a.cc", None), ("changed", "b.cc", None)])

    def test_no_section(self):
        self.assertIsNone(mdlib.what_changed(doc("# Title", "- added `a.cc`")))


class RetiredTests(unittest.TestCase):
    def test_names_and_reason(self):
        _, notes = mdlib.retired_tests(doc("## Retired tests", "", "- `old name` — replaced by",
                                           "  `new name`.", "- `bare`"))
        self.assertEqual(notes, [(3, ["old name", "new name"], " — replaced by ."), (5, ["bare"], "")])


class Links(unittest.TestCase):
    def test_links_outside_code(self):
        d = doc("See [a](a.md#x) and ![img](p.svg) `[no](code.md)`", "```", "[no](fence.md)", "```",
                "[b](<b.md>) [c](c.md \"title\")")
        self.assertEqual([(l.line, l.target, l.image) for l in d.links()],
                         [(1, "a.md#x", False), (1, "p.svg", True), (5, "b.md", False),
                          (5, "c.md", False)])


class Tables(unittest.TestCase):
    def test_rows_cells_and_escaped_pipes(self):
        d = doc("| a | b |", "|---|:--:|", "| 1 | x \\| y |", "| 2 | z |", "", "| not | a table |",
                "```", "| c | d |", "|---|---|", "| 3 | 4 |", "```")
        tables = d.tables()
        self.assertEqual(len(tables), 1)
        self.assertEqual(tables[0].header, ["a", "b"])
        self.assertEqual(tables[0].rows, [(3, ["1", "x \\| y"]), (4, ["2", "z"])])


if __name__ == "__main__":
    unittest.main(verbosity=2)
