"""Time every chapter, the data-conditions matrix and the multi-hot encoding.

Run with `make bench` (never part of `make test`); it writes
benchmarks/results.md and prints it. Each chapter notebook listed in _toc.yml
runs top to bottom in a fresh kernel (nbclient), with REGBOOK_DATA=synthetic
unless set. For each chapter it records the wall time (kernel start to last
cell) and the kernel's peak memory: the kernel process's high-water mark (VmHWM,
exact) plus the largest resident size seen for any processes the kernel started
(sampled every 50 ms).

Machines differ and are noisy (the same book ran 1.9x slower on one 2-core
machine than on another), so the run first times a fixed reference workload, the
*calibration*: NumPy matrix products and a few epochs of the classic 16-16-1
network on fixed random data, in a fresh process. Chapter times are reported
both in seconds and in calibration units, which compare across machines.

Budgets (issue 13): every chapter at most 60 s and 1.0 GB, reported as pass/fail
columns; a missed budget is reported, not an error. A chapter that fails to run
makes the exit status 1.

Then the data-conditions matrix: every chapter that reads the reviews, under
each condition of `make test-robust`, each in a fresh kernel (its total time is
what the matrix costs CI). Then `regbook.data.multi_hot` on IMDB-shaped input
against the per-word loop of Keras 2's `Tokenizer.sequences_to_matrix` and the
floor of reading the integers once.

Options: --chapters 01 03 (names starting so), --no-notebooks (only the
multi-hot timing), --no-matrix, --conditions seed-b hard, --output PATH (default
benchmarks/results.md)."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import itertools
import os
import platform
import re
import sys
import threading
import time
import timeit
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("REGBOOK_DATA", "synthetic")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import nbclient  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "notebooks"))
import chapters  # noqa: E402 - the one _toc.yml walker

TIME_BUDGET_S: dict[
    str, float
] = {}  # by file-name prefix; every other chapter:
DEFAULT_TIME_BUDGET_S = 60.0
MEMORY_BUDGET_B = 1.0e9
#: The data conditions of `make test-robust` (the default one is make test's).
CONDITIONS = ["seed-b", "seed-c", "train-4000", "vocab-500", "hard"]
CELL_TIMEOUT_S = 600
NUM_WORDS = 1000


# ----------------------------------------------------------------------------
# chapters


def chapter_notebooks() -> list[Path]:
    """The notebooks of _toc.yml, in book order."""
    return chapters.chapter_notebooks(ROOT)


def time_budget(path: Path) -> float:
    return next(
        (
            s
            for prefix, s in TIME_BUDGET_S.items()
            if path.name.startswith(prefix)
        ),
        DEFAULT_TIME_BUDGET_S,
    )


class KernelMemory(threading.Thread):
    """Peak memory of the kernel that `client` starts: its VmHWM plus its
    children's RSS."""

    def __init__(self, client: nbclient.NotebookClient):
        super().__init__(daemon=True)
        self.client, self.peak, self._done = client, 0, threading.Event()
        #: After every code cell: (cell index, its first line, the kernel's
        #: high-water mark and resident memory in bytes), for the breakdown.
        self.cells: list[tuple[int, str, int, int]] = []

    def _kernel(self) -> psutil.Process | None:
        provisioner = getattr(
            getattr(self.client, "km", None), "provisioner", None
        )
        pid = getattr(getattr(provisioner, "process", None), "pid", None)
        return psutil.Process(pid) if pid else None

    def sample(self, *_args, **kwargs) -> None:
        try:
            kernel = self._kernel()
            if kernel is None:
                return
            with open(f"/proc/{kernel.pid}/status") as status:
                fields = dict(
                    line.split(":", 1) for line in status if ":" in line
                )
            hwm = int(fields["VmHWM"].split()[0]) * 1024  # exact peak
            rss = int(fields["VmRSS"].split()[0]) * 1024
            children = sum(
                c.memory_info().rss for c in kernel.children(recursive=True)
            )
            self.peak = max(self.peak, hwm + children)
            cell = kwargs.get("cell")
            if cell is not None and cell.get("cell_type") == "code":
                first = next(
                    (ln for ln in cell.source.splitlines() if ln.strip()), ""
                )
                index = kwargs.get("cell_index", -1)
                self.cells.append((index, first[:60], hwm, rss))
        except (psutil.Error, OSError, KeyError, ValueError):
            pass  # the kernel is starting or gone

    def run(self) -> None:
        while not self._done.wait(0.05):
            self.sample()

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run_notebook(path: Path, condition: str = "default") -> dict:
    """Run one notebook in a fresh kernel under a data condition; time it."""
    os.environ["REGBOOK_CONDITION"] = condition  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    memory = KernelMemory(client)
    client.on_cell_executed = (
        memory.sample
    )  # one exact reading after every cell
    memory.start()
    start, error = time.perf_counter(), ""
    try:
        client.execute()
    except Exception as exc:
        last_line = re.sub(
            r"\x1b\[[0-9;]*m", "", (str(exc).strip().splitlines() or [""])[-1]
        )
        error = f"{type(exc).__name__}: {last_line}"
    wall = time.perf_counter() - start
    return {
        "name": path.relative_to(ROOT).as_posix(),
        "condition": condition,
        "wall": wall,
        "peak": memory.stop(),
        "cells": memory.cells,
        "time_budget": time_budget(path),
        "error": error,
    }


