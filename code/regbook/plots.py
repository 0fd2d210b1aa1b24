"""Figures for the book: learning curves, weight norms and a shared, theme-proof
style.

Every figure is drawn on an opaque white background with dark text, so it stays
readable whether the book page is in its light or its dark theme. Colours come
from the Okabe-Ito palette, which stays distinguishable with colour-vision
deficiencies; train curves are solid and validation curves dashed, so the
figures also read in grey scale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

__all__ = [
    "COLORS",
    "apply_style",
    "history_dict",
    "plot_history",
    "plot_penalty_geometry",
    "plot_prior_densities",
    "plot_regularization_path",
    "plot_runs",
    "plot_spread",
    "plot_sweep",
    "plot_weight_histograms",
    "plot_weight_norms",
]

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

    Accepts a ``keras.callbacks.History`` (what ``model.fit`` returns) or a
    mapping such as ``History.history``.

    Raises:
        TypeError: If ``history`` is neither.

    Example:
        >>> history_dict({"loss": [np.float32(0.5), 0.25], "val_loss": (1,)})
        {'loss': [0.5, 0.25], 'val_loss': [1.0]}
    """
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        history = history.history
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a keras History or a mapping of metric names to "
            "lists, got "
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
        runs: One history (a ``keras.callbacks.History`` or its ``.history``
            dict), or a mapping ``{label: history}`` to overlay several runs.
            Each run gets one colour: a solid line for training, a dashed one
            for validation.
        metric: The metric to draw, e.g. ``"loss"`` or ``"accuracy"``; the
            validation curve is ``"val_" + metric``.
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title; a default names the metric.
        ylabel: Y-axis label; defaults to the metric name.
        validation: Also draw the validation curve when the history has one.

    Returns:
        The axes, so that a notebook can add to the figure.

    Raises:
        TypeError: If ``runs`` or ``metric`` has the wrong type.
        ValueError: If no run has ``metric``; the message lists what is
            available.
    """
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a str, got {type(metric).__name__}")
    if hasattr(runs, "history") or (
        isinstance(runs, Mapping)
        and runs
        and all(
            isinstance(v, Sequence) and not isinstance(v, str)
            for v in runs.values()
        )
    ):
        named = {"": history_dict(runs)}
    elif isinstance(runs, Mapping):
        if not runs:
            raise ValueError("runs is empty: give at least one history")
        named = {str(label): history_dict(h) for label, h in runs.items()}
    else:
        raise TypeError(
            "runs must be a keras History, a history dict, or a mapping of "
            "labels to "
            f"histories; got {type(runs).__name__}"
        )
    missing = [
        label or "the run" for label, h in named.items() if metric not in h
    ]
    if missing:
        available = sorted({k for h in named.values() for k in h})
        raise ValueError(
            f"metric {metric!r} is not in {', '.join(missing)}; available: "
            f"{available}"
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
                range(1, len(val) + 1),
                val,
                color=color,
                lw=2,
                ls="--",
                label=f"{prefix}validation",
            )
    ax.xaxis.set_major_locator(
        MaxNLocator(integer=True)
    )  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or metric.replace("_", " "))
    ax.set_title(title or f"Training and validation {metric.replace('_', ' ')}")
    ax.legend()
    return ax


_STAT_LABELS = {"l2_norm": "kernel L2 norm", "max_abs": "largest |weight|"}


def plot_weight_norms(
    norms: Any,
    stat: str = "l2_norm",
    *,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """The size of each layer's weights against the epoch, one line per layer.

    Args:
        norms: A :class:`regbook.callbacks.WeightNormHistory` after training
            (the legend then shows each kernel's shape), or a mapping ``{label:
            values}`` with one value per epoch, starting at epoch 0 (before
            training).
        stat: What a callback's records are drawn for: ``"l2_norm"`` or
            ``"max_abs"``; also names the y axis.
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title; a default names the statistic.
        ylabel: Y-axis label; a default names the statistic.

    Returns:
        The axes.

    Raises:
        TypeError: If ``norms`` is neither, or a mapping holds no sequences.
        ValueError: If ``norms`` holds no values, or ``stat`` is unknown.
    """
    if not isinstance(stat, str):
        raise TypeError(f"stat must be a str, got {type(stat).__name__}")
    shapes: Mapping[str, Sequence[int]] = {}
    if hasattr(norms, "by_layer"):
        per_layer = norms.by_layer(stat)
        shapes = getattr(norms, "shapes", {})
    elif isinstance(norms, Mapping):
        per_layer = norms
        if stat not in _STAT_LABELS:
            raise ValueError(
                f"stat must be one of {', '.join(_STAT_LABELS)}; got {stat!r}"
            )
    else:
        raise TypeError(
            "norms must be a WeightNormHistory or a mapping of labels to "
            "values per "
            f"epoch, got {type(norms).__name__}"
        )
    if not per_layer:
        raise ValueError("norms holds no values: train with the callback first")
    for label, values in per_layer.items():
        if isinstance(values, str) or not isinstance(
            values, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"the values of {label!r} must be a sequence of numbers"
            )
    apply_style()
    if ax is None:
        _, ax = plt.subplots(constrained_layout=True)
    for i, (label, values) in enumerate(per_layer.items()):
        shape = shapes.get(label)
        name = f"{label} ({'×'.join(map(str, shape))})" if shape else str(label)
        ax.plot(
            range(len(values)),
            values,
            color=COLORS[i % len(COLORS)],
            lw=2,
            label=name,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or _STAT_LABELS[stat])
    ax.set_title(title or f"Weights: {_STAT_LABELS[stat]} per layer")
    ax.legend()
    return ax


# --- Sweeps of a penalty factor (chapter 4) -----------------------------------


def _sweep_curve(curve: Any) -> tuple[np.ndarray, np.ndarray]:
    """(factors, values as a factors-by-seeds array) from a MetricGrid or a
    pair."""
    if hasattr(curve, "factors") and hasattr(curve, "values"):
        factors, values = curve.factors, curve.values
    elif isinstance(curve, (tuple, list)) and len(curve) == 2:
        factors, values = curve
    else:
        raise TypeError(
            "each curve must be a regbook.experiments.MetricGrid or a pair "
            f"(factors, values), got {type(curve).__name__}"
        )
    factors = np.asarray(factors, dtype=float)
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if (
        factors.ndim != 1
        or values.ndim != 2
        or len(factors) != len(values)
        or not len(factors)
    ):
        raise ValueError(
            "a curve needs one value (or one row of values over seeds) per "
            "factor, got "
            f"{len(factors)} factors and values of shape {values.shape}"
        )
    if np.any(factors <= 0):
        raise ValueError("factors must be > 0 on the log axis of a sweep plot")
    order = np.argsort(factors)
    return factors[order], values[order]


def plot_sweep(
    curves: Mapping[str, Any],
    *,
    ax: Axes | None = None,
    best: Mapping[str, float] | None = None,
    baseline: float | None = None,
    baseline_label: str = "no penalty",
    title: str | None = None,
    ylabel: str | None = None,
    logy: bool = False,
) -> Axes:
    """A metric against the penalty factor (log axis), one line per experiment.

    Each line is the mean over seeds; with several seeds a band shows their
    range (minimum to maximum) and a dot marks every seed's value.

    Args:
        curves: ``{label: curve}`` where a curve is a
            :class:`regbook.experiments.MetricGrid` or a pair ``(factors,
            values)`` with ``values`` of shape ``(n_factors,)`` or ``(n_factors,
            n_seeds)``.
        ax: Axes to draw on; a new figure is made when ``None``.
        best: ``{label: factor}`` to ring, e.g. the factors chosen on validation
            data.
        baseline: A reference value drawn as a dotted horizontal line, e.g. the
            metric of the unregularized network.
        baseline_label: Legend entry of the baseline.
        title: Axes title.
        ylabel: Y-axis label; defaults to the metric of the first MetricGrid.
        logy: Use a log scale for the y axis too (for weight norms).

    Returns:
        The axes.

    Raises:
        TypeError: If ``curves`` is not a mapping or a curve has the wrong type.
        ValueError: If ``curves`` is empty, a curve's shapes disagree, a factor
            is not positive, or ``best`` names an unknown label or factor.
    """
    if not isinstance(curves, Mapping):
        raise TypeError(
            f"curves must be a mapping {{label: curve}}, got "
            f"{type(curves).__name__}"
        )
    if not curves:
        raise ValueError("curves is empty: give at least one curve")
    data = {str(label): _sweep_curve(curve) for label, curve in curves.items()}
    best = dict(best or {})
    for label, factor in best.items():
        if label not in data:
            raise ValueError(
                f"best names {label!r}, which is not among the curves "
                f"{list(data)}"
            )
        if not np.any(np.isclose(data[label][0], factor)):
            raise ValueError(
                f"best factor {factor:g} of {label!r} is not on its grid"
            )
    apply_style()
    if ax is None:
        _, ax = plt.subplots(constrained_layout=True)
    for i, (label, (factors, values)) in enumerate(data.items()):
        color = COLORS[i % len(COLORS)]
        mean = values.mean(axis=1)
        ax.plot(factors, mean, color=color, lw=2, marker="o", ms=4, label=label)
        if values.shape[1] > 1:
            ax.fill_between(
                factors,
                values.min(axis=1),
                values.max(axis=1),
                color=color,
                alpha=0.2,
                lw=0,
            )
            for column in values.T:
                ax.plot(
                    factors,
                    column,
                    ls="none",
                    marker=".",
                    ms=4,
                    color=color,
                    alpha=0.6,
                )
        if label in best:
            k = int(np.argmin(np.abs(np.log(factors) - np.log(best[label]))))
            ax.plot(
                factors[k],
                mean[k],
                ls="none",
                marker="o",
                ms=13,
                mfc="none",
                mew=2,
                color=color,
            )
    if baseline is not None:
        ax.axhline(
            float(baseline),
            color="#555555",
            ls=":",
            lw=1.5,
            label=baseline_label,
        )
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
        plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
    first = next(iter(curves.values()))
    ax.set_xlabel("penalty factor (log scale)")
    ax.set_ylabel(
        ylabel or str(getattr(first, "metric", "metric")).replace("_", " ")
    )
    ax.set_title(title or "Validation metric against the penalty factor")
    ax.legend()
    return ax


def plot_spread(
    groups: Mapping[str, Sequence[float]],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    ylabel: str = "value",
) -> Axes:
    """The spread of a metric over seeds: one column of dots per model, and its
    mean.

    Args:
        groups: ``{model: [value per seed, ...]}``.
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title.
        ylabel: Y-axis label.

    Returns:
        The axes.

    Raises:
        TypeError: If ``groups`` is not a mapping of sequences of numbers.
        ValueError: If ``groups`` or one of its sequences is empty.
    """
    if not isinstance(groups, Mapping):
        raise TypeError(
            f"groups must be a mapping {{model: values}}, got "
            f"{type(groups).__name__}"
        )
    if not groups:
        raise ValueError("groups is empty: give at least one model")
    arrays = {}
    for label, values in groups.items():
        if isinstance(values, str) or not isinstance(
            values, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"the values of {label!r} must be a sequence of numbers"
            )
        arrays[str(label)] = np.asarray(values, dtype=float)
        if arrays[str(label)].size == 0:
            raise ValueError(f"the values of {label!r} are empty")
    apply_style()
    if ax is None:
        _, ax = plt.subplots(constrained_layout=True)
    for i, values in enumerate(arrays.values()):
        color = COLORS[i % len(COLORS)]
        offsets = (
            np.linspace(-0.12, 0.12, len(values))
            if len(values) > 1
            else np.zeros(1)
        )
        ax.plot(
            i + offsets,
            values,
            ls="none",
            marker="o",
            ms=6,
            color=color,
            alpha=0.8,
        )
        ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, color=color, lw=3)
    ax.set_xticks(range(len(arrays)), list(arrays))
    ax.set_xlim(-0.6, len(arrays) - 0.4)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Spread over seeds (dots) and mean (bar)")
    return ax


def plot_runs(
    runs: Mapping[str, Any],
    key: str,
    *,
    ax: Axes | None = None,
    marks: Mapping[str, int] | None = None,
    title: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """One curve (e.g. ``"val_bce"``) of several runs overlaid, one colour per
    run.

    Unlike :func:`plot_history`, which pairs training and validation curves,
    this draws a single history key per run, which keeps five or more runs
    readable.

    Args:
        runs: ``{label: history}``, a history being a
            ``keras.callbacks.History`` or its ``.history`` dict; runs may have
            different lengths (early stopping).
        key: The history key to draw.
        ax: Axes to draw on; a new figure is made when ``None``.
        marks: ``{label: epoch}`` (1-based) to mark with a ring, e.g. the epoch
            whose weights early stopping restored.
        title: Axes title.
        ylabel: Y-axis label; defaults to ``key``.

    Returns:
        The axes.

    Raises:
        TypeError: If ``runs`` is not a mapping.
        ValueError: If ``runs`` is empty, a run lacks ``key`` (the message lists
            what it has) or a mark lies outside its run.
    """
    if not isinstance(runs, Mapping):
        raise TypeError(
            f"runs must be a mapping {{label: history}}, got "
            f"{type(runs).__name__}"
        )
    if not runs:
        raise ValueError("runs is empty: give at least one history")
    named = {str(label): history_dict(h) for label, h in runs.items()}
    for label, h in named.items():
        if key not in h:
            raise ValueError(
                f"{key!r} is not in the history of {label!r}; available: "
                f"{sorted(h)}"
            )
    marks = dict(marks or {})
    for label, epoch in marks.items():
        if label not in named or not 1 <= int(epoch) <= len(named[label][key]):
            raise ValueError(
                f"mark {label!r}: epoch {epoch} is not in that run"
            )
    apply_style()
    if ax is None:
        _, ax = plt.subplots(constrained_layout=True)
    for i, (label, h) in enumerate(named.items()):
        color = COLORS[i % len(COLORS)]
        values = h[key]
        ax.plot(
            range(1, len(values) + 1), values, color=color, lw=2, label=label
        )
        if label in marks:
            epoch = int(marks[label])
            ax.plot(
                epoch,
                values[epoch - 1],
                ls="none",
                marker="o",
                ms=11,
                mfc="none",
                mew=2,
                color=color,
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or key.replace("_", " "))
    ax.set_title(title or key.replace("_", " "))
    ax.legend()
    return ax


# --- Penalties by hand (chapter 2) --------------------------------------------


def _quadratic(
    w1: np.ndarray, w2: np.ndarray, center: np.ndarray, hessian: np.ndarray
) -> np.ndarray:
    """(w - center)^T hessian (w - center) on a grid of points (w1, w2)."""
    d1, d2 = w1 - center[0], w2 - center[1]
    return (
        hessian[0, 0] * d1**2
        + 2 * hessian[0, 1] * d1 * d2
        + hessian[1, 1] * d2**2
    )


def plot_penalty_geometry(
    kind: str,
    center: Sequence[float],
    hessian: Any,
    *,
    radius: float = 1.0,
    optimum: Sequence[float] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A constraint region (L1 diamond or L2 disc) and the contours of a
    quadratic loss.

    The loss is :math:`(w - c)^\\top H (w - c)` in two weights; its contours are
    ellipses around the unconstrained minimum :math:`c`. The region is
    :math:`|w_1| + |w_2| \\le r` (``kind="l1"``) or :math:`w_1^2 + w_2^2 \\le
    r^2` (``kind="l2"``). Given ``optimum`` (the best point inside the region,
    computed elsewhere), the contour through it is drawn bold: it just touches
    the region there.

    Args:
        kind: ``"l1"`` or ``"l2"``.
        center: The unconstrained minimum :math:`c`, two numbers.
        hessian: :math:`H`, a symmetric positive definite 2×2 matrix.
        radius: :math:`r > 0`.
        optimum: The constrained optimum to mark, two numbers, or ``None``.
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title; a default names the region.

    Returns:
        The axes.

    Raises:
        TypeError: If ``kind`` is not a str.
        ValueError: If ``kind`` is unknown, a shape is wrong, ``hessian`` is not
            symmetric positive definite or ``radius`` is not positive.
    """
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a str, got {type(kind).__name__}")
    if kind not in ("l1", "l2"):
        raise ValueError(f"kind must be 'l1' or 'l2', got {kind!r}")
    c = np.asarray(center, dtype=float)
    h = np.asarray(hessian, dtype=float)
    if c.shape != (2,):
        raise ValueError(f"center must hold two numbers, got shape {c.shape}")
    if (
        h.shape != (2, 2)
        or not np.allclose(h, h.T)
        or np.any(np.linalg.eigvalsh(h) <= 0)
    ):
        raise ValueError(
            "hessian must be a symmetric positive definite 2x2 matrix"
        )
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2), constrained_layout=True)
    color = COLORS[0] if kind == "l1" else COLORS[2]
    if kind == "l1":
        region = plt.Polygon(
            [(radius, 0), (0, radius), (-radius, 0), (0, -radius)],
            closed=True,
            facecolor=color,
            alpha=0.25,
            edgecolor=color,
            lw=2,
        )
        name = f"L1 ball: $|w_1| + |w_2| \\leq {radius:g}$"
    else:
        region = plt.Circle(
            (0, 0), radius, facecolor=color, alpha=0.25, edgecolor=color, lw=2
        )
        name = f"L2 ball: $w_1^2 + w_2^2 \\leq {radius:g}^2$"
    ax.add_patch(region)
    ax.plot([], [], color=color, lw=6, alpha=0.4, label="allowed weights")

    span = max(float(np.abs(c).max()) + 1.0, 1.6 * radius)
    grid = np.linspace(-span, span, 301)
    w1, w2 = np.meshgrid(grid, grid)
    loss = _quadratic(w1, w2, c, h)
    ax.contour(
        w1,
        w2,
        loss,
        levels=np.geomspace(0.05, loss.max(), 12),
        colors="#888888",
        linewidths=0.8,
    )
    ax.plot(
        *c,
        ls="none",
        marker="x",
        ms=9,
        mew=2,
        color="#222222",
        label="minimum of the loss",
    )
    if optimum is not None:
        opt = np.asarray(optimum, dtype=float)
        if opt.shape != (2,):
            raise ValueError(
                f"optimum must hold two numbers, got shape {opt.shape}"
            )
        ax.contour(
            w1,
            w2,
            loss,
            levels=[_quadratic(opt[0], opt[1], c, h)],
            colors=COLORS[1],
            linewidths=2,
        )
        ax.plot(
            *opt,
            ls="none",
            marker="o",
            ms=9,
            color=COLORS[1],
            label=f"best allowed: ({opt[0]:.2f}, {opt[1]:.2f})",
        )
    ax.axhline(0, color="#444444", lw=0.8)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title or name)
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_prior_densities(
    *,
    variance: float = 1.0,
    limit: float = 4.0,
    axes: Sequence[Axes] | None = None,
) -> Sequence[Axes]:
    """The Gaussian and the Laplace prior of the same variance, and their
    negative logs.

    Left: the densities :math:`\\mathcal{N}(0, \\sigma^2)` and
    :math:`\\mathrm{Laplace}(0, b)` with :math:`2b^2 = \\sigma^2`. Right: minus
    their logarithms (up to a constant), which are the L2 and the L1 penalty:
    :math:`w^2 / 2\\sigma^2` and :math:`|w| / b`.

    Args:
        variance: :math:`\\sigma^2 > 0`, shared by both priors.
        limit: The weights shown run from ``-limit`` to ``limit``.
        axes: Two axes to draw on; a new figure is made when ``None``.

    Returns:
        The two axes.

    Raises:
        ValueError: If ``variance`` or ``limit`` is not positive, or ``axes`` is
            not a pair.
    """
    for name, value in (("variance", variance), ("limit", limit)):
        if isinstance(value, bool) or not isinstance(
            value, (int, float, np.number)
        ):
            raise TypeError(
                f"{name} must be a number, got {type(value).__name__}"
            )
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    if axes is not None and len(axes) != 2:
        raise ValueError(f"axes must be two axes, got {len(axes)}")
    apply_style()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3), constrained_layout=True)
    ax_density, ax_penalty = axes
    sigma = float(np.sqrt(variance))
    b = sigma / np.sqrt(2.0)
    w = np.linspace(-limit, limit, 801)
    gauss = np.exp(-(w**2) / (2 * variance)) / np.sqrt(2 * np.pi * variance)
    laplace = np.exp(-np.abs(w) / b) / (2 * b)
    ax_density.plot(
        w, gauss, color=COLORS[2], lw=2, label="Gaussian (gives L2)"
    )
    ax_density.plot(
        w, laplace, color=COLORS[0], lw=2, ls="--", label="Laplace (gives L1)"
    )
    ax_density.set_xlabel("weight $w$")
    ax_density.set_ylabel("prior density $p(w)$")
    ax_density.set_title(f"Two priors with variance {variance:g}")
    ax_density.legend(loc="upper left", fontsize="small")
    ax_penalty.plot(
        w,
        w**2 / (2 * variance),
        color=COLORS[2],
        lw=2,
        label="$w^2 / 2\\sigma^2$ (L2)",
    )
    ax_penalty.plot(
        w, np.abs(w) / b, color=COLORS[0], lw=2, ls="--", label="$|w| / b$ (L1)"
    )
    ax_penalty.set_xlabel("weight $w$")
    ax_penalty.set_ylabel("$-\\log p(w)$ + constant")
    ax_penalty.set_title("Minus the log prior is the penalty")
    ax_penalty.legend(loc="upper center", fontsize="small")
    return axes


