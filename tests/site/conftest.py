"""Fixtures for the checks of the built book (after `jupyter-book build .`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "notebooks"))
import chapters  # noqa: E402 - the one _toc.yml walker

# The built book; REGBOOK_HTML points elsewhere (e.g. a build made with
# --path-output).
HTML = Path(os.environ.get("REGBOOK_HTML", ROOT / "_build" / "html"))


def toc_pages() -> list[str]:
    """Every page of _toc.yml, relative to the book root, without suffix."""
    return chapters.toc_files(ROOT)


def notebook_pages() -> list[str]:
    """The pages of _toc.yml whose source is a notebook (they have launch
    buttons and outputs)."""
    return [page for page in toc_pages() if (ROOT / f"{page}.ipynb").exists()]


# Cell outputs a reader must never see: stderr streams and errors (MyST-NB's
# classes).
ERROR_OUTPUTS = ".output.stderr, .output.traceback, .output.error, div.stderr"


@pytest.fixture(scope="session")
def html_root() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail(
            f"no built book in {HTML}: run `make book` (or make test) first"
        )
    return HTML
