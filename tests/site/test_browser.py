"""The built book in a real browser: Debian's Chromium, driven by Playwright.

Every page of _toc.yml is served from a local http.server (127.0.0.1, a free
port) and loaded once; the tests then check what a reader would notice: console
errors, math left as raw TeX, images that did not load or have no alt text,
error or stderr cell outputs, launch buttons that open the wrong notebook, and a
search box that finds nothing; and the "Live Code" button of every chapter,
configured to start this repository's Binder environment (its configuration is
checked, not the launch: no network).

No internet here or in CI, and a reader may have none either: every request that
leaves the local server is blocked and fails the page, because the page would
then depend on a resource nobody checked. MathJax is part of the built site
(book/_ext/offline_mathjax.py), and a page opened from disk (file://, no server)
must typeset too.

Without a browser the tests skip with the reason; with CI=true that is a
failure. Set REGBOOK_CHROMIUM to use another Chromium
binary.

Screenshots: one full-page PNG per page in the `screenshots` directory beside
the checked HTML directory, i.e. _build/screenshots/ for _build/html
(git-ignored), or /tmp/x/_build/screenshots/ for
REGBOOK_HTML=/tmp/x/_build/html."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import yaml
from conftest import ERROR_OUTPUTS, HTML, ROOT, notebook_pages, toc_pages

PAGES = toc_pages()
NOTEBOOK_PAGES = notebook_pages()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
SCREENSHOTS = HTML.parent / "screenshots"

CHROMIUM = Path(os.environ.get("REGBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
# Search terms, most telling first: the chapter on the Keras API (book/03_*)
# must make the first one findable; until it exists the test uses the first term
# that is in the book.
SEARCH_TERMS = ("kernel_regularizer", "multi_hot")
# TeX that MathJax should have replaced: $$...$$, $...$, \( \) \[ \] and
# environments.
RAW_TEX = re.compile(
    r"\$\$.+?\$\$|(?<![\\$\w])\$[^\s$][^$\n]*?(?<!\s)\$(?!\w)|\\[()\[\]]|\\begin\{",
    re.S,
)


def unavailable(reason: str):
    """A missing tool skips the browser test locally and fails it in CI."""
    if CI:
        pytest.fail(f"{reason} (CI=true: the browser test must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(
            f"no browser at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium) or set REGBOOK_CHROMIUM"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(
            "the Python package playwright is not installed (requirements.txt)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(
        self, *args
    ):  # the browser's view of failures is what the tests check
        pass


@pytest.fixture(scope="session")
def site(html_root):
    """Base URL of the built book, served from 127.0.0.1 on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@dataclass
class Visit:
    """What one page did in the browser, collected once and checked by several
    tests."""

    page: str
    status: int = 0
    console_errors: list[str] = field(default_factory=list)
    own_failures: list[str] = field(
        default_factory=list
    )  # the book's own files
    blocked: list[str] = field(
        default_factory=list
    )  # internet requests refused
    mathjax_loaded: bool = False
    dom: dict = field(default_factory=dict)
    failure: str = ""  # why the page could not be loaded or inspected


# Runs in the page after load (and after MathJax's first typesetting):
# everything the checks need, in one round trip.
COLLECT = """async ([errorOutputs]) => {
  const article = document.querySelector("article")
    || document.querySelector("main") || document.body;
  const images = Array.from(article.querySelectorAll("img"));
  // lazy images load only when scrolled to: load them now
  for (const img of images) {
    img.loading = "eager";
    // a failure is reported below as naturalWidth 0
    try { await img.decode(); } catch (e) { }
  }
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const prose = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest(skip)) prose.push(node.data);
  }
  const maths = Array.from(article.querySelectorAll(".math"));
  // TeX errors: MathJax shows them as <merror>, or (undefined macros) as red
  // text.
  const mathErrors = [];
  const typeset = window.MathJax && MathJax.startup && MathJax.startup.document;
  for (const item of (typeset ? MathJax.startup.document.math : [])) {
    const mml = MathJax.startup.toMML(item.root);
    if (/<merror|mathcolor="red"/.test(mml)) {
      mathErrors.push(item.math.slice(0, 80));
    }
  }
  return {
    prose: prose.join("\\n"),
    text: article.innerText,
    mathElements: maths.length,
    untypeset: maths.filter(m => !m.querySelector("mjx-container"))
      .map(m => m.textContent.slice(0, 80)),
    mjxContainers: article.querySelectorAll("mjx-container").length,
    mathErrors,
    images: images.map(img => ({
      src: img.getAttribute("src"),
      alt: (img.getAttribute("alt") || "").trim(),
      complete: img.complete,
      naturalWidth: img.naturalWidth,
    })),
    errorOutputs: Array.from(article.querySelectorAll(errorOutputs))
      .map(e => e.innerText.slice(0, 300)),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    ...liveCode(),
  };
}"""

