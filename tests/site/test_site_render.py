#!/usr/bin/env python3
"""tools/build-site's output, without a browser or a server.

With cmark-gfm: every Markdown file has its page beside it and a folder with a README.md an
index.html; every heading has an id, spelled by tools/check-links' slug rules; every
relative link of every page names a file of the site (a folder: its index.html) and, into a
page, an id of that page; no link in a page's text still points at a .md file; Mermaid fences
become <pre class="mermaid"> with the bundle's script when the bundle is installed.
Then with cmark-gfm hidden (PATH without it): the Markdown fallback. And a folder that
build-site did not make is never emptied.

  test_site_render.py
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sitelib import BUILD_SITE, MERMAID_BUNDLE, ROOT, Page, build_site, check, fail, relative  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ left in tools/
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mdlib  # noqa: E402


def anchors(path):
    """The anchors check-links accepts for a Markdown file (mdlib's)."""
    with open(path, encoding="utf-8") as f:
        return mdlib.Document(f.read()).anchors


def target_file(out, page_rel, href):
    """The file a relative href of page_rel names in the site, and its anchor."""
    path, _, anchor = (unquote(part) for part in href.partition("#"))
    dest = os.path.normpath(os.path.join(out, os.path.dirname(page_rel), path))
    if os.path.isfile(os.path.join(dest, "index.html")):
        dest = os.path.join(dest, "index.html")  # a folder without one: httpd lists it
    return dest, anchor


def rendered(out, md_files):
    for rel in md_files:
        page = rel[:-3] + ".html"
        if not os.path.isfile(os.path.join(out, page)) or not os.path.isfile(os.path.join(out, rel)):
            fail(f"{rel}: no {page} or no copy of {rel} in the site")
        if os.path.basename(rel) == "README.md" and \
                not os.path.isfile(os.path.join(out, os.path.dirname(rel), "index.html")):
            fail(f"{os.path.dirname(rel) or '.'}/ has a README.md but no index.html")
    check(True, f"all {len(md_files)} Markdown files have their page, their copy, and a README its index.html")

    pages = {}
    for rel in md_files:
        with open(os.path.join(out, rel[:-3] + ".html"), encoding="utf-8") as f:
            pages[rel] = Page(f.read())

    for rel, page in pages.items():
        ids = [h_id for _, h_id in page.headings]
        if None in ids or len(set(ids)) != len(ids):
            fail(f"{rel[:-3]}.html: a heading without an id, or two with the same: {ids}")
        # check-links accepts these anchors for the file: same slug rules, so all ours are among them.
        strange = set(ids) - anchors(os.path.join(ROOT, rel))
        if strange:
            fail(f"{rel[:-3]}.html: heading ids check-links would not accept: {sorted(strange)[:5]}")
    check(True, "every heading has a unique id, spelled as check-links spells GitHub's anchors")

    checked = 0
    for rel, page in pages.items():
        page_rel = rel[:-3] + ".html"
        for href in page.main_links:
            if href.startswith("#") and len(href) > 1:
                if unquote(href[1:]) not in page.ids:  # cmark-gfm percent-encodes, a browser decodes
                    fail(f"{page_rel}: link {href}: no such id in the page")
                checked += 1
                continue
            if not relative(href):
                continue
            path = href.partition("#")[0]
            if path.endswith(".md"):
                fail(f"{page_rel}: link {href} still points at Markdown")
            dest, anchor = target_file(out, page_rel, href)
            if not os.path.exists(dest):
                fail(f"{page_rel}: link {href}: no {os.path.relpath(dest, out)} in the site")
            if anchor and dest.endswith(".html"):
                with open(dest, encoding="utf-8") as f:
                    if anchor not in Page(f.read()).ids:
                        fail(f"{page_rel}: link {href}: no id {anchor} in {os.path.relpath(dest, out)}")
            checked += 1
    check(checked > 100, f"{checked} relative links of the pages resolve in the site, anchors included")

    readme = pages["README.md"]
    check("docs/architecture.html" in readme.main_links, "README's docs/architecture.md link became .html")
    check(any(h.endswith("03-epoll-poller/") for h in readme.main_links),
          "README's link to a chapter folder stays a folder (its index.html)")
    current = [text for _, text, cur in readme.nav_links if cur]
    check(current == ["Home"], f"the home page marks Home in the nav bar (marked: {current})")
    ch03 = pages["chapters/03-epoll-poller/README.md"]
    check(ch03.tables > 0, "chapter 03 has its tables")
    check([t for _, t, cur in ch03.nav_links if cur] == ["03"], "chapter 03 marks 03 in the nav bar")
    check(ch03.title.startswith("Chapter 03"), f"the title is the first heading: {ch03.title!r}")

    flows = pages["docs/call-flows.md"]
    with open(os.path.join(ROOT, "docs", "call-flows.md"), encoding="utf-8") as f:
        fences = len(re.findall(r"^```mermaid\s*$", f.read(), re.M))
    if os.path.isfile(MERMAID_BUNDLE):
        check(flows.mermaid_pre == fences > 0, f"call-flows: {fences} mermaid fences, as many <pre class=\"mermaid\">")
        check(flows.scripts == ["../assets/mermaid.min.js"], "call-flows loads the bundle from assets/")
        check(os.path.isfile(os.path.join(out, "assets", "mermaid.min.js")), "the bundle is copied into assets/")
        check(any("sequenceDiagram" in t for t in flows.mermaid_text),
              "the diagram source is the block's text, unescaped, for Mermaid to read")
    else:
        print("note: no Mermaid bundle (npm ci --prefix tools/site): diagrams stay as code")
        check(flows.mermaid_pre == 0 and not flows.scripts, "without the bundle: code blocks, no script")
    check(not pages["docs/glossary.md"].scripts, "a page without diagrams loads no script")


def fallback(out):
    """cmark-gfm hidden: a bin folder with git only stands in for PATH."""
    bindir = tempfile.mkdtemp(prefix="site-bin-")
    try:
        git = shutil.which("git")
        if git:
            os.symlink(git, os.path.join(bindir, "git"))
        env = dict(os.environ, PATH=bindir)
        r = build_site(out, env=env)
    finally:
        shutil.rmtree(bindir)
    check("cmark-gfm" in r.stderr and "Markdown" in r.stderr,
          f"the fallback says so on stderr: {r.stderr.strip()[:120]}")
    check(os.path.isfile(os.path.join(out, "README.md")) and
          os.path.isfile(os.path.join(out, "chapters", "03-epoll-poller", "README.md")),
          "the fallback site holds the Markdown files")
    htmls = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs if f.endswith(".html")]
    check(htmls == [os.path.join(out, "index.html")], "and only one page: index.html")
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        links = re.findall(r'href="([^"]+)"', f.read())
    check("README.md" in links and "docs/call-flows.md" in links and all(os.path.isfile(os.path.join(out, h)) for h in links),
          f"index.html links to every Markdown file ({len(links)}), each there")


def refuses_foreign(tmp):
    foreign = os.path.join(tmp, "foreign")
    os.makedirs(foreign)
    keep = os.path.join(foreign, "keep.txt")
    with open(keep, "w") as f:
        f.write("not the site's\n")
    r = subprocess.run([sys.executable, BUILD_SITE, "--root", ROOT, "--out", foreign],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    check(r.returncode != 0 and os.path.isfile(keep),
          "a non-empty folder build-site did not make is refused and left alone")


def main():
    tmp = tempfile.mkdtemp(prefix="site-render-")
    try:
        if shutil.which("cmark-gfm"):
            out = os.path.join(tmp, "site")
            build_site(out)
            rendered(out, sorted(os.path.relpath(os.path.join(d, f), out)
                                 for d, _, fs in os.walk(out) for f in fs if f.endswith(".md")))
            # A second run replaces the first (its marker file says it may).
            build_site(out)
            check(os.path.isfile(os.path.join(out, "index.html")), "a rebuild into the same folder works")
        else:
            print("note: no cmark-gfm: only the fallback is tested")
        fallback(os.path.join(tmp, "fallback"))
        refuses_foreign(tmp)
    finally:
        shutil.rmtree(tmp)
    print("site render: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
