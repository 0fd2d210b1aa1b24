"""Every link inside the built book leads somewhere, without a network.

Each HTML page of the build (chapters, index, search, API pages, generated
indexes) is parsed; every relative address in ``href`` and ``src`` must name a
file of the build, and every ``#anchor`` an element of the target page with that
``id`` (or ``name``). External addresses are left to the scheduled link check
(``make linkcheck``, .github/workflows/links.yml)."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

#: Addresses that are not documents: scripts, mail, data, the theme's "#"
#: placeholders on buttons.
NOT_LINKS = ("javascript:", "mailto:", "data:", "tel:")


def html_pages(html_root: Path) -> list[Path]:
    return sorted(
        path
        for path in html_root.rglob("*.html")
        if "_static" not in path.relative_to(html_root).parts
    )


@functools.cache
def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@functools.cache
def anchors(path: Path) -> frozenset[str]:
    doc = parse(path)
    return frozenset(
        [tag["id"] for tag in doc.find_all(id=True)]
        + [tag["name"] for tag in doc.find_all("a", attrs={"name": True})]
    )


def internal_targets(page: Path) -> list[tuple[str, str, str]]:
    """(attribute value, path part, fragment) of every relative address."""
    found = []
    for tag in parse(page).find_all(["a", "link", "img", "script", "source"]):
        for attribute in ("href", "src"):
            value = (tag.get(attribute) or "").strip()
            if not value or value.startswith(NOT_LINKS) or value == "#":
                continue
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                continue  # external: make linkcheck
            found.append((value, unquote(parts.path), unquote(parts.fragment)))
    for meta in parse(page).find_all("meta", content=True):  # redirects
        if meta.get("http-equiv", "").lower() == "refresh":
            url = meta["content"].partition("url=")[2].strip()
            if url and not urlsplit(url).scheme:
                found.append((url, unquote(urlsplit(url).path), ""))
    return found


def broken_links(html_root: Path, page: Path) -> list[str]:
    broken = []
    for value, path, fragment in internal_targets(page):
        target = (page.parent / path).resolve() if path else page
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{value}: no file {target}")
        elif (
            fragment
            and target.suffix == ".html"
            and fragment not in anchors(target)
        ):
            broken.append(f"{value}: no #{fragment} in {target.name}")
    return broken


def test_the_build_has_pages(html_root):
    pages = html_pages(html_root)
    names = {p.relative_to(html_root).as_posix() for p in pages}
    assert {"index.html", "search.html", "genindex.html"} <= names, names


def test_every_internal_link_and_anchor_resolves(html_root):
    problems = {}
    for page in html_pages(html_root):
        broken = broken_links(html_root, page)
        if broken:
            problems[page.relative_to(html_root).as_posix()] = broken[:5]
    assert not problems, f"broken internal links: {problems}"


def test_the_checker_sees_a_broken_link_and_anchor(html_root, tmp_path):
    (tmp_path / "a.html").write_text(
        '<p id="here"><a href="#here">ok</a><a href="b.html#top">ok</a>'
        '<a href="missing.html">1</a><a href="b.html#nowhere">2</a>'
        '<img src="img/x.png"><a href="https://example.org/x">out</a>'
        '<a href="javascript:void(0)">js</a></p>'
    )
    (tmp_path / "b.html").write_text('<div id="top"></div>')
    broken = broken_links(tmp_path, tmp_path / "a.html")
    assert [b.split(":")[0] for b in broken] == [
        "missing.html",
        "b.html#nowhere",
        "img/x.png",
    ]