# ----------------------------------------------------------------------------
# calibration

#: The reference workload, run in a fresh process: what a chapter does most
#: (TensorFlow start-up, small dense layers trained with Keras, NumPy products).
CALIBRATION = """
import os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
started = time.perf_counter()
import numpy as np
rng = np.random.default_rng(0)
a = rng.normal(size=(400, 400))
for _ in range(60):
    a = np.tanh(a @ a / 400)
numpy_s = time.perf_counter() - started
import keras
keras.utils.set_random_seed(0)
x = (rng.random((8000, 1000)) < 0.05).astype("uint8")
y = (x[:, :40].sum(axis=1) > 2).astype("float32").reshape(-1, 1)
model = keras.Sequential([
    keras.Input(shape=(1000,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="rmsprop", loss="binary_crossentropy")
model.fit(x, y, epochs=4, batch_size=128, verbose=0)
print(numpy_s, time.perf_counter() - started)
"""


def calibrate(repeats: int = 3) -> dict:
    """Time the reference workload in fresh processes; keep the fastest run."""
    import subprocess

    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", CALIBRATION],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append((float(out[-2]), float(out[-1])))
    numpy_s, total_s = min(runs, key=lambda r: r[1])
    return {"numpy": numpy_s, "total": total_s, "repeats": repeats}


# ----------------------------------------------------------------------------
# multi_hot


def keras2_sequences_to_matrix(
    sequences, num_words: int, mode: str = "binary"
) -> np.ndarray:
    """Keras 2's Tokenizer.sequences_to_matrix(mode="binary"): a Python loop per
    word."""
    x = np.zeros((len(sequences), num_words))
    for i, seq in enumerate(sequences):
        if not seq:
            continue
        counts = defaultdict(int)
        for j in seq:
            if j >= num_words:
                continue
            counts[j] += 1
        for j, c in list(counts.items()):  # the mode chain as Keras 2 had it
            if mode == "count":
                x[i][j] = c
            elif mode == "freq":
                x[i][j] = c / len(seq)
            elif mode == "binary":
                x[i][j] = 1
            else:
                raise ValueError(f"Unknown vectorization mode: {mode}")
    return x


def per_review_loop(sequences, num_words: int) -> np.ndarray:
    """Chollet's vectorize_sequences: one fancy-indexed assignment a review."""
    x = np.zeros((len(sequences), num_words), dtype=np.float32)
    for i, seq in enumerate(sequences):
        x[i, seq] = 1.0
    return x


