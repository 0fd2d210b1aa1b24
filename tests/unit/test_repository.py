"""Checks of the repository itself: notebooks stored clean, settings kept in
step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_chapters_are_the_numbered_notebooks_in_toc_order():
    """Every notebook is a chapter book/NN_name.ipynb, numbered 01, 02, ...
    without gaps and listed in _toc.yml in that order; so the checks below,
    run once per notebook, see every chapter (chapters 1 to 4 exist)."""
    numbered = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    assert numbered == NOTEBOOKS, "a notebook in book/ is not a chapter NN_..."
    assert [int(p.name[:2]) for p in numbered] == list(
        range(1, len(numbered) + 1)
    )
    assert len(numbered) >= 4
    listed = [
        name
        for name in _toc_files(TOC["chapters"])
        if (ROOT / f"{name}.ipynb").exists()
    ]
    assert listed == [f"book/{p.stem}" for p in numbered], (
        "_toc.yml must list the chapter notebooks in the order of their numbers"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    dirty = [
        i
        for i, cell in enumerate(load(path)["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear "
        "them with "
        "`jupyter nbconvert --clear-output --inplace` before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_regbook_on_colab_from_this_repository(path):
    code_cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    first = "".join(code_cells[0]["source"])
    url = CONFIG["repository"]["url"].rstrip("/")
    branch = CONFIG["repository"]["branch"]
    assert "import regbook" in first and "except ImportError" in first
    assert f"git+{url}@{branch}#subdirectory=code" in first, (
        f"{path.name}: the Colab install cell must use repository.url and "
        "branch "
        f"from _config.yml ({url}, {branch})"
    )
    assert "regbook.setup(" in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_cell_has_alt_text(path):
    for i, cell in enumerate(load(path)["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and re.search(
            r"plt\.show\(\)|\.show\(\)$", source
        ):
            alt = (
                cell.get("metadata", {})
                .get("mystnb", {})
                .get("image", {})
                .get("alt", "")
            )
            assert len(alt) >= 30, (
                f"{path.name} cell {i} draws a figure: describe it in "
                "metadata.mystnb.image.alt (at least a sentence)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_python3_kernel(path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        yield from _toc_files(entry.get("sections", []))


def test_every_notebook_is_in_the_table_of_contents_and_vice_versa():
    listed = set(_toc_files(TOC.get("chapters", []))) | {TOC["root"]}
    for name in listed:
        assert any(
            (ROOT / f"{name}{ext}").exists() for ext in (".md", ".ipynb")
        ), name
    for path in NOTEBOOKS:
        assert f"book/{path.stem}" in listed, f"{path.name} is not in _toc.yml"


def test_config_keeps_launch_buttons_and_branch():
    assert CONFIG["repository"]["branch"] == "main"
    assert CONFIG["sphinx"]["recursive_update"] is True
    assert (
        CONFIG["launch_buttons"]["binderhub_url"]
        and CONFIG["launch_buttons"]["colab_url"]
    )
    assert CONFIG["execute"]["timeout"] >= 120


def test_runtime_is_a_python_tensorflow_supports():
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(10|11|12)", runtime), runtime


def test_requirements_pin_jupyter_book_1():
    text = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^jupyter-book>=1\.0\.4,<2$", text, re.M)
    assert re.search(r"^-e \./code$", text, re.M)


def test_every_reference_is_cited():
    """references.bib holds only works the book cites (in a chapter, a page
    or a docstring of regbook that the API page renders), and every citation
    names an entry of it."""
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.M))
    assert keys, "no entries found in references.bib"
    sources = [*NOTEBOOKS, *(ROOT / "book").glob("*.md")]
    sources += (ROOT / "code" / "regbook").glob("*.py")
    text = "\n".join(path.read_text() for path in sources)
    cited = set()
    # MyST's {cite:p}`a,b` and the docstrings' reST :cite:t:`a`
    pattern = r"(?:\{cite(?::\w+)?\}|:cite(?::\w+)?:)`([^`]+)`"
    for group in re.findall(pattern, text):
        cited.update(key.strip() for key in group.split(","))
    assert not keys - cited, f"never cited: {sorted(keys - cited)}"
    assert not cited - keys, f"cited but not in references.bib: {cited - keys}"
