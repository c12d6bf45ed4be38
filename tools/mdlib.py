"""The Markdown of this repository as the maintainer tools read it, in one place.

    doc = mdlib.Document(text)

gives the fenced code blocks (``` and ~~~, with their info string), the ATX headings with
GitHub's anchors, sections, list items, links and tables. Code inside a fence is never read as
a heading, a link, a list item or a table row. On top of that, the two lists the snapshot rules
define: the "What changed" bullets (what_changed) and the "Retired tests" notes
(retired_tests); tools/README.md has their formats.

Line numbers start at 1. Standard library only.
"""
import re
from dataclasses import dataclass, field
from typing import List, Optional

# Any indentation: a fence inside a list item is indented like the item's text.
FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET_RE = re.compile(r"^(\s*)[-*+]\s+(.*)$")
LINK_RE = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE_RE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?\s*\)")
CODE_SPAN_RE = re.compile(r"`[^`]*`")
TABLE_DELIM_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")

# `added`, `**added**`, `__added__`, `added:`, `**added:**` ...; the path in backticks next.
_STATUS = r"(?:\*\*|__)?(added|changed|removed):?(?:\*\*|__)?:?"
CHANGE_RE = re.compile(r"^" + _STATUS + r"\s+`([^`]+)`(.*)$", re.I | re.S)
STATUS_ONLY_RE = re.compile(r"^" + _STATUS + r"(\s|$)", re.I)
BARE_PATH_RE = re.compile(r"^`([^`\s]+/[^`\s]*|[^`\s]+\.[A-Za-z]+)`")
NOTE_SEP_RE = re.compile(r"^\s*(?:[—–:]|--?)?\s*")
CHANGE_FORMAT = "'- added `path` — note' (or changed/removed)"


@dataclass
class Fence:
    line: int             # the opening fence's line
    end: Optional[int]    # the closing fence's line; None when the block runs to the end
    indent: int
    marker: str           # "```", "~~~~", ...
    info: str
    body: List[str]       # the lines inside, less the fence's indentation

    @property
    def words(self):
        return self.info.split()

    @property
    def lang(self):
        return self.words[0].lower() if self.words else ""


@dataclass
class Heading:
    line: int
    level: int
    text: str
    anchor: str


@dataclass
class Item:
    """A list item: its first line, its marker's indentation, its text with continuations."""
    line: int
    indent: int
    text: str


@dataclass
class Section:
    heading: Heading
    end: int                # the line after the section's last one
    lines: List[str]        # raw, from the heading line on
    items: List[Item] = field(default_factory=list)

    @property
    def line(self):
        return self.heading.line

    @property
    def text(self):
        return "\n".join(self.lines)


@dataclass
class Link:
    line: int
    target: str
    image: bool


@dataclass
class Table:
    line: int
    header: List[str]
    rows: List[tuple]       # (line, [cell, ...])


@dataclass
class Change:
    """One bullet of a "What changed" list; problem says why it is not a file entry."""
    line: int
    status: Optional[str]
    path: Optional[str]
    note: str = ""
    problem: Optional[str] = None


# --- anchors ---------------------------------------------------------------------------------

def slug(heading):
    """GitHub's anchor for a heading: the text lowercased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: keep their text
    text = text.replace("`", "")
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


class Anchors:
    """The anchors of one page's headings in order: a repeated slug gets -1, -2, ..."""

    def __init__(self):
        self.seen = {}

    def add(self, heading_text):
        base = slug(heading_text)
        n = self.seen.get(base, 0)
        self.seen[base] = n + 1
        return base if n == 0 else f"{base}-{n}"


# --- the document ----------------------------------------------------------------------------

def closes(fence_marker, line):
    """True if line ends a block opened by fence_marker: same character, at least as long, no info."""
    m = FENCE_RE.match(line)
    return (bool(m) and m.group(2)[0] == fence_marker[0] and len(m.group(2)) >= len(fence_marker)
            and not m.group(3).strip())


def opens(line):
    """The FENCE_RE match if line opens a fence (a backtick fence's info has no backtick)."""
    m = FENCE_RE.match(line)
    if m and m.group(2)[0] == "`" and "`" in m.group(3):
        return None
    return m