def read_floor(sequences, num_words: int) -> np.ndarray:
    """Reading every integer once, the least any encoder of Python lists must
    do."""
    return np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64)


def best_of(func, sequences, repeats: int) -> float:
    return min(
        timeit.repeat(
            lambda: func(sequences, NUM_WORDS), number=1, repeat=repeats
        )
    )


def time_multi_hot() -> dict:
    from regbook.data import multi_hot, synthetic_imdb

    (x_train, _), _ = synthetic_imdb(NUM_WORDS, n_test=0)
    sequences = [
        list(map(int, review)) for review in x_train
    ]  # lists of Python ints
    assert all(type(w) is int for w in sequences[0])
    expected = keras2_sequences_to_matrix(sequences, NUM_WORDS)
    assert np.array_equal(multi_hot(sequences, NUM_WORDS), expected), (
        "multi_hot disagrees with Keras 2"
    )
    assert np.array_equal(per_review_loop(sequences, NUM_WORDS), expected)
    times = {
        "multi_hot": best_of(multi_hot, sequences, 9),
        "keras2": best_of(keras2_sequences_to_matrix, sequences, 3),
        "per_review": best_of(per_review_loop, sequences, 5),
        "floor": best_of(read_floor, sequences, 9),
    }
    return {
        "reviews": len(sequences),
        "words": sum(map(len, sequences)),
        **times,
    }


# ----------------------------------------------------------------------------
# report


