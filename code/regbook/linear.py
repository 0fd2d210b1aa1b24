r"""Linear least squares in closed form: early stopping, ridge and noisy
inputs.

Chapter 5 shows that two defences that look nothing like a penalty act like
one on a linear model trained on the mean squared error, Keras'
``loss="mse"``,

.. math::

    J(w) = \frac1n \lVert y - Xw\rVert^2 ,

whose curvature is :math:`H = X^\top X / n` (the Hessian is :math:`2H`).
Write :math:`H = \sum_i h_i q_i q_i^\top` with eigenvalues :math:`h_i`
(*curvatures*) and eigenvectors :math:`q_i` (:func:`eigen_directions`), and
:math:`\hat w` for the least-squares solution. Then

* **ridge**, the minimiser of :math:`J(w) + f\lVert w\rVert^2` (Keras'
  ``L2(f)``), keeps the share :math:`h_i / (h_i + f)` of :math:`\hat w` along
  each :math:`q_i` (:func:`ridge_shrinkage`, :func:`ridge_path`);
* **gradient descent** from :math:`w = 0` with learning rate :math:`\eta`
  keeps the share :math:`1 - (1 - 2\eta h_i)^t` after :math:`t` steps
  (:func:`descent_shrinkage`, :func:`descent_path`).

Both shrink flat directions (small :math:`h_i`) most; the two shares agree
roughly when :math:`1/f = 2\eta t`, so stopping after :math:`t` steps acts
like ``L2(f)`` with :math:`f \approx 1/(2\eta t)` (:func:`stopping_factor`;
in the textbook convention :math:`\lambda = 2f` of chapter 3 this is
:math:`\lambda \approx 1/(\eta t)`, the form in :cite:t:`goodfellow2016deep`,
section 7.8).

For **inputs with Gaussian noise** of variance :math:`\sigma^2` the expected
loss is :math:`J(w) + \sigma^2\lVert w\rVert^2` :cite:p:`bishop1995training`:
ridge with ``L2(sigma**2)``. Stochastic gradient descent on noisy inputs never
settles on that minimiser; it jitters around it. :func:`sgd_jitter` gives the
size of that jitter, from the Hessian of the expected loss
(:func:`noisy_input_hessian`) and the covariance of one step's gradient
(:func:`noisy_input_gradient_covariance`), so that a notebook can check a
trained model against the closed form with a tolerance that the noise
justifies.

Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from regbook.penalties import _factor as _nonnegative  # finite, >= 0

__all__ = [
    "descent_path",
    "descent_shrinkage",
    "eigen_directions",
    "noisy_input_gradient_covariance",
    "noisy_input_hessian",
    "ridge_path",
    "ridge_shrinkage",
    "sgd_jitter",
    "stopping_factor",
]


def _matrix(value: ArrayLike, name: str) -> np.ndarray:
    """A 2-D float64 array with at least one row, or a clear error."""
    a = np.asarray(value)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (n, d) with n >= 1, got shape {a.shape}"
        )
    return a.astype(np.float64)


def _targets(y: ArrayLike, n: int) -> np.ndarray:
    """Targets of shape (n,) or (n, 1) as a float64 vector."""
    a = np.asarray(y)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"y must be a numeric array, got dtype {a.dtype}")
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.shape != (n,):
        raise ValueError(
            f"y must have shape ({n},) or ({n}, 1) like the rows of x, got "
            f"shape {a.shape}"
        )
    return a.astype(np.float64)


def _positive(value: object, name: str) -> float:
    """A finite float > 0, or a clear error naming the argument."""
    v = _nonnegative(value, name)
    if v == 0:
        raise ValueError(f"{name} must be > 0, got {v}")
    return v


def _steps(steps: ArrayLike) -> np.ndarray:
    """Step counts: integers >= 0."""
    a = np.asarray(steps)
    if a.dtype.kind not in "iu":
        raise TypeError(f"steps must be integers, got dtype {a.dtype}")
    if np.any(a < 0):
        raise ValueError(f"steps must be >= 0, got {a.min()}")
    return a


def _curvature(curvature: ArrayLike) -> np.ndarray:
    a = np.asarray(curvature)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"curvature must be real numbers, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("curvature must hold finite numbers >= 0")
    return a


def eigen_directions(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""The curvatures and eigen-directions of the mean squared error of a
    linear model.

    Args:
        x: Inputs, shape ``(n, d)``.

    Returns:
        ``(h, q)``: the eigenvalues :math:`h_i` of :math:`H = X^\top X / n`,
        largest first, shape ``(d,)``, and the matching unit eigenvectors as
        the columns of ``q``, shape ``(d, d)``.

    Example:
        >>> h, q = eigen_directions([[2.0, 0.0], [0.0, 1.0]])
        >>> h.tolist(), np.abs(q).tolist()
        ([2.0, 0.5], [[1.0, 0.0], [0.0, 1.0]])
    """
    x = _matrix(x, "x")
    h, q = np.linalg.eigh(x.T @ x / len(x))
    order = np.argsort(h)[::-1]
    return np.clip(h[order], 0.0, None), q[:, order]


