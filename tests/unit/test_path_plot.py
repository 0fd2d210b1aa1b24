"""Tests of regbook.plots.plot_regularization_path and the figure sizes of
chapter 2's plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from regbook.plots import (
    COLORS,
    plot_prior_densities,
    plot_regularization_path,
    plot_weight_histograms,
)

STRENGTHS = np.array([0.01, 0.1, 1.0])
WEIGHTS = np.array([[2.0, 1.0, 0.0], [-1.0, -0.5, 0.0], [0.3, 0.0, 0.0]])


def teardown_function():
    plt.close("all")


def test_one_line_per_weight_relevant_in_colour():
    ax = plot_regularization_path(STRENGTHS, WEIGHTS, relevant=2)
    lines = ax.get_lines()[:3]
    for line, row in zip(lines, WEIGHTS, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), STRENGTHS)
        np.testing.assert_array_equal(line.get_ydata(), row)
    assert [line.get_color() for line in lines] == [
        COLORS[0],
        COLORS[1],
        "#999999",
    ]
    assert [line.get_linewidth() for line in lines] == [2, 2, 1]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "penalty factor (log scale)"
    assert ax.get_ylabel() == "weight"
    assert ax.get_title() == "Regularization path"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["input 1", "input 2", "irrelevant inputs (1)"]
    # the zero line
    assert list(ax.get_lines()[3].get_ydata()) == [0, 0]


def test_defaults_and_given_axes():
    _, ax = plt.subplots()
    out = plot_regularization_path(
        STRENGTHS, WEIGHTS, ax=ax, title="L1", xlabel="λ"
    )
    assert out is ax and ax.get_title() == "L1" and ax.get_xlabel() == "λ"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["irrelevant inputs (3)"]  # relevant defaults to 0
    ax = plot_regularization_path(STRENGTHS, WEIGHTS, relevant=3)
    assert "irrelevant" not in str(
        [t.get_text() for t in ax.get_legend().get_texts()]
    )
    assert tuple(ax.figure.get_size_inches()) == (4.2, 3.2)


@pytest.mark.parametrize(
    "strengths, weights, relevant, error, match",
    [
        ([0.0, 0.1, 1.0], WEIGHTS, 0, ValueError, "strengths"),
        ([-1, 0.1, 1.0], WEIGHTS, 0, ValueError, "strengths"),
        ([[0.1, 0.2, 1.0]], WEIGHTS, 0, ValueError, "strengths"),
        ([], np.zeros((2, 0)), 0, ValueError, "strengths"),
        ([np.nan, 0.1, 1.0], WEIGHTS, 0, ValueError, "strengths"),
        (STRENGTHS, WEIGHTS[:, :2], 0, ValueError, "weights must have shape"),
        (STRENGTHS, WEIGHTS[0], 0, ValueError, "weights must have shape"),
        (STRENGTHS, WEIGHTS * np.nan, 0, ValueError, "NaN"),
        (STRENGTHS, WEIGHTS, 4, ValueError, "relevant"),
        (STRENGTHS, WEIGHTS, -1, ValueError, "relevant"),
        (STRENGTHS, WEIGHTS, 1.0, TypeError, "relevant"),
        (STRENGTHS, WEIGHTS, True, TypeError, "relevant"),
    ],
)
def test_bad_arguments(strengths, weights, relevant, error, match):
    with pytest.raises(error, match=match):
        plot_regularization_path(strengths, weights, relevant=relevant)


def test_chapter_2_figures_fit_the_text_column():
    """Two- and three-panel figures at most 7 inches wide (the page's text
    column), so their text is not shrunk on the page."""
    axes = plot_prior_densities()
    assert tuple(axes[0].figure.get_size_inches()) == (7, 3)
    runs = {name: np.zeros((4, 2)) for name in "abc"}
    axes = plot_weight_histograms(runs, relevant=1)
    assert tuple(axes[0].figure.get_size_inches()) == (7, 3)
    axes = plot_weight_histograms({"a": np.zeros((4, 2))}, relevant=1)
    assert tuple(axes[0].figure.get_size_inches()) == (3.4, 3)
