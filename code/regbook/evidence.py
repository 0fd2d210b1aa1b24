r"""The evidence of a ridge model: choosing its factor without validation data.

Ridge regression is the most probable weights of a Bayesian linear model
:cite:p:`mackay1992bayesian,bishop2006pattern`: targets
:math:`y = Xw + \varepsilon` with Gaussian noise of precision :math:`\beta`
(variance :math:`\sigma^2 = 1/\beta`) and a Gaussian prior
:math:`w \sim \mathcal N(0, \alpha^{-1} I)` (variance
:math:`\sigma_p^2 = 1/\alpha`). The posterior mean minimises
:math:`\lVert y - Xw\rVert^2 + \lambda\lVert w\rVert^2` with
:math:`\lambda = \alpha/\beta = \sigma^2/\sigma_p^2`. The *evidence* (marginal
likelihood) is the probability of the targets with the weights integrated out,
:math:`y \sim \mathcal N(0, \beta^{-1} I + \alpha^{-1} X X^\top)`; in closed
form (Bishop's PRML, equation 3.86)

.. math::

    \ln p(y \mid \alpha, \beta) = \frac M2 \ln\alpha + \frac N2 \ln\beta
    - E(m) - \frac12 \ln\lvert A\rvert - \frac N2 \ln 2\pi ,

with :math:`A = \alpha I + \beta X^\top X`, the posterior mean
:math:`m = \beta A^{-1} X^\top y` and
:math:`E(m) = \frac\beta2\lVert y - Xm\rVert^2 + \frac\alpha2 \lVert m\rVert^2`
(:func:`log_evidence`). For a fixed ratio :math:`\lambda` the best noise
precision is :math:`\hat\beta = N / S(\lambda)` with
:math:`S = \lVert y - Xm\rVert^2 + \lambda\lVert m\rVert^2`, which leaves a
function of :math:`\lambda` alone (:func:`profile_log_evidence`): its maximum
picks the ridge factor from the training data only.
:func:`effective_parameters` counts the well-determined directions,
:math:`\gamma = \sum_i h_i / (h_i + \lambda)` over the eigenvalues
:math:`h_i` of :math:`X^\top X`.

Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "effective_parameters",
    "log_evidence",
    "profile_log_evidence",
]


def _problem(design: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(design, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"design must be a non-empty 2-D array: {x.shape}")
    if t.shape != (x.shape[0],):
        raise ValueError(
            f"y must have shape ({x.shape[0]},) to match design, got {t.shape}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t))):
        raise ValueError("design and y must be finite")
    return x, t


def _positive(value: ArrayLike, name: str) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return v


def _eigen(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues h of X^T X and the coordinates of X^T y along them."""
    h, q = np.linalg.eigh(x.T @ x)
    return np.clip(h, 0.0, None), q.T @ (x.T @ y)


def log_evidence(
    design: ArrayLike, y: ArrayLike, alpha: ArrayLike, beta: ArrayLike
) -> np.ndarray:
    r"""The log evidence :math:`\ln p(y \mid \alpha, \beta)` in closed form.

    Args:
        design: the inputs :math:`X`, shape ``(N, M)``.
        y: the targets, shape ``(N,)``.
        alpha: the prior precision(s), > 0 (any shape that broadcasts with
            ``beta``).
        beta: the noise precision(s), > 0.

    Returns:
        The log evidence, with the broadcast shape of ``alpha`` and ``beta``.

    Raises:
        ValueError: for a design and targets that do not match or are not
            finite, or an ``alpha`` or ``beta`` that is not finite and > 0.

    Example:
        >>> float(log_evidence([[1.0]], [0.0], 1.0, 1.0).round(4))
        -1.2655
    """
    x, t = _problem(design, y)
    a, b = np.broadcast_arrays(
        _positive(alpha, "alpha"), _positive(beta, "beta")
    )
    n, m = x.shape
    h, u = _eigen(x, t)
    a_, b_ = a[..., None], b[..., None]
    # posterior mean along each eigen-direction: beta u_i / (alpha + beta h_i)
    mean = b_ * u / (a_ + b_ * h)
    fit = t @ t - 2 * np.sum(mean * u, -1) + np.sum(mean**2 * h, -1)
    energy = b / 2 * fit + a / 2 * np.sum(mean**2, -1)
    log_det = np.sum(np.log(a_ + b_ * h), -1)
    return (
        m / 2 * np.log(a)
        + n / 2 * np.log(b)
        - energy
        - log_det / 2
        - n / 2 * np.log(2 * np.pi)
    )


def profile_log_evidence(
    design: ArrayLike, y: ArrayLike, lam: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    r"""The log evidence at :math:`\alpha = \lambda\beta`, maximised over
    :math:`\beta`.

    Args:
        design: the inputs :math:`X`, shape ``(N, M)``.
        y: the targets, shape ``(N,)``.
        lam: the ridge factor(s) :math:`\lambda = \alpha/\beta > 0` (for the
            summed squared error, as in :func:`regbook.toy.ridge_fit`).

    Returns:
        ``(log_evidence, beta)``: the maximised log evidence and the noise
        precision :math:`\hat\beta = N / S(\lambda)` that reaches it, each of
        the shape of ``lam``.

    Raises:
        ValueError: as :func:`log_evidence`, for ``lam``.

    Example:
        >>> ev, beta = profile_log_evidence([[1.0], [1.0]], [1.0, 3.0], 1.0)
        >>> float(beta.round(4))
        0.4286
    """
    x, t = _problem(design, y)
    lam = _positive(lam, "lam")
    n = x.shape[0]
    h, u = _eigen(x, t)
    l_ = lam[..., None]
    mean = u / (h + l_)
    fit = t @ t - 2 * np.sum(mean * u, -1) + np.sum(mean**2 * h, -1)
    total = fit + lam * np.sum(mean**2, -1)
    beta = n / total
    return log_evidence(x, t, lam * beta, beta), beta


def effective_parameters(design: ArrayLike, lam: ArrayLike) -> np.ndarray:
    r"""The number of well-determined parameters,
    :math:`\gamma = \sum_i h_i/(h_i + \lambda)`.

    Args:
        design: the inputs :math:`X`, shape ``(N, M)``.
        lam: the ridge factor(s), > 0.

    Returns:
        :math:`\gamma`, of the shape of ``lam``: between 0 and ``M``.

    Raises:
        ValueError: for a design that is not a finite 2-D array, or a ``lam``
            that is not finite and > 0.

    Example:
        >>> float(effective_parameters([[1.0, 0.0], [0.0, 3.0]], 1.0))
        1.4
    """
    x, _ = _problem(design, np.zeros(np.shape(design)[0]))
    lam = _positive(lam, "lam")
    h = np.clip(np.linalg.eigvalsh(x.T @ x), 0.0, None)
    return np.sum(h / (h + lam[..., None]), -1)
