r"""NumPy reference implementations of the weight penalties and their gradients.

The conventions are Keras' own, so that these functions can check what Keras
adds to the loss:

.. math::

    \mathrm{L1}(w) = \lambda_1 \sum_i |w_i|, \qquad
    \mathrm{L2}(w) = \lambda_2 \sum_i w_i^2, \qquad
    \mathrm{L1L2}(w) = \mathrm{L1}(w) + \mathrm{L2}(w).

There is no factor one half in front of the L2 sum (many textbooks write
:math:`\tfrac{\lambda}{2}\lVert w\rVert^2`); :func:`l2_textbook_factor`
converts.

Every function accepts an array of any shape, or a list of arrays (all the
weights of a model), and needs only NumPy. Penalty values are summed in float64
and returned as a Python float, whatever the dtype of the weights. Gradients,
soft-thresholding and the projections return arrays of the weights' own float
dtype (float64 for integer weights); given a list of arrays, they return a list
of arrays in the same order.

Besides the penalties, the module holds the two operations that make L1 produce
exact zeros: :func:`soft_threshold`, the proximal step of the L1 penalty, and
:func:`project_l1_ball`, the projection onto the L1 ball :math:`\{w : \sum_i
|w_i| \le r\}` (itself a soft-thresholding, with a threshold found from the
weights); :func:`project_l2_ball` is its L2 counterpart, and
:func:`project_rows` projects many points at once, each onto its own ball."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

import numpy as np

__all__ = [
    "BALLS",
    "l1",
    "l1_grad",
    "l1_l2",
    "l1_l2_grad",
    "l2",
    "l2_grad",
    "l2_textbook_factor",
    "project_l1_ball",
    "project_l2_ball",
    "project_rows",
    "soft_threshold",
]

ArrayLike = Union[np.ndarray, float, Sequence[float]]  # noqa: UP007 (aliases)
Weights = Union[ArrayLike, Sequence[np.ndarray]]  # noqa: UP007


def _factor(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__}"
        )
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _threshold(value: object) -> float | np.ndarray:
    """A scalar threshold (checked like a factor) or an array of thresholds >=
    0."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return _factor(
            value.item() if isinstance(value, np.ndarray) else value,
            "threshold",
        )
    if value.dtype.kind not in "fiu":
        raise TypeError(
            f"threshold must be real numbers, got dtype {value.dtype}"
        )
    if not np.all(np.isfinite(value)) or np.any(value < 0):
        raise ValueError("threshold must hold finite numbers >= 0")
    return value.astype(np.float64)


def _is_array_list(weights: object) -> bool:
    """True for a non-empty list or tuple of arrays (or tensors): the weights of
    a model."""
    return (
        isinstance(weights, (list, tuple))
        and len(weights) > 0
        and all(
            isinstance(w, np.ndarray) or hasattr(w, "numpy") for w in weights
        )
    )


def _as_array(weights: object) -> np.ndarray:
    """One numeric array, with errors that name the argument."""
    try:
        a = np.asarray(weights)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            "weights must be an array, a (nested) list of numbers of a regular "
            "shape, or "
            f"a list of arrays; NumPy could not make an array of it: {err}"
        ) from None
    if a.dtype.kind not in "fiu":
        raise TypeError(f"weights must be numeric arrays, got dtype {a.dtype}")
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _arrays(weights: Weights) -> list[np.ndarray]:
    """A list of float arrays from one array or a list of arrays, any shapes."""
    if _is_array_list(weights):
        return [_as_array(w) for w in weights]  # type: ignore[union-attr]
    return [_as_array(weights)]


def _elementwise(
    fn: Callable[[np.ndarray], np.ndarray], weights: Weights
) -> np.ndarray | list[np.ndarray]:
    """Apply ``fn`` to one array, or to each array of a list (giving a list)."""
    if isinstance(weights, np.ndarray) and weights.dtype.kind == "f":
        return fn(weights)  # the common case, without the checks' overhead
    results = [fn(a) for a in _arrays(weights)]
    return results if _is_array_list(weights) else results[0]