def version(*names: str) -> str:
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def machine(load_before: tuple[float, ...]) -> list[str]:
    cpuinfo = (
        Path("/proc/cpuinfo").read_text().splitlines()
        if Path("/proc/cpuinfo").exists()
        else []
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    load_after = os.getloadavg()
    return [
        f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- machine: {os.cpu_count()} logical cores "
        f"({psutil.cpu_count(logical=False)} physical), "
        f"{cpu}; {psutil.virtual_memory().total / 2**30:.1f} GiB memory; "
        f"{platform.platform()}",
        f"- software: Python {platform.python_version()}, TensorFlow "
        f"{version('tensorflow-cpu', 'tensorflow')}, "
        f"Keras {version('keras')}, NumPy {version('numpy')}, nbclient "
        f"{version('nbclient')}",
        f"- load average (1 min) before / after: {load_before[0]:.2f} / "
        f"{load_after[0]:.2f}"
        + (
            "  **(the machine was busy: re-run when it is quiet)**"
            if busy(load_before[0], load_after[0], os.cpu_count() or 1)
            else ""
        ),
        f"- REGBOOK_DATA={os.environ['REGBOOK_DATA']}",
    ]


def busy(before: float, after: float, cores: int) -> bool:
    """Whether other work shared the machine: a one-minute load average above
    half the cores before the run, or, after it, above what the run itself
    explains (its kernels keep up to every core busy) by a quarter."""
    return before > 0.5 * cores or after > 1.25 * cores


def ok(flag: bool) -> str:
    return "pass" if flag else "**FAIL**"


def chapter_rows(runs: list[dict], cal: dict | None) -> list[str]:
    """Table rows: time, calibration units, memory and the budget verdicts."""
    rows = []
    for c in runs:
        units = f"{c['wall'] / cal['total']:.1f}" if cal else "n/a"
        ran = "**error**: " + c["error"] if c["error"] else "yes"
        rows.append(
            f"| {c['name']} | {c['condition']} | {ran} | {c['wall']:.1f} | "
            f"{units} | {ok(not c['error'] and c['wall'] <= c['time_budget'])}"
            f" | {c['peak'] / 1e6:,.0f} | "
            f"{ok(not c['error'] and 0 < c['peak'] <= MEMORY_BUDGET_B)} |"
        )
    return rows


def breakdown(runs: list[dict], top: int = 3) -> list[str]:
    """Where each chapter's memory goes: the kernel after its first code cell
    (Python, IPython, regbook.setup and so TensorFlow), then the cells that
    raised the kernel's high-water mark most, and what stays resident at the
    end."""
    lines = [
        "## Where the memory goes (default condition)",
        "",
        "The kernel's high-water mark (VmHWM) read after every code cell. "
        "*Start*: after the first code cell (Python, IPython, `regbook.setup`, "
        "which imports TensorFlow where the chapter uses it). Then the "
        f"{top} cells that raised the mark most, by how much, and the "
        "resident memory (VmRSS) at the end.",
        "",
        "| notebook | start (MB) | largest rises (cell: first line, MB) "
        "| peak (MB) | resident at the end (MB) |",
        "|---|---:|---|---:|---:|",
    ]
    for run in runs:
        cells = run.get("cells") or []
        if not cells:
            continue
        rises = [
            (hwm - previous[2], index, first)
            for previous, (index, first, hwm, _rss) in itertools.pairwise(cells)
        ]
        largest = sorted(rises, reverse=True)[:top]
        text = "; ".join(
            f"{index}: `{first.replace('|', '/')}` +{rise / 1e6:,.0f}"
            for rise, index, first in largest
            if rise > 0
        )
        lines.append(
            f"| {run['name']} | {cells[0][2] / 1e6:,.0f} | {text} | "
            f"{cells[-1][2] / 1e6:,.0f} | {cells[-1][3] / 1e6:,.0f} |"
        )
    return [*lines, ""]


TABLE_HEAD = [
    "| notebook | data condition | ran | wall time (s) | in calibration "
    "units | time | peak memory (MB) | memory |",
    "|---|---|---|---:|---:|---|---:|---|",
]


def report(
    chapters: list[dict],
    matrix: list[dict],
    cal: dict | None,
    mh: dict | None,
    load_before,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (benchmarks/run.py); numbers depend on the "
        "machine and on what else it was doing.",
        "",
        *machine(load_before),
        "",
    ]
    if cal:
        lines += [
            "## Calibration (a fixed reference workload, timed in this run)",
            "",
            f"The reference workload took **{cal['total']:.1f} s** (fastest of "
            f"{cal['repeats']} fresh processes; {cal['numpy']:.2f} s of it "
            "NumPy): "
            "TensorFlow start-up and a few epochs of the 16-16-1 network on "
            "fixed "
            "random data (see `CALIBRATION` in benchmarks/run.py). A chapter "
            "time "
            "in calibration units (its seconds divided by this) compares "
            "across "
            "machines.",
            "",
        ]
    if chapters:
        total = sum(c["wall"] for c in chapters)
        lines += [
            "## Chapters (each in a fresh kernel)",
            "",
            f"Budgets: {DEFAULT_TIME_BUDGET_S:.0f} s and "
            f"{MEMORY_BUDGET_B / 1e9:.1f} GB per chapter.",
            "",
            *TABLE_HEAD,
            *chapter_rows(chapters, cal),
            "",
            f"The whole book cold (every chapter, one after another): "
            f"**{total:.0f} s**"
            + (
                f" ({total / cal['total']:.1f} calibration units)."
                if cal
                else "."
            ),
            "",
            "Wall time includes starting the kernel. Peak memory: the kernel's "
            "VmHWM plus its child processes' resident memory.",
            "",
            *breakdown(chapters),
        ]
    if matrix:
        total = sum(c["wall"] for c in matrix)
        conditions = sorted({c["condition"] for c in matrix})
        lines += [
            "## The data-conditions matrix (`make test-robust`)",
            "",
            f"Every chapter that reads the reviews under {len(conditions)} "
            f"conditions ({', '.join(conditions)}), each in a fresh kernel: "
            f"**{total:.0f} s** in all"
            + (
                f" ({total / cal['total']:.1f} calibration units)"
                if cal
                else ""
            )
            + ". The same budgets apply.",
            "",
            *TABLE_HEAD,
            *chapter_rows(matrix, cal),
            "",
        ]
    if mh:
        speedup, floor_ratio = (
            mh["keras2"] / mh["multi_hot"],
            mh["multi_hot"] / mh["floor"],
        )
        lines += [
            f"## multi_hot on IMDB-shaped input ({mh['reviews']:,} reviews, "
            f"{mh['words']:,} words, "
            f"{NUM_WORDS:,} columns; best of several runs)",
            "",
            "| encoder | time (ms) | relative to multi_hot |",
            "|---|---:|---:|",
            f"| `regbook.data.multi_hot` | {mh['multi_hot'] * 1e3:.1f} | 1.0x "
            "|",
            "| (a) Keras 2 `sequences_to_matrix`, a Python loop per word | "
            f"{mh['keras2'] * 1e3:.1f} "
            f"| {speedup:.1f}x slower |",
            "| (c) per-review loop `x[i, seq] = 1` | "
            f"{mh['per_review'] * 1e3:.1f} "
            f"| {mh['per_review'] / mh['multi_hot']:.1f}x slower |",
            "| (b) floor: read the integers once (`np.fromiter`) | "
            f"{mh['floor'] * 1e3:.1f} "
            f"| multi_hot takes {floor_ratio:.2f}x the floor |",
            "",
            "| acceptance | measured | result |",
            "|---|---:|---|",
            f"| multi_hot at least 10x faster than (a) | {speedup:.1f}x | "
            f"{ok(speedup >= 10)} |",
            f"| multi_hot within 2x of the floor (b) | {floor_ratio:.2f}x | "
            f"{ok(floor_ratio <= 2)} |",
            "",
            "Ceiling: reading the integers alone, (b), is "
            f"{mh['keras2'] / mh['floor']:.1f}x faster than (a), so "
            "no encoder of lists of Python ints can be more than that much "
            "faster than (a).",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-notebooks", action="store_true", help="only time multi_hot"
    )
    parser.add_argument(
        "--no-matrix", action="store_true", help="skip the data conditions"
    )
    parser.add_argument(
        "--chapters",
        nargs="*",
        default=None,
        help="notebook names starting so, e.g. 01 04",
    )
    parser.add_argument(
        "--conditions",
        nargs="*",
        default=CONDITIONS,
        help="data conditions of the matrix",
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results.md"
    )
    args = parser.parse_args(argv)

    def chosen(paths: list[Path]) -> list[Path]:
        return [
            path
            for path in paths
            if not args.chapters
            or any(path.name.startswith(c) for c in args.chapters)
        ]

    def run(path: Path, condition: str) -> dict:
        label = path.relative_to(ROOT)
        print(f"running {label} ({condition}) ...", flush=True)
        result = run_notebook(path, condition)
        print(
            f"  {result['wall']:.1f} s, {result['peak'] / 1e6:,.0f} MB"
            + (f", ERROR {result['error']}" if result["error"] else ""),
            flush=True,
        )
        return result

    load_before = os.getloadavg()
    cal, runs, matrix = None, [], []
    if not args.no_notebooks:
        print("timing the calibration workload ...", flush=True)
        cal = calibrate()
        print(f"  {cal['total']:.1f} s", flush=True)
        runs = [run(p, "default") for p in chosen(chapter_notebooks())]
        if not args.no_matrix:
            data_chapters = chosen(chapters.data_chapters(ROOT))
            matrix = [run(p, c) for c in args.conditions for p in data_chapters]
        os.environ.pop("REGBOOK_CONDITION", None)
    print("timing multi_hot ...", flush=True)
    mh = time_multi_hot()
    text = report(runs, matrix, cal, mh, load_before)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(text + "\n")
    tmp.replace(args.output)
    print(text)
    return 1 if any(c["error"] for c in runs + matrix) else 0


if __name__ == "__main__":
    sys.exit(main())
