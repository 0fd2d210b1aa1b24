r"""Implicit regularization of gradient descent: the modified flow of a toy.

Gradient descent with a finite learning rate :math:`\eta`,
:math:`\theta_{k+1} = \theta_k - \eta\nabla L(\theta_k)`, does not follow the
gradient flow :math:`\dot\theta = -\nabla L` of its loss: its iterates stay
within :math:`O(\eta^2)` of the flow of a *modified* loss
:cite:p:`barrett2021implicit`

.. math::

    \tilde L = L + \frac\eta4 \lVert\nabla L\rVert^2, \qquad
    \dot\theta = -\nabla\tilde L = -\nabla L - \frac\eta2 H\nabla L ,

with :math:`H` the Hessian of :math:`L`, while the plain flow is off by
:math:`O(\eta)` (both over a fixed stretch of time :math:`t = k\eta`). The
extra term penalises steep places: gradient descent *implicitly* prefers
flatter regions.

The toy of chapter 6 is the loss of a two-weight linear chain fitted to one
point, :math:`L(a, b) = \frac12 (ab - 1)^2` (:func:`product_loss`,
:func:`product_gradient`, :func:`product_hessian`). Its minima form the
hyperbola :math:`ab = 1`, flattest at :math:`a = b = 1` (the curvature across
the valley is :math:`a^2 + b^2`). The gradient flow keeps :math:`a^2 - b^2`
constant, so it lands wherever its start dictates; each gradient-descent step
multiplies :math:`a^2 - b^2` by :math:`1 - \eta^2 (ab - 1)^2`, so descent lands
on a more balanced, flatter minimum. :func:`descent` runs gradient descent,
:func:`flow` integrates a flow with the classical Runge-Kutta method and
:func:`modified_field` gives the modified loss's field for any loss.

Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "descent",
    "flow",
    "modified_field",
    "product_gradient",
    "product_hessian",
    "product_loss",
]

Field = Callable[[np.ndarray], np.ndarray]


def _point(theta: ArrayLike) -> np.ndarray:
    t = np.asarray(theta, dtype=np.float64)
    if t.shape[-1:] != (2,):
        raise ValueError(f"theta must end in an axis of 2, got {t.shape}")
    return t


def product_loss(theta: ArrayLike) -> np.ndarray:
    r""":math:`L(a, b) = \frac12 (ab - 1)^2` for ``theta = (..., [a, b])``.

    Example:
        >>> float(product_loss([2.0, 1.0]))
        0.5
    """
    t = _point(theta)
    return 0.5 * (t[..., 0] * t[..., 1] - 1) ** 2


def product_gradient(theta: ArrayLike) -> np.ndarray:
    r"""The gradient :math:`(ab - 1)\,(b, a)` of :func:`product_loss`.

    Example:
        >>> product_gradient([2.0, 1.0]).tolist()
        [1.0, 2.0]
    """
    t = _point(theta)
    g = t[..., 0] * t[..., 1] - 1
    return np.stack([g * t[..., 1], g * t[..., 0]], axis=-1)


def product_hessian(theta: ArrayLike) -> np.ndarray:
    r"""The Hessian of :func:`product_loss`:
    :math:`\begin{pmatrix} b^2 & 2ab - 1 \\ 2ab - 1 & a^2\end{pmatrix}`.

    Example:
        >>> product_hessian([2.0, 1.0]).tolist()
        [[1.0, 3.0], [3.0, 4.0]]
    """
    t = _point(theta)
    a, b = t[..., 0], t[..., 1]
    off = 2 * a * b - 1
    return np.stack(
        [np.stack([b * b, off], -1), np.stack([off, a * a], -1)], -2
    )


def _check(
    learning_rate: float, steps: int, name: str = "learning_rate"
) -> tuple[float, int]:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"steps must be an int, got {type(steps).__name__}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    lr = float(learning_rate)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {lr}")
    return lr, int(steps)


def descent(
    gradient: Field, start: ArrayLike, learning_rate: float, steps: int
) -> np.ndarray:
    r"""Gradient descent: :math:`\theta_{k+1} = \theta_k - \eta\nabla
    L(\theta_k)`.

    Args:
        gradient: the gradient of the loss, a function of a point.
        start: the first point.
        learning_rate: :math:`\eta > 0`.
        steps: the number of steps, >= 1.

    Returns:
        The path, shape ``(steps + 1, d)``; row 0 is the start.

    Raises:
        TypeError: if ``steps`` is not an int.
        ValueError: if ``steps < 1`` or ``learning_rate`` is not > 0.

    Example:
        >>> descent(lambda t: t, [1.0], 0.5, 2).ravel().tolist()
        [1.0, 0.5, 0.25]
    """
    lr, n = _check(learning_rate, steps)
    path = [np.asarray(start, dtype=np.float64)]
    for _ in range(n):
        path.append(path[-1] - lr * gradient(path[-1]))
    return np.array(path)


def flow(field: Field, start: ArrayLike, step: float, steps: int) -> np.ndarray:
    r"""Integrate :math:`\dot\theta = \mathrm{field}(\theta)` with the
    classical fourth-order Runge-Kutta method.

    Args:
        field: the velocity, a function of a point (e.g. the negative
            gradient).
        start: the first point.
        step: the time step, > 0.
        steps: the number of steps, >= 1.

    Returns:
        The path at times ``0, step, ..., steps * step``, shape
        ``(steps + 1, d)``.

    Raises:
        TypeError: if ``steps`` is not an int.
        ValueError: if ``steps < 1`` or ``step`` is not > 0.

    Example:
        >>> path = flow(lambda t: -t, [1.0], 0.1, 10)
        >>> round(float(path[-1, 0]), 5), round(float(np.exp(-1)), 5)
        (0.36788, 0.36788)
    """
    h, n = _check(step, steps, "step")
    path = [np.asarray(start, dtype=np.float64)]
    for _ in range(n):
        y = path[-1]
        k1 = field(y)
        k2 = field(y + h / 2 * k1)
        k3 = field(y + h / 2 * k2)
        k4 = field(y + h * k3)
        path.append(y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
    return np.array(path)


def modified_field(
    gradient: Field, hessian: Callable[[np.ndarray], np.ndarray], eta: float
) -> Field:
    r"""The field :math:`-\nabla L - \frac\eta2 H\nabla L` of the modified
    loss :math:`L + \frac\eta4\lVert\nabla L\rVert^2`.

    Args:
        gradient: the gradient of :math:`L`.
        hessian: the Hessian of :math:`L`.
        eta: the learning rate :math:`\eta \ge 0` (0 gives the plain
            gradient flow).

    Returns:
        The field, a function of a point.

    Raises:
        ValueError: if ``eta`` is negative or not finite.

    Example:
        >>> field = modified_field(product_gradient, product_hessian, 0.1)
        >>> field(np.array([2.0, 1.0])).round(2).tolist()
        [-1.35, -2.55]
    """
    eta = float(eta)
    if not np.isfinite(eta) or eta < 0:
        raise ValueError(f"eta must be finite and >= 0, got {eta}")

    def field(theta: np.ndarray) -> np.ndarray:
        g = gradient(theta)
        return -g - eta / 2 * hessian(theta) @ g

    return field