def l1(weights: Weights, factor: float = 0.01) -> float:
    r"""L1 penalty :math:`\lambda_1 \sum |w|`, as
    ``keras.regularizers.L1(factor)`` adds it.

    Args:
        weights: An array, or a list of arrays whose penalties are summed.
        factor: :math:`\lambda_1 \ge 0` (Keras' default is 0.01).

    Example:
        >>> l1(np.array([1.0, -2.0]), factor=0.5)
        1.5
    """
    factor = _factor(factor, "factor")
    return factor * float(
        sum(np.abs(a).sum(dtype=np.float64) for a in _arrays(weights))
    )


def l2(weights: Weights, factor: float = 0.01) -> float:
    r"""L2 penalty :math:`\lambda_2 \sum w^2`, as
    ``keras.regularizers.L2(factor)`` adds it.

    Args:
        weights: An array, or a list of arrays whose penalties are summed.
        factor: :math:`\lambda_2 \ge 0` (Keras' default is 0.01).

    Example:
        >>> l2(np.array([1.0, -2.0]), factor=0.5)
        2.5
    """
    factor = _factor(factor, "factor")
    return factor * float(
        sum(np.square(a, dtype=np.float64).sum() for a in _arrays(weights))
    )


def l1_l2(
    weights: Weights, l1_factor: float = 0.01, l2_factor: float = 0.01
) -> float:
    r"""Elastic-net penalty :math:`\lambda_1 \sum |w| + \lambda_2 \sum w^2`.

    Both factors default to 0.01 here, like ``L1`` and ``L2`` on their own;
    Keras' ``L1L2()`` and its alias ``l1_l2()`` default both to zero (no penalty
    at all), so pass both factors there.

    Example:
        >>> l1_l2(np.array([1.0, -2.0]), l1_factor=0.5, l2_factor=0.5)
        4.0
    """
    return l1(weights, _factor(l1_factor, "l1_factor")) + l2(
        weights, _factor(l2_factor, "l2_factor")
    )


def l1_grad(
    weights: Weights, factor: float = 0.01
) -> np.ndarray | list[np.ndarray]:
    r"""(Sub)gradient of :func:`l1`: :math:`\lambda_1 \operatorname{sign}(w)`.

    At :math:`w = 0` the penalty has no derivative; like TensorFlow, this
    returns 0 there (the subgradient of smallest magnitude). The pull towards
    zero has the same size for every non-zero weight, however small.

    Args:
        weights: An array, or a list of arrays (then a list of gradients is
            returned).
        factor: :math:`\lambda_1 \ge 0`.

    Example:
        >>> l1_grad(np.array([0.001, -3.0, 0.0]), factor=0.5)
        array([ 0.5, -0.5,  0. ])
    """
    factor = _factor(factor, "factor")
    return _elementwise(
        lambda a: (factor * np.sign(a)).astype(a.dtype, copy=False), weights
    )


def l2_grad(
    weights: Weights, factor: float = 0.01
) -> np.ndarray | list[np.ndarray]:
    r"""Gradient of :func:`l2`: :math:`2 \lambda_2 w`, a pull proportional to
    the weight.

    Args:
        weights: An array, or a list of arrays (then a list of gradients is
            returned).
        factor: :math:`\lambda_2 \ge 0`.

    Example:
        >>> l2_grad(np.array([0.5, -3.0, 0.0]), factor=0.5)
        array([ 0.5, -3. ,  0. ])
    """
    factor = _factor(factor, "factor")
    return _elementwise(
        lambda a: (2.0 * factor * a).astype(a.dtype, copy=False), weights
    )