def ridge_shrinkage(curvature: ArrayLike, factor: float) -> np.ndarray:
    r"""The share :math:`h / (h + f)` of the least-squares weights that
    ``L2(factor)`` keeps along a direction of curvature :math:`h`.

    Args:
        curvature: One or more curvatures :math:`h \ge 0`.
        factor: Keras' L2 factor :math:`f \ge 0`.

    Returns:
        An array shaped like ``curvature`` (1 where :math:`h = f = 0`: no
        penalty keeps everything).

    Example:
        >>> ridge_shrinkage([1.0, 0.1], 0.1).round(3).tolist()
        [0.909, 0.5]
    """
    h = _curvature(curvature)
    f = _nonnegative(factor, "factor")
    if f == 0:
        return np.ones_like(h)
    return h / (h + f)


def descent_shrinkage(
    curvature: ArrayLike, learning_rate: float, steps: ArrayLike
) -> np.ndarray:
    r"""The share :math:`1 - (1 - 2\eta h)^t` of the least-squares weights that
    gradient descent from zero has reached after :math:`t` steps.

    One step on the mean squared error is :math:`w \leftarrow w - 2\eta
    (Hw - X^\top y / n)`, so along a direction of curvature :math:`h` the
    distance to the least-squares weights shrinks by the factor
    :math:`1 - 2\eta h` per step.

    Args:
        curvature: One or more curvatures :math:`h \ge 0`.
        learning_rate: The step size :math:`\eta > 0`.
        steps: One or more step counts :math:`t \ge 0`.

    Returns:
        The shares, broadcast over ``curvature`` and ``steps``.

    Example:
        >>> descent_shrinkage(1.0, 0.25, [0, 1, 2]).tolist()
        [0.0, 0.5, 0.75]
    """
    h = _curvature(curvature)
    eta = _positive(learning_rate, "learning_rate")
    t = _steps(steps)
    return 1.0 - (1.0 - 2.0 * eta * h) ** t


def stopping_factor(learning_rate: float, steps: ArrayLike) -> np.ndarray:
    r"""The L2 factor :math:`f = 1/(2\eta t)` that early stopping after
    :math:`t` steps of gradient descent roughly stands for.

    It equates the two shares along each direction to first order in
    :math:`\eta h` and :math:`h/f` :cite:p:`goodfellow2016deep` (section 7.8,
    there with :math:`\lambda = 2f`): with :math:`s = 2\eta t h` gradient
    descent keeps about :math:`1 - e^{-s}` and ridge :math:`s / (1 + s)`.

    Args:
        learning_rate: The step size :math:`\eta > 0`.
        steps: Step counts :math:`t \ge 1`.

    Returns:
        Keras' L2 factor for each step count.

    Example:
        >>> stopping_factor(0.1, [5, 50]).tolist()
        [1.0, 0.1]
    """
    eta = _positive(learning_rate, "learning_rate")
    t = _steps(steps)
    if np.any(t == 0):
        raise ValueError("steps must be >= 1: no step is no penalty at all")
    return 1.0 / (2.0 * eta * t)


