"""Tests of regbook.plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from regbook.plots import COLORS, history_dict, plot_history

HISTORY = {
    "loss": [0.6, 0.4, 0.3],
    "val_loss": [0.5, 0.45, 0.5],
    "accuracy": [0.7, 0.8, 0.9],
}


class FakeHistory:
    """Quacks like keras.callbacks.History."""

    def __init__(self, history):
        self.history = history


def teardown_function():
    plt.close("all")


def test_single_run_draws_training_and_validation():
    ax = plot_history(FakeHistory(HISTORY), "loss")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    assert list(lines[0].get_xdata()) == [1, 2, 3]
    assert list(lines[1].get_ydata()) == HISTORY["val_loss"]
    assert lines[1].get_linestyle() == "--"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert "loss" in ax.get_title()
    assert ax.get_legend() is not None
    assert ax.get_figure().get_facecolor()[:3] == (
        1.0,
        1.0,
        1.0,
    )  # readable on dark pages


def test_several_runs_share_a_colour_per_run():
    ax = plot_history(
        {"small": HISTORY, "large": FakeHistory(HISTORY)}, "loss", title="T"
    )
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [
        "small: training",
        "small: validation",
        "large: training",
        "large: validation",
    ]
    colors = [line.get_color() for line in ax.get_lines()]
    assert (
        colors[0] == colors[1] == COLORS[0]
        and colors[2] == colors[3] == COLORS[1]
    )
    assert ax.get_title() == "T"


def test_metric_without_validation_curve_and_given_axes():
    _fig, ax = plt.subplots()
    out = plot_history(HISTORY, "accuracy", ax=ax, ylabel="acc")
    assert out is ax and len(ax.get_lines()) == 1 and ax.get_ylabel() == "acc"
    assert len(plot_history(HISTORY, "loss", validation=False).get_lines()) == 1


def test_unknown_metric_lists_what_is_available():
    with pytest.raises(
        ValueError, match=r"'auc' is not in the run; available: \['accuracy'"
    ):
        plot_history(HISTORY, "auc")


@pytest.mark.parametrize("runs", [[1, 2], 3, "loss"])
def test_bad_runs(runs):
    with pytest.raises(TypeError, match=r"runs|history"):
        plot_history(runs)


def test_bad_metric_type_and_empty_runs():
    with pytest.raises(TypeError, match="metric"):
        plot_history(HISTORY, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        plot_history({})


def test_history_dict():
    assert history_dict(FakeHistory({"loss": [1, 2]})) == {"loss": [1.0, 2.0]}
    with pytest.raises(TypeError, match="history"):
        history_dict([1, 2])


# --- Chapter 2: penalty geometry, priors, weight histograms -------------------

import numpy as np  # noqa: E402

from regbook.plots import (  # noqa: E402
    plot_penalty_geometry,
    plot_prior_densities,
    plot_weight_histograms,
)

HESSIAN = [[1.0, 0.3], [0.3, 2.0]]


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_penalty_geometry_draws_region_contours_and_points(kind):
    ax = plot_penalty_geometry(
        kind, [1.5, 0.6], HESSIAN, radius=1.0, optimum=[1.0, 0.0]
    )
    assert len(ax.patches) == 1  # the diamond or the disc
    assert (
        len(ax.collections) >= 2
    )  # loss contours and the contour through the optimum
    labels = [line.get_label() for line in ax.get_lines()]
    assert "minimum of the loss" in labels and any(
        text.startswith("best allowed") for text in labels
    )
    assert kind.upper() in ax.get_title()
    assert ax.get_xlabel() == "$w_1$" and ax.get_aspect() == 1.0


@pytest.mark.parametrize(
    "args, error, match",
    [
        (("l3", [1, 1], HESSIAN), ValueError, "kind"),
        ((1, [1, 1], HESSIAN), TypeError, "kind"),
        (("l1", [1, 1, 1], HESSIAN), ValueError, "center"),
        (("l1", [1, 1], [[1, 2], [0, 1]]), ValueError, "hessian"),
        (("l1", [1, 1], [[-1, 0], [0, 1]]), ValueError, "hessian"),
    ],
)
def test_penalty_geometry_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        plot_penalty_geometry(*args)
    with pytest.raises(ValueError, match="radius"):
        plot_penalty_geometry("l1", [1, 1], HESSIAN, radius=0)
    with pytest.raises(ValueError, match="optimum"):
        plot_penalty_geometry("l1", [1, 1], HESSIAN, optimum=[1, 2, 3])


def test_prior_densities_integrate_to_one_and_share_the_variance():
    ax_density, ax_penalty = plot_prior_densities(variance=2.0, limit=30.0)
    for line in ax_density.get_lines():
        w, p = line.get_xdata(), line.get_ydata()
        assert np.trapezoid(p, w) == pytest.approx(1.0, abs=1e-3)
        assert np.trapezoid(w**2 * p, w) == pytest.approx(2.0, rel=1e-2)
    assert (
        len(ax_penalty.get_lines()) == 2 and ax_penalty.get_legend() is not None
    )
    with pytest.raises(ValueError, match="variance"):
        plot_prior_densities(variance=0)
    with pytest.raises(TypeError, match="limit"):
        plot_prior_densities(limit="4")
    with pytest.raises(ValueError, match="axes"):
        plot_prior_densities(axes=[ax_density])


def test_weight_histograms_one_panel_per_run_relevant_apart():
    rng = np.random.default_rng(0)
    runs = {"none": rng.normal(size=(10, 4)), "L1": np.zeros((10, 4))}
    axes = plot_weight_histograms(runs, relevant=3, bins=11)
    assert [ax.get_title() for ax in axes] == ["none", "L1"]
    heights = [p.get_height() for p in axes[1].patches]
    assert (
        sum(heights) == 40
    )  # stacked: the top of the stack counts every weight
    assert axes[0].get_legend() is not None
    assert axes[0].get_ylabel() == "number of weights"
    assert axes[0].get_yscale() == "linear"
    logged = plot_weight_histograms(runs, relevant=3, log=True)
    assert all(ax.get_yscale() == "log" for ax in logged)
    assert "log" in logged[0].get_ylabel()


@pytest.mark.parametrize(
    "runs, relevant, error, match",
    [
        ([np.zeros((3, 2))], 1, TypeError, "runs"),
        ({}, 1, ValueError, "empty"),
        ({"a": np.zeros(3)}, 1, ValueError, "2-D"),
        (
            {"a": np.zeros((3, 2)), "b": np.zeros((4, 2))},
            1,
            ValueError,
            "same number",
        ),
        ({"a": np.zeros((3, 2))}, 3, ValueError, "relevant"),
        ({"a": np.zeros((3, 2))}, 1.0, TypeError, "relevant"),
    ],
)
def test_weight_histograms_bad_arguments(runs, relevant, error, match):
    with pytest.raises(error, match=match):
        plot_weight_histograms(runs, relevant)
