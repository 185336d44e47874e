"""The built catalogue in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
opens the catalogue page and a theorem page; the math must have been typeset by MathJax (no raw ``\\(``
left), every image must have loaded, and every internal link must resolve (file and fragment).

Set ``MONOVERIFY_SCREENSHOTS=DIR`` to keep PNG screenshots of both pages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from _docs import build_site, need_modules, unavailable

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
THEOREM_PAGE = "pp.last_iterate"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("docs"))


@pytest.fixture(scope="module")
def browser():
    need_modules("selenium")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        unavailable("chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="monoverify-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}", "--window-size=1280,1600"]:
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("id", "name") and v:
                self.ids.add(v)


def _ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        p = _Ids()
        p.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = p.ids
    return cache[path]


def _open_and_check(browser, page: Path, shots: str | None) -> dict:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.execute_script(
        "return Array.from(document.scripts).some(s => s.src.includes('mathjax'))"), f"{page.name} loads no MathJax"
    # MathJax 3: wait until its startup promise (the first typesetting) has resolved
    WebDriverWait(browser, 90).until(lambda d: d.execute_script(
        "if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;"
        "if (window.__mjdone === undefined) { window.__mjdone = false;"
        " MathJax.startup.promise.then(() => { window.__mjdone = true; }); }"
        "return window.__mjdone;"))
    info = browser.execute_script("""
        const imgs = Array.from(document.images);
        return {
          text: document.body.innerText,
          math: document.querySelectorAll('mjx-container').length,
          mathSpans: document.querySelectorAll('span.math, div.math').length,
          mathErrors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
          images: imgs.map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
          links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
          mathjax: Array.from(document.scripts).map(s => s.src).filter(s => s.includes('mathjax')),
        };""")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(1280, min(max(int(height), 900), 3200))
        browser.save_screenshot(str(Path(shots) / f"{page.stem}.png"))
        browser.set_window_size(1280, 1600)
    return info


def _check_links(info: dict, page: Path, site: Path) -> int:
    cache: dict = {}
    checked = 0
    for href in info["links"]:
        url, frag = urldefrag(href)
        parsed = urlparse(url)
        if parsed.scheme != "file":
            continue                                          # external links are not followed
        target = Path(unquote(parsed.path))
        assert target.exists(), f"{page.name}: broken link {href}"
        assert site.resolve() in target.resolve().parents or target.resolve() == site.resolve(), href
        if frag and target.suffix == ".html":
            assert unquote(frag) in _ids(target, cache), f"{page.name}: link {href}: no id {frag!r} in {target.name}"
        checked += 1
    return checked


@pytest.mark.parametrize("page", ["catalogue/index.html", f"catalogue/{THEOREM_PAGE}.html"])
def test_page_renders_math_loads_images_and_links_resolve(site, browser, page):
    path = site / page
    assert path.is_file(), page
    info = _open_and_check(browser, path, os.environ.get("MONOVERIFY_SCREENSHOTS"))
    assert info["mathjax"] and all(src.startswith("file:") for src in info["mathjax"]), info["mathjax"]
    assert info["mathSpans"] > 0, "the page has no math to render"
    assert info["math"] >= info["mathSpans"], "not every formula was typeset"
    assert info["mathErrors"] == 0
    assert "\\(" not in info["text"] and "\\[" not in info["text"], "raw TeX left after MathJax"
    assert info["images"] or page.endswith("index.html")
    for img in info["images"]:
        assert img["ok"], f"image did not load: {img['src']}"
    assert _check_links(info, path, site) > 10
    if page.endswith(f"{THEOREM_PAGE}.html"):
        assert THEOREM_PAGE in info["text"] and "Verdict of this build" in info["text"]
        assert info["images"], "the theorem page shows its curves"
