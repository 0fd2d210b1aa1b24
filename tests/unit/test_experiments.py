"""Tests of regbook.experiments (the sweep runner) and of the sweep plots in
regbook.plots."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

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
from regbook.plots import COLORS, plot_runs, plot_spread, plot_sweep


def toy_run(label, factor, seed):
    """A U-shaped 'validation loss' with its minimum at 0.01, shifted by the
    seed."""
    return {
        "val_loss": (math.log10(factor) + 2) ** 2 + 0.1 * seed,
        "train_loss": factor,
    }


def teardown_function():
    plt.close("all")


# --- log_grid -----------------------------------------------------------------


def test_log_grid_one_point_per_decade_prints_cleanly():
    assert log_grid(1e-5, 1.0).tolist() == [
        1e-05,
        0.0001,
        0.001,
        0.01,
        0.1,
        1.0,
    ]


def test_log_grid_several_points_per_decade():
    grid = log_grid(1e-3, 1e-1, per_decade=2)
    assert len(grid) == 5 and grid[0] == 1e-3 and grid[-1] == 0.1
    np.testing.assert_allclose(np.diff(np.log10(grid)), 0.5)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0.0, 1.0), ValueError, "start"),
        ((1.0, 0.1), ValueError, "stop"),
        ((1e-3, 5e-3), ValueError, "whole number"),
        ((1e-3, 1.0, 0), ValueError, "per_decade"),
        ((1e-3, 1.0, 1.5), TypeError, "per_decade"),
        (("1e-3", 1.0), TypeError, "start"),
        ((-1.0, 1.0), ValueError, "start"),
        ((1e-3, math.inf), ValueError, "stop"),
    ],
)
def test_log_grid_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        log_grid(*args)


# --- sweep --------------------------------------------------------------------


def test_sweep_runs_every_label_factor_and_seed_in_order():
    calls = []

    def run(label, factor, seed):
        calls.append((label, factor, seed))
        return {"val_loss": np.float32(factor)}

    records = sweep(run, {"a": [0.1, 1.0], "b": [0.5]}, seeds=[3, 4])
    assert calls == [
        ("a", 0.1, 3),
        ("a", 0.1, 4),
        ("a", 1.0, 3),
        ("a", 1.0, 4),
        ("b", 0.5, 3),
        ("b", 0.5, 4),
    ]
    assert [(r.label, r.factor, r.seed) for r in records] == calls
    assert all(isinstance(r, Record) and r.seconds >= 0 for r in records)
    assert type(records[0].metrics["val_loss"]) is float
    assert records[0].artifact is None


def test_sweep_keeps_the_artifact_of_an_outcome_out_of_repr():
    weights = [np.ones(3)]
    (record,) = sweep(
        lambda label, f, s: Outcome({"val_loss": 1.0}, artifact=weights),
        {"L2": np.array([0.01])},
    )
    assert record.artifact is weights
    assert "artifact" not in repr(record) and "val_loss" in repr(record)


def test_sweep_accepts_numpy_grids_and_a_zero_factor():
    records = sweep(
        lambda label, f, s: {"val_loss": f},
        {"L2": np.array([0.0, 0.01])},
        seeds=(np.int64(1),),
    )
    assert [r.factor for r in records] == [0.0, 0.01] and records[0].seed == 1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"run": 42}, TypeError, "run must be callable"),
        ({"factors": [0.1, 1.0]}, TypeError, "factors must be a mapping"),
        ({"factors": {}}, ValueError, "factors is empty"),
        ({"factors": {"a": []}}, ValueError, r"factors\['a'\] is empty"),
        ({"factors": {"a": "0.1"}}, TypeError, r"factors\['a'\]"),
        ({"factors": {"a": [0.1, 0.1]}}, ValueError, "repeat"),
        ({"factors": {"a": [-0.1]}}, ValueError, ">= 0"),
        ({"factors": {"a": [math.nan]}}, ValueError, "finite"),
        ({"factors": {"a": [True]}}, TypeError, "real number"),
        ({"factors": {1: [0.1]}}, TypeError, "str labels"),
        ({"seeds": []}, ValueError, "seeds is empty"),
        ({"seeds": 0}, TypeError, "seeds must be a sequence"),
        ({"seeds": [0, 0]}, ValueError, "repeat"),
        ({"seeds": [1.0]}, TypeError, "seeds must hold ints"),
        ({"seeds": [-1]}, ValueError, "seeds must lie"),
    ],
)
def test_sweep_rejects_bad_arguments_before_running(kwargs, error, match):
    calls = []

    def run(label, factor, seed):
        calls.append(1)
        return {"val_loss": 0.0}

    arguments = {"run": run, "factors": {"a": [0.1]}, "seeds": [0], **kwargs}
    with pytest.raises(error, match=match):
        sweep(**arguments)
    assert calls == []


@pytest.mark.parametrize(
    "result, error, match",
    [
        ([0.1], TypeError, "must return a mapping"),
        ({"test_accuracy": 0.9}, ValueError, "test metric 'test_accuracy'"),
        ({"Test_bce": 0.3}, ValueError, "test metric"),
        ({"val_loss": "low"}, TypeError, "real numbers"),
        ({"val_loss": None}, TypeError, "real numbers"),
        ({3: 0.1}, TypeError, "not a str"),
    ],
)
def test_sweep_rejects_bad_run_results_and_names_the_run(result, error, match):
    with pytest.raises(error, match=match) as info:
        sweep(lambda label, f, s: result, {"L1": [0.01]}, seeds=[7])
    assert "run('L1', 0.01, 7)" in str(info.value)


# --- collect and select -------------------------------------------------------


def test_collect_builds_a_factor_by_seed_grid_in_ascending_order():
    records = sweep(toy_run, {"L2": [1.0, 0.01, 0.1]}, seeds=[1, 0])
    grid = collect(records, "val_loss", "L2")
    assert isinstance(grid, MetricGrid) and grid.metric == "val_loss"
    assert grid.factors.tolist() == [
        0.01,
        0.1,
        1.0,
    ] and grid.seeds.tolist() == [0, 1]
    np.testing.assert_allclose(
        grid.values, [[0.0, 0.1], [1.0, 1.1], [4.0, 4.1]]
    )
    np.testing.assert_allclose(grid.mean, [0.05, 1.05, 4.05])
    np.testing.assert_allclose(grid.std, np.full(3, np.std([0.0, 0.1], ddof=1)))


def test_collect_single_seed_has_zero_spread():
    grid = collect(sweep(toy_run, {"L2": [0.1, 1.0]}), "val_loss", "L2")
    assert grid.values.shape == (2, 1) and grid.std.tolist() == [0.0, 0.0]


def test_collect_accepts_concatenated_sweeps():
    records = sweep(toy_run, {"L1": [0.01, 0.1]}, seeds=[0])
    records += sweep(toy_run, {"L1": [0.01, 0.1]}, seeds=[1, 2])
    assert collect(records, "val_loss", "L1").values.shape == (2, 3)


def test_collect_explains_what_is_missing():
    records = sweep(toy_run, {"L1": [0.01, 0.1], "L2": [0.01]})
    with pytest.raises(
        ValueError,
        match=r"label 'L3' has no records; labels present: \['L1', 'L2'\]",
    ):
        collect(records, "val_loss", "L3")
    with pytest.raises(
        ValueError,
        match=r"metric 'val_acc' is missing .* available: "
        r"\['train_loss', 'val_loss'\]",
    ):
        collect(records, "val_acc", "L1")
    twice = records + sweep(toy_run, {"L1": [0.01]})
    with pytest.raises(
        ValueError, match=r"two records for factor 0\.01, seed 0"
    ):
        collect(twice, "val_loss", "L1")
    ragged = records + sweep(toy_run, {"L1": [0.01]}, seeds=[1])
    with pytest.raises(ValueError, match=r"no record for factor 0\.1, seed 1"):
        collect(ragged, "val_loss", "L1")


@pytest.mark.parametrize("records", ["rows", [{"label": "L1"}]])
def test_collect_rejects_what_is_not_records(records):
    with pytest.raises(TypeError, match="records must"):
        collect(records, "val_loss", "L1")


def test_select_finds_the_bottom_of_the_u():
    records = sweep(toy_run, {"L2": log_grid(1e-5, 1.0)}, seeds=[0, 1])
    assert select(records, "L2", "val_loss") == 0.01
    assert select(records, "L2", "val_loss", mode="max") == 1e-5


def test_select_averages_over_seeds_and_breaks_ties_to_the_smaller_factor():
    scores = {(0.1, 0): 1.0, (0.1, 1): 5.0, (1.0, 0): 2.0, (1.0, 1): 2.0}
    records = sweep(
        lambda label, f, s: {"val_loss": scores[f, s]},
        {"x": [0.1, 1.0]},
        [0, 1],
    )
    assert (
        select(records, "x", "val_loss") == 1.0
    )  # seed 0 alone would pick 0.1
    tied = sweep(lambda label, f, s: {"val_loss": 1.0}, {"x": [1.0, 0.1]})
    assert select(tied, "x", "val_loss") == 0.1


@pytest.mark.parametrize(
    "metric", ["loss", "train_loss", "test_bce", "bce", None]
)
def test_select_accepts_validation_metrics_only(metric):
    records = sweep(toy_run, {"L2": [0.01, 0.1]})
    with pytest.raises(ValueError, match="validation metric"):
        select(records, "L2", metric)


def test_select_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        select(sweep(toy_run, {"L2": [0.01]}), "L2", "val_loss", mode="best")


# --- HeldOutTest --------------------------------------------------------------


class MeanModel:
    """Quacks like a Keras model: per-example means, and a record of calls."""

    def __init__(self):
        self.calls = []

    def evaluate(self, x, y, verbose=0, return_dict=True, **kwargs):
        self.calls.append((len(x), kwargs))
        return {"accuracy": float(np.mean(y == 1)), "mean_x": float(np.mean(x))}


def test_held_out_test_evaluates_each_name_once_and_counts():
    x, y = np.arange(10.0).reshape(10, 1), np.array([1] * 7 + [0] * 3)
    test = HeldOutTest(x, y, chunk=None)
    assert (
        test.calls == 0 and len(test) == 10 and "evaluated 0 time" in repr(test)
    )
    model = MeanModel()
    assert test.evaluate("a", model, batch_size=4) == {
        "accuracy": 0.7,
        "mean_x": 4.5,
    }
    assert model.calls == [(10, {"batch_size": 4})]
    with pytest.raises(
        RuntimeError, match="'a' was already evaluated on the test set"
    ):
        test.evaluate("a", model)
    test.evaluate("b", model)
    assert test.calls == 2 and list(test.results) == ["a", "b"]


def test_held_out_test_in_chunks_gives_the_same_means():
    rng = np.random.default_rng(0)
    x, y = rng.random((23, 3)), rng.integers(0, 2, 23)
    whole = HeldOutTest(x, y, chunk=None).evaluate("m", MeanModel())
    model = MeanModel()
    chunked = HeldOutTest(x, y, chunk=5).evaluate("m", model)
    assert [n for n, _ in model.calls] == [5, 5, 5, 5, 3]
    assert chunked == pytest.approx(whole)


def test_held_out_test_results_cannot_be_changed_through_the_return_value():
    test = HeldOutTest(np.zeros((2, 1)), np.ones(2))
    test.evaluate("m", MeanModel())["accuracy"] = 0.0
    assert test.results["m"]["accuracy"] == 1.0


@pytest.mark.parametrize(
    "x, y, chunk, error, match",
    [
        (np.zeros((3, 1)), np.zeros(2), 10, ValueError, "same length"),
        (np.zeros((0, 1)), np.zeros(0), 10, ValueError, "empty"),
        (np.zeros((3, 1)), np.zeros(3), 0, ValueError, "chunk"),
        (np.zeros((3, 1)), np.zeros(3), 2.5, TypeError, "chunk"),
    ],
)
def test_held_out_test_rejects_bad_data(x, y, chunk, error, match):
    with pytest.raises(error, match=match):
        HeldOutTest(x, y, chunk=chunk)


def test_held_out_test_rejects_bad_names_and_models():
    test = HeldOutTest(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(TypeError, match="name"):
        test.evaluate("", MeanModel())
    with pytest.raises(TypeError, match="evaluate method"):
        test.evaluate("m", object())
    assert test.calls == 0


# --- weight_stats ------------------------------------------------------------


def test_weight_stats_norm_and_near_zero_share():
    stats = weight_stats(
        [np.array([[3.0, 0.0]]), np.array([4.0, 1e-4, -1e-4, 0.5])]
    )
    assert stats["weight_norm"] == pytest.approx(
        math.sqrt(9 + 16 + 2e-8 + 0.25)
    )
    assert stats["near_zero"] == pytest.approx(3 / 6)
    assert weight_stats([np.array([0.05, 0.5])], tol=0.1)["near_zero"] == 0.5
    assert weight_stats([np.array([1, 2], dtype=np.int64)])[
        "weight_norm"
    ] == pytest.approx(math.sqrt(5))


@pytest.mark.parametrize(
    "kernels, tol, error",
    [
        (np.ones(3), 1e-3, TypeError),
        ([], 1e-3, TypeError),
        ([np.array(["a"])], 1e-3, TypeError),
        ([np.ones(3)], 0.0, ValueError),
        ([np.ones(3)], -1.0, ValueError),
        ([np.zeros(0)], 1e-3, ValueError),
    ],
)
def test_weight_stats_rejects_bad_input(kernels, tol, error):
    with pytest.raises(error):
        weight_stats(kernels, tol=tol)


def test_importing_experiments_does_not_import_tensorflow():
    code = (
        "import sys, regbook.experiments; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


# --- the sweep plots ----------------------------------------------------------


def test_plot_sweep_draws_means_bands_seed_dots_best_and_baseline():
    records = sweep(
        toy_run,
        {"L1": [0.001, 0.01, 0.1], "L2": [0.001, 0.01, 0.1]},
        seeds=[0, 1],
    )
    curves = {p: collect(records, "val_loss", p) for p in ("L1", "L2")}
    ax = plot_sweep(curves, best={"L2": 0.01}, baseline=2.5, title="T")
    assert ax.get_xscale() == "log" and ax.get_title() == "T"
    assert ax.get_ylabel() == "val loss"
    mean_l1 = ax.get_lines()[0]
    assert mean_l1.get_label() == "L1" and mean_l1.get_color() == COLORS[0]
    np.testing.assert_allclose(mean_l1.get_ydata(), curves["L1"].mean)
    assert len(ax.collections) == 2  # one min-max band per penalty
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["L1", "L2", "no penalty"]
    rings = [line for line in ax.get_lines() if line.get_markersize() == 13]
    assert len(rings) == 1 and rings[0].get_xdata()[0] == 0.01


def test_plot_sweep_accepts_pairs_and_unsorted_factors():
    ax = plot_sweep({"x": ([1.0, 0.1], [2.0, 1.0])}, logy=True, ylabel="norm")
    line = ax.get_lines()[0]
    assert line.get_xdata().tolist() == [
        0.1,
        1.0,
    ] and line.get_ydata().tolist() == [1.0, 2.0]
    assert (
        ax.get_yscale() == "log"
        and ax.get_ylabel() == "norm"
        and not ax.collections
    )


@pytest.mark.parametrize(
    "curves, best, error, match",
    [
        ([1, 2], None, TypeError, "mapping"),
        ({}, None, ValueError, "empty"),
        ({"x": "abc"}, None, TypeError, "MetricGrid"),
        ({"x": ([0.1, 1.0], [1.0])}, None, ValueError, "one value"),
        ({"x": ([0.0, 1.0], [1.0, 2.0])}, None, ValueError, "> 0"),
        ({"x": ([0.1, 1.0], [1.0, 2.0])}, {"y": 0.1}, ValueError, "not among"),
        (
            {"x": ([0.1, 1.0], [1.0, 2.0])},
            {"x": 0.5},
            ValueError,
            "not on its grid",
        ),
    ],
)
def test_plot_sweep_rejects_bad_curves(curves, best, error, match):
    with pytest.raises(error, match=match):
        plot_sweep(curves, best=best)


def test_plot_spread_draws_dots_and_mean_bars():
    ax = plot_spread({"a": [1.0, 2.0, 3.0], "b": np.array([5.0])}, ylabel="bce")
    dots, bar = ax.get_lines()[:2]
    assert dots.get_ydata().tolist() == [
        1.0,
        2.0,
        3.0,
    ] and bar.get_ydata().tolist() == [2.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_ylabel() == "bce" and ax.get_figure().get_facecolor()[:3] == (
        1.0,
        1.0,
        1.0,
    )


@pytest.mark.parametrize(
    "groups, error",
    [
        ([1.0], TypeError),
        ({}, ValueError),
        ({"a": "x"}, TypeError),
        ({"a": []}, ValueError),
    ],
)
def test_plot_spread_rejects_bad_groups(groups, error):
    with pytest.raises(error):
        plot_spread(groups)


class FakeHistory:
    def __init__(self, history):
        self.history = history


def test_plot_runs_overlays_one_key_and_marks_an_epoch():
    runs = {
        "none": {"val_bce": [0.5, 0.4, 0.45]},
        "early": FakeHistory({"val_bce": [0.5, 0.4]}),
    }
    ax = plot_runs(runs, "val_bce", marks={"early": 2})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines[:2]] == ["none", "early"]
    assert lines[1].get_xdata().tolist() == [1, 2]
    assert lines[2].get_xdata().tolist() == [2] and lines[
        2
    ].get_ydata().tolist() == [0.4]
    assert ax.get_ylabel() == "val bce" and ax.get_xlabel() == "epoch"


def test_plot_runs_rejects_bad_runs_and_marks():
    with pytest.raises(TypeError, match="mapping"):
        plot_runs([{"a": [1.0]}], "a")
    with pytest.raises(ValueError, match="empty"):
        plot_runs({}, "a")
    with pytest.raises(
        ValueError,
        match=r"'b' is not in the history of 'r'; available: \['a'\]",
    ):
        plot_runs({"r": {"a": [1.0]}}, "b")
    with pytest.raises(ValueError, match="epoch 3"):
        plot_runs({"r": {"a": [1.0, 2.0]}}, "a", marks={"r": 3})


# --- with Keras: the runner around a real (tiny) model ------------------------


def test_sweep_with_keras_penalties_shrinks_weights_and_tests_once():
    keras = pytest.importorskip("keras")
    from regbook.models import imdb_mlp

    rng = np.random.default_rng(0)
    x = (rng.random((96, 20)) < 0.3).astype("float32")
    y = (x[:, :3].sum(axis=1, keepdims=True) > 0.9).astype("float32")

    def run(label, factor, seed):
        keras.utils.set_random_seed(seed)
        model = imdb_mlp(
            20, (8,), kernel_regularizer=keras.regularizers.L2(factor)
        )
        model.compile(
            "rmsprop",
            "binary_crossentropy",
            metrics=[keras.metrics.BinaryCrossentropy(name="bce"), "accuracy"],
        )
        model.fit(x[:64], y[:64], epochs=5, batch_size=32, verbose=0)
        scores = model.evaluate(x[64:], y[64:], verbose=0, return_dict=True)
        kernels = [model.layers[0].kernel.numpy()]
        return Outcome(
            {"val_bce": scores["bce"], **weight_stats(kernels)},
            artifact=model.get_weights(),
        )

    records = sweep(run, {"L2": [1e-4, 1.0]}, seeds=[0])
    norms = collect(records, "weight_norm", "L2").mean
    assert norms[1] < norms[0]
    best = next(
        r for r in records if r.factor == select(records, "L2", "val_bce")
    )
    model = imdb_mlp(
        20, (8,), kernel_regularizer=keras.regularizers.L2(best.factor)
    )
    model.compile(
        "rmsprop",
        "binary_crossentropy",
        metrics=[keras.metrics.BinaryCrossentropy(name="bce"), "accuracy"],
    )
    model.set_weights(best.artifact)
    test = HeldOutTest(x[64:], y[64:], chunk=10)
    chunked = test.evaluate("best", model)
    whole = model.evaluate(x[64:], y[64:], verbose=0, return_dict=True)
    assert chunked["bce"] == pytest.approx(whole["bce"], rel=1e-5)
    assert chunked["accuracy"] == pytest.approx(whole["accuracy"], abs=1e-6)
    assert test.calls == 1
