r"""Keras' regularization conventions in NumPy: conversions and reference
values.

Chapter 3 checks every number Keras adds to the loss against a formula. The
weight penalties themselves are in :mod:`regbook.penalties`; this module holds
the rest:

* conversions between the three ways of writing an L2 penalty: Keras' factor
  :math:`f` in :math:`f\sum_i w_i^2`, the optimizer's decoupled ``weight_decay``
  (:math:`2f` under plain SGD, see :func:`l2_to_weight_decay`) and the
  :math:`\alpha` of a ridge regression written with a *summed* squared error
  (:math:`n f`, see :func:`l2_to_ridge_alpha`); the textbook
  :math:`\tfrac{\lambda}{2}\lVert w\rVert^2` form is
  :func:`regbook.penalties.l2_textbook_factor`;
* :func:`ridge_solution`, the exact minimiser of Keras' mean squared error plus
  an ``L2(f)`` kernel penalty on a linear model;
* :func:`activity_penalty`, what ``activity_regularizer=L1L2(l1, l2)`` adds for
  one batch of outputs (divided by the batch size, as Keras does since 3.14);
* :func:`orthogonal_penalty`, what ``OrthogonalRegularizer(factor, mode)`` adds.

Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from regbook.penalties import (
    _factor as _nonnegative,
)  # a finite float >= 0, or a clear error

__all__ = [
    "activity_penalty",
    "l2_to_ridge_alpha",
    "l2_to_weight_decay",
    "orthogonal_penalty",
    "ridge_alpha_to_l2",
    "ridge_solution",
    "weight_decay_to_l2",
]


def _count(value: object, name: str) -> int:
    """A positive int, or a clear error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be a positive int, got {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _numeric(value: ArrayLike, name: str) -> np.ndarray:
    """A float64 array, or a clear error naming the argument."""
    a = np.asarray(value)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    return a.astype(np.float64)


def l2_to_weight_decay(factor: float) -> float:
    r"""The decoupled ``weight_decay`` that matches ``L2(factor)`` under plain
    SGD: :math:`2f`.

    Keras' optimizers apply weight decay as ``w -= learning_rate * weight_decay
    * w`` before the gradient step, and the gradient of :math:`f\sum w^2` is
    :math:`2fw`, so one SGD step (no momentum) is the same with either when
    ``weight_decay = 2 * factor``. Under momentum, RMSprop or Adam the two
    differ :cite:p:`loshchilov2019decoupled`.

    Args:
        factor: Keras' L2 factor :math:`f \ge 0`.

    Example:
        >>> l2_to_weight_decay(0.01)
        0.02
    """
    return 2.0 * _nonnegative(factor, "factor")


def weight_decay_to_l2(weight_decay: float) -> float:
    """The ``L2`` factor that matches a decoupled ``weight_decay`` under plain
    SGD: half of it.

    The inverse of :func:`l2_to_weight_decay`.

    Example:
        >>> weight_decay_to_l2(0.004)
        0.002
    """
    return _nonnegative(weight_decay, "weight_decay") / 2.0


def l2_to_ridge_alpha(factor: float, n_examples: int) -> float:
    r"""Ridge :math:`\alpha` on a *summed* squared error that matches Keras'
    ``L2(factor)``.

    Keras averages the data loss over the :math:`n` examples and adds the
    penalty once: :math:`\tfrac1n\lVert y - Xw\rVert^2 + f\lVert w\rVert^2`.
    Multiplying by :math:`n` gives the classic ridge objective :math:`\lVert y -
    Xw\rVert^2 + \alpha\lVert w\rVert^2` with :math:`\alpha = nf`
    :cite:p:`hoerl1970ridge`. The same :math:`\alpha` on more data therefore
    means a smaller Keras factor.

    Args:
        factor: Keras' L2 factor :math:`f \ge 0`.
        n_examples: Number of training examples :math:`n`.

    Example:
        >>> l2_to_ridge_alpha(0.01, 20_000)
        200.0
    """
    return _nonnegative(factor, "factor") * _count(n_examples, "n_examples")


def ridge_alpha_to_l2(alpha: float, n_examples: int) -> float:
    r"""Keras' ``L2`` factor for a ridge :math:`\alpha` on a summed squared
    error: :math:`\alpha/n`.

    The inverse of :func:`l2_to_ridge_alpha`.

    Example:
        >>> ridge_alpha_to_l2(200.0, 20_000)
        0.01
    """
    return _nonnegative(alpha, "alpha") / _count(n_examples, "n_examples")


def ridge_solution(
    x: ArrayLike,
    y: ArrayLike,
    factor: float,
    *,
    fit_intercept: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The weights a Keras linear model with ``L2(factor)`` on its kernel
    converges to.

    The model is ``Dense(k, kernel_regularizer=L2(factor))`` (with a bias when
    ``fit_intercept``) trained with ``loss="mse"``. Keras' mean squared error
    averages over all :math:`m = nk` entries of the :math:`n \times k` target,
    and the kernel penalty is added once, so the objective is

    .. math::

        J(W, b) = \frac{1}{m}\lVert Y - XW - \mathbf 1 b^\top\rVert_F^2 +
        f\lVert W\rVert_F^2 .

    Setting its gradient to zero, with :math:`A = [X\ \mathbf 1]` and :math:`P =
    \operatorname{diag}(f, \dots, f, 0)` (the bias is not penalised), gives

    .. math::

        \Bigl(\tfrac{1}{m} A^\top A + P\Bigr)\begin{bmatrix}W\\
        b^\top\end{bmatrix} = \tfrac{1}{m} A^\top Y ,

    solved here in float64. Note the :math:`1/m`: the ridge solution with a
    *summed* error and the same number :math:`f` is a different, much less
    regularized model (see :func:`l2_to_ridge_alpha`).

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Targets, shape ``(n,)`` or ``(n, k)``.
        factor: Keras' L2 factor :math:`f \ge 0` on the kernel.
        fit_intercept: Include an unpenalised bias, as ``Dense`` does by
            default.

    Returns:
        ``(kernel, bias)`` with shapes ``(d, k)`` and ``(k,)`` (``k = 1`` for
        1-D ``y``), like ``Dense.get_weights()``; the bias is zeros without an
        intercept.

    Raises:
        TypeError: For non-numeric inputs or a bad ``factor``.
        ValueError: For mismatched shapes, no examples, a negative ``factor``,
            or a singular system (``factor == 0`` with collinear inputs).

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0]])
        >>> kernel, bias = ridge_solution(x, 2 * x[:, 0] + 1, factor=0.0)
        >>> np.round(kernel, 6).tolist(), np.round(bias, 6).tolist()
        ([[2.0]], [1.0])
    """
    f = _nonnegative(factor, "factor")
    x = _numeric(x, "x")
    y = _numeric(y, "y")
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got shape {x.shape}")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"y must have shape (n,) or (n, k) with n = {x.shape[0]} rows like "
            "x, "
            f"got shape {y.shape}"
        )
    n, d = x.shape
    if n == 0:
        raise ValueError("x and y must hold at least one example")
    m = n * y.shape[1]
    a = np.hstack([x, np.ones((n, 1))]) if fit_intercept else x
    penalty = np.full(a.shape[1], f)
    if fit_intercept:
        penalty[-1] = 0.0
    lhs = a.T @ a / m + np.diag(penalty)
    rhs = a.T @ y / m
    try:
        theta = np.linalg.solve(lhs, rhs)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the ridge system is singular: with factor=0 the inputs must not "
            "be collinear"
        ) from None
    kernel = theta[:d]
    bias = theta[d] if fit_intercept else np.zeros(y.shape[1])
    return kernel, bias


def activity_penalty(
    outputs: ArrayLike, l1: float = 0.0, l2: float = 0.0
) -> float:
    r"""What ``activity_regularizer=L1L2(l1, l2)`` adds to the loss for one
    batch of outputs.

    Keras calls the regularizer on the layer's output (after its activation)
    and, since Keras 3.14, divides the result by the batch size (the length of
    the first axis), so the penalty is a per-example average and does not grow
    with the batch:

    .. math::

        \frac{1}{B}\Bigl(\lambda_1 \sum |a| + \lambda_2 \sum a^2\Bigr),

    summed over every entry of the ``(B, ...)`` output. A scalar output is not
    divided, and an empty batch gives 0 (Keras uses ``divide_no_nan``).

    Args:
        outputs: The layer's outputs for one batch, shape ``(B, ...)``.
        l1: :math:`\lambda_1 \ge 0`.
        l2: :math:`\lambda_2 \ge 0`.

    Example:
        >>> activity_penalty(
        ...     np.full((5, 5), 2.0), l2=0.01
        ... )  # Keras' docstring example
        0.2
    """
    l1 = _nonnegative(l1, "l1")
    l2 = _nonnegative(l2, "l2")
    a = _numeric(outputs, "outputs")
    total = l1 * float(np.abs(a).sum()) + l2 * float(np.square(a).sum())
    if a.ndim == 0:
        return total
    batch = a.shape[0]
    return total / batch if batch else 0.0


def orthogonal_penalty(
    kernel: ArrayLike,
    factor: float = 0.01,
    mode: Literal["rows", "columns"] = "rows",
) -> float:
    r"""What ``OrthogonalRegularizer(factor, mode)`` adds for a 2-D kernel.

    The rows (or columns) are scaled to unit length and the penalty is
    ``factor`` times the mean absolute cosine similarity over all distinct pairs
    of them:

    .. math::

        f \cdot \frac{1}{p(p-1)/2} \sum_{i<j} \lvert \hat w_i^\top \hat w_j
        \rvert .

    It is zero when the vectors are orthogonal. With ``mode="rows"`` on a
    ``Dense`` kernel of shape ``(inputs, units)`` the vectors are the inputs'
    weight vectors; more of them than ``units`` cannot all be orthogonal, so for
    a wide input layer ``mode="columns"`` (one vector per unit) is the one that
    can reach zero.

    Args:
        kernel: A 2-D array with at least two rows (or columns).
        factor: :math:`f \ge 0`.
        mode: ``"rows"`` or ``"columns"``.

    Example:
        >>> orthogonal_penalty(np.eye(3), factor=1.0)
        0.0
        >>> round(orthogonal_penalty(np.ones((2, 2)), factor=1.0), 12)
        1.0
    """
    f = _nonnegative(factor, "factor")
    if mode not in ("rows", "columns"):
        raise ValueError(f"mode must be 'rows' or 'columns', got {mode!r}")
    w = _numeric(kernel, "kernel")
    if w.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {w.shape}")
    vectors = w if mode == "rows" else w.T
    p = vectors.shape[0]
    if p < 2:
        raise ValueError(f"kernel must have at least two {mode}, got {p}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    cosines = np.abs(unit @ unit.T)
    off_diagonal = float(cosines.sum() - np.trace(cosines))
    return f * 0.5 * off_diagonal / (p * (p - 1) / 2)