class Document:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.fences = []
        self.headings = []
        self.fence_at = [None] * len(self.lines)  # the Fence a line belongs to, markers included
        self._parse()

    def _parse(self):
        anchors = Anchors()
        open_fence = None
        for i, line in enumerate(self.lines):
            if open_fence is not None:
                self.fence_at[i] = open_fence
                if closes(open_fence.marker, line):
                    open_fence.end = i + 1
                    open_fence = None
                else:
                    lead = len(line) - len(line.lstrip(" "))
                    open_fence.body.append(line[min(open_fence.indent, lead):])
                continue
            m = opens(line)
            if m:
                open_fence = Fence(i + 1, None, len(m.group(1)), m.group(2), m.group(3).strip(), [])
                self.fences.append(open_fence)
                self.fence_at[i] = open_fence
                continue
            h = HEADING_RE.match(line)
            if h:
                self.headings.append(Heading(i + 1, len(h.group(1)), h.group(2), anchors.add(h.group(2))))

    @property
    def anchors(self):
        return {h.anchor for h in self.headings}

    def prose(self, blank_code=True):
        """(line, text) of each line outside the fences, inline code blanked out unless told."""
        for i, line in enumerate(self.lines):
            if self.fence_at[i] is None:
                yield i + 1, CODE_SPAN_RE.sub(lambda c: " " * len(c.group(0)), line) if blank_code else line

    def links(self):
        """Every [text](target) and ![alt](target) outside code, in reading order per line."""
        found = []
        for number, line in self.prose():
            found += [Link(number, m.group(1), False) for m in LINK_RE.finditer(line)]
            found += [Link(number, m.group(1), True) for m in IMAGE_RE.finditer(line)]
        return found

    def section(self, title, level=2):
        """The first heading of that level whose text starts with title (any case), up to the next
        heading of the same or a higher level; None if there is none."""
        for k, h in enumerate(self.headings):
            if h.level == level and h.text.lower().startswith(title.lower()):
                end = next((o.line for o in self.headings[k + 1:] if o.level <= level), len(self.lines) + 1)
                lines = self.lines[h.line - 1:end - 1]
                return Section(h, end, lines, self.items(h.line + 1, end))
        return None

    def items(self, first, end):
        """The list items of lines [first, end): continuation lines are indented ones, blank lines
        in between allowed; an unindented paragraph ends the item above it."""
        items = []
        for number in range(first, end):
            line = self.lines[number - 1]
            fence = self.fence_at[number - 1]
            if fence is not None:
                if fence.indent == 0:
                    items.append(None)  # a block of its own: lines after it belong to no item
                continue
            m = BULLET_RE.match(line)
            if m:
                items.append(Item(number, len(m.group(1)), m.group(2)))
            elif not line.strip():
                continue
            elif line[:1].isspace() and items and items[-1] is not None:
                items[-1].text += " " + line.strip()
            else:
                items.append(None)
        return [it for it in items if it is not None]

    def tables(self):
        """GitHub tables: a row with a '|', a delimiter row, then rows up to a blank line."""
        found, i, n = [], 0, len(self.lines)
        while i + 1 < n:
            head, delim = self.lines[i], self.lines[i + 1]
            if (self.fence_at[i] is None and self.fence_at[i + 1] is None and "|" in head
                    and "|" in delim and TABLE_DELIM_RE.match(delim)):
                table = Table(i + 1, split_row(head), [])
                i += 2
                while i < n and self.fence_at[i] is None and "|" in self.lines[i] and self.lines[i].strip():
                    table.rows.append((i + 1, split_row(self.lines[i])))
                    i += 1
                found.append(table)
            else:
                i += 1
        return found


def split_row(line):
    """A table row's cells, stripped; a '\\|' stays inside its cell."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in CELL_SPLIT_RE.split(s)]


# --- the snapshot rules' lists ---------------------------------------------------------------

def parse_change(item):
    """The Change an item of a "What changed" list states."""
    m = CHANGE_RE.match(item.text)
    if m:
        path = m.group(2).strip()
        path = path[2:] if path.startswith("./") else path
        note = NOTE_SEP_RE.sub("", m.group(3), count=1).strip()
        return Change(item.line, m.group(1).lower(), path, note)
    if STATUS_ONLY_RE.match(item.text):
        return Change(item.line, None, None,
                      problem="bullet starts with added/changed/removed but has no `path` right after it")
    bare = BARE_PATH_RE.match(item.text)
    if bare:
        return Change(item.line, None, bare.group(1),
                      problem=f"bullet names a file without saying how it changed; write {CHANGE_FORMAT}")
    return Change(item.line, None, None, problem=f"bullet is not a file entry; write {CHANGE_FORMAT}")


def what_changed(doc):
    """(section, [Change]) of the '## What changed' section, or None when there is none.

    A bullet nested under another that does not name a file is a note on that bullet: no entry,
    and no problem either."""
    section = doc.section("What changed")
    if section is None:
        return None
    changes, top = [], None
    for item in section.items:
        change = parse_change(item)
        if change.problem is None or top is None or item.indent <= top.indent:
            changes.append(change)
            if top is None or item.indent <= top.indent:
                top = item
    return section, changes


def retired_tests(doc):
    """(section, [(line, names in backticks, text without them)]) of '## Retired tests', or None."""
    section = doc.section("Retired tests")
    if section is None:
        return None
    notes = [(it.line, re.findall(r"`([^`]+)`", it.text), re.sub(r"`[^`]*`", "", it.text))
             for it in section.items]
    return section, notes
