"""Renders the repository's Markdown into a static site that install/bin/httpd can serve.

    tools/build-site --out DIR [--root REPO]

DIR mirrors the repository: every git-tracked file up to 1 MiB is copied (the sources, patches
and SVGs the text links to), every X.md is also rendered to X.html beside it, and a folder with
a README.md gets an index.html. Relative links to X.md become X.html (README.md: the folder),
headings get GitHub's anchors as ids (mdlib's, the rules tools/check-links checks anchors with, so
every anchor that check accepts works here), and ```mermaid fences become diagrams drawn in the browser by Mermaid's
bundle, copied from tools/site/node_modules (npm ci --prefix tools/site) when it is installed.

The renderer is cmark-gfm (GitHub's CommonMark, with its table, strikethrough, autolink and
tagfilter extensions). Without it the tool still succeeds: DIR holds the Markdown files and an
index.html that links to them (they are served as text), and stderr says so.
"""
import argparse
import html
import os
import re
import shutil
import subprocess
import sys

import mdlib

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_COPY = 1024 * 1024  # larger tracked files would be data, not something the text links to
MARKER = ".mymuduo-site"  # in DIR: this tool made it, so a rebuild may empty it
EXTENSIONS = ["table", "strikethrough", "autolink", "tagfilter"]
MERMAID_BUNDLE = os.path.join("node_modules", "mermaid", "dist", "mermaid.min.js")  # UMD: global `mermaid`


def tracked_files(root, out):
    """Repository files to publish: git's list when it is a checkout, else a walk."""
    r = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if r.returncode == 0:
        names = r.stdout.splitlines()
    else:
        names = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "build", "install"))
                           and d != "node_modules" and os.path.join(dirpath, d) != out]
            names += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames]
    files = []
    for rel in sorted(names):
        path = os.path.join(root, rel)
        if os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) <= MAX_COPY:
            files.append(rel)
    return files


def prepare_out(out):
    if os.path.isdir(out) and os.listdir(out):
        if not os.path.exists(os.path.join(out, MARKER)):
            sys.exit(f"build-site: {out} is not empty and was not made by build-site; not touching it")
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, MARKER), "w") as f:
        f.write("made by tools/build-site; emptied by its next run\n")


def copy_files(root, out, files):
    for rel in files:
        dest = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), dest)


# --- rendering -------------------------------------------------------------------------------

HEADING_TAG_RE = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
HREF_RE = re.compile(r'(<a href=")([^"]*)(")')
MERMAID_RE = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def text_of(fragment):
    return html.unescape(TAG_RE.sub("", fragment))


def add_heading_ids(body):
    """id="…" on every heading: GitHub's slug of its text, -1, -2 … for repeats."""
    anchors = mdlib.Anchors()

    def one(m):
        anchor = anchors.add(text_of(m.group(2)))
        return (f'<h{m.group(1)} id="{html.escape(anchor)}">{m.group(2)}'
                f'<a class="anchor" href="#{html.escape(anchor)}" aria-hidden="true">#</a></h{m.group(1)}>')

    return HEADING_TAG_RE.sub(one, body)


