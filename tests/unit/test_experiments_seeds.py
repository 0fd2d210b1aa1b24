"""regbook.experiments by value: difference_of_means (the standard error that
chapter 4 compares seeds with) and sweep's batched mode (one call per seed
trains the whole grid together)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regbook import experiments
from regbook.experiments import Outcome, collect, difference_of_means, sweep

# --- difference_of_means ---------------------------------------------------


def test_difference_of_means_by_value():
    # means 2 and 1; variances (ddof=1) 1 and 2; SE = sqrt(1/3 + 2/2)
    difference, error = difference_of_means([1.0, 2.0, 3.0], [0.0, 2.0])
    assert difference == 1.0
    assert error == pytest.approx(math.sqrt(1 / 3 + 1.0), rel=1e-15)
    assert isinstance(difference, float) and isinstance(error, float)


def test_difference_of_means_is_a_minus_b_and_welch_weighted():
    # unequal sizes and spreads: each variance divided by its own n
    a = [10.0, 14.0]  # mean 12, variance 8
    b = [1.0, 2.0, 3.0, 6.0]  # mean 3, variance 14/3
    difference, error = difference_of_means(a, b)
    assert difference == 9.0
    assert error == pytest.approx(math.sqrt(8 / 2 + (14 / 3) / 4), rel=1e-15)
    back, same = difference_of_means(b, a)
    assert back == -9.0 and same == error


def test_difference_of_means_of_constant_seeds_has_no_error():
    assert difference_of_means([0.5, 0.5], [0.25, 0.25]) == (0.25, 0.0)


def test_difference_of_means_accepts_arrays_and_ints():
    difference, error = difference_of_means(
        np.array([1, 3], dtype=np.int64), (np.float32(2.0), np.float32(2.0))
    )
    assert (difference, error) == (0.0, pytest.approx(1.0, rel=1e-15))


@pytest.mark.parametrize(
    "a, b, error, match",
    [
        ([1.0], [1.0, 2.0], ValueError, "a needs at least two values"),
        ([1.0, 2.0], [3.0], ValueError, "b needs at least two values"),
        ([], [1.0, 2.0], ValueError, "got 0"),
        ([1.0, np.nan], [1.0, 2.0], ValueError, "a holds a value"),
        ([1.0, 2.0], [1.0, np.inf], ValueError, "b holds a value"),
        ("12", [1.0, 2.0], TypeError, "a must be a sequence"),
        ([1.0, 2.0], 3.0, TypeError, "b must be a sequence"),
        ([1.0, 2.0], {1.0, 2.0}, TypeError, "b must be a sequence"),
        ([[1.0, 2.0]], [1.0, 2.0], TypeError, "a must be a flat sequence"),
        (["x", "y"], [1.0, 2.0], TypeError, "a must be a flat sequence"),
        ([1.0, 2.0], [True, False], TypeError, "b must be a flat sequence"),
    ],
)
def test_difference_of_means_rejects_bad_input(a, b, error, match):
    with pytest.raises(error, match=match):
        difference_of_means(a, b)


def test_difference_of_means_two_values_each_is_just_enough():
    assert difference_of_means([0.0, 2.0], [1.0, 1.0]) == (0.0, 1.0)


# --- sweep(batch=True) -----------------------------------------------------


class Clock:
    """A stand-in for time.perf_counter that moves only when told to."""

    def __init__(self, start=0.5):
        self.now = start

    def __call__(self):
        return self.now


def together(grid, seed):
    """A batched run: every label's factors in one call."""
    return {
        label: [{"val_loss": 10 * f + seed} for f in factors]
        for label, factors in grid.items()
    }


def test_batched_sweep_calls_once_per_seed_with_the_whole_grid():
    calls = []

    def run(grid, seed):
        calls.append((grid, seed))
        return together(grid, seed)

    records = sweep(
        run, {"a": [0.1, 1.0], "b": [2.0]}, seeds=[0, 3], batch=True
    )
    assert calls == [
        ({"a": [0.1, 1.0], "b": [2.0]}, 0),
        ({"a": [0.1, 1.0], "b": [2.0]}, 3),
    ]
    assert [(r.label, r.factor, r.seed) for r in records] == [
        ("a", 0.1, 0),
        ("a", 0.1, 3),
        ("a", 1.0, 0),
        ("a", 1.0, 3),
        ("b", 2.0, 0),
        ("b", 2.0, 3),
    ]
    assert [r.metrics["val_loss"] for r in records] == [1, 4, 10, 13, 20, 23]
    grid = collect(records, "val_loss", "a")
    assert grid.values.tolist() == [[1.0, 4.0], [10.0, 13.0]]


