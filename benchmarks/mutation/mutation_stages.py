"""A pytest plugin for the stages of a mutant's test run (run.py loads it
with ``-p mutation_stages``): ``--keras-tests without`` leaves out the tests
that take the ``keras`` fixture (they import TensorFlow, seconds to minutes on
a busy machine), ``--keras-tests only`` runs only those. So a module's NumPy
tests run first, and the Keras ones only for the mutants those let through."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption(
        "--keras-tests",
        choices=("without", "only"),
        default=None,
        help="leave out, or run only, the tests that use the keras fixture",
    )


def pytest_collection_modifyitems(config, items):
    mode = config.getoption("--keras-tests")
    if mode is None:
        return
    only = mode == "only"
    keep, drop = [], []
    for item in items:
        uses = "keras" in getattr(item, "fixturenames", ())
        (keep if uses == only else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