def plot_weight_histograms(
    runs: Mapping[str, Any],
    relevant: int,
    *,
    bins: int = 41,
    limit: float | None = None,
    log: bool = False,
    axes: Sequence[Axes] | None = None,
) -> Sequence[Axes]:
    """Histograms of first-layer weights, one panel per run, relevant inputs
    apart.

    Args:
        runs: ``{label: W}`` with ``W`` a first-layer weight matrix of shape
            ``(n_inputs, n_units)``; the first ``relevant`` rows belong to the
            inputs that matter, the others to irrelevant inputs.
        relevant: How many leading inputs are relevant (``0 <= relevant <
            n_inputs``).
        bins: Number of bins, shared by all panels.
        limit: Weights are binned over ``[-limit, limit]`` (values beyond go
            into the outer bins); default: the largest magnitude in any run.
        log: Count on a log scale, so that a few weights far from zero stay
            visible next to a tall peak at zero.
        axes: One axes per run; a new figure is made when ``None``.

    Returns:
        The axes, in the order of ``runs``.

    Raises:
        TypeError: If ``runs`` is not a mapping or ``relevant`` not an int.
        ValueError: If ``runs`` is empty, a matrix is not 2-D, the matrices
            disagree in their number of inputs, ``relevant`` is out of range, or
            ``axes`` has the wrong length.
    """
    if not isinstance(runs, Mapping):
        raise TypeError(
            f"runs must be a mapping {{label: weights}}, got "
            f"{type(runs).__name__}"
        )
    if not runs:
        raise ValueError("runs is empty: give at least one weight matrix")
    if isinstance(relevant, bool) or not isinstance(
        relevant, (int, np.integer)
    ):
        raise TypeError(
            f"relevant must be an int, got {type(relevant).__name__}"
        )
    matrices = {str(k): np.asarray(v, dtype=float) for k, v in runs.items()}
    shapes = {m.shape[0] if m.ndim == 2 else None for m in matrices.values()}
    if None in shapes or len(shapes) != 1:
        raise ValueError(
            "every run needs a 2-D weight matrix (inputs x units) with the "
            "same number "
            f"of inputs, got shapes {[m.shape for m in matrices.values()]}"
        )
    n_inputs = shapes.pop()
    if not 0 <= relevant < n_inputs:
        raise ValueError(
            f"relevant must lie in [0, {n_inputs}), got {relevant}"
        )
    if axes is not None and len(axes) != len(matrices):
        raise ValueError(
            f"axes must hold {len(matrices)} axes, one per run, got {len(axes)}"
        )
    apply_style()
    if axes is None:
        _, axes = plt.subplots(
            1,
            len(matrices),
            figsize=(min(7.0, 3.4 * len(matrices)), 3.0),
            sharey=True,
            constrained_layout=True,
        )
        axes = np.atleast_1d(axes)
    if limit is None:
        limit = max(float(np.abs(m).max()) for m in matrices.values()) or 1.0
    edges = np.linspace(-limit, limit, bins + 1)
    for ax, (label, m) in zip(axes, matrices.items(), strict=False):
        groups = [
            np.clip(m[relevant:].ravel(), -limit, limit),
            np.clip(m[:relevant].ravel(), -limit, limit),
        ]
        ax.hist(
            groups,
            bins=edges,
            stacked=True,
            color=[COLORS[1], COLORS[0]],
            label=[
                f"irrelevant inputs ({n_inputs - relevant})",
                f"relevant inputs ({relevant})",
            ],
        )
        ax.set_title(label)
        ax.set_xlabel("first-layer weight")
        if log:
            ax.set_yscale("log")
    axes[0].set_ylabel("number of weights" + (" (log scale)" if log else ""))
    axes[0].legend(fontsize="small")
    return axes