def rewrite_href(target):
    """A relative link to X.md becomes X.html, to a README.md its folder (index.html)."""
    raw = html.unescape(target)
    if not raw or raw.startswith(("#", "/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", raw):
        return target
    path, sep, anchor = raw.partition("#")
    if path.endswith(".md"):
        if os.path.basename(path) == "README.md":
            path = path[: -len("README.md")] or "./"
        else:
            path = path[: -len(".md")] + ".html"
    return html.escape(path + sep + anchor)


def rewrite_links(body):
    return HREF_RE.sub(lambda m: m.group(1) + rewrite_href(m.group(2)) + m.group(3), body)


def mermaid_blocks(body):
    """cmark-gfm's <pre><code class="language-mermaid"> -> <pre class="mermaid"> (Mermaid's hook)."""
    return MERMAID_RE.subn(lambda m: f'<pre class="mermaid">{m.group(1)}</pre>', body)


def render(cmark, path):
    # --unsafe keeps the raw HTML the Markdown is allowed (the texts are this repository's own):
    # the <details> blocks that fold a diagram's plain-text version away.
    args = [cmark, "--to", "html", "--unsafe"]
    for ext in EXTENSIONS:
        args += ["--extension", ext]
    r = subprocess.run(args + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"build-site: cmark-gfm failed on {path}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode("utf-8")


# --- pages -----------------------------------------------------------------------------------

ZH_README = "README.zh-CN.md"


def nav_entries(root, zh=False):
    """(label, site path of the page, title) for the navigation bar. On a Chinese page (zh) the
    home page and every chapter that has a Chinese text link to that text."""
    def target(folder):
        if zh and os.path.isfile(os.path.join(root, folder, ZH_README)):
            return os.path.join(folder, ZH_README[:-3] + ".html").lstrip("/")
        return folder + "/" if folder else ""
    entries = [("Home", target(""), "MyMuduo"), ("Docs", "docs/", "docs/README.md")]
    chapters = os.path.join(root, "chapters")
    if os.path.isdir(chapters):
        for name in sorted(os.listdir(chapters)):
            if re.match(r"^\d\d-", name) and os.path.isfile(os.path.join(chapters, name, "README.md")):
                entries.append((name[:2], target(f"chapters/{name}"), name[3:].replace("-", " ")))
    if os.path.isfile(os.path.join(root, "final", "README.md")):
        entries.append(("Final", "final/", "final/: the finished library"))
    return entries


def current_entry(entries, rel):
    """The nav entry a page belongs to: Home for the top README, else its folder's entry."""
    folder = os.path.dirname(rel)
    if not folder:
        return "Home" if rel.startswith("README") else None
    for label, target, _ in entries:
        target_dir = target if not target or target.endswith("/") else os.path.dirname(target) + "/"
        if target_dir and (folder + "/").startswith(target_dir):
            return label
    return None


def language_switch(root, rel):
    """(label, site path) of the same text in the other language, or None: README.md and
    X.md beside README.zh-CN.md and X.zh-CN.md."""
    if rel.endswith(".zh-CN.md"):
        other, label = rel[: -len(".zh-CN.md")] + ".md", "English"
    else:
        other, label = rel[: -len(".md")] + ".zh-CN.md", "中文"
    if not os.path.isfile(os.path.join(root, other)):
        return None
    return label, os.path.basename(other)[:-3] + ".html"


def page(*, title, body, prefix, entries, current, lang, source_name, mermaid, switch=None):
    links = []
    for label, target, hint in entries:
        href = prefix + target if prefix + target else "./"
        attrs = ' class="current" aria-current="page"' if label == current else ""
        links.append(f'<a href="{html.escape(href)}" title="{html.escape(hint)}"{attrs}>{label}</a>')
    if switch is not None:
        label, href = switch
        other_lang = "en" if label == "English" else "zh-CN"
        links.append(f'<a class="lang-switch" href="{html.escape(href)}" hreflang="{other_lang}" '
                     f'lang="{other_lang}">{label}</a>')
    scripts = ""
    if mermaid:
        scripts = (f'<script src="{prefix}assets/mermaid.min.js"></script>\n'
                   '<script>mermaid.initialize({ startOnLoad: false, theme: "neutral", '
                   'securityLevel: "strict" }); mermaid.run({ querySelector: "pre.mermaid" });</script>\n')
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title if title == "MyMuduo" else title + " · MyMuduo")}</title>
<link rel="stylesheet" href="{prefix}assets/style.css">
</head>
<body>
<nav class="site-nav" aria-label="Tutorial">
{chr(10).join(links)}
</nav>
<main class="page">
{body}
</main>
<footer class="site-footer">Rendered from <a href="{html.escape(source_name)}">{html.escape(source_name)}</a>.</footer>
{scripts}</body>
</html>
"""


def build_html(root, out, cmark, md_files, bundle):
    entries_by_lang = {"en": nav_entries(root), "zh-CN": nav_entries(root, zh=True)}
    have_mermaid = bundle is not None
    diagrams = 0
    for rel in md_files:
        body = render(cmark, os.path.join(root, rel))
        m = HEADING_TAG_RE.search(body)
        title = text_of(m.group(2)).strip() if m else rel
        body = rewrite_links(add_heading_ids(body))
        body, n = mermaid_blocks(body) if have_mermaid else (body, 0)
        diagrams += n
        page_dir = os.path.dirname(rel)
        prefix = "../" * (rel.count("/"))
        lang = "zh-CN" if ".zh-CN." in rel else "en"
        entries = entries_by_lang[lang]
        text = page(title=title, body=body, prefix=prefix, entries=entries,
                    current=current_entry(entries, rel), lang=lang,
                    source_name=os.path.basename(rel), mermaid=n > 0,
                    switch=language_switch(root, rel))
        html_path = os.path.join(out, rel[:-3] + ".html")
        os.makedirs(os.path.dirname(html_path), exist_ok=True)
        with open(html_path, "w", encoding="utf-8") as f:
            f.write(text)
        if os.path.basename(rel) == "README.md":
            shutil.copyfile(html_path, os.path.join(out, page_dir, "index.html"))
    return diagrams


def build_fallback(out, md_files):
    """No renderer: one index.html that links to the Markdown files themselves."""
    items = "\n".join(f'<li><a href="{html.escape(rel)}">{html.escape(rel)}</a></li>' for rel in md_files)
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as f:
        f.write(f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>MyMuduo</title></head>
<body>
<h1>MyMuduo</h1>
<p>The tutorial's Markdown files (this site was built without cmark-gfm, so they are served as
text; install cmark-gfm and rebuild for the rendered pages):</p>
<ul>
{items}
</ul>
</body>
</html>
""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the site's folder (made or replaced)")
    parser.add_argument("--root", default=os.path.join(HERE, ".."), help="the repository")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    out = os.path.abspath(args.out)
    if out == root or root.startswith(out + os.sep):
        sys.exit("build-site: --out must not be the repository or contain it")

    files = tracked_files(root, out)
    md_files = [f for f in files if f.endswith(".md")]
    prepare_out(out)
    copy_files(root, out, files)

    cmark = shutil.which("cmark-gfm")
    if cmark is None:
        build_fallback(out, md_files)
        print("build-site: cmark-gfm not found: the site is the Markdown files (served as text) "
              "and an index.html listing them; install cmark-gfm for the rendered pages",
              file=sys.stderr)
        print(f"build-site: {len(files)} files copied into {out} (Markdown fallback)")
        return 0

    assets = os.path.join(out, "assets")
    os.makedirs(assets, exist_ok=True)
    shutil.copyfile(os.path.join(HERE, "site", "style.css"), os.path.join(assets, "style.css"))
    bundle = os.path.join(HERE, "site", MERMAID_BUNDLE)
    if os.path.isfile(bundle):
        shutil.copyfile(bundle, os.path.join(assets, "mermaid.min.js"))
    else:
        bundle = None
        print("build-site: no Mermaid bundle (tools/site/node_modules/mermaid; install it with "
              "`npm ci --prefix tools/site`): diagrams stay as code", file=sys.stderr)
    diagrams = build_html(root, out, cmark, md_files, bundle)
    print(f"build-site: {len(md_files)} pages rendered, {len(files)} files copied, "
          f"{diagrams} Mermaid diagrams, into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
