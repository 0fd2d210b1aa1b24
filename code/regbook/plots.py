"""Figures for the book: learning curves and a shared, theme-proof style.

Every figure is drawn on an opaque white background with dark text, so it stays
readable whether the book page is in its light or its dark theme. Colours come from
the Okabe-Ito palette, which stays distinguishable with colour-vision deficiencies;
train curves are solid and validation curves dashed, so the figures also read in
grey scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

__all__ = ["COLORS", "apply_style", "history_dict", "plot_history"]

#: Okabe-Ito colours (black omitted), in the order runs are drawn.
COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)

_STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "legend.frameon": False,
}


def apply_style() -> None:
    """Apply the book's figure style to matplotlib's global settings."""
    plt.rcParams.update(_STYLE)
    plt.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=list(COLORS))


def history_dict(history: Any) -> dict[str, list[float]]:
    """The per-epoch metrics of a run as a plain ``{name: [values]}`` dict.

    Accepts a ``keras.callbacks.History`` (what ``model.fit`` returns) or a mapping
    such as ``History.history``.

    Raises:
        TypeError: If ``history`` is neither.
    """
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        history = history.history
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a keras History or a mapping of metric names to lists, got "
            f"{type(history).__name__}"
        )
    return {str(k): [float(v) for v in values] for k, values in history.items()}


def plot_history(
    runs: Any,
    metric: str = "loss",
    *,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    validation: bool = True,
) -> Axes:
    """Training and validation curves of ``metric`` for one run or several.

    Args:
        runs: One history (a ``keras.callbacks.History`` or its ``.history`` dict), or
            a mapping ``{label: history}`` to overlay several runs. Each run gets one
            colour: a solid line for training, a dashed one for validation.
        metric: The metric to draw, e.g. ``"loss"`` or ``"accuracy"``; the validation
            curve is ``"val_" + metric``.
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title; a default names the metric.
        ylabel: Y-axis label; defaults to the metric name.
        validation: Also draw the validation curve when the history has one.

    Returns:
        The axes, so that a notebook can add to the figure.

    Raises:
        TypeError: If ``runs`` or ``metric`` has the wrong type.
        ValueError: If no run has ``metric``; the message lists what is available.
    """
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a str, got {type(metric).__name__}")
    if hasattr(runs, "history") or (
        isinstance(runs, Mapping) and runs and all(
            isinstance(v, Sequence) and not isinstance(v, str) for v in runs.values()
        )
    ):
        named = {"": history_dict(runs)}
    elif isinstance(runs, Mapping):
        if not runs:
            raise ValueError("runs is empty: give at least one history")
        named = {str(label): history_dict(h) for label, h in runs.items()}
    else:
        raise TypeError(
            "runs must be a keras History, a history dict, or a mapping of labels to "
            f"histories; got {type(runs).__name__}"
        )
    missing = [label or "the run" for label, h in named.items() if metric not in h]
    if missing:
        available = sorted({k for h in named.values() for k in h})
        raise ValueError(
            f"metric {metric!r} is not in {', '.join(missing)}; available: {available}"
        )
    apply_style()
    if ax is None:
        _, ax = plt.subplots(constrained_layout=True)
    for i, (label, h) in enumerate(named.items()):
        color = COLORS[i % len(COLORS)]
        epochs = range(1, len(h[metric]) + 1)
        prefix = f"{label}: " if label else ""
        ax.plot(epochs, h[metric], color=color, lw=2, label=f"{prefix}training")
        val = h.get(f"val_{metric}")
        if validation and val is not None:
            ax.plot(
                range(1, len(val) + 1), val, color=color, lw=2, ls="--",
                label=f"{prefix}validation",
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or metric.replace("_", " "))
    ax.set_title(title or f"Training and validation {metric.replace('_', ' ')}")
    ax.legend()
    return ax

