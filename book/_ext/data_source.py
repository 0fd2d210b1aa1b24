"""Which data the chapters would read now, and which data a cache was made from.

The book's execution cache (``_build/.jupyter_cache``) keeps each chapter's
outputs until its code cells change. Under ``REGBOOK_DATA=auto`` (the default)
the chapters read IMDB when it can be had and the offline stand-in otherwise, so
outputs cached offline would stay on the pages after the reader goes online.
The Makefile's ``CACHE_GUARD`` therefore keys the cache on the source that
``regbook.data.load_imdb`` *would use now*, not on the variable's value, and
also drops a cache whose stored outputs say they came from another source
(say, a download failed in the middle of a build)::

    python book/_ext/data_source.py
        prints ``imdb`` or ``synthetic``: what load_imdb would read now
    python book/_ext/data_source.py --check CACHE_DIR --expect SOURCE
        exits 1 if a notebook in the jupyter-cache at CACHE_DIR printed that it
        read another source than SOURCE (0 if none did, or there is no cache)

"Would read now" under ``auto``: IMDB if Keras already holds ``imdb.npz`` (in
``$KERAS_HOME/datasets``, ``~/.keras/datasets`` or ``/tmp/.keras/datasets``, the
places Keras uses) with the right size, or if its address answers within a few
seconds; the stand-in otherwise. This needs only NumPy (``regbook.data``), never
Keras or TensorFlow, and takes well under a second offline.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import urllib.request
from pathlib import Path

from regbook import data

#: What ``load_imdb`` prints about the data it read (regbook.data): one pattern
#: per source, searched in the notebooks' stream outputs.
MARKERS = {
    "imdb": re.compile(r"^Data: IMDB movie reviews|source='imdb'", re.M),
    "synthetic": re.compile(r"synthetic stand-in|source='synthetic'", re.I),
}
#: How long ``auto`` waits for IMDB's address before taking the stand-in.
TIMEOUT = 5.0


def keras_dirs() -> list[Path]:
    """Where Keras keeps downloaded data sets, in the order it looks."""
    dirs = []
    if os.environ.get("KERAS_HOME"):
        dirs.append(Path(os.environ["KERAS_HOME"]))
    dirs += [Path.home() / ".keras", Path("/tmp/.keras")]
    return [d / "datasets" for d in dirs]


def imdb_is_cached() -> bool:
    """Whether a downloaded ``imdb.npz`` of the expected size is present."""
    return any(
        (d / "imdb.npz").is_file()
        and (d / "imdb.npz").stat().st_size > 10_000_000
        for d in keras_dirs()
    )


def imdb_is_reachable(timeout: float = TIMEOUT) -> bool:
    """Whether IMDB's download address answers (a HEAD request)."""
    request = urllib.request.Request(data.IMDB_URL, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status < 400
    except (OSError, ValueError):
        return False


def source_now(requested: str | None = None) -> str:
    """``"imdb"`` or ``"synthetic"``: what ``load_imdb`` would read now.

    Args:
        requested: ``"auto"``, ``"imdb"`` or ``"synthetic"``; ``None`` reads
            ``$REGBOOK_DATA`` as ``load_imdb`` does.
    """
    chosen = data.data_source(requested)
    if chosen != "auto":
        return chosen
    if imdb_is_cached() or imdb_is_reachable():
        return "imdb"
    return "synthetic"


def sources_in_text(text: str) -> set[str]:
    """The sources that output ``text`` says were read."""
    return {name for name, marker in MARKERS.items() if marker.search(text)}


def cached_sources(cache_dir: Path) -> dict[str, set[str]]:
    """For each notebook in the jupyter-cache at ``cache_dir``, the sources
    its stored outputs say it read (empty for a notebook that reads none)."""
    if not (cache_dir / "global.db").is_file():
        return {}
    from jupyter_cache import get_cache

    cache = get_cache(cache_dir)
    found = {}
    for record in cache.list_cache_records():
        notebook = cache.get_cache_bundle(record.pk).nb
        text = "\n".join(
            "".join(out.get("text", ""))
            for cell in notebook.cells
            for out in cell.get("outputs", [])
            if out.get("output_type") == "stream"
        )
        found[record.uri] = sources_in_text(text)
    return found


def stale(cache_dir: Path, expected: str) -> list[str]:
    """The cached notebooks whose outputs came from another source than
    ``expected``."""
    return sorted(
        uri
        for uri, used in cached_sources(cache_dir).items()
        if used - {expected}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", type=Path, metavar="CACHE_DIR")
    parser.add_argument("--expect", choices=("imdb", "synthetic"))
    args = parser.parse_args(argv)
    if args.check is None:
        print(source_now())
        return 0
    expected = args.expect or source_now()
    wrong = stale(args.check, expected)
    for uri in wrong:
        print(
            f"{Path(uri).name}: cached outputs not from {expected}",
            file=sys.stderr,
        )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
