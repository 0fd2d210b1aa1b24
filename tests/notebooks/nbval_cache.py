"""A pytest plugin: nbval runs each notebook once, and the book reuses that run.

``make test`` validates every chapter with nbval and then builds the book with
warnings as errors. Without this plugin the build would execute every notebook a
second time. With ``--nbval-cache=DIR`` the plugin collects the outputs that
nbval received from the kernel, cell by cell, and stores each notebook whose
cells all passed in the Jupyter Book execution cache at ``DIR`` (the same
jupyter-cache database and the same hash of the code cells that MyST-NB looks
up). The build then finds every notebook in the cache and executes nothing.

A notebook with a failing or skipped cell is not stored: the build would execute
it itself (and fail the same way). Use it as::

    pytest -p nbval_cache --nbval-lax --nbval-cache=_build/.jupyter_cache book

with ``tests/notebooks`` on ``PYTHONPATH`` (the Makefile does this).
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

_RESULTS = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nbval-cache",
        default=None,
        metavar="DIR",
        help="store the outputs of notebooks that pass in the jupyter-cache at "
        "DIR, for the book build to reuse (see tests/notebooks/nbval_cache.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not hasattr(item, "test_outputs"):  # not an nbval cell
        return
    results = item.config.stash[_RESULTS]
    cells = results.setdefault(str(item.parent.fspath), {})
    # A cell counts as passed only if its setup, call and teardown passed.
    ok = cells.get(item.nodeid, True) and report.passed
    cells[item.nodeid] = ok


def _executed_notebook(items: list[pytest.Item]) -> nbformat.NotebookNode:
    """The notebook of ``items`` with each code cell's outputs from nbval."""
    notebook = copy.deepcopy(items[0].parent.nb)
    by_source = {id(item.cell): item for item in items}
    count = 0
    for original, cell in zip(
        items[0].parent.nb.cells, notebook.cells, strict=True
    ):
        if cell.cell_type != "code":
            continue
        item = by_source.get(id(original))
        if item is None or item.test_outputs is None:
            raise ValueError("a code cell was not run")
        count += 1
        cell.execution_count = count
        outputs = copy.deepcopy(item.test_outputs)
        for out in outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = count
        cell.outputs = [nbformat.from_dict(dict(out)) for out in outputs]
    return notebook


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    directory = session.config.getoption("nbval_cache")
    if not directory:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    results = session.config.stash[_RESULTS]
    by_file: dict[str, list[pytest.Item]] = {}
    for item in session.items:
        if hasattr(item, "test_outputs"):
            by_file.setdefault(str(item.parent.fspath), []).append(item)
    cache = get_cache(directory)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for path, items in by_file.items():
        passed = results.get(path, {})
        if not items or not all(passed.get(i.nodeid) for i in items):
            continue
        try:
            notebook = _executed_notebook(items)
        except ValueError:
            continue
        nbformat.validate(notebook)
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, Path(path).resolve().as_posix()),
            check_validity=False,
            overwrite=True,
        )
        if reporter is not None:
            name = Path(path).name
            reporter.write_line(f"nbval-cache: stored {name} in {directory}")
