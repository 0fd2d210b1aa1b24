"""A small experiment runner: sweep a penalty factor over a grid and several
seeds.

Chapter 4 trains the same network many times, once per penalty, factor and seed,
and compares the runs on validation data. This module keeps the bookkeeping out
of the notebook while the model, the regularizer and the ``fit`` call stay
there:

* :func:`sweep` calls a function you write, ``run(label, factor, seed)``, for
  every combination and collects what it returns as tidy :class:`Record` rows;
* :func:`collect` turns the rows into a factor-by-seed array of one metric;
* :func:`select` picks the best factor from *validation* metrics only;
* :class:`HeldOutTest` guards the test set: it evaluates each selected model
  once and counts the calls, so a notebook can assert that the test set took no
  part in the choice;
* :func:`weight_stats` measures the size and sparsity of the penalised kernels;
* :func:`difference_of_means` says whether two sets of seeds differ by more
  than their noise: the difference of their means and its standard error.

Nothing is cached: every number a chapter shows is computed by the reader's run.
This module needs only NumPy (it never imports TensorFlow or Keras): models are
used through their ``evaluate`` method alone."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regbook.penalties import (
    _factor as _check_factor,
)  # finite and >= 0, else a clear error
from regbook.penalties import l2

__all__ = [
    "HeldOutTest",
    "MetricGrid",
    "Outcome",
    "Record",
    "collect",
    "difference_of_means",
    "in_standard_errors",
    "log_grid",
    "select",
    "sweep",
    "weight_stats",
]

#: Metric names that a run may not report: test numbers never enter a sweep.
_TEST_PREFIXES = ("test",)
#: Prefix of the metrics :func:`select` accepts.
VALIDATION_PREFIX = "val_"


@dataclass(frozen=True)
class Outcome:
    """What a run may return instead of a plain ``{metric: value}`` mapping.

    Attributes:
        metrics: Scalar results, e.g. ``{"val_bce": 0.35, "val_accuracy":
            0.85}``.
        artifact: Anything else the run wants to keep, typically the trained
            weights (``model.get_weights()``), so that the selected model can be
            rebuilt and evaluated on the test set later without training it
            again. Weights are much lighter to keep than whole Keras models.
    """

    metrics: Mapping[str, float]
    artifact: Any = None


@dataclass(frozen=True)
class Record:
    """One run of a sweep: a tidy row.

    Attributes:
        label: Which experiment, e.g. the penalty ``"L2"``.
        factor: The penalty factor of the run.
        seed: The seed of the run.
        metrics: Its scalar results by name.
        seconds: Wall-clock time the run took.
        artifact: What the run kept besides its metrics (see :class:`Outcome`);
            left out of ``repr``.
    """

    label: str
    factor: float
    seed: int
    metrics: Mapping[str, float]
    seconds: float = 0.0
    artifact: Any = field(default=None, repr=False, compare=False)


def _check_seeds(seeds: object) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(
            f"seeds must be a sequence of ints, got {type(seeds).__name__}"
        )
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    out = []
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(
                f"seeds must hold ints, got {seed!r} ({type(seed).__name__})"
            )
        if not 0 <= int(seed) < 2**32:
            raise ValueError(f"seeds must lie in [0, 2**32), got {seed}")
        out.append(int(seed))
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must not repeat, got {out}")
    return out


def _check_factors(factors: object, label: str) -> list[float]:
    name = f"factors[{label!r}]"
    if isinstance(factors, (str, bytes)) or not isinstance(
        factors, (Sequence, np.ndarray)
    ):
        raise TypeError(
            f"{name} must be a sequence of numbers, got "
            f"{type(factors).__name__}"
        )
    if len(factors) == 0:
        raise ValueError(f"{name} is empty: give at least one factor")
    out = [_check_factor(f, name) for f in factors]
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a factor, got {out}")
    return out


def log_grid(start: float, stop: float, per_decade: int = 1) -> np.ndarray:
    """Factors spaced evenly on a log scale, from ``start`` to ``stop``
    inclusive.

    Args:
        start: The smallest factor, > 0.
        stop: The largest factor, > ``start``; ``stop / start`` must be a whole
            number of decades when ``per_decade`` is 1, so the grid ends exactly
            at ``stop``.
        per_decade: Points per factor of ten.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``start`` or ``stop`` is not positive, ``stop <= start``,
            ``per_decade < 1`` or the range is not a whole number of steps.

    Example:
        >>> log_grid(1e-4, 1e-1).tolist()
        [0.0001, 0.001, 0.01, 0.1]
    """
    start, stop = _check_factor(start, "start"), _check_factor(stop, "stop")
    if isinstance(per_decade, bool) or not isinstance(
        per_decade, numbers.Integral
    ):
        raise TypeError(
            f"per_decade must be an int, got {type(per_decade).__name__}"
        )
    if per_decade < 1:
        raise ValueError(f"per_decade must be >= 1, got {per_decade}")
    if start <= 0:
        raise ValueError(f"start must be > 0 on a log grid, got {start}")
    if stop <= start:
        raise ValueError(
            f"stop must be larger than start, got start={start}, stop={stop}"
        )
    steps = math.log10(stop / start) * per_decade
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(
            f"stop / start = {stop / start:g} is not a whole number of steps "
            "of "
            f"1/{per_decade} decade"
        )
    exponents = np.linspace(
        math.log10(start), math.log10(stop), round(steps) + 1
    )
    # Round to 12 significant digits so that 10**-3 prints as 0.001, not
    # 0.0010000000000000002.
    return np.array([float(f"{10.0**e:.12g}") for e in exponents])


def sweep(
    run: Callable[..., Any],
    factors: Mapping[str, Sequence[float]],
    seeds: Sequence[int] = (0,),
    *,
    batch: bool = False,
) -> list[Record]:
    """Call ``run(label, factor, seed)`` for every label, factor and seed.

    Args:
        run: Trains and measures one model. It returns its scalar results,
            either as a mapping ``{metric: value}`` or as an :class:`Outcome`
            that also carries what the run wants to keep (e.g. the trained
            weights). Metric names starting with ``test`` are refused: the test
            set takes no part in a sweep. With ``batch=True``, ``run(grid,
            seed)`` gets the whole grid ``{label: [factor, ...]}`` at once (to
            train all its models together) and returns ``{label: [result,
            ...]}``, one such result per factor, in the grid's order.
        factors: The grid of each experiment: ``{label: [factor, ...]}``, e.g.
            ``{"L1": grid, "L2": grid}``. Factors must be finite and >= 0.
        seeds: The seeds every (label, factor) pair is run with.
        batch: Call ``run`` once per seed, with the whole grid; each record's
            ``seconds`` is then the call's time divided evenly among the
            models it trained.

    Returns:
        One :class:`Record` per run, in the order label, factor, seed.

    Raises:
        TypeError: If ``run`` is not callable, an argument has the wrong type,
            or a run returns something other than a mapping of real numbers
            (with ``batch=True``: other than a mapping of labels to sequences
            of them).
        ValueError: If ``factors`` or ``seeds`` is empty or repeats a value, a
            factor is negative or not finite, or a run reports a test metric
            (with ``batch=True``: or other labels than the grid's, or a number
            of results that differs from the number of factors).

    Example:
        >>> rows = sweep(
        ...     lambda label, f, seed: {"val_loss": (f - 0.1) ** 2},
        ...     {"toy": [0.01, 0.1, 1.0]},
        ...     seeds=[0, 1],
        ... )
        >>> [(r.factor, r.seed) for r in rows][:3]
        [(0.01, 0), (0.01, 1), (0.1, 0)]
        >>> together = sweep(
        ...     lambda grid, seed: {
        ...         label: [{"val_loss": f + seed} for f in fs]
        ...         for label, fs in grid.items()
        ...     },
        ...     {"a": [0.1, 1.0], "b": [2.0]},
        ...     batch=True,
        ... )
        >>> [(r.label, r.factor, r.metrics["val_loss"]) for r in together]
        [('a', 0.1, 0.1), ('a', 1.0, 1.0), ('b', 2.0, 2.0)]
    """
    if not callable(run):
        raise TypeError(
            "run must be callable as run(label, factor, seed), got "
            f"{type(run).__name__}"
        )
    if not isinstance(factors, Mapping):
        raise TypeError(
            "factors must be a mapping {label: [factor, ...]}, got "
            f"{type(factors).__name__}"
        )
    if not factors:
        raise ValueError(
            "factors is empty: give at least one label and its factors"
        )
    grids = {}
    for label, grid in factors.items():
        if not isinstance(label, str):
            raise TypeError(f"factors' keys must be str labels, got {label!r}")
        grids[label] = _check_factors(grid, label)
    seed_list = _check_seeds(seeds)
    if not isinstance(batch, bool):
        raise TypeError(f"batch must be True or False, got {batch!r}")
    done = _run_batches(run, grids, seed_list) if batch else {}

    records = []
    for label, grid in grids.items():
        for factor in grid:
            for seed in seed_list:
                if batch:
                    result, seconds = done[label, factor, seed]
                else:
                    started = time.perf_counter()
                    result = run(label, factor, seed)
                    seconds = time.perf_counter() - started
                artifact = None
                if isinstance(result, Outcome):
                    result, artifact = result.metrics, result.artifact
                records.append(
                    Record(
                        label,
                        factor,
                        seed,
                        _check_metrics(result, label, factor, seed),
                        seconds,
                        artifact,
                    )
                )
    return records


def _run_batches(
    run: Callable[..., Any],
    grids: dict[str, list[float]],
    seeds: list[int],
) -> dict[tuple[str, float, int], tuple[Any, float]]:
    """``sweep(batch=True)``: one call of ``run(grid, seed)`` per seed."""
    done = {}
    size = sum(len(grid) for grid in grids.values())
    for seed in seeds:
        started = time.perf_counter()
        results = run(
            {label: list(grid) for label, grid in grids.items()}, seed
        )
        seconds = (time.perf_counter() - started) / size
        where = f"run(grid, {seed})"
        if not isinstance(results, Mapping):
            raise TypeError(
                f"{where} must return a mapping {{label: [result, ...]}}, got "
                f"{type(results).__name__}"
            )
        if set(results) != set(grids):
            raise ValueError(
                f"{where} returned the labels {sorted(map(str, results))}, "
                f"the grid has {sorted(grids)}"
            )
        for label, grid in grids.items():
            got = results[label]
            if isinstance(got, (str, bytes, Mapping)) or not isinstance(
                got, Sequence
            ):
                raise TypeError(
                    f"{where} must give {label!r} a sequence of results, one "
                    f"per factor, got {type(got).__name__}"
                )
            if len(got) != len(grid):
                raise ValueError(
                    f"{where} returned {len(got)} results for the "
                    f"{len(grid)} factors of {label!r}"
                )
            for i, factor in enumerate(grid):
                done[label, factor, seed] = got[i], seconds
    return done


def _check_metrics(
    result: object, label: str, factor: float, seed: int
) -> dict[str, float]:
    where = f"run({label!r}, {factor:g}, {seed})"
    if not isinstance(result, Mapping):
        raise TypeError(
            f"{where} must return a mapping {{metric: value}} or an Outcome, "
            "got "
            f"{type(result).__name__}"
        )
    metrics = {}
    for name, value in result.items():
        if not isinstance(name, str):
            raise TypeError(
                f"{where} returned a metric name that is not a str: {name!r}"
            )
        if name.lower().startswith(_TEST_PREFIXES):
            raise ValueError(
                f"{where} returned the test metric {name!r}: a sweep measures "
                "on "
                "validation data only; evaluate the selected model with "
                "HeldOutTest"
            )
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{where} returned {name}={value!r} ({type(value).__name__}); "
                "metrics "
                "must be real numbers"
            )
        metrics[name] = float(value)
    return metrics


@dataclass(frozen=True)
class MetricGrid:
    """One metric of one experiment as a factor-by-seed array.

    Attributes:
        label: The experiment.
        metric: The metric's name.
        factors: The factors, ascending (rows of ``values``).
        seeds: The seeds, ascending (columns of ``values``).
        values: Array of shape ``(len(factors), len(seeds))``.
    """

    label: str
    metric: str
    factors: np.ndarray
    seeds: np.ndarray
    values: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """The mean over seeds, one value per factor."""
        return self.values.mean(axis=1)

    @property
    def std(self) -> np.ndarray:
        """The standard deviation over seeds (``ddof=1``; zero for a single
        seed)."""
        if self.values.shape[1] < 2:
            return np.zeros(len(self.factors))
        return self.values.std(axis=1, ddof=1)


def _check_records(records: object) -> list[Record]:
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise TypeError(
            f"records must be a list of Record, got {type(records).__name__}"
        )
    bad = [r for r in records if not isinstance(r, Record)]
    if bad:
        raise TypeError(
            f"records must hold Record objects, got {type(bad[0]).__name__}"
        )
    return list(records)


def collect(records: Sequence[Record], metric: str, label: str) -> MetricGrid:
    """The values of ``metric`` for experiment ``label`` as a factor-by-seed
    grid.

    Args:
        records: Rows returned by :func:`sweep` (several sweeps may be
            concatenated).
        metric: The metric to collect.
        label: The experiment to collect.

    Raises:
        TypeError: If ``records`` is not a list of :class:`Record`.
        ValueError: If ``label`` has no rows, a row lacks ``metric`` (the
            message lists the metrics available), a (factor, seed) pair occurs
            twice, or the rows do not fill the whole factor-by-seed grid.

    Example:
        >>> rows = sweep(
        ...     lambda label, f, seed: {"val_loss": f + seed},
        ...     {"toy": [0.1, 1.0]},
        ...     seeds=[0, 1],
        ... )
        >>> collect(rows, "val_loss", "toy").values
        array([[0.1, 1.1],
               [1. , 2. ]])
    """
    rows = [r for r in _check_records(records) if r.label == label]
    if not rows:
        labels = sorted({r.label for r in records})
        raise ValueError(
            f"label {label!r} has no records; labels present: {labels}"
        )
    missing = [r for r in rows if metric not in r.metrics]
    if missing:
        raise ValueError(
            f"metric {metric!r} is missing from {len(missing)} record(s) of "
            f"{label!r}; "
            f"available: {sorted(missing[0].metrics)}"
        )
    factors = sorted({r.factor for r in rows})
    seeds = sorted({r.seed for r in rows})
    values = np.full((len(factors), len(seeds)), np.nan)
    for r in rows:
        i, j = factors.index(r.factor), seeds.index(r.seed)
        if not np.isnan(values[i, j]):
            raise ValueError(
                f"{label!r} has two records for factor {r.factor:g}, seed "
                f"{r.seed}"
            )
        values[i, j] = r.metrics[metric]
    if np.isnan(values).any():
        i, j = np.argwhere(np.isnan(values))[0]
        raise ValueError(
            f"{label!r} has no record for factor {factors[i]:g}, seed "
            f"{seeds[j]}: the "
            "records must fill the factor-by-seed grid"
        )
    return MetricGrid(label, metric, np.array(factors), np.array(seeds), values)


def select(
    records: Sequence[Record],
    label: str,
    metric: str = "val_bce",
    *,
    mode: str = "min",
) -> float:
    """The factor with the best mean validation ``metric`` over seeds.

    Only validation metrics are accepted (names starting with ``val_``), and the
    records of a sweep never hold test metrics, so the choice cannot see the
    test set. Ties go to the smaller factor.

    Args:
        records: Rows returned by :func:`sweep`.
        label: The experiment, e.g. ``"L2"``.
        metric: A validation metric.
        mode: ``"min"`` for losses, ``"max"`` for accuracies.

    Raises:
        ValueError: If ``metric`` is not a validation metric, ``mode`` is
            unknown, or :func:`collect` fails.

    Example:
        >>> rows = sweep(
        ...     lambda label, f, seed: {"val_loss": (f - 0.1) ** 2},
        ...     {"toy": [0.01, 0.1, 1.0]},
        ... )
        >>> select(rows, "toy", "val_loss")
        0.1
    """
    if not isinstance(metric, str) or not metric.startswith(VALIDATION_PREFIX):
        raise ValueError(
            f"metric must be a validation metric (a name starting with "
            f"{VALIDATION_PREFIX!r}), got {metric!r}: choices are made on "
            "validation data"
        )
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    grid = collect(records, metric, label)
    mean = grid.mean if mode == "min" else -grid.mean
    return float(grid.factors[int(np.argmin(mean))])


class HeldOutTest:
    """The test set, kept apart: each model is evaluated on it once, and
    counted.

    The examples are evaluated in slices of ``chunk`` and the results combined
    as means weighted by slice size. That is exact for metrics that are means
    over examples (losses, cross-entropy, accuracy) and keeps memory flat: Keras
    copies the whole array it is given into a tensor, and the IMDB test set
    alone is 100 MB.

    Args:
        x: Test inputs.
        y: Test labels.
        chunk: Examples per slice; ``None`` evaluates everything at once.

    Attributes:
        results: The results of each evaluation, by name (the number of them is
            :attr:`calls`).

    Raises:
        ValueError: If ``x`` and ``y`` differ in length or are empty, or
            ``chunk`` is not positive.

    Example:
        >>> class Constant:  # anything with Keras' evaluate(...) signature
        ...     def evaluate(self, x, y, verbose=0, return_dict=True):
        ...         return {"accuracy": float((y == 1).mean())}
        >>> test = HeldOutTest(
        ...     np.zeros((4, 2)), np.array([1, 1, 0, 1]), chunk=3
        ... )
        >>> test.evaluate("constant", Constant())
        {'accuracy': 0.75}
        >>> test.calls
        1
    """

    def __init__(
        self, x: np.ndarray, y: np.ndarray, *, chunk: int | None = 5000
    ) -> None:
        if len(x) != len(y):
            raise ValueError(
                f"x and y must have the same length, got {len(x)} and {len(y)}"
            )
        if len(x) == 0:
            raise ValueError("the test set is empty")
        if chunk is not None:
            if isinstance(chunk, bool) or not isinstance(
                chunk, numbers.Integral
            ):
                raise TypeError(
                    f"chunk must be an int or None, got {type(chunk).__name__}"
                )
            if chunk <= 0:
                raise ValueError(f"chunk must be positive, got {chunk}")
        self._x, self._y = x, y
        self._chunk = int(chunk) if chunk is not None else len(x)
        self.results: dict[str, dict[str, float]] = {}

    @property
    def calls(self) -> int:
        """Number of evaluations so far."""
        return len(self.results)

    def __len__(self) -> int:
        return len(self._x)

    def __repr__(self) -> str:
        return (
            f"HeldOutTest({len(self)} examples, evaluated {self.calls} time(s))"
        )

    def evaluate(
        self, name: str, model: Any, **kwargs: Any
    ) -> dict[str, float]:
        """Evaluate ``model`` on the test set, once per ``name``.

        Args:
            name: What the model is, e.g. ``"L2"``; each name may be evaluated
                once.
            model: Anything with Keras' ``evaluate(x, y, verbose=0,
                return_dict=True)``.
            **kwargs: Passed on to ``model.evaluate`` (e.g. ``batch_size``).

        Returns:
            The metrics as a ``{name: float}`` dict.

        Raises:
            TypeError: If ``name`` is not a non-empty str or ``model`` has no
                ``evaluate`` method.
            RuntimeError: If ``name`` was evaluated before.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        if not callable(getattr(model, "evaluate", None)):
            raise TypeError(
                "model must have an evaluate method, got "
                f"{type(model).__name__}"
            )
        if name in self.results:
            raise RuntimeError(
                f"{name!r} was already evaluated on the test set; the test set "
                "is used "
                "once per selected model"
            )
        totals: dict[str, float] = {}
        for start in range(0, len(self._x), self._chunk):
            x = self._x[start : start + self._chunk]
            scores = model.evaluate(
                x,
                self._y[start : start + self._chunk],
                verbose=0,
                return_dict=True,
                **kwargs,
            )
            for key, value in scores.items():
                totals[str(key)] = totals.get(str(key), 0.0) + float(
                    value
                ) * len(x)
        self.results[name] = {
            key: total / len(self._x) for key, total in totals.items()
        }
        return dict(self.results[name])