def l1_l2_grad(
    weights: Weights, l1_factor: float = 0.01, l2_factor: float = 0.01
) -> np.ndarray | list[np.ndarray]:
    r"""Gradient of :func:`l1_l2`: :math:`\lambda_1 \operatorname{sign}(w) +
    2\lambda_2 w`."""
    l1_factor = _factor(l1_factor, "l1_factor")
    l2_factor = _factor(l2_factor, "l2_factor")
    return _elementwise(
        lambda a: (l1_factor * np.sign(a) + 2.0 * l2_factor * a).astype(
            a.dtype, copy=False
        ),
        weights,
    )


def soft_threshold(
    weights: Weights, threshold: float | np.ndarray
) -> np.ndarray | list[np.ndarray]:
    r"""Proximal step of the L1 penalty: shrink towards zero and clip at zero.

    .. math::

        \operatorname{prox}(w)_i = \operatorname{sign}(w_i)\,\max(|w_i| - t,\ 0)

    After a gradient step on the data loss with learning rate :math:`\eta`,
    applying it with :math:`t = \eta\lambda_1` minimises the L1-penalised loss
    :cite:p:`parikh2014proximal`; unlike a subgradient step it gives weights
    that are exactly zero.

    Args:
        weights: An array, or a list of arrays (then a list is returned).
        threshold: :math:`t \ge 0`; a number, or an array that broadcasts
            against the weights (one threshold per column, say, to step several
            models at once).

    Example:
        >>> soft_threshold(np.array([-2.0, 0.5, 3.0]), 1.0)
        array([-1.,  0.,  2.])
    """
    t = _threshold(threshold)
    return _elementwise(
        lambda a: (np.sign(a) * np.maximum(np.abs(a) - t, 0.0)).astype(
            a.dtype, copy=False
        ),
        weights,
    )


def project_l1_ball(weights: np.ndarray, radius: float = 1.0) -> np.ndarray:
    r"""The point of the L1 ball :math:`\sum_i |w_i| \le r` closest to
    ``weights``.

    Points inside the ball stay where they are. A point outside is
    soft-thresholded, :math:`\operatorname{sign}(w_i)\max(|w_i| - \theta, 0)`,
    with the one :math:`\theta > 0` that lands it on the surface (found by
    sorting the magnitudes). Every coordinate smaller than :math:`\theta` in
    magnitude becomes exactly zero: the corners and edges of the L1 ball attract
    points, which is why an L1 constraint gives sparse solutions.

    Args:
        weights: An array of any shape (the ball is taken over all its entries).
        radius: :math:`r \ge 0`.

    Example:
        >>> project_l1_ball(np.array([2.0, 0.5]), 1.0)
        array([1., 0.])
    """
    r = _factor(radius, "radius")
    a = _as_array(weights)
    magnitudes = np.abs(a).ravel()
    if magnitudes.sum() <= r:
        return a.copy()
    if r == 0:
        return np.zeros_like(a)
    u = np.sort(magnitudes)[::-1]  # largest first
    cumulative = np.cumsum(u)
    k = np.arange(1, u.size + 1)
    # The largest k whose k-th largest magnitude stays above the threshold it
    # implies.
    last = np.nonzero(u * k > cumulative - r)[0][-1]
    theta = (cumulative[last] - r) / (last + 1)
    return soft_threshold(a, float(theta))  # type: ignore[return-value]


def project_l2_ball(weights: np.ndarray, radius: float = 1.0) -> np.ndarray:
    r"""The point of the L2 ball :math:`\sqrt{\sum_i w_i^2} \le r` closest to
    ``weights``.

    A point outside is scaled down towards the origin, every coordinate by the
    same factor, so no coordinate becomes zero that was not zero already.

    Example:
        >>> project_l2_ball(np.array([3.0, 4.0]), 1.0)
        array([0.6, 0.8])
    """
    r = _factor(radius, "radius")
    a = _as_array(weights)
    norm = float(np.sqrt(np.square(a, dtype=np.float64).sum()))
    if norm <= r:
        return a.copy()
    return (a * (r / norm)).astype(a.dtype, copy=False)


#: The balls :func:`project_rows` projects onto.
BALLS = ("l1", "l2")


