"""The book's pages and chapter notebooks, read from _toc.yml (one walker).

Used by the Makefile (``python tests/notebooks/chapters.py --data``), the
benchmark, and the tests of the repository and of the built pages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` in order, relative to ``root``, no suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())

    def walk(entries: list[dict]) -> Iterator[str]:
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections", []))
            yield from walk(entry.get("chapters", []))  # entries of a part

    entries = toc.get("chapters", []) + toc.get("parts", [])
    return [toc["root"], *walk(entries)]


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks of ``_toc.yml``, in book order."""
    paths = [root / f"{name}.ipynb" for name in toc_files(root)]
    return [path for path in paths if path.exists()]


def reads_reviews(path: Path) -> bool:
    """Whether a notebook calls ``load_imdb`` (so data conditions matter)."""
    cells = json.loads(path.read_text())["cells"]
    return any(
        cell["cell_type"] == "code" and "load_imdb(" in "".join(cell["source"])
        for cell in cells
    )


def data_chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks that read the reviews, in book order."""
    return [path for path in chapter_notebooks(root) if reads_reviews(path)]


if __name__ == "__main__":
    chosen = data_chapters() if "--data" in sys.argv else chapter_notebooks()
    print(" ".join(str(path.relative_to(ROOT)) for path in chosen))