def weight_stats(
    kernels: Sequence[np.ndarray], *, tol: float = 1e-3
) -> dict[str, float]:
    r"""Size and sparsity of a model's (penalised) kernels.

    Args:
        kernels: Weight arrays, e.g. ``[layer.kernel.numpy() for layer in
            hidden]``.
        tol: Weights with :math:`|w| <` ``tol`` count as near zero.

    Returns:
        ``{"weight_norm": sqrt(sum w**2), "near_zero": share of |w| < tol}``
        over all the arrays together.

    Raises:
        TypeError: If ``kernels`` is not a non-empty list of numeric arrays.
        ValueError: If ``tol`` is not positive, or the arrays hold no weights.

    Example:
        >>> weight_stats(
        ...     [np.array([3.0, 0.0]), np.array([[4.0, -0.0001]])], tol=0.001
        ... )
        {'weight_norm': 5.000000001, 'near_zero': 0.5}
    """
    if (
        isinstance(kernels, np.ndarray)
        or not isinstance(kernels, Sequence)
        or not kernels
    ):
        raise TypeError("kernels must be a non-empty list of arrays")
    arrays = [np.asarray(k) for k in kernels]
    for a in arrays:
        if a.dtype.kind not in "fiu":
            raise TypeError(
                f"kernels must be numeric arrays, got dtype {a.dtype}"
            )
    tol = _check_factor(tol, "tol")
    if tol == 0:
        raise ValueError("tol must be > 0")
    size = sum(a.size for a in arrays)
    if size == 0:
        raise ValueError("kernels hold no weights")
    near = sum(int(np.count_nonzero(np.abs(a) < tol)) for a in arrays)
    return {
        "weight_norm": math.sqrt(l2(arrays, factor=1.0)),
        "near_zero": near / size,
    }


