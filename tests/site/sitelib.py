"""What the site tests share: build the site, and read a page's HTML into a small model."""
import html.parser
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD_SITE = os.path.join(ROOT, "tools", "build-site")
MERMAID_BUNDLE = os.path.join(ROOT, "tools", "site", "node_modules", "mermaid", "dist", "mermaid.min.js")
SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests


def fail(msg):
    print(f"FAILED: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}")


def build_site(out, env=None):
    """tools/build-site --out OUT on this checkout; returns its CompletedProcess (text)."""
    r = subprocess.run([sys.executable, BUILD_SITE, "--root", ROOT, "--out", out], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if r.returncode != 0:
        fail(f"tools/build-site exited {r.returncode}: {r.stderr[-2000:]}")
    return r


class Page(html.parser.HTMLParser):
    """The parts of a page the tests look at."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.headings = []  # (tag, id or None)
        self.tables = 0
        self.main_links = []  # href of every <a> inside <main>
        self.nav_links = []  # (href, text, is current)
        self.mermaid_pre = 0
        self.mermaid_svgs = 0  # <svg> elements inside a <pre class="mermaid">
        self.mermaid_text = []
        self.scripts = []
        self.title = ""
        self._stack = []
        self._nav_current = None
        self._nav_href = None
        self._in_title = False
        self.feed(text)
        self.close()

    def _inside(self, pred):
        return any(pred(tag, attrs) for tag, attrs in self._stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append((tag, a.get("id")))
        elif tag == "table":
            self.tables += 1
        elif tag == "script" and "src" in a:
            self.scripts.append(a["src"])
        elif tag == "title":
            self._in_title = True
        elif tag == "pre" and "mermaid" in a.get("class", "").split():
            self.mermaid_pre += 1
        elif tag == "svg" and self._inside(lambda t, at: t == "pre" and "mermaid" in at.get("class", "")):
            if not self._inside(lambda t, at: t == "svg"):
                self.mermaid_svgs += 1
        elif tag == "a":
            if self._inside(lambda t, at: t == "main"):
                self.main_links.append(a.get("href", ""))
            if self._inside(lambda t, at: t == "nav" and "site-nav" in at.get("class", "")):
                self._nav_href = a.get("href", "")
                self._nav_current = a.get("aria-current") == "page"
                self.nav_links.append([self._nav_href, "", self._nav_current])
        if tag not in ("meta", "link", "br", "hr", "img", "input"):
            self._stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._stack and self._stack[-1][0] == "a" and self.nav_links and self._nav_href is not None \
                and self._inside(lambda t, at: t == "nav"):
            self.nav_links[-1][1] += data
        if self._inside(lambda t, at: t == "pre" and "mermaid" in at.get("class", "")):
            self.mermaid_text.append(data)


def relative(href):
    """A link within the site (not another site, not this page's own anchor)."""
    return bool(href) and not href.startswith(("#", "http://", "https://", "mailto:", "/"))
