"""The PDF of the whole book (``make pdf``): every chapter, with its figures.

Reads the PDF with poppler's command-line tools (``make tex`` installs
poppler-utils with TeX Live). The root page of _toc.yml is the PDF's front
matter (sphinx-jupyterbook-latex): the book's title and the page's sections
before the first chapter. Every other page of _toc.yml is a chapter: an entry of
the PDF's outline (bookmarks), titled as the page, in toc order. Each chapter's
pages embed at least as many images as its executed notebook has figures.

The PDF is the one REGBOOK_PDF names (it must exist): ``make test-pdf`` builds
it and sets REGBOOK_PDF=_build/latex/book.pdf. Without REGBOOK_PDF the tests
skip, so a PDF left over from an older build never fails ``make test``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from conftest import ROOT, toc_pages

PAGES = toc_pages()


@pytest.fixture(scope="module")
def pdf() -> Path:
    given = os.environ.get("REGBOOK_PDF")
    if not given:
        pytest.skip(
            "no REGBOOK_PDF: make test-pdf builds the PDF and checks it"
        )
    path = Path(given)
    if not path.is_file():
        pytest.fail(f"REGBOOK_PDF={given}: no such file (make pdf)")
    for tool in ("pdftohtml", "pdfimages", "pdfinfo", "pdftotext"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} missing: make tex installs poppler-utils")
    return path


def title(page: str) -> str:
    """The first heading of a page's source: its chapter title."""
    path = ROOT / f"{page}.ipynb"
    if path.exists():
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    else:
        text = (ROOT / f"{page}.md").read_text()
    match = re.search(r"^# (.+)$", text, re.M)
    assert match, f"{page} has no title"
    return plain(match.group(1))


def plain(text: str) -> str:
    """Text without Markdown code marks and with one space between words."""
    return " ".join(text.replace("`", "").split())


def outline(pdf: Path) -> list[tuple[str, int]]:
    """The top level of the PDF's outline: (title, first page)."""
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    top = ElementTree.fromstring(xml).find("outline")
    assert top is not None, "the PDF has no outline (bookmarks)"
    return [
        (plain("".join(item.itertext())), int(item.get("page")))
        for item in top.findall("item")
    ]


def text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(first), "-l", str(last), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pages(pdf: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def images_per_page(pdf: Path) -> dict[int, int]:
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]  # two header lines
    counts: dict[int, int] = {}
    for line in listing:
        fields = line.split()
        if fields[2] == "image":  # not the soft masks of transparent PNGs
            counts[int(fields[0])] = counts.get(int(fields[0]), 0) + 1
    return counts


def figures(pdf: Path, page: str) -> int:
    """Figures (PNG outputs) of a chapter's run in the execution cache of the
    build that made the PDF (beside ``latex/``)."""
    from jupyter_cache import get_cache

    cache = get_cache(pdf.parent.parent / ".jupyter_cache")
    source = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    try:
        _, executed = cache.merge_match_into_notebook(source)
    except KeyError:
        pytest.fail(f"{page}: no run of this notebook in the cache")
    cells = executed["cells"]
    return sum(
        "image/png" in out.get("data", {})
        for cell in cells
        for out in cell.get("outputs", [])
    )


def chapters(pdf: Path) -> dict[str, tuple[int, int]]:
    """Each toc page's chapter in the PDF: its first and last page."""
    entries = outline(pdf)
    last = pages(pdf)
    spans = {}
    for i, (name, first) in enumerate(entries):
        end = entries[i + 1][1] - 1 if i + 1 < len(entries) else last
        spans[name] = (first, max(first, end))
    return spans


def test_one_chapter_per_toc_entry_in_toc_order(pdf):
    found = [name for name, _ in outline(pdf)]
    expected = [title(page) for page in PAGES[1:]]
    missing = [t for t in expected if t not in found]
    assert not missing, f"chapters missing from the PDF: {missing}; {found}"
    order = [t for t in found if t in expected]
    assert order == expected, f"chapters out of toc order: {order}"


def test_the_root_page_is_the_front_matter(pdf):
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Title: {title(PAGES[0])}" in " ".join(info.split())
    first_chapter = outline(pdf)[0][1]
    front = plain(text(pdf, 1, first_chapter - 1))
    source = (ROOT / f"{PAGES[0]}.md").read_text()
    sections = [plain(h) for h in re.findall(r"^## (.+)$", source, re.M)]
    assert sections, f"{PAGES[0]} has no sections to look for"
    missing = [h for h in sections if h not in front]
    assert not missing, f"{PAGES[0]}: sections not in the front matter"


CHAPTER_NOTEBOOKS = [p for p in PAGES[1:] if (ROOT / f"{p}.ipynb").exists()]


@pytest.mark.parametrize("page", CHAPTER_NOTEBOOKS)
def test_each_chapter_embeds_its_figures(pdf, page):
    spans = chapters(pdf)
    first, last = spans[title(page)]
    counts = images_per_page(pdf)
    embedded = sum(counts.get(n, 0) for n in range(first, last + 1))
    expected = figures(pdf, page)
    assert expected, f"{page}: no figure in the executed notebook"
    assert embedded >= expected, (
        f"{page}: {expected} figures in the notebook, {embedded} images on "
        f"its pages {first}-{last} of the PDF"
    )