def difference_of_means(
    a: Sequence[float], b: Sequence[float]
) -> tuple[float, float]:
    r"""The difference of two means and its standard error.

    For runs that differ only in their seeds: is model ``a`` better than model
    ``b``, or is the gap within the noise? With :math:`n_a` and :math:`n_b`
    independent values, sample variances :math:`s_a^2` and :math:`s_b^2`
    (``ddof=1``), the difference :math:`\bar a - \bar b` has the standard
    error

    .. math:: \sqrt{s_a^2 / n_a + s_b^2 / n_b}

    (Welch's). A difference within about two standard errors of zero is within
    the seed noise. The spread of single runs (:math:`s_a`) is the wrong
    yardstick for a difference of means: it does not shrink with more seeds.

    Args:
        a: Values of one model, one per seed (at least two).
        b: Values of the other model, one per seed (at least two).

    Returns:
        ``(mean(a) - mean(b), standard_error)``.

    Raises:
        TypeError: If ``a`` or ``b`` is not a sequence of real numbers.
        ValueError: If ``a`` or ``b`` has fewer than two values, or a value is
            not finite.

    Example:
        >>> difference_of_means([1.0, 2.0, 3.0], [0.0, 2.0])
        (1.0, 1.1547005383792515)
    """
    arrays = []
    for name, values in (("a", a), ("b", b)):
        if isinstance(values, (str, bytes)) or not isinstance(
            values, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"{name} must be a sequence of numbers, got "
                f"{type(values).__name__}"
            )
        array = np.asarray(values)
        if array.dtype.kind not in "fiu" or array.ndim != 1:
            raise TypeError(
                f"{name} must be a flat sequence of real numbers, got "
                f"{values!r}"
            )
        if len(array) < 2:
            raise ValueError(
                f"{name} needs at least two values (seeds) for a standard "
                f"error, got {len(array)}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} holds a value that is not finite")
        arrays.append(array.astype(float))
    x, y = arrays
    difference = float(x.mean() - y.mean())
    error = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
    return difference, error


