r"""NumPy reference implementations of the weight penalties and their gradients.

The conventions are Keras' own, so that these functions can check what Keras adds to
the loss:

.. math::

    \mathrm{L1}(w) = \lambda_1 \sum_i |w_i|, \qquad
    \mathrm{L2}(w) = \lambda_2 \sum_i w_i^2, \qquad
    \mathrm{L1L2}(w) = \mathrm{L1}(w) + \mathrm{L2}(w).

There is no factor one half in front of the L2 sum (many textbooks write
:math:`\tfrac{\lambda}{2}\lVert w\rVert^2`); :func:`l2_textbook_factor` converts.

Every function accepts an array of any shape, or a list of arrays (all the weights of
a model), and needs only NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np

__all__ = [
    "l1",
    "l1_grad",
    "l1_l2",
    "l1_l2_grad",
    "l2",
    "l2_grad",
    "l2_textbook_factor",
    "soft_threshold",
]

ArrayLike = Union[np.ndarray, float, Sequence[float]]
Weights = Union[ArrayLike, Sequence[np.ndarray]]


def _factor(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _arrays(weights: Weights) -> list[np.ndarray]:
    """A list of float arrays from one array or a list of arrays of any shapes."""
    if isinstance(weights, np.ndarray):
        arrays = [weights]
    elif isinstance(weights, (list, tuple)) and weights and all(
        isinstance(w, np.ndarray) or hasattr(w, "numpy") for w in weights
    ):
        arrays = [np.asarray(w) for w in weights]
    else:
        arrays = [np.asarray(weights)]
    for a in arrays:
        if a.dtype.kind not in "fiu":
            raise TypeError(f"weights must be numeric arrays, got dtype {a.dtype}")
    return arrays


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def l1(weights: Weights, factor: float = 0.01) -> float:
    r"""L1 penalty :math:`\lambda_1 \sum |w|`, as ``keras.regularizers.L1(factor)`` adds it.

    Args:
        weights: An array, or a list of arrays whose penalties are summed.
        factor: :math:`\lambda_1 \ge 0` (Keras' default is 0.01).

    Example:
        >>> l1(np.array([1.0, -2.0]), factor=0.5)
        1.5
    """
    factor = _factor(factor, "factor")
    return factor * float(sum(np.abs(_float(a)).sum(dtype=np.float64) for a in _arrays(weights)))


def l2(weights: Weights, factor: float = 0.01) -> float:
    r"""L2 penalty :math:`\lambda_2 \sum w^2`, as ``keras.regularizers.L2(factor)`` adds it.

    Args:
        weights: An array, or a list of arrays whose penalties are summed.
        factor: :math:`\lambda_2 \ge 0` (Keras' default is 0.01).

    Example:
        >>> l2(np.array([1.0, -2.0]), factor=0.5)
        2.5
    """
    factor = _factor(factor, "factor")
    return factor * float(
        sum(np.square(_float(a)).sum(dtype=np.float64) for a in _arrays(weights))
    )


def l1_l2(weights: Weights, l1_factor: float = 0.01, l2_factor: float = 0.01) -> float:
    r"""Elastic-net penalty :math:`\lambda_1 \sum |w| + \lambda_2 \sum w^2`.

    Both factors default to 0.01 here, like ``L1`` and ``L2`` on their own; Keras'
    ``L1L2()`` defaults both to zero (no penalty at all), so pass both factors there.

    Example:
        >>> l1_l2(np.array([1.0, -2.0]), l1_factor=0.5, l2_factor=0.5)
        4.0
    """
    return l1(weights, _factor(l1_factor, "l1_factor")) + l2(
        weights, _factor(l2_factor, "l2_factor")
    )


def l1_grad(weights: np.ndarray, factor: float = 0.01) -> np.ndarray:
    r"""(Sub)gradient of :func:`l1`: :math:`\lambda_1 \operatorname{sign}(w)`.

    At :math:`w = 0` the penalty has no derivative; like TensorFlow, this returns 0
    there (the subgradient of smallest magnitude). The pull towards zero has the same
    size for every non-zero weight, however small.
    """
    factor = _factor(factor, "factor")
    (a,) = _arrays(weights)
    return factor * np.sign(_float(a))


def l2_grad(weights: np.ndarray, factor: float = 0.01) -> np.ndarray:
    r"""Gradient of :func:`l2`: :math:`2 \lambda_2 w`, a pull proportional to the weight."""
    factor = _factor(factor, "factor")
    (a,) = _arrays(weights)
    return 2.0 * factor * _float(a)


def l1_l2_grad(
    weights: np.ndarray, l1_factor: float = 0.01, l2_factor: float = 0.01
) -> np.ndarray:
    r"""Gradient of :func:`l1_l2`: :math:`\lambda_1 \operatorname{sign}(w) + 2\lambda_2 w`."""
    return l1_grad(weights, l1_factor) + l2_grad(weights, l2_factor)


def soft_threshold(weights: np.ndarray, threshold: float) -> np.ndarray:
    r"""Proximal step of the L1 penalty: shrink towards zero and clip at zero.

    .. math::

        \operatorname{prox}(w)_i = \operatorname{sign}(w_i)\,\max(|w_i| - t,\ 0)

    After a gradient step on the data loss with learning rate :math:`\eta`, applying
    it with :math:`t = \eta\lambda_1` minimises the L1-penalised loss
    :cite:p:`parikh2014proximal`; unlike a subgradient step it gives weights that are
    exactly zero.

    Example:
        >>> soft_threshold(np.array([-2.0, 0.5, 3.0]), 1.0)
        array([-1.,  0.,  2.])
    """
    t = _factor(threshold, "threshold")
    (a,) = _arrays(weights)
    a = _float(a)
    return np.sign(a) * np.maximum(np.abs(a) - t, 0.0)


def l2_textbook_factor(keras_factor: float) -> float:
    r"""Convert Keras' L2 factor to the textbook :math:`\lambda` of :math:`\tfrac{\lambda}{2}\lVert w\rVert^2`.

    ``L2(f)`` adds :math:`f\lVert w\rVert^2 = \tfrac{2f}{2}\lVert w\rVert^2`, so
    :math:`\lambda = 2f`. The same :math:`2f` is the decoupled optimizer
    ``weight_decay`` that matches ``L2(f)`` under plain SGD, since Keras applies
    ``w -= learning_rate * weight_decay * w``.

    Example:
        >>> l2_textbook_factor(0.01)
        0.02
    """
    return 2.0 * _factor(keras_factor, "keras_factor")
