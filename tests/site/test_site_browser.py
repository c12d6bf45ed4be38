#!/usr/bin/env python3
"""The rendered tutorial in a real browser: tools/build-site into a scratch folder, served by
the newest httpd on an ephemeral port, loaded by headless Chromium.

Five pages (the home page, chapter 03, docs/call-flows.html, README.zh-CN.html and chapter 03 in
Chinese) are each loaded twice: once for the DOM after the scripts ran (--dump-dom) and once for a screenshot. Checked: headings with
ids, the nav bar with the page's entry marked, relative links rewritten to .html (and each one
answered 200 by httpd), chapter 03's tables, and on call-flows every <pre class="mermaid">
holding an <svg> that Mermaid drew (no "Syntax error" diagram), and the language switch between
chapter 03 and its Chinese text. Screenshots go to ARTIFACTS.

  test_site_browser.py HTTPD ARTIFACTS

Exit 77 (skipped) when chromium, cmark-gfm, the Mermaid bundle or a font with Chinese glyphs
(fontconfig's `fc-list :lang=zh`; Debian: fonts-noto-cjk) is missing, unless
MYMUDUO_REQUIRE_SITE=1 (CI), which makes that a failure.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sitelib import MERMAID_BUNDLE, ROOT, SKIP, Page, build_site, check, fail, relative  # noqa: E402

BROWSER_TIMEOUT = 90  # seconds per Chromium run; a hung browser fails, never stalls CTest
PAGES = [  # (path, screenshot name)
    ("", "site-index.png"),
    ("chapters/03-epoll-poller/", "site-chapter03.png"),
    ("docs/call-flows.html", "site-call-flows.png"),
    ("README.zh-CN.html", "site-zh-CN.png"),  # Chinese text: needs a CJK font, or it is boxes
    ("chapters/03-epoll-poller/README.zh-CN.html", "site-chapter03-zh-CN.png"),
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def cjk_font():
    """Whether fontconfig, which Chromium draws text through, knows a font covering Chinese."""
    if not shutil.which("fc-list"):
        return False
    r = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() != ""


def prerequisites():
    chromium = find_chromium()
    missing = []
    if not chromium:
        missing.append("chromium")
    if not shutil.which("cmark-gfm"):
        missing.append("cmark-gfm")
    if not os.path.isfile(MERMAID_BUNDLE):
        missing.append("the Mermaid bundle (npm ci --prefix tools/site)")
    if not cjk_font():
        missing.append("a font with Chinese glyphs (fonts-noto-cjk)")
    if missing:
        msg = "missing: " + ", ".join(missing)
        if os.environ.get("MYMUDUO_REQUIRE_SITE") == "1":
            fail(f"{msg} (MYMUDUO_REQUIRE_SITE=1)")
        print(f"skipped: {msg}")
        sys.exit(SKIP)
    return chromium


def start_httpd(httpd, root):
    proc = subprocess.Popen([httpd, "--port", "0", "--root", root], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on [0-9.]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    fail(f"httpd did not say where it listens: {proc.stdout.read()[-2000:]}")


def stop_httpd(proc):
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("httpd did not stop within 10 s of SIGINT")
    check(rc == 0, "httpd exits 0 on SIGINT")


def chromium_run(chromium, scratch, *args):
    """One headless Chromium with a profile of its own; returns its stdout."""
    profile = tempfile.mkdtemp(prefix="profile-", dir=scratch)
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--no-proxy-server", f"--user-data-dir={profile}",
            # Virtual time runs the page's scripts (Mermaid) to completion before the dump.
            "--virtual-time-budget=15000", *args]
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f"chromium did not finish within {BROWSER_TIMEOUT} s: {' '.join(args)}")
    if r.returncode != 0:
        fail(f"chromium exited {r.returncode}: {r.stderr[-2000:]}")
    return r.stdout


def http_status(url):
    try:
        # No proxy: the server is on this machine, whatever http_proxy says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    httpd, artifacts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    chromium = prerequisites()
    os.makedirs(artifacts, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="site-browser-")
    proc = None
    try:
        site = os.path.join(scratch, "site")
        t0 = time.monotonic()
        build_site(site)
        print(f"figure: build-site {time.monotonic() - t0:.2f} s")
        proc, port = start_httpd(httpd, site)
        base = f"http://127.0.0.1:{port}/"
        dom = {}
        for path, shot in PAGES:
            url = base + path
            t0 = time.monotonic()
            dom[path] = Page(chromium_run(chromium, scratch, "--dump-dom", url))
            png = os.path.join(artifacts, shot)
            if os.path.exists(png):
                os.remove(png)
            chromium_run(chromium, scratch, f"--screenshot={png}", "--window-size=1280,1600",
                         "--hide-scrollbars", url)
            with open(png, "rb") as f:
                head = f.read(8)
            check(head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(png) > 20000,
                  f"/{path}: screenshot {png} ({os.path.getsize(png)} bytes)")
            print(f"figure: /{path} in chromium {time.monotonic() - t0:.2f} s")

        for path, page in dom.items():
            ids = [h_id for _, h_id in page.headings]
            check(len(ids) > 3 and None not in ids, f"/{path}: {len(ids)} headings, each with an id")
            check(len(page.nav_links) >= 13, f"/{path}: the nav bar ({len(page.nav_links)} entries)")
            local = [h for h in page.main_links if relative(h)]
            check(not any(h.partition("#")[0].endswith(".md") for h in local),
                  f"/{path}: no link of the text points at Markdown")
            bad = []
            for href in sorted(set(h.partition("#")[0] for h in local)):
                status = http_status(urllib.parse.urljoin(base + path, href))
                if status != 200:
                    bad.append(f"{href} ({status})")
            check(not bad, f"/{path}: its {len(set(local))} relative links answer 200 {bad[:5]}")

        home = dom[""]
        check([t for _, t, cur in home.nav_links if cur] == ["Home"], "/: Home is marked in the nav bar")
        check("docs/architecture.html" in home.main_links, "/: docs/architecture.md became docs/architecture.html")
        check(home.title.startswith("MyMuduo"), f"/: the title is the first heading ({home.title!r})")

        ch03 = dom["chapters/03-epoll-poller/"]
        check(ch03.tables >= 1, f"chapter 03: {ch03.tables} tables")
        check([t for _, t, cur in ch03.nav_links if cur] == ["03"], "chapter 03: 03 is marked in the nav bar")
        check(any(h.endswith(".html") or ".html#" in h for h in ch03.main_links if relative(h)),
              "chapter 03: a relative link rewritten to .html")

        check(any(t == "中文" for _, t, _ in ch03.nav_links), "chapter 03: the nav bar switches to 中文")
        zh03 = dom["chapters/03-epoll-poller/README.zh-CN.html"]
        check("第 03 章" in zh03.title, f"chapter 03 in Chinese: the title is its heading ({zh03.title!r})")
        check([t for _, t, cur in zh03.nav_links if cur] == ["03"],
              "chapter 03 in Chinese: 03 is marked in the nav bar")
        check(any(t == "English" for _, t, _ in zh03.nav_links),
              "chapter 03 in Chinese: the nav bar switches to English")
        check(any(h.endswith("README.zh-CN.html") for h, _, _ in zh03.nav_links),
              "chapter 03 in Chinese: the nav bar leads to the other chapters' Chinese texts")

        flows = dom["docs/call-flows.html"]
        with open(os.path.join(ROOT, "docs", "call-flows.md"), encoding="utf-8") as f:
            fences = len(re.findall(r"^```mermaid\s*$", f.read(), re.M))
        check(flows.mermaid_pre == fences > 0, f"call-flows: {flows.mermaid_pre} <pre class=\"mermaid\">")
        check(flows.mermaid_svgs == fences, f"call-flows: Mermaid drew an <svg> in each ({flows.mermaid_svgs})")
        text = "".join(flows.mermaid_text)
        check("Syntax error" not in text and "TcpServer" in text,
              "call-flows: the diagrams are the real ones (their labels), no syntax-error diagram")
    finally:
        if proc is not None and proc.poll() is None:
            stop_httpd(proc)
        shutil.rmtree(scratch, ignore_errors=True)
    print("site browser: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
