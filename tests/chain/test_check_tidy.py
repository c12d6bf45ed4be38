#!/usr/bin/env python3
"""Self-test of tools/check-tidy's choice of sources: each distinct form of a source once, and a
header changed by a later snapshot checked through a source that reaches it (no clang-tidy run)."""
import os
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(REPO, "tools"))
import check_tidy  # noqa: E402


class Choose(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, snapshot, rel, text):
        path = os.path.join(self.root, snapshot, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return os.path.join(self.root, snapshot), path

    def snapshot(self, name, header, source='#include "mymuduo/a/B.h"\nint f() { return g(); }\n'):
        self.write(name, "mymuduo/a/B.h", header)
        return self.write(name, "mymuduo/a/B.cc", source)

    def test_a_source_the_same_everywhere_is_checked_once(self):
        pairs = [self.snapshot(n, "int g();\n") for n in ("chapters/01-x", "chapters/02-y", "final")]
        self.assertEqual(check_tidy.choose(pairs), [pairs[0][1]])

    def test_a_changed_header_brings_back_an_unchanged_source_that_includes_it(self):
        first = self.snapshot("chapters/01-x", "int g();\n")
        second = self.snapshot("chapters/02-y", "long g();\n")
        self.assertEqual(check_tidy.choose([first, second]), [first[1], second[1]])

    def test_a_changed_source_is_checked_in_each_form(self):
        first = self.snapshot("chapters/01-x", "int g();\n")
        second = self.snapshot("chapters/02-y", "int g();\n", '#include "mymuduo/a/B.h"\nint f() { return 1; }\n')
        self.assertEqual(check_tidy.choose([first, second]), [first[1], second[1]])

    def test_a_header_reached_through_another_counts(self):
        first = self.snapshot("chapters/01-x", '#include "mymuduo/a/C.h"\n')
        self.write("chapters/01-x", "mymuduo/a/C.h", "int g();\n")
        second = self.snapshot("chapters/02-y", '#include "mymuduo/a/C.h"\n')
        self.write("chapters/02-y", "mymuduo/a/C.h", "long g();\n")
        self.assertEqual(check_tidy.choose([first, second]), [first[1], second[1]])


if __name__ == "__main__":
    unittest.main()
