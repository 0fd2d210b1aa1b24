"""The execution cache follows the data the chapters read, not a variable.

``make book`` keeps each chapter's outputs in a jupyter-cache. The Makefile's
CACHE_GUARD must drop them when the data source the chapters would read changes
(under ``REGBOOK_DATA=auto``: the stand-in offline, IMDB once Keras has it) and
when the cached outputs say they read another source. These tests run the real
CACHE_GUARD of the Makefile (with ``make --eval``) in a scratch folder whose
``_build`` holds a cache made from stand-in outputs, and
book/_ext/data_source.py
on the words ``regbook.data`` really prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import data_source  # noqa: E402

from regbook import data  # noqa: E402


def load_quietly(capsys, **kwargs) -> str:
    """What load_imdb prints (the data cell's output)."""
    data.load_imdb(num_words=20, train_size=100, **kwargs)
    return capsys.readouterr().out


def test_the_stand_in_is_recognised_in_what_load_imdb_prints(capsys):
    out = load_quietly(capsys, source="synthetic")
    assert data_source.sources_in_text(out) == {"synthetic"}, out


def test_imdb_is_recognised_in_what_load_imdb_prints(capsys, monkeypatch):
    def tiny_imdb(num_words):  # stands in for reading imdb.npz
        reviews = [[5, 7, 9]] * 400
        split = data._as_flat(reviews, np.arange(400) % 2)
        return split, split

    monkeypatch.setattr(data, "_imdb_flat", tiny_imdb)
    out = load_quietly(capsys, source="imdb")
    assert data_source.sources_in_text(out) == {"imdb"}, out


def test_auto_falls_back_as_load_imdb_does(capsys, monkeypatch):
    def offline(num_words):
        raise OSError("no network")

    monkeypatch.setattr(data, "_imdb_flat", offline)
    out = load_quietly(capsys, source="auto")
    assert data_source.sources_in_text(out) == {"synthetic"}, out


def test_unmarked_output_reads_no_source():
    assert data_source.sources_in_text("epoch 3: loss 0.41") == set()


def test_an_explicit_source_is_taken_as_given(monkeypatch):
    monkeypatch.setattr(data_source, "imdb_is_reachable", lambda: 1 / 0)
    assert data_source.source_now("synthetic") == "synthetic"
    assert data_source.source_now("imdb") == "imdb"


def test_auto_is_imdb_when_keras_holds_it_or_can_fetch_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(data_source, "keras_dirs", lambda: [tmp_path])
    monkeypatch.setattr(data_source, "imdb_is_reachable", lambda: False)
    assert data_source.source_now("auto") == "synthetic"
    monkeypatch.setattr(data_source, "imdb_is_reachable", lambda: True)
    assert data_source.source_now("auto") == "imdb"
    monkeypatch.setattr(data_source, "imdb_is_reachable", lambda: False)
    fake_download(tmp_path)
    assert data_source.source_now("auto") == "imdb"


def test_keras_dirs_are_where_keras_keeps_data_sets(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setattr(data_source.Path, "home", lambda: tmp_path)
    assert data_source.keras_dirs() == [
        tmp_path / ".keras" / "datasets",
        Path("/tmp/.keras/datasets"),
    ]
    monkeypatch.setenv("KERAS_HOME", "/elsewhere")
    assert data_source.keras_dirs()[0] == Path("/elsewhere/datasets")


def test_a_small_file_is_not_taken_for_imdb(tmp_path, monkeypatch):
    monkeypatch.setattr(data_source, "keras_dirs", lambda: [tmp_path])
    (tmp_path / "imdb.npz").write_bytes(b"<html>proxy error</html>")
    assert not data_source.imdb_is_cached()


def test_an_unreachable_address_is_not_reachable(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", "")
    assert data_source.imdb_is_reachable(timeout=2) is False


def fake_download(datasets: Path) -> None:
    """An imdb.npz of the real file's size (sparse: no disk used)."""
    datasets.mkdir(parents=True, exist_ok=True)
    with open(datasets / "imdb.npz", "wb") as f:
        f.truncate(17_464_789)


# --- the Makefile's CACHE_GUARD, run for real ------------------------------


def cache_notebook(build: Path, printed: str) -> None:
    """Store a one-cell notebook whose output is ``printed`` in the cache."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("data = load_imdb()")
    cell.outputs = [nbformat.v4.new_output("stream", text=printed)]
    notebook.cells = [cell]
    path = build.parent / "book" / "chapter.ipynb"
    get_cache(build / ".jupyter_cache").cache_notebook_bundle(
        CacheBundleIn(notebook, path.as_posix()),
        check_validity=False,
        overwrite=True,
    )


@pytest.fixture
def project(tmp_path):
    """A scratch project: this repository's Makefile, regbook, book/_ext and
    .venv, its own _build, a HOME of its own and no way to the internet."""
    for name in ("code", "book", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "home").mkdir()
    return tmp_path


def guard(project: Path, data_variable: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REGBOOK_", "KERAS_"))
        and key.lower() not in {"http_proxy", "https_proxy", "no_proxy"}
    }
    env.update(
        HOME=str(project / "home"),
        REGBOOK_DATA=data_variable,
        # a closed local port: IMDB's address never answers here
        https_proxy="http://127.0.0.1:9",
        no_proxy="",
    )
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(ROOT / "Makefile"),
            "--eval",
            "guard-only: ; @$(CACHE_GUARD)",
            "guard-only",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


STAND_IN = "Data: the offline synthetic stand-in for IMDB.\n"
IMDB = "Data: IMDB movie reviews from keras.datasets.imdb.\n"


def test_going_online_drops_outputs_cached_offline(project):
    build = project / "_build"
    guard(project, "auto")  # offline: the stand-in
    assert "auto:synthetic" in (build / ".cache-key").read_text()
    cache_notebook(build, STAND_IN)
    (build / ".doctrees").mkdir()

    out = guard(project, "auto")  # same source: the cache stays
    assert (build / ".jupyter_cache").is_dir(), out
    assert (build / ".doctrees").is_dir()

    # The reader goes online and Keras downloads IMDB: same variable, new data.
    fake_download(project / "home" / ".keras" / "datasets")
    out = guard(project, "auto")
    assert "dropped" in out
    assert not (build / ".jupyter_cache").exists()
    assert not (build / ".doctrees").exists()
    assert "auto:imdb" in (build / ".cache-key").read_text()


def test_outputs_from_another_source_are_dropped_under_the_same_key(project):
    build = project / "_build"
    fake_download(project / "home" / ".keras" / "datasets")
    guard(project, "auto")
    key = (build / ".cache-key").read_text()
    assert "auto:imdb" in key
    cache_notebook(build, IMDB)
    guard(project, "auto")
    assert (build / ".jupyter_cache").is_dir(), "IMDB outputs, IMDB source"

    # A build under the same key whose download failed half-way stored the
    # stand-in's outputs: they must not survive to the next build.
    cache_notebook(build, STAND_IN)
    out = guard(project, "auto")
    assert "dropped" in out and not (build / ".jupyter_cache").exists()
    # (the hash part changes whenever someone edits regbook meanwhile)
    assert (build / ".cache-key").read_text().split("-", 1)[1] == key.split(
        "-", 1
    )[1]


def test_a_cache_of_the_stand_in_survives_an_explicit_synthetic(project):
    build = project / "_build"
    guard(project, "synthetic")
    cache_notebook(build, STAND_IN)
    fake_download(project / "home" / ".keras" / "datasets")
    guard(project, "synthetic")  # IMDB is there, but not asked for
    assert (build / ".jupyter_cache").is_dir()
    assert "synthetic:synthetic" in (build / ".cache-key").read_text()