# The "Live Code" buttons of the page and Thebe's configuration, as Thebe
# will read it when the button is pressed (a JavaScript object literal).
LIVE_CODE = """
function liveCode() {
  const buttons = Array.from(document.querySelectorAll("button, a"))
    .filter(b => b.textContent.trim() === "Live Code")
    .map(b => b.getAttribute("onclick") || "");
  const script = document.querySelector('script[type="text/x-thebe-config"]');
  let thebe = null;
  if (script) {
    try {
      thebe = Function('"use strict"; return (' + script.textContent + ")")();
    } catch (e) {
      thebe = {error: String(e)};
    }
  }
  const ready = typeof window.initThebeSBT === "function"
    && typeof THEBE_JS_URL === "string";
  return {liveCode: buttons, thebe, thebeReady: ready};
}"""


@pytest.fixture(scope="session")
def visit(chromium, site):
    """visit(page) loads a page of the book once per session and returns its
    Visit."""
    cache: dict[str, Visit] = {}

    def serve_or_block(route, seen: Visit):
        url = route.request.url
        if url.startswith(site):
            return route.continue_()
        seen.blocked.append(url)  # fails test_page_loads_without_console_errors
        return route.abort("blockedbyclient")

    def load(page: str) -> Visit:
        if page not in cache:
            cache[page] = Visit(page)
            try:
                collect(cache[page])
            except Exception as error:
                cache[page].failure = f"{type(error).__name__}: {error}"
        seen = cache[page]
        if seen.failure:
            pytest.fail(
                f"{page}: the browser could not check the page: {seen.failure}"
            )
        return seen

    def collect(seen: Visit) -> None:
        page = seen.page
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", lambda route: serve_or_block(route, seen))
        tab = context.new_page()
        tab.on(
            "console",
            lambda m: (
                m.type == "error"
                and seen.console_errors.append(
                    f"{m.text} (at {m.location.get('url', '?')})"
                )
            ),
        )
        tab.on(
            "pageerror",
            lambda error: seen.console_errors.append(f"uncaught: {error}"),
        )
        tab.on(
            "response",
            lambda r: (
                r.url.startswith(site)
                and r.status >= 400
                and seen.own_failures.append(f"HTTP {r.status} {r.url}")
            ),
        )
        tab.on(
            "requestfailed",
            lambda r: (
                r.url.startswith(site)
                and seen.own_failures.append(f"{r.failure} {r.url}")
            ),
        )
        try:
            response = tab.goto(f"{site}{page}.html", wait_until="load")
            seen.status = response.status if response else 0
            if tab.locator("script[src*='mathjax']").count():
                tab.wait_for_function(
                    "() => window.MathJax && window.MathJax.startup "
                    "&& window.MathJax.startup.promise"
                )
                tab.evaluate(
                    "() => window.MathJax.startup.promise"
                )  # first typesetting done
                seen.mathjax_loaded = True
            tab.add_script_tag(content=LIVE_CODE)
            seen.dom = tab.evaluate(COLLECT, [ERROR_OUTPUTS])
            shot = SCREENSHOTS / f"{page}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()

    return load


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_console_errors(visit, page):
    seen = visit(page)
    assert seen.status == 200, f"{page}.html answered HTTP {seen.status}"
    assert not seen.blocked, (
        f"{page}: the page asks the internet for {seen.blocked}: make the "
        "resource part of the book (a reader may be offline)"
    )
    assert not seen.own_failures, (
        f"{page}: the book's own files failed to load: {seen.own_failures}"
    )
    assert not seen.console_errors, (
        f"{page}: console errors: {seen.console_errors}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset_by_mathjax(visit, page):
    seen = visit(page)
    dom = seen.dom
    raw = [m.group(0)[:60] for m in RAW_TEX.finditer(dom["prose"])]
    assert not raw, f"{page}: TeX left as raw text (not typeset): {raw[:5]}"
    if dom["mathElements"]:
        assert seen.mathjax_loaded, (
            f"{page}: {dom['mathElements']} math elements but MathJax never "
            "loaded"
        )
        assert not dom["untypeset"], (
            f"{page}: math MathJax did not typeset: {dom['untypeset'][:3]}"
        )
        assert dom["mjxContainers"] >= dom["mathElements"], dom
    assert not dom["mathErrors"], (
        f"{page}: MathJax could not parse: {dom['mathErrors']}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_images_loaded_and_have_alt_text(visit, page):
    for img in visit(page).dom["images"]:
        assert img["complete"] and img["naturalWidth"] > 0, (
            f"{page}: image {img['src']} did not load"
        )
        alt = img["alt"]
        assert alt, f"{page}: image {img['src']} has no alt text"
        assert (
            not re.search(r"\.(png|svg|jpe?g|gif)$", alt, re.I)
            and alt not in img["src"]
        ), (
            f"{page}: image {img['src']} has its file name as alt text "
            f"({alt!r}); "
            "describe the figure in the cell's metadata.mystnb.image.alt"
        )


@pytest.mark.parametrize("page", PAGES)
def test_no_error_or_stderr_cell_output(visit, page):
    dom = visit(page).dom
    assert not dom["errorOutputs"], (
        f"{page}: error/stderr cell outputs: {dom['errorOutputs']}"
    )
    assert "Traceback (most recent call last)" not in dom["text"], (
        f"{page}: a traceback on the page"
    )


#: Where a reader's buttons must lead, written out here: the theme builds the
#: links from _config.yml, so expectations derived from _config.yml would agree
#: with a wrong repository, branch or interface there.
REPOSITORY = "https://github.com/regbook-authors/regularization-book"
LAUNCH_LINKS = {
    "Binder": "https://mybinder.org/v2/gh/regbook-authors/regularization-book/"
    "main?urlpath=lab/tree/{notebook}",
    "Colab": "https://colab.research.google.com/github/regbook-authors/"
    "regularization-book/blob/main/{notebook}",
}
LAUNCH_HOSTS = {
    name: urlsplit(url).netloc for name, url in LAUNCH_LINKS.items()
}


def expected_launch_links(page: str) -> dict[str, str]:
    """The Binder (JupyterLab) and Colab addresses of a notebook page: its
    notebook on branch main of the book's repository."""
    notebook = quote(f"{page}.ipynb")
    return {
        name: url.format(notebook=notebook)
        for name, url in LAUNCH_LINKS.items()
    }


def test_launch_links_use_branch_main_and_one_repository():
    repo = CONFIG["repository"]
    assert repo["branch"] == "main", "launch buttons must open branch main"
    assert repo["url"].rstrip("/") == REPOSITORY, repo["url"]
    assert not repo.get("path_to_book", "").strip("/"), "notebooks are in book/"


@pytest.mark.parametrize("page", PAGES)
def test_launch_links_open_this_page_notebook(visit, page):
    links = visit(page).dom["links"]
    if page in NOTEBOOK_PAGES:
        assert (ROOT / f"{page}.ipynb").is_file()
        for name, url in expected_launch_links(page).items():
            found = [
                link
                for link in links
                if urlsplit(link).netloc == LAUNCH_HOSTS[name]
            ]
            assert found == [url], (
                f"{page}: {name} link {found}, expected [{url}]"
            )
    else:  # text pages have nothing to launch
        stray = [
            link
            for link in links
            if urlsplit(link).netloc in LAUNCH_HOSTS.values()
        ]
        assert not stray, (
            f"{page}: launch links on a page that is not a notebook: {stray}"
        )
    assert REPOSITORY in [link.rstrip("/") for link in links], (
        f"{page}: no link to {REPOSITORY}"
    )


def test_search_finds_a_term_of_the_book(visit, chromium, site):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    texts = {page: visit(page).dom["text"] for page in PAGES}
    if any(re.match(r"book/03_", page) for page in PAGES):
        terms = SEARCH_TERMS[:1]  # chapter 3 is the Keras API chapter
    else:
        terms = SEARCH_TERMS
    term = next(
        (t for t in terms if any(t in text for text in texts.values())), None
    )
    assert term, f"none of {terms} appears on any page of the book"
    holders = {page for page, text in texts.items() if term in text}

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith(site) else r.abort()
        ),
    )
    try:
        tab = context.new_page()
        errors = []
        tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
        tab.goto(f"{site}search.html?q={quote(term)}", wait_until="load")
        try:
            tab.wait_for_function(
                "() => (document.querySelector('#search-results "
                ".search-summary') || {}).innerText",
                timeout=20_000,
            )
        except PlaywrightTimeout:
            pytest.fail(
                f"searching {term!r}: the search never finished; console "
                f"errors: {errors}"
            )
        summary = tab.inner_text("#search-results .search-summary")
        hits = tab.eval_on_selector_all(
            "#search-results ul.search li a", "as => as.map(a => a.href)"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
    finally:
        context.close()
    found = {
        urlsplit(h).path.removeprefix(urlsplit(site).path).removesuffix(".html")
        for h in hits
    }
    assert not errors, f"search page console errors: {errors}"
    assert found & holders, (
        f"searching {term!r}: {summary!r}, results {sorted(found)}; "
        f"expected one of the pages that contain it: {sorted(holders)}"
    )


#: What "Live Code" must ask Binder for: this repository (written out, as
#: above), branch main, whose binder/ folder repo2docker builds; a Python kernel
#: started in book/, where the notebooks are (the setup cell then runs as in
#: the notebook).
LIVE_CODE_CONFIG = {
    "repo": "regbook-authors/regularization-book",
    "ref": "main",
    "kernel": {"name": "python3", "path": "./book"},
}


@pytest.mark.parametrize("page", PAGES)
def test_live_code_starts_this_repository_on_binder(visit, page):
    dom = visit(page).dom
    if page not in NOTEBOOK_PAGES:
        assert not dom["liveCode"], f"{page}: Live Code on a text page"
        return
    assert dom["liveCode"] == ["initThebeSBT()"], (
        f"{page}: Live Code buttons {dom['liveCode']}"
    )
    assert dom["thebeReady"], f"{page}: Thebe's loader is not on the page"
    config = dom["thebe"]
    assert config and "error" not in config, f"{page}: Thebe config {config}"
    assert config["requestKernel"] is True
    binder = config["binderOptions"]
    assert binder["repo"] == LIVE_CODE_CONFIG["repo"], binder
    assert binder["ref"] == LIVE_CODE_CONFIG["ref"], binder
    # Thebe's defaults, unless set: mybinder.org, a GitHub repository.
    assert binder.get("binderUrl", "https://mybinder.org") in (
        "https://mybinder.org",
        "https://mybinder.org/",
    )
    assert binder.get("repoProvider", "github") == "github"
    assert config["kernelOptions"] == LIVE_CODE_CONFIG["kernel"], config


def test_binder_environment_is_the_one_live_code_starts():
    """repo2docker reads binder/ first; the setup cell needs regbook there."""
    binder = ROOT / "binder"
    if not binder.is_dir():
        pytest.skip("no binder/ folder yet: Binder builds the root files")
    specs = [
        path
        for name in ("requirements.txt", "environment.yml", "pyproject.toml")
        if (path := binder / name).is_file()
    ]
    assert specs, "binder/ has no environment file repo2docker reads"
    text = "\n".join(path.read_text() for path in specs)
    assert "regbook" in text or "./code" in text, (
        "the Binder environment must install regbook (the setup cell)"
    )


def test_maths_typeset_from_a_file_without_a_server(chromium, html_root):
    """A reader who opens the built book from disk, offline, sees maths."""
    maths = re.compile(r'class="[^"]*\bmath\b')
    page = next(
        (
            p
            for p in PAGES
            if maths.search((html_root / f"{p}.html").read_text())
        ),
        None,
    )
    assert page, "no page with maths"
    blocked = []
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file:")
            else (blocked.append(r.request.url), r.abort())
        ),
    )
    try:
        tab = context.new_page()
        tab.goto((html_root / f"{page}.html").resolve().as_uri())
        tab.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
        )
        tab.evaluate("() => MathJax.startup.promise")
        counts = tab.evaluate(
            """() => [document.querySelectorAll("article .math").length,
                document.querySelectorAll("article mjx-container").length]"""
        )
    finally:
        context.close()
    assert not blocked, f"{page} from disk asks the internet for {blocked}"
    assert counts[0] and counts[1] >= counts[0], (
        f"{page} from disk: {counts[0]} maths, {counts[1]} typeset"
    )


