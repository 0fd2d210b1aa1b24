"""The benchmark's memory breakdown (benchmarks/run.py), by value."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_run():
    spec = importlib.util.spec_from_file_location(
        "bench_run", ROOT / "benchmarks" / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_run", module)
    spec.loader.exec_module(module)
    return module


run = _load_run()
MB = 1_000_000


def test_breakdown_names_the_cells_that_raised_the_peak_most():
    cells = [
        (2, "try:  # on Colab", 500 * MB, 480 * MB),
        (3, "import numpy as np", 510 * MB, 500 * MB),
        (5, "data = load_imdb(num_words=1000)", 700 * MB, 650 * MB),
        (7, "history = model.fit(x | y)", 760 * MB, 600 * MB),
        (9, "plt.show()", 760 * MB, 590 * MB),
    ]
    lines = run.breakdown([{"name": "book/01_x.ipynb", "cells": cells}], top=2)
    (row,) = [line for line in lines if line.startswith("| book/")]
    assert row == (
        "| book/01_x.ipynb | 500 | "
        "5: `data = load_imdb(num_words=1000)` +190; "
        "7: `history = model.fit(x / y)` +60 | 760 | 590 |"
    )


def test_breakdown_leaves_out_cells_that_raised_nothing_and_empty_runs():
    cells = [(1, "a", 300 * MB, 300 * MB), (2, "b", 300 * MB, 200 * MB)]
    lines = run.breakdown(
        [
            {"name": "book/02_y.ipynb", "cells": cells},
            {"name": "book/03_z.ipynb", "cells": []},
        ]
    )
    rows = [line for line in lines if line.startswith("| book/")]
    assert rows == ["| book/02_y.ipynb | 300 |  | 300 | 200 |"]


def test_a_run_is_busy_when_others_load_the_machine_not_when_it_does():
    assert not run.busy(0.15, 1.52, 2), "the run's own load, after it"
    assert run.busy(1.2, 1.5, 2), "busy before the run started"
    assert run.busy(0.1, 2.6, 2), "more load after than the run explains"
    assert not run.busy(1.0, 2.5, 2), "both limits are inclusive"
