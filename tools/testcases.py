"""Finding the Catch2 test cases of a test source: their names, tags and lines."""
import re

# A test macro, then the name literal (adjacent literals concatenate), then optionally the tags.
TEST_RE = re.compile(
    r"\b(TEST_CASE|SCENARIO|TEMPLATE_TEST_CASE|TEMPLATE_LIST_TEST_CASE|TEMPLATE_PRODUCT_TEST_CASE"
    r"|TEST_CASE_METHOD)\s*\(\s*(?:[\w:<>]+\s*,\s*)?"
    r"((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+)(?:,\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+))?")
STRING_RE = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"")


def strip_comments(src):
    """Blank out // and /* */ comments (keeping newlines), leaving string literals alone."""
    pattern = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.S)

    def repl(m):
        t = m.group(0)
        return t if t[0] in "\"'" else re.sub(r"[^\n]", " ", t)
    return pattern.sub(repl, src)


def test_cases(src):
    """[(name, tags as one string, line)] of the test cases in a test source."""
    src = strip_comments(src)
    out = []
    for m in TEST_RE.finditer(src):
        name = "".join(STRING_RE.findall(m.group(2)))
        tags = "".join(STRING_RE.findall(m.group(3) or ""))
        out.append((name, tags, src.count("\n", 0, m.start()) + 1))
    return out