def in_standard_errors(difference: float, standard_error: float) -> str:
    """``difference / standard_error`` as text for a page that calls a
    difference beyond or within two standard errors.

    One decimal, or two where one decimal would round to ``2.0`` and so hide
    on which side of two standard errors the ratio lies.

    Args:
        difference: The difference (signed, or its size).
        standard_error: Its standard error, > 0.

    Returns:
        The ratio, e.g. ``"5.6"``, ``"1.96"`` or ``"-2.04"``.

    Raises:
        TypeError: If an argument is not a real number.
        ValueError: If ``difference`` is not finite, or ``standard_error`` is
            not finite and > 0.

    Example:
        >>> in_standard_errors(0.0098, 0.005), in_standard_errors(0.028, 0.005)
        ('1.96', '5.6')
    """
    if isinstance(difference, bool) or not isinstance(difference, numbers.Real):
        raise TypeError(
            f"difference must be a real number, got {type(difference).__name__}"
        )
    if not math.isfinite(difference):
        raise ValueError(f"difference must be finite, got {difference}")
    standard_error = _check_factor(standard_error, "standard_error")
    if standard_error == 0:
        raise ValueError("standard_error must be > 0")
    ratio = difference / standard_error
    return f"{ratio:.2f}" if f"{abs(ratio):.1f}" == "2.0" else f"{ratio:.1f}"
