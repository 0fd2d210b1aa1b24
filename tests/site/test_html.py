"""Static checks of the built HTML: what a reader would notice on the pages."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import ERROR_OUTPUTS, notebook_pages, toc_pages

PAGES = toc_pages()
NOTEBOOK_PAGES = notebook_pages()


def soup(html_root, page):
    path = html_root / f"{page}.html"
    assert path.exists(), f"{path} was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("page", PAGES)
def test_no_error_or_stderr_output(html_root, page):
    doc = soup(html_root, page)
    bad = doc.select(ERROR_OUTPUTS)
    assert not bad, (
        f"{page}: {len(bad)} stderr/error output blocks, first: "
        f"{bad[0].get_text()[:300]}"
    )
    text = doc.get_text()
    for noise in (
        "oneDNN custom operations",
        "absl::InitializeLog",
        "Traceback (most recent call last)",
    ):
        assert noise not in text, f"{page}: {noise!r} on the page"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_figures_have_descriptive_alt_text(html_root, page):
    images = soup(html_root, page).select("div.cell_output img, figure img")
    assert images, f"{page}: a chapter without a single figure?"
    for img in images:
        alt = (img.get("alt") or "").strip()
        src = img.get("src", "")
        assert alt, f"{page}: image {src} has no alt text"
        assert not re.search(r"\.(png|svg|jpe?g)$", alt) and alt not in src, (
            f"{page}: image {src} has the file path as alt text; set "
            "metadata.mystnb.image.alt"
        )
        assert len(alt.split()) >= 6, (
            f"{page}: alt text too short to describe a figure: {alt!r}"
        )


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_glued_values_are_filled_in(html_root, page):
    doc = soup(html_root, page)
    assert "{glue:" not in doc.get_text(), f"{page}: an unresolved glue role"
    for span in doc.select("span.pasted-text"):
        assert span.get_text().strip(), f"{page}: an empty glued value"


def test_api_page_documents_the_package(html_root):
    text = soup(html_root, "book/api").get_text()
    for name in ("multi_hot", "load_imdb", "setup", "plot_history"):
        assert name in text


# A Markdown table that failed to parse shows its delimiter row as text, e.g.
# "|---|---|" or, after typographic replacement, "|—|—|".
RAW_TABLE = re.compile(r"\|\s*:?(-{3,}|—+|–+):?\s*\|")


@pytest.mark.parametrize("page", PAGES)
def test_no_markdown_table_left_unrendered(html_root, page):
    doc = soup(html_root, page)
    for hidden in doc.select("script, style, pre, code"):
        hidden.decompose()  # code may show a table's source on purpose
    match = RAW_TABLE.search(doc.get_text())
    assert match is None, (
        f"{page}: a Markdown table left as raw text ({match.group(0)!r}): "
        "escape '|' inside cells as '\\|', or make the table a DataFrame"
    )