def test_batched_sweep_gets_lists_it_may_not_change_the_grid_through():
    def run(grid, seed):
        out = together(grid, seed)
        grid["a"].append(5.0)  # the caller's grid must not change
        return out

    factors = {"a": [0.1, 1.0]}
    records = sweep(run, factors, seeds=[0, 1], batch=True)
    assert factors == {"a": [0.1, 1.0]}
    assert [r.factor for r in records] == [0.1, 0.1, 1.0, 1.0]


def test_batched_sweep_gives_the_same_records_as_one_run_per_factor():
    def one(label, factor, seed):
        return {"val_loss": (factor - 0.1) ** 2 + seed}

    def many(grid, seed):
        return {
            label: [one(label, f, seed) for f in fs]
            for label, fs in grid.items()
        }

    grid = {"x": [0.01, 0.1, 1.0], "y": [0.5]}
    plain = sweep(one, grid, seeds=[0, 1])
    batched = sweep(many, grid, seeds=[0, 1], batch=True)
    assert [(r.label, r.factor, r.seed, r.metrics) for r in plain] == [
        (r.label, r.factor, r.seed, r.metrics) for r in batched
    ]


def test_batched_sweep_shares_the_time_of_a_call_among_its_models(
    monkeypatch,
):
    clock = Clock()
    monkeypatch.setattr(experiments.time, "perf_counter", clock)

    def run(grid, seed):
        clock.now += 3.0 + 2 * seed  # the whole batch "takes" this long
        return together(grid, seed)

    records = sweep(
        run, {"a": [0.1, 1.0, 2.0], "b": [3.0]}, seeds=[0, 2], batch=True
    )
    # a quarter of each call per model, fractions kept (not floor-divided)
    assert [r.seconds for r in records] == [0.75, 1.75] * 4


def test_batched_sweep_keeps_outcome_artifacts_per_factor():
    def run(grid, seed):
        return {
            label: [Outcome({"val_loss": f}, artifact=(label, f)) for f in fs]
            for label, fs in grid.items()
        }

    records = sweep(run, {"a": [0.5, 0.25], "b": [1.0]}, batch=True)
    assert [(r.factor, r.artifact) for r in records] == [
        (0.5, ("a", 0.5)),
        (0.25, ("a", 0.25)),
        (1.0, ("b", 1.0)),
    ]


def test_batched_sweep_checks_each_result_like_a_single_run():
    def run(grid, seed):
        return {"a": [{"val_loss": 1.0}, {"test_loss": 2.0}]}

    with pytest.raises(ValueError, match=r"run\('a', 2, 0\).*test metric"):
        sweep(run, {"a": [1.0, 2.0]}, batch=True)


@pytest.mark.parametrize(
    "results, error, match",
    [
        ([{"val_loss": 1.0}] * 2, TypeError, "must return a mapping"),
        (None, TypeError, "got NoneType"),
        ({"a": [{"val_loss": 1.0}] * 2}, ValueError, "the grid has"),
        (
            {"a": [{}] * 2, "b": [{}], "c": []},
            ValueError,
            r"returned the labels \['a', 'b', 'c'\], the grid has \['a', 'b'\]",
        ),
        (
            {"a": {"val_loss": 1.0}, "b": [{}]},
            TypeError,
            "must give 'a' a sequence of results",
        ),
        ({"a": "ab", "b": [{}]}, TypeError, "got str"),
        ({"a": None, "b": [{}]}, TypeError, "got NoneType"),
        (
            {"a": [{"val_loss": 1.0}], "b": [{}]},
            ValueError,
            r"run\(grid, 0\) returned 1 results for the 2 factors of 'a'",
        ),
        (
            {"a": [{"val_loss": 1.0}] * 2, "b": [{}] * 3},
            ValueError,
            "returned 3 results for the 1 factors of 'b'",
        ),
    ],
)
def test_batched_sweep_rejects_a_wrong_number_or_kind_of_results(
    results, error, match
):
    with pytest.raises(error, match=match):
        sweep(
            lambda grid, seed: results,
            {"a": [1.0, 2.0], "b": [3.0]},
            batch=True,
        )


def test_batch_must_be_a_bool_and_is_off_by_default():
    calls = []

    def run(label, factor, seed):
        calls.append((label, factor, seed))
        return {"val_loss": factor}

    sweep(run, {"a": [1.0, 2.0]})
    assert calls == [("a", 1.0, 0), ("a", 2.0, 0)]  # one call per factor
    with pytest.raises(TypeError, match="batch must be True or False"):
        sweep(run, {"a": [1.0]}, batch=1)
    with pytest.raises(TypeError, match="batch must be True or False"):
        sweep(run, {"a": [1.0]}, batch="yes")
