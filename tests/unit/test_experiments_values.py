"""regbook.experiments by value: the time a run took, the bounds of seeds and
grids, frozen results, the defaults of HeldOutTest and weight_stats.

Written so that a small change to the module (a constant, a comparison, an
operator: see benchmarks/mutation/) makes one of these tests fail."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from regbook import experiments
from regbook.experiments import (
    HeldOutTest,
    MetricGrid,
    Outcome,
    Record,
    collect,
    log_grid,
    select,
    sweep,
    weight_stats,
)


class Clock:
    """A stand-in for time.perf_counter that moves only when told to."""

    def __init__(self, start=0.5):
        self.now = start

    def __call__(self):
        return self.now


def test_sweep_times_each_run_by_value(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(experiments.time, "perf_counter", clock)
    durations = {0.1: 2.5, 1.0: 0.25}

    def run(label, factor, seed):
        clock.now += durations[factor] + seed  # the run "takes" this long
        return {"val_loss": factor}

    records = sweep(run, {"a": [0.1, 1.0]}, seeds=[0, 3])
    assert [r.seconds for r in records] == [2.5, 5.5, 0.25, 3.25]


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, np.uint32(2**32 - 1)])
def test_seeds_from_zero_to_two_to_the_32_minus_one_are_accepted(seed):
    (record,) = sweep(
        lambda label, f, s: {"val_loss": 0.0}, {"a": [0.1]}, [seed]
    )
    assert record.seed == int(seed) and type(record.seed) is int


@pytest.mark.parametrize("seed", [-1, 2**32, 2**40])
def test_seeds_outside_the_32_bit_range_are_refused(seed):
    with pytest.raises(ValueError, match=r"seeds must lie in \[0, 2\*\*32\)"):
        sweep(lambda label, f, s: {"val_loss": 0.0}, {"a": [0.1]}, [seed])


def test_sweep_default_seed_is_zero():
    records = sweep(lambda label, f, s: {"val_loss": f}, {"a": [0.1, 1.0]})
    assert [r.seed for r in records] == [0, 0]


def test_sweep_accepts_seeds_as_a_tuple_and_keeps_their_order():
    calls = []
    sweep(
        lambda label, f, s: calls.append(s) or {"val_loss": 0.0},
        {"a": [0.1]},
        seeds=(5, 2, 9),
    )
    assert calls == [5, 2, 9]


def test_factors_checked_one_by_one():
    with pytest.raises(ValueError, match=r"factors\['b'\] must not repeat"):
        sweep(lambda *a: {"v": 0.0}, {"a": [0.1], "b": [1, 1.0]})
    with pytest.raises(TypeError, match=r"factors\['a'\] must be a sequence"):
        sweep(lambda *a: {"v": 0.0}, {"a": 0.1})
    (r,) = sweep(lambda *a: {"v": 0.0}, {"a": (0,)})
    assert r.factor == 0.0 and type(r.factor) is float


def test_metrics_become_floats_and_test_names_are_refused_in_any_case():
    (r,) = sweep(
        lambda *a: {"val_acc": np.float32(0.5), "val_n": 3, "val_x": True - 0},
        {"a": [0.1]},
    )
    assert r.metrics == {"val_acc": 0.5, "val_n": 3.0, "val_x": 1.0}
    assert all(type(v) is float for v in r.metrics.values())
    for name in ("test", "TEST_loss", "testing"):
        with pytest.raises(ValueError, match="test metric"):
            sweep(lambda *a, n=name: {n: 0.0}, {"a": [0.1]})
    (ok,) = sweep(lambda *a: {"val_test": 0.0, "contest": 1.0}, {"a": [0.1]})
    assert set(ok.metrics) == {"val_test", "contest"}
    with pytest.raises(TypeError, match="real numbers"):
        sweep(lambda *a: {"val_ok": False}, {"a": [0.1]})


# --- log_grid -----------------------------------------------------------------


def test_log_grid_needs_stop_larger_than_start():
    for start, stop in ((0.01, 0.01), (1.0, 1.0)):
        with pytest.raises(ValueError, match="stop must be larger than start"):
            log_grid(start, stop)


def test_log_grid_default_and_values():
    assert log_grid(0.01, 1.0).tolist() == [0.01, 0.1, 1.0]
    assert log_grid(0.01, 1.0, 1).tolist() == log_grid(0.01, 1.0).tolist()
    assert log_grid(1e-3, 1.0, per_decade=3).tolist() == [
        0.001,
        0.00215443469003,
        0.00464158883361,
        0.01,
        0.0215443469003,
        0.0464158883361,
        0.1,
        0.215443469003,
        0.464158883361,
        1.0,
    ]
    assert log_grid(2.0, 20.0).tolist() == [2.0, 20.0]
    with pytest.raises(ValueError, match=r"stop / start = 3 is not a whole"):
        log_grid(1.0, 3.0)
    with pytest.raises(ValueError, match="1/2 decade"):
        log_grid(1.0, 20.0, per_decade=2)
    with pytest.raises(ValueError, match="per_decade must be >= 1, got -1"):
        log_grid(1.0, 10.0, per_decade=-1)
    with pytest.raises(TypeError, match="per_decade must be an int, got bool"):
        log_grid(1.0, 10.0, per_decade=True)
    assert log_grid(1.0, 10.0, per_decade=np.int64(1)).tolist() == [1.0, 10.0]


# --- the results --------------------------------------------------------------


def test_results_are_frozen():
    outcome = Outcome({"val_loss": 1.0})
    record = Record("L2", 0.1, 0, {"val_loss": 1.0})
    grid = collect(
        sweep(lambda *a: {"val_loss": 1.0}, {"L2": [0.1]}), "val_loss", "L2"
    )
    for obj, name in (
        (outcome, "artifact"),
        (record, "seconds"),
        (grid, "label"),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)


def test_record_and_outcome_defaults():
    record = Record("L2", 0.1, 0, {"val_loss": 1.0})
    assert record.seconds == 0.0 and record.artifact is None
    assert Outcome({"v": 1.0}).artifact is None
    # The artifact takes no part in comparisons: two runs with the same numbers
    # are equal whatever they kept.
    assert Record("L2", 0.1, 0, {}, 1.0, [1]) == Record("L2", 0.1, 0, {}, 1.0)
    assert Record("L2", 0.1, 0, {}, 1.0) != Record("L2", 0.1, 0, {}, 2.0)


def test_metric_grid_mean_and_std_by_value():
    grid = MetricGrid(
        "x",
        "val_loss",
        np.array([0.1, 1.0]),
        np.array([0, 1, 2]),
        np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]]),
    )
    np.testing.assert_allclose(grid.mean, [3.0, 1.0])
    np.testing.assert_allclose(grid.std, [np.sqrt(7.0), np.sqrt(3.0)])
    one = MetricGrid("x", "v", np.array([0.1]), np.array([0]), np.ones((1, 1)))
    assert one.std.tolist() == [0.0]
    two = MetricGrid("x", "v", np.array([0.1]), np.array([0, 1]), np.eye(1, 2))
    assert two.std.tolist() == [pytest.approx(np.sqrt(0.5))]


def test_select_default_metric_is_val_bce_and_mode_min():
    records = sweep(
        lambda label, f, s: {"val_bce": (f - 0.1) ** 2, "val_acc": f},
        {"L2": [0.01, 0.1, 1.0]},
    )
    assert select(records, "L2") == 0.1
    assert select(records, "L2", "val_acc", mode="max") == 1.0
    assert select(records, "L2", "val_acc") == 0.01
    assert type(select(records, "L2")) is float


# --- HeldOutTest --------------------------------------------------------------


class Sizes:
    def __init__(self):
        self.sizes = []

    def evaluate(self, x, y, verbose=0, return_dict=True, **kwargs):
        self.sizes.append(len(x))
        return {"mean_y": float(np.mean(y))}


def test_held_out_test_default_chunk_is_5000():
    model = Sizes()
    y = np.r_[np.ones(5000), np.zeros(7000)]
    test = HeldOutTest(np.zeros((12000, 1)), y)
    assert test.evaluate("m", model) == {"mean_y": pytest.approx(5 / 12)}
    assert model.sizes == [5000, 5000, 2000]
    assert repr(test) == "HeldOutTest(12000 examples, evaluated 1 time(s))"


def test_held_out_test_chunk_of_one_and_a_chunk_larger_than_the_set():
    for chunk, sizes in ((1, [1, 1, 1]), (3, [3]), (np.int64(2), [2, 1])):
        model = Sizes()
        HeldOutTest(
            np.zeros((3, 1)), np.array([0, 1, 1]), chunk=chunk
        ).evaluate("m", model)
        assert model.sizes == sizes
    with pytest.raises(ValueError, match="chunk must be positive, got -2"):
        HeldOutTest(np.zeros((3, 1)), np.zeros(3), chunk=-2)
    with pytest.raises(TypeError, match="chunk must be an int or None"):
        HeldOutTest(np.zeros((3, 1)), np.zeros(3), chunk=True)


def test_held_out_test_names_and_keys():
    test = HeldOutTest(np.zeros((2, 1)), np.ones(2))

    class Keys:
        def evaluate(self, x, y, verbose=0, return_dict=True):
            assert verbose == 0 and return_dict is True
            return {np.str_("acc"): np.float32(0.5)}

    out = test.evaluate("m", Keys())
    assert out == {"acc": 0.5} and type(next(iter(out))) is str
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        test.evaluate(3, Keys())
    assert test.calls == 1 and len(test) == 2


# --- weight_stats -------------------------------------------------------------


def test_weight_stats_default_tolerance_is_strict_below_1e_3():
    stats = weight_stats([np.array([9.99e-4, -1e-3, 1.01e-3, 0.0])])
    assert stats["near_zero"] == 0.5  # 9.99e-4 and 0.0; 1e-3 is not below
    assert weight_stats([np.array([1e-3])], tol=1e-3)["near_zero"] == 0.0
    assert weight_stats([np.array([0.5])], tol=0.6)["near_zero"] == 1.0
    assert weight_stats([np.zeros((2, 2)), np.ones(4)]) == {
        "weight_norm": 2.0,
        "near_zero": 0.5,
    }
    with pytest.raises(ValueError, match="tol must be > 0"):
        weight_stats([np.ones(2)], tol=0)
    with pytest.raises(TypeError, match="non-empty list"):
        weight_stats((np.ones(2),)[:0])


def test_records_must_be_a_sequence_of_records():
    records = sweep(lambda *a: {"val_loss": 1.0}, {"L2": [0.1]})
    for bad, name in (
        (iter(records), "list_iterator"),
        ("rows", "str"),
        (b"rows", "bytes"),
    ):
        with pytest.raises(
            TypeError, match=f"records must be a list of Record, got {name}$"
        ):
            collect(bad, "val_loss", "L2")
    assert collect(tuple(records), "val_loss", "L2").values.tolist() == [[1.0]]


def test_weight_stats_kernels_may_be_named_and_tol_may_not_be_positional():
    assert weight_stats(kernels=[np.array([0.0, 1.0])])["near_zero"] == 0.5
    with pytest.raises(TypeError):
        weight_stats([np.array([0.0, 1.0])], 0.5)


# --- Checks that name what is wrong (mutation survivors of 2026-11-29) -------


def _record(label, factor, seed, **metrics):
    return Record(label, factor, seed, metrics, 0.0)


def test_weight_stats_rejects_a_mapping_of_kernels():
    with pytest.raises(TypeError, match="non-empty list of arrays"):
        weight_stats({"hidden": np.ones(3)})


def test_weight_stats_checks_every_kernel_for_numbers():
    with pytest.raises(TypeError, match="got dtype <U1"):
        weight_stats([np.ones(2), np.array(["x"])])


def test_difference_of_means_rejects_a_zero_dimensional_array():
    with pytest.raises(TypeError, match="a must be a flat sequence"):
        experiments.difference_of_means(np.array(1.0), [1.0, 2.0])


def test_held_out_test_needs_as_many_labels_as_inputs_both_ways():
    with pytest.raises(ValueError, match=r"got 2 and 3$"):
        HeldOutTest(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(TypeError):
        HeldOutTest(np.zeros((2, 2)), np.zeros(2), 1)  # chunk is keyword-only


def test_log_grid_names_the_ratio_that_is_not_a_whole_number_of_steps():
    with pytest.raises(ValueError, match=r"^stop / start = 2.5 is not a whole"):
        log_grid(2e-3, 5e-3)


def test_bad_records_are_named_by_the_first_one():
    with pytest.raises(TypeError, match=r"got int$"):
        collect([_record("L2", 0.1, 0, val=1.0), 3, "x"], "val", "L2")


def test_missing_metric_lists_what_the_first_such_record_has():
    records = [
        _record("L2", 0.1, 0, a=1.0),
        _record("L2", 0.2, 0, b=1.0),
    ]
    with pytest.raises(ValueError, match=r"2 record\(s\).*\['a'\]$"):
        collect(records, "c", "L2")


def test_a_hole_in_the_grid_is_named_by_the_first_missing_cell():
    records = [
        _record("L2", 0.1, 0, val=1.0),
        _record("L2", 0.2, 1, val=1.0),
    ]
    with pytest.raises(ValueError, match=r"factor 0\.1, seed 1: the records"):
        collect(records, "val", "L2")


def test_labels_are_compared_by_value_not_identity():
    label = "".join(["L", "2"])  # equal to "L2", another object
    records = [_record("L2", 0.1, 0, val=1.0)]
    assert collect(records, "val", label).values.tolist() == [[1.0]]


def test_select_takes_mode_by_keyword_only():
    records = [_record("L2", 0.1, 0, val_bce=1.0)]
    with pytest.raises(TypeError):
        select(records, "L2", "val_bce", "min")


def test_select_compares_the_mode_by_value():
    records = [
        _record("L2", 0.1, 0, val_bce=1.0),
        _record("L2", 0.2, 0, val_bce=2.0),
    ]
    mode = "".join(["m", "i", "n"])  # equal to "min", another object
    assert select(records, "L2", "val_bce", mode=mode) == 0.1


def test_long_grids_and_seed_lists_are_counted_by_value():
    """300 factors or seeds: lengths beyond CPython's cache of small ints
    (up to 256), where comparing them by identity would fail."""

    def run(grid, seed):
        return {
            label: [{"val": f + seed} for f in factors]
            for label, factors in grid.items()
        }

    factors = [float(i + 1) for i in range(300)]
    records = sweep(run, {"a": factors}, seeds=[0], batch=True)
    assert [r.factor for r in records] == factors
    records = sweep(run, {"a": [1.0]}, seeds=list(range(300)), batch=True)
    assert [r.seed for r in records] == list(range(300))


@pytest.mark.parametrize(
    "difference, error, text",
    [
        (0.0098, 0.005, "1.96"),  # rounds to 2.0 with one decimal: two
        (0.0102, 0.005, "2.04"),
        (-0.0102, 0.005, "-2.04"),  # the sign is kept
        (0.00996, 0.005, "1.99"),
        (0.028, 0.005, "5.6"),
        (0.0093, 0.005, "1.9"),
        (0.0, 1.0, "0.0"),
    ],
)
def test_in_standard_errors_by_value(difference, error, text):
    assert experiments.in_standard_errors(difference, error) == text


@pytest.mark.parametrize(
    "difference, error, exc, match",
    [
        ("1", 1.0, TypeError, r"^difference must be a real number, got str$"),
        (True, 1.0, TypeError, r"^difference must be a real number, got bool$"),
        (math.nan, 1.0, ValueError, r"^difference must be finite, got nan$"),
        (1.0, 0.0, ValueError, r"^standard_error must be > 0$"),
        (1.0, -1.0, ValueError, r"^standard_error must be a finite"),
        (1.0, math.inf, ValueError, r"^standard_error must be a finite"),
    ],
)
def test_in_standard_errors_rejects_bad_arguments(
    difference, error, exc, match
):
    with pytest.raises(exc, match=match):
        experiments.in_standard_errors(difference, error)
