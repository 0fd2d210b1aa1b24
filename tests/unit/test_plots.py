"""Tests of regbook.plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from regbook.plots import COLORS, history_dict, plot_history

HISTORY = {"loss": [0.6, 0.4, 0.3], "val_loss": [0.5, 0.45, 0.5], "accuracy": [0.7, 0.8, 0.9]}


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
    assert ax.get_figure().get_facecolor()[:3] == (1.0, 1.0, 1.0)  # readable on dark pages


def test_several_runs_share_a_colour_per_run():
    ax = plot_history({"small": HISTORY, "large": FakeHistory(HISTORY)}, "loss", title="T")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["small: training", "small: validation", "large: training",
                      "large: validation"]
    colors = [line.get_color() for line in ax.get_lines()]
    assert colors[0] == colors[1] == COLORS[0] and colors[2] == colors[3] == COLORS[1]
    assert ax.get_title() == "T"


def test_metric_without_validation_curve_and_given_axes():
    fig, ax = plt.subplots()
    out = plot_history(HISTORY, "accuracy", ax=ax, ylabel="acc")
    assert out is ax and len(ax.get_lines()) == 1 and ax.get_ylabel() == "acc"
    assert len(plot_history(HISTORY, "loss", validation=False).get_lines()) == 1


def test_unknown_metric_lists_what_is_available():
    with pytest.raises(ValueError, match=r"'auc' is not in the run; available: \['accuracy'"):
        plot_history(HISTORY, "auc")


@pytest.mark.parametrize("runs", [[1, 2], 3, "loss"])
def test_bad_runs(runs):
    with pytest.raises(TypeError, match="runs|history"):
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