def _least_squares_coordinates(
    x: ArrayLike, y: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Curvatures h, eigenvectors q and c = q^T X^T y / n."""
    x = _matrix(x, "x")
    y = _targets(y, len(x))
    h, q = eigen_directions(x)
    return h, q, q.T @ (x.T @ y) / len(x)


def ridge_path(x: ArrayLike, y: ArrayLike, factors: ArrayLike) -> np.ndarray:
    r"""The minimisers of :math:`\frac1n\lVert y - Xw\rVert^2 + f\lVert w
    \rVert^2` for several factors :math:`f`, in closed form (no intercept).

    Along each eigen-direction the ridge weight is :math:`c_i / (h_i + f)`
    with :math:`c = q^\top X^\top y / n`.

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Targets, shape ``(n,)`` or ``(n, 1)``.
        factors: Keras' L2 factors :math:`f \ge 0`, shape ``(k,)``;
            ``f = 0`` needs inputs that are not collinear.

    Returns:
        The weights, shape ``(k, d)``: one row per factor.

    Raises:
        ValueError: For mismatched shapes, a negative factor, or ``f = 0``
            with collinear inputs.

    Example:
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> ridge_path(x, [1.0, 1.0], [0.0, 0.5]).tolist()
        [[1.0, 1.0], [0.5, 0.5]]
    """
    h, q, c = _least_squares_coordinates(x, y)
    f = np.asarray(factors, dtype=np.float64).reshape(-1)
    for value in f:
        _nonnegative(value, "factors")
    denominator = h[None, :] + f[:, None]
    if np.any(denominator == 0):
        raise ValueError(
            "factors holds 0 but the inputs are collinear: the least-squares "
            "weights are not unique"
        )
    return (c[None, :] / denominator) @ q.T


def descent_path(
    x: ArrayLike, y: ArrayLike, learning_rate: float, steps: ArrayLike
) -> np.ndarray:
    r"""The weights of gradient descent on :math:`\frac1n\lVert y - Xw
    \rVert^2` from :math:`w = 0` after each number of steps, in closed form.

    Along each eigen-direction the weight after :math:`t` steps is
    :math:`c_i \bigl(1 - (1 - 2\eta h_i)^t\bigr) / h_i` (and :math:`2\eta t
    c_i` where :math:`h_i = 0`), with :math:`c = q^\top X^\top y / n`.

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Targets, shape ``(n,)`` or ``(n, 1)``.
        learning_rate: The step size :math:`\eta > 0`.
        steps: Step counts :math:`t \ge 0`, shape ``(k,)``.

    Returns:
        The weights, shape ``(k, d)``: one row per step count.

    Example:
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> descent_path(x, [1.0, 1.0], 0.5, [0, 1, 2]).tolist()
        [[0.0, 0.0], [0.5, 0.5], [0.75, 0.75]]
    """
    h, q, c = _least_squares_coordinates(x, y)
    eta = _positive(learning_rate, "learning_rate")
    t = _steps(steps).reshape(-1)[:, None]
    flat = h == 0
    safe = np.where(flat, 1.0, h)
    a = 2.0 * eta * h
    # 1 - (1 - a)^t, without cancellation where a is tiny: for 0 <= a < 1 as
    # -expm1(t log1p(-a)); otherwise (a step that overshoots) as written.
    below = a < 1.0
    gone = np.where(
        below,
        -np.expm1(t * np.log1p(-np.where(below, a, 0.0))),
        1.0 - (1.0 - a) ** t,
    )
    moved = np.where(flat, 2.0 * eta * t * c, c * gone / safe)
    return moved @ q.T


def noisy_input_hessian(x: ArrayLike, noise: float) -> np.ndarray:
    r"""The Hessian of the expected mean squared error of ``Dense(1)`` on
    inputs with Gaussian noise, in the parameters (kernel, bias).

    The expected loss is :math:`\frac1n\lVert y - Xw - b\rVert^2 + \sigma^2
    \lVert w\rVert^2`; with :math:`A = [X\ \mathbf 1]` its Hessian is
    :math:`\frac2n A^\top A + 2\sigma^2 \operatorname{diag}(1, \dots, 1, 0)`.

    Args:
        x: Inputs, shape ``(n, d)``.
        noise: The noise's standard deviation :math:`\sigma \ge 0`.

    Returns:
        Shape ``(d + 1, d + 1)``; the last row and column belong to the bias.

    Example:
        >>> noisy_input_hessian([[1.0], [-1.0]], noise=0.5).tolist()
        [[2.5, 0.0], [0.0, 2.0]]
    """
    x = _matrix(x, "x")
    sigma = _nonnegative(noise, "noise")
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    penalty = np.full(d + 1, sigma**2)
    penalty[-1] = 0.0
    return 2.0 * (a.T @ a / n + np.diag(penalty))


def noisy_input_gradient_covariance(
    x: ArrayLike,
    y: ArrayLike,
    kernel: ArrayLike,
    bias: float,
    noise: float,
) -> np.ndarray:
    r"""The covariance of one gradient of ``Dense(1)``'s mean squared error on
    one noisy copy of the data, in the parameters (kernel, bias).

    Each row's input is :math:`\tilde x = x + \varepsilon` with
    :math:`\varepsilon \sim N(0, \sigma^2 I)`, its residual :math:`e = \tilde
    x^\top w + b - y` and the gradient :math:`\frac2n \sum_r e_r (\tilde x_r,
    1)`. With :math:`r_0 = x^\top w + b - y` the moments are exact (Gaussian
    moments up to the fourth): :math:`E[e\tilde x] = r_0 x + \sigma^2 w`,
    :math:`E[e^2] = r_0^2 + \sigma^2\lVert w\rVert^2`, :math:`E[e^2 \tilde x]
    = E[e^2] x + 2 r_0 \sigma^2 w` and :math:`E[e^2 \tilde x \tilde x^\top] =
    E[e^2] x x^\top + 2 r_0 \sigma^2 (w x^\top + x w^\top) + \sigma^2 r_0^2 I
    + \sigma^4 (\lVert w\rVert^2 I + 2 w w^\top)`. A batch of :math:`R` noisy
    copies has :math:`1/R` of this covariance.

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Targets, shape ``(n,)`` or ``(n, 1)``.
        kernel: The weights :math:`w`, shape ``(d,)`` or ``(d, 1)``.
        bias: The bias :math:`b`.
        noise: The noise's standard deviation :math:`\sigma \ge 0`.

    Returns:
        Shape ``(d + 1, d + 1)``; the last row and column belong to the bias.

    Example:
        >>> noisy_input_gradient_covariance([[1.0]], [0.0], [1.0], 0.0, 1.0)
        array([[24.,  8.],
               [ 8.,  4.]])
    """
    x = _matrix(x, "x")
    n, d = x.shape
    y = _targets(y, n)
    w = np.asarray(kernel, dtype=np.float64).reshape(-1)
    if w.shape != (d,):
        raise ValueError(
            f"kernel must hold d = {d} weights like the columns of x, got "
            f"shape {np.shape(kernel)}"
        )
    b = float(bias)
    s2 = _nonnegative(noise, "noise") ** 2
    r0 = x @ w + b - y  # (n,)
    e2 = r0**2 + s2 * (w @ w)  # E[e^2] per row
    mean_x = r0[:, None] * x + s2 * w[None, :]  # E[e x~] per row
    # Second moments summed over the rows.
    xx = (
        np.einsum("r,ri,rj->ij", e2, x, x)
        + 2 * s2 * (np.outer(w, r0 @ x) + np.outer(r0 @ x, w))
        + (s2 * (r0 @ r0) + n * s2**2 * (w @ w)) * np.eye(d)
        + 2 * n * s2**2 * np.outer(w, w)
    )
    xb = e2 @ x + 2 * s2 * r0.sum() * w
    bb = e2.sum()
    second = np.empty((d + 1, d + 1))
    second[:d, :d], second[:d, d], second[d, :d], second[d, d] = xx, xb, xb, bb
    first = np.hstack([mean_x, r0[:, None]])  # E[e (x~, 1)] per row
    return 4.0 / n**2 * (second - first.T @ first)


def sgd_jitter(
    hessian: ArrayLike, gradient_covariance: ArrayLike, learning_rate: float
) -> np.ndarray:
    r"""The covariance of the weights of constant-step SGD around the minimum
    of a quadratic, once the start is forgotten.

    Near the minimum :math:`\theta^*` one step is :math:`\theta \leftarrow
    \theta - \eta\bigl(A(\theta - \theta^*) + \xi\bigr)` with noise
    :math:`\xi` of covariance :math:`S`, so the stationary covariance solves
    :math:`\Sigma = (I - \eta A)\Sigma(I - \eta A) + \eta^2 S`. In the
    eigenbasis of :math:`A` (eigenvalues :math:`a_i`) it is :math:`\eta^2
    S_{ij} / \bigl(1 - (1 - \eta a_i)(1 - \eta a_j)\bigr)`.

    Args:
        hessian: The symmetric Hessian :math:`A`, shape ``(p, p)``.
        gradient_covariance: The covariance :math:`S` of one step's
            gradient, shape ``(p, p)``.
        learning_rate: The step size :math:`\eta > 0`; every
            :math:`\eta a_i` must lie in :math:`(0, 2)` (a stable step).

    Returns:
        :math:`\Sigma`, shape ``(p, p)``.

    Example:
        >>> sgd_jitter([[1.0]], [[1.0]], 0.5).round(6).tolist()
        [[0.333333]]
    """
    a = _matrix(hessian, "hessian")
    s = _matrix(gradient_covariance, "gradient_covariance")
    if a.shape[0] != a.shape[1] or s.shape != a.shape:
        raise ValueError(
            "hessian and gradient_covariance must be square and of one shape, "
            f"got {a.shape} and {s.shape}"
        )
    eta = _positive(learning_rate, "learning_rate")
    eigenvalues, q = np.linalg.eigh((a + a.T) / 2)
    decay = 1.0 - eta * eigenvalues
    if np.any(np.abs(decay) >= 1.0):
        raise ValueError(
            f"learning_rate {eta:g} is not a stable step for this hessian: "
            "learning_rate times every eigenvalue must lie in (0, 2)"
        )
    s_eigen = q.T @ ((s + s.T) / 2) @ q
    sigma = eta**2 * s_eigen / (1.0 - np.outer(decay, decay))
    return q @ sigma @ q.T
