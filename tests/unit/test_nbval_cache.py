"""The nbval plugin that lets the book build reuse make test's notebook runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[2]


def notebook(path: Path, *sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# A page")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return nb


def run_nbval(cache: Path, *paths: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "notebooks"))
    command = [sys.executable, "-m", "pytest", "-p", "nbval_cache"]
    command += ["--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider"]
    command += [f"--nbval-cache={cache}", *map(str, paths)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=paths[0].parent
    )


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """Two notebooks run once by nbval: one passes, one fails at its end."""
    tmp = tmp_path_factory.mktemp("books")
    notebook(
        tmp / "good.ipynb",
        "x = 6 * 7\nprint('x is', x)",
        "x + 1",
        "from IPython.display import display, Markdown\n"
        "display(Markdown('**bold**'))",
    )
    notebook(tmp / "bad.ipynb", "print('fine')", "assert False, 'broken'")
    result = run_nbval(tmp / "cache", tmp / "good.ipynb", tmp / "bad.ipynb")
    return tmp, result


def test_a_passing_notebook_is_found_by_the_book_build(cached):
    tmp, result = cached
    assert "stored good.ipynb" in result.stdout, result.stdout
    cache = get_cache(tmp / "cache")
    # What MyST-NB does: match the source notebook, merge the outputs into it.
    source = nbformat.read(tmp / "good.ipynb", as_version=4)
    assert cache.match_cache_notebook(source) is not None
    _, merged = cache.merge_match_into_notebook(source)
    code = [cell for cell in merged.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2, 3]
    assert code[0].outputs[0].output_type == "stream"
    assert code[0].outputs[0].text == "x is 42\n"
    assert code[1].outputs[0].output_type == "execute_result"
    assert code[1].outputs[0].data["text/plain"] == "43"
    assert code[1].outputs[0].execution_count == 2
    assert code[2].outputs[0].output_type == "display_data"
    assert code[2].outputs[0].data["text/markdown"] == "**bold**"
    nbformat.validate(merged)


def test_a_failing_notebook_is_not_stored(cached):
    tmp, result = cached
    assert result.returncode == 1, result.stdout
    assert "stored bad.ipynb" not in result.stdout
    cache = get_cache(tmp / "cache")
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(tmp / "bad.ipynb", 4))


def test_a_changed_notebook_no_longer_matches(cached):
    tmp, _ = cached
    changed = nbformat.read(tmp / "good.ipynb", as_version=4)
    changed.cells[1].source = "x = 6 * 8\nprint('x is', x)"
    with pytest.raises(KeyError):
        get_cache(tmp / "cache").match_cache_notebook(changed)


def test_without_the_option_nothing_is_stored(tmp_path):
    notebook(tmp_path / "plain.ipynb", "print(1)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "notebooks"))
    command = [sys.executable, "-m", "pytest", "-p", "nbval_cache"]
    command += ["--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, str(tmp_path / "plain.ipynb")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout
    assert "nbval-cache" not in result.stdout
