"""What the published pages carry besides the text (static checks of the HTML).

Canonical address, description and link-preview (Open Graph) metadata, the
favicon and the licence on every page; each chapter's executed notebook,
published and linked; MathJax served from the site itself."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import ROOT, notebook_pages, toc_pages

PAGES = toc_pages()
NOTEBOOK_PAGES = notebook_pages()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())

#: Written out, not read from _config.yml: the settings there are what is
#: checked. GitHub Pages serves https://OWNER.github.io/REPO/ for
#: https://github.com/OWNER/REPO.
REPOSITORY = "https://github.com/regbook-authors/regularization-book"
SITE = "https://regbook-authors.github.io/regularization-book/"
LICENCE_TEXT = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_FILE = f"{REPOSITORY}/blob/main/LICENSE"


def soup(html_root: Path, page: str) -> BeautifulSoup:
    path = html_root / f"{page}.html"
    assert path.exists(), f"{path} was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def meta(doc: BeautifulSoup, key: str) -> str:
    tag = doc.find("meta", attrs={"property": key}) or doc.find(
        "meta", attrs={"name": key}
    )
    return (tag.get("content") or "").strip() if tag else ""


def local_file(html_root: Path, page: str, address: str) -> Path:
    """The file of the build that a page's relative address names."""
    return (html_root / page).parent / urlsplit(address).path


def test_base_url_is_the_pages_address_of_the_repository():
    # A fork that changes repository.url must change html.baseurl with it.
    url = CONFIG["repository"]["url"].rstrip("/")
    owner, repo = urlsplit(url).path.strip("/").split("/")
    pages = f"https://{owner}.github.io/{repo}/"
    assert CONFIG["html"]["baseurl"] == pages
    assert CONFIG["sphinx"]["config"]["ogp_site_url"] == pages


@pytest.mark.parametrize("page", PAGES)
def test_canonical_address_and_link_preview(html_root, page):
    doc = soup(html_root, page)
    address = f"{SITE}{page}.html"
    canonical = doc.find("link", rel="canonical")
    assert canonical and canonical["href"] == address, canonical
    assert meta(doc, "og:url") == address
    assert meta(doc, "og:title"), f"{page}: no og:title"
    assert meta(doc, "og:site_name") == CONFIG["title"]
    description = meta(doc, "description")
    assert len(description.split()) >= 8, (
        f"{page}: description too short for a search result: {description!r}"
    )
    assert meta(doc, "og:description") == description
    image = meta(doc, "og:image")
    assert image.startswith(SITE) and image.endswith(".png"), image
    card = html_root / image.removeprefix(SITE)
    assert card.is_file() and card.stat().st_size > 5_000, f"no card {card}"
    assert meta(doc, "og:image:alt"), f"{page}: the card has no alt text"
    assert meta(doc, "twitter:card") == "summary_large_image"


@pytest.mark.parametrize("page", PAGES)
def test_favicon(html_root, page):
    icon = soup(html_root, page).find("link", rel="icon")
    assert icon, f"{page}: no favicon"
    path = local_file(html_root, f"{page}.html", icon["href"])
    assert path.is_file() and path.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize("page", PAGES)
def test_footer_states_the_licences(html_root, page):
    footer = soup(html_root, page).select_one(".bd-footer-content")
    assert footer, f"{page}: no footer (the theme's .bd-footer-content)"
    text = " ".join(footer.get_text().split())
    links = {a.get("href") for a in footer.find_all("a")}
    assert "CC BY 4.0" in text and LICENCE_TEXT in links, text
    assert "MIT" in text and LICENCE_FILE in links, text
    licence = (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in licence and "MIT" in licence


# --- executed notebooks ----------------------------------------------------


def executed_link(html_root: Path, page: str) -> Path:
    doc = soup(html_root, page)
    links = [
        a["href"]
        for a in doc.find_all("a", href=True)
        if a["href"].endswith(f"executed/{page}.ipynb")
    ]
    assert len(links) == 1, f"{page}: links to its executed notebook: {links}"
    return local_file(html_root, f"{page}.html", links[0])


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_executed_notebook_is_published_and_linked(html_root, page):
    path = executed_link(html_root, page)
    assert path.is_file(), f"{page}: the linked {path} is missing"
    executed = nbformat.read(path, as_version=4)
    nbformat.validate(executed)
    source = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.source for c in executed.cells] == [
        c.source for c in source.cells
    ], f"{page}: the executed copy is not of this notebook"
    assert all(c.execution_count for c in code), f"{page}: unexecuted cells"
    assert any(c.outputs for c in code), f"{page}: no outputs at all"
    images = [
        o for c in code for o in c.outputs if "image/png" in o.get("data", {})
    ]
    figures = soup(html_root, page).select("div.cell_output img")
    assert len(images) >= len(figures), (
        f"{page}: {len(figures)} figures on the page, {len(images)} in the "
        "executed notebook"
    )


def test_text_pages_link_no_executed_notebook(html_root):
    for page in set(PAGES) - set(NOTEBOOK_PAGES):
        links = soup(html_root, page).select("a[href*='executed/']")
        assert not links, f"{page}: {links}"


# --- MathJax from the site ---------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_no_script_style_or_font_comes_from_the_internet(html_root, page):
    doc = soup(html_root, page)
    remote = [
        tag["src"]
        for tag in doc.select("script[src]")
        if urlsplit(tag["src"]).scheme
    ]
    loaded = {"stylesheet", "preload", "modulepreload", "icon"}
    remote += [
        tag["href"]
        for tag in doc.select("link[href]")
        if loaded & set(tag.get("rel") or []) and urlsplit(tag["href"]).scheme
    ]
    assert not remote, f"{page}: loads {remote} from the internet"


def test_mathjax_is_part_of_the_site(html_root):
    pages_with_maths = []
    for page in PAGES:
        doc = soup(html_root, page)
        scripts = [s["src"] for s in doc.select("script[src]")]
        mathjax = [s for s in scripts if "mathjax" in s.lower()]
        if doc.select(".math"):
            pages_with_maths.append(page)
            assert len(mathjax) == 1, f"{page}: MathJax scripts {mathjax}"
        for src in mathjax:
            path = urlsplit(src).path
            assert path.endswith("_static/mathjax/tex-mml-chtml.js"), src
            path = local_file(html_root, f"{page}.html", src)
            assert path.is_file() and path.stat().st_size > 500_000, path
    assert pages_with_maths, "no page with maths: the test checks nothing"
    fonts = html_root / "_static/mathjax/output/chtml/fonts/woff-v2"
    assert len(list(fonts.glob("*.woff"))) >= 20, "MathJax's fonts missing"
    assert (html_root / "_static/mathjax/LICENSE").is_file()