# Every table cell's text against what is really behind it (the first opaque
# background up the tree, with translucent ones composited over it), as the
# WCAG contrast ratio; the worst cell of the page is returned.
TABLE_CONTRAST = """() => {
  const parse = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a), a: 1,
  });
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const cells = Array.from(document.querySelectorAll(
    "article table td, article table th")).filter(c => c.innerText.trim());
  let worst = null;
  for (const cell of cells) {
    const bg = behind(cell);
    const fg = over(parse(getComputedStyle(cell).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (!worst || ratio < worst.ratio) {
      worst = {ratio, text: cell.innerText.trim().slice(0, 40),
               fg: getComputedStyle(cell).color,
               bg: `rgb(${bg.r}, ${bg.g}, ${bg.b})`};
    }
  }
  return {cells: cells.length, worst,
          theme: document.documentElement.dataset.theme};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_table_text_is_readable_in_light_and_dark_mode(chromium, site, scheme):
    """Tables (pandas DataFrames in the outputs, Markdown tables in the text):
    every cell's text has a contrast of at least 4.5:1 (WCAG AA) against its
    background, in the reader's light and dark mode alike."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith(site) else r.abort()
        ),
    )
    results = {}
    try:
        tab = context.new_page()
        for page in PAGES:
            tab.goto(f"{site}{page}.html", wait_until="load")
            found = tab.evaluate(TABLE_CONTRAST)
            if found["cells"]:
                results[page] = found
    finally:
        context.close()
    assert results, "no table on any page: the test checks nothing"
    themes = {found["theme"] for found in results.values()}
    assert themes == {scheme}, f"pages in {themes} mode, not {scheme}"
    poor = {
        page: found["worst"]
        for page, found in results.items()
        if found["worst"]["ratio"] < 4.5
    }
    assert not poor, f"table text hard to read in {scheme} mode: {poor}"