def project_rows(
    points: np.ndarray, radius: float = 1.0, *, ball: str = "l1"
) -> np.ndarray:
    r"""Project every row of ``points`` onto the L1 (or L2) ball on its own.

    Row ``i`` of the result is ``project_l1_ball(points[i], radius)`` (or
    ``project_l2_ball``), computed for all rows at once. Read each row as the
    minimum of a loss :math:`\lVert w - c\rVert^2` whose contours are circles:
    its projection is the best weight vector the constraint allows, so the
    exact zeros of the projections show how often a constraint makes the
    solution sparse.

    Args:
        points: Shape ``(n, d)``: ``n`` points of ``d`` coordinates.
        radius: :math:`r \ge 0`.
        ball: ``"l1"`` (:math:`\sum_i |w_i| \le r`, projected by
            soft-thresholding every row by its own threshold) or ``"l2"``
            (:math:`\sqrt{\sum_i w_i^2} \le r`, every row scaled down).

    Returns:
        The projections, shape ``(n, d)``, in the points' float dtype (float64
        for integers).

    Raises:
        TypeError: If ``points`` is not numeric or ``ball`` is not a str.
        ValueError: If ``points`` is not 2-D or not finite, ``radius`` is
            negative or not finite, or ``ball`` is unknown.

    Example:
        >>> project_rows(np.array([[2.0, 0.5], [0.3, 0.2]]), 1.0)
        array([[1. , 0. ],
               [0.3, 0.2]])
        >>> project_rows(np.array([[3.0, 4.0]]), 1.0, ball="l2")
        array([[0.6, 0.8]])
    """
    r = _factor(radius, "radius")
    if not isinstance(ball, str):
        raise TypeError(f"ball must be a str, got {type(ball).__name__}")
    if ball not in BALLS:
        raise ValueError(f"ball must be 'l1' or 'l2', got {ball!r}")
    a = _as_array(points)
    if a.ndim != 2:
        raise ValueError(
            f"points must have shape (n_points, n_coordinates), got {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise ValueError("points holds NaN or infinite values")
    if ball == "l2":
        norms = np.sqrt(np.square(a, dtype=np.float64).sum(axis=1))
        outside = norms > r
        scale = np.where(outside, r / np.where(outside, norms, 1.0), 1.0)
        return (a * scale[:, None]).astype(a.dtype, copy=False)
    magnitudes = np.abs(a)
    outside = magnitudes.sum(axis=1) > r
    if r == 0:
        return np.where(outside[:, None], 0.0, a).astype(a.dtype, copy=False)
    u = -np.sort(-magnitudes, axis=1)  # each row, largest first
    cumulative = np.cumsum(u, axis=1)
    k = np.arange(1, a.shape[1] + 1)
    # As in project_l1_ball: the largest k whose k-th largest magnitude stays
    # above the threshold it implies (k = 1 always does, for a row outside).
    keeps = u * k > cumulative - r
    last = a.shape[1] - 1 - np.argmax(keeps[:, ::-1], axis=1)
    theta = (cumulative[np.arange(len(a)), last] - r) / (last + 1)
    theta = np.where(outside, theta, 0.0)
    return soft_threshold(a, theta[:, None])  # type: ignore[return-value]


def l2_textbook_factor(keras_factor: float) -> float:
    r"""Convert Keras' L2 factor to the textbook :math:`\lambda` of
    :math:`\tfrac{\lambda}{2}\lVert w\rVert^2`.

    ``L2(f)`` adds :math:`f\lVert w\rVert^2 = \tfrac{2f}{2}\lVert w\rVert^2`, so
    :math:`\lambda = 2f`. The same :math:`2f` is the decoupled optimizer
    ``weight_decay`` that matches ``L2(f)`` under plain SGD, since Keras applies
    ``w -= learning_rate * weight_decay * w``.

    Example:
        >>> l2_textbook_factor(0.01)
        0.02
    """
    return 2.0 * _factor(keras_factor, "keras_factor")
