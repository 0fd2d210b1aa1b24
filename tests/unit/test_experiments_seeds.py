"""regbook.experiments by value: difference_of_means (the standard error that
chapter 4 compares seeds with) and sweep's batched mode (one call trains a
label's factors together)."""

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


def test_batched_sweep_calls_once_per_label_and_seed_in_record_order():
    calls = []

    def run(label, factors, seed):
        calls.append((label, factors, seed))
        return [{"val_loss": 10 * f + seed} for f in factors]

    records = sweep(
        run, {"a": [0.1, 1.0], "b": [2.0]}, seeds=[0, 3], batch=True
    )
    assert calls == [
        ("a", [0.1, 1.0], 0),
        ("a", [0.1, 1.0], 3),
        ("b", [2.0], 0),
        ("b", [2.0], 3),
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


def test_batched_sweep_gives_the_same_records_as_one_run_per_factor():
    def one(label, factor, seed):
        return {"val_loss": (factor - 0.1) ** 2 + seed}

    def many(label, factors, seed):
        return [one(label, f, seed) for f in factors]

    grid = {"x": [0.01, 0.1, 1.0]}
    plain = sweep(one, grid, seeds=[0, 1])
    batched = sweep(many, grid, seeds=[0, 1], batch=True)
    assert [(r.label, r.factor, r.seed, r.metrics) for r in plain] == [
        (r.label, r.factor, r.seed, r.metrics) for r in batched
    ]


def test_batched_sweep_shares_the_time_of_a_call_among_its_factors(
    monkeypatch,
):
    clock = Clock()
    monkeypatch.setattr(experiments.time, "perf_counter", clock)

    def run(label, factors, seed):
        clock.now += 3.0 + seed  # the whole batch "takes" this long
        return [{"val_loss": f} for f in factors]

    records = sweep(run, {"a": [0.1, 1.0, 2.0]}, seeds=[0, 3], batch=True)
    assert [r.seconds for r in records] == [1.0, 2.0] * 3


def test_batched_sweep_keeps_outcome_artifacts_per_factor():
    def run(label, factors, seed):
        return [Outcome({"val_loss": f}, artifact=("w", f)) for f in factors]

    records = sweep(run, {"a": [0.5, 0.25]}, batch=True)
    assert [(r.factor, r.artifact) for r in records] == [
        (0.5, ("w", 0.5)),
        (0.25, ("w", 0.25)),
    ]


def test_batched_sweep_checks_each_result_like_a_single_run():
    def run(label, factors, seed):
        return [{"val_loss": 1.0}, {"test_loss": 2.0}]

    with pytest.raises(ValueError, match=r"run\('a', 2, 0\).*test metric"):
        sweep(run, {"a": [1.0, 2.0]}, batch=True)


@pytest.mark.parametrize(
    "results, error, match",
    [
        ({"val_loss": 1.0}, TypeError, "must return a sequence of results"),
        ("ab", TypeError, "got str"),
        (None, TypeError, "got NoneType"),
        ([{"val_loss": 1.0}], ValueError, "returned 1 results for 2 factors"),
        (
            [{"val_loss": 1.0}] * 3,
            ValueError,
            r"run\('a', factors, 0\) returned 3 results for 2 factors",
        ),
    ],
)
def test_batched_sweep_rejects_a_wrong_number_or_kind_of_results(
    results, error, match
):
    with pytest.raises(error, match=match):
        sweep(lambda *args: results, {"a": [1.0, 2.0]}, batch=True)


def test_batch_must_be_a_bool_and_is_off_by_default():
    calls = []

    def run(label, factor, seed):
        calls.append(factor)
        return {"val_loss": factor}

    sweep(run, {"a": [1.0, 2.0]})
    assert calls == [1.0, 2.0]  # one call per factor, each with a float
    with pytest.raises(TypeError, match="batch must be True or False"):
        sweep(run, {"a": [1.0]}, batch=1)
    with pytest.raises(TypeError, match="batch must be True or False"):
        sweep(run, {"a": [1.0]}, batch="yes")