# --- Regularization paths (chapter 2) -----------------------------------------


def plot_regularization_path(
    strengths: Sequence[float] | np.ndarray,
    weights: Any,
    *,
    relevant: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "penalty factor (log scale)",
) -> Axes:
    """Every weight of a model against the strength of its penalty.

    Column ``g`` of ``weights`` holds the weights fitted with penalty factor
    ``strengths[g]``, so row ``i`` is the *path* of weight ``i``: how it
    changes as the penalty grows. The first ``relevant`` rows (the inputs that
    matter) are drawn in colour, one line each; the others in grey.

    Args:
        strengths: The penalty factors, shape ``(G,)``, all > 0 (the axis is
            logarithmic).
        weights: Shape ``(d, G)``, one row per weight, one column per factor.
        relevant: How many leading rows belong to relevant inputs
            (``0 <= relevant <= d``).
        ax: Axes to draw on; a new figure is made when ``None``.
        title: Axes title; default ``"Regularization path"``.
        xlabel: Label of the horizontal axis.

    Returns:
        The axes.

    Raises:
        TypeError: If ``relevant`` is not an int.
        ValueError: If ``strengths`` is not a 1-D array of positive finite
            numbers, ``weights`` does not have shape ``(d, G)`` or holds
            non-finite values, or ``relevant`` is out of range.

    Example:
        >>> ax = plot_regularization_path(
        ...     [0.1, 1.0], [[1.0, 0.5], [0.2, 0.0]], relevant=1
        ... )
        >>> [line.get_label() for line in ax.get_lines()[:2]]
        ['input 1', 'irrelevant inputs (1)']
        >>> plt.close("all")
    """
    s = np.asarray(strengths, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(
            "strengths must be a 1-D array of positive finite numbers, got "
            f"{np.asarray(strengths)!r}"
        )
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[1] != s.size:
        raise ValueError(
            f"weights must have shape (n_weights, {s.size}), one column per "
            f"strength, got {w.shape}"
        )
    if not np.all(np.isfinite(w)):
        raise ValueError("weights holds NaN or infinite values")
    if isinstance(relevant, bool) or not isinstance(
        relevant, (int, np.integer)
    ):
        raise TypeError(
            f"relevant must be an int, got {type(relevant).__name__}"
        )
    if not 0 <= relevant <= w.shape[0]:
        raise ValueError(
            f"relevant must lie in [0, {w.shape[0]}], got {relevant}"
        )
    apply_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.2), constrained_layout=True)
    for i in range(relevant):
        ax.plot(
            s, w[i], color=COLORS[i % len(COLORS)], lw=2, label=f"input {i + 1}"
        )
    n_irrelevant = w.shape[0] - relevant
    for i in range(relevant, w.shape[0]):
        ax.plot(
            s,
            w[i],
            color="#999999",
            lw=1,
            label=(
                f"irrelevant inputs ({n_irrelevant})"
                if i == relevant
                else "_nolegend_"
            ),
        )
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("weight")
    ax.set_title(title or "Regularization path")
    ax.legend(fontsize="small")
    return ax
