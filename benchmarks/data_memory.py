"""Peak memory of ``regbook.data.load_imdb`` with TensorFlow imported.

Binder guarantees 1 GB per reader; TensorFlow alone takes about half of it. This
script measures, each in a fresh process that first imports TensorFlow (through
``regbook.setup``, as a chapter does), the peak resident memory (``VmHWM``) of

* ``load_imdb()`` from the offline stand-in (``REGBOOK_DATA=synthetic``), and
* ``load_imdb()`` reading a full-size fake ``imdb.npz`` in Keras' format
  (25,000 + 25,000 reviews of IMDB-like lengths, Zipf-distributed ranks over
  88,584 words, compressed like the real file), so the real reading path is
  measured without a download;

and prints the peak before and after loading. Linux only (reads ``/proc``).

Usage::

    .venv/bin/python benchmarks/data_memory.py
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

BUDGET_MB = 1000

CHILD = r"""
import sys, time
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
import regbook
regbook.setup(seed=0)
import keras  # noqa: F401
before = peak()
from regbook import data
source = "synthetic" if sys.argv[1] == "synthetic" else "imdb"
if source == "imdb":
    data._imdb_file = lambda: sys.argv[1]
started = time.perf_counter()
d = data.load_imdb(1000, source=source)
seconds = time.perf_counter() - started
print("RESULT", before, peak(), seconds, d.x_train.dtype, d.x_train.nbytes)
"""


def fake_imdb(path: str, seed: int = 0) -> None:
    """A full-size imdb.npz: object arrays of lists of raw ranks (from 1)."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, 88_585)
    cdf = np.cumsum(1.0 / (ranks + 2.7) ** 1.07)
    cdf /= cdf[-1]

    def reviews(n: int) -> np.ndarray:
        # IMDB: median 178 words, mean about 235, at most 2,494.
        lengths = np.clip(rng.lognormal(5.18, 0.77, n), 4, 2494).astype(int)
        flat = (np.searchsorted(cdf, rng.random(lengths.sum())) + 1).tolist()
        bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
        out = np.empty(n, dtype=object)
        out[:] = [flat[a:b] for a, b in itertools.pairwise(bounds)]
        return out

    np.savez_compressed(
        path,
        x_train=reviews(25_000),
        y_train=rng.integers(0, 2, 25_000),
        x_test=reviews(25_000),
        y_test=rng.integers(0, 2, 25_000),
    )


def measure(source: str) -> tuple[float, float, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, source],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "REGBOOK_CONDITION": ""},
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    _, before, after, seconds, *_ = line.split()
    return float(before), float(after), float(seconds)


def main() -> int:
    rows = []
    rows.append(("stand-in", *measure("synthetic")))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "imdb.npz")
        started = time.perf_counter()
        fake_imdb(path)
        print(
            f"fake imdb.npz: {os.path.getsize(path) / 1e6:.0f} MB written in "
            f"{time.perf_counter() - started:.0f} s"
        )
        rows.append(("full fake IMDB", *measure(path)))
    print()
    print(
        "| load_imdb() source | peak after importing TF | peak after loading "
        "| growth | load time | within 1.0 GB |"
    )
    print("|---|---:|---:|---:|---:|:---:|")
    for name, before, after, seconds in rows:
        print(
            f"| {name} | {before:.0f} MB | {after:.0f} MB | "
            f"{after - before:.0f} MB | {seconds:.1f} s | "
            f"{'yes' if after < BUDGET_MB else 'NO'} |"
        )
    return 0 if all(after < BUDGET_MB for *_, after, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
