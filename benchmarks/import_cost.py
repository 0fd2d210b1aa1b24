"""What a reader pays to start Keras on each backend: time and memory.

Each measurement is a fresh Python process that imports Keras on one backend
and runs one operation (so the backend is really initialised), then reports the
seconds the import took and the peak resident memory of the whole process.
Chapter 3 quotes these numbers; measure them again with, for example::

    .venv/bin/python benchmarks/import_cost.py \\
        --env tensorflow=.venv/bin/python --env jax=.venv-jax/bin/python

Each backend needs an environment with Keras and that backend installed (``make
test-jax`` makes ``.venv-jax``). The median of ``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

PROBE = """
import json, resource, time
start = time.perf_counter()
import keras
keras.ops.convert_to_numpy(keras.ops.ones((2, 2)) * 2)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"keras": keras.__version__,
                  "backend": keras.config.backend(),
                  "seconds": seconds, "peak_mb": peak_mb}))
"""


def measure(python: str, backend: str) -> dict:
    """One fresh process: import Keras on ``backend`` with ``python``."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [python, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env",
        action="append",
        metavar="BACKEND=PYTHON",
        help="a backend and the Python of an environment that has it",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    pairs = args.env or [f"tensorflow={sys.executable}"]
    print("| backend | Keras | import and first op (s) | peak memory (MB) |")
    print("|---|---|---:|---:|")
    for pair in pairs:
        backend, _, python = pair.partition("=")
        runs = [measure(python, backend) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        print(
            f"| {runs[0]['backend']} | {runs[0]['keras']} | {seconds:.1f} | "
            f"{peak:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
