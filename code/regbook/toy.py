r"""Toy data: a few noisy points from a known curve, and polynomials fitted to
them.

The first chapter fits polynomials of growing degree to a handful of points
drawn from :math:`\sin(2\pi x)` plus Gaussian noise, the classic picture of
over-fitting :cite:p:`bishop2006pattern`. A polynomial of degree :math:`d` is a
linear model on the features :math:`1, x, x^2, \dots, x^d`; its coefficients
:math:`w` minimise the squared error :math:`\sum_i \bigl(y_i - \sum_k w_k
x_i^k\bigr)^2`, which :func:`fit_polynomial` solves by least squares.

Coefficients are always ordered from the constant term up (``w[k]`` multiplies
``x**k``), as in :mod:`numpy.polynomial`. This module needs only NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "fit_polynomial",
    "noisy_sample",
    "polynomial_design",
    "polynomial_values",
    "rmse",
    "sine",
]


def sine(x: Any) -> np.ndarray:
    r"""The curve the toy samples come from: :math:`\sin(2\pi x)`, one period on
    [0, 1]."""
    return np.sin(2.0 * np.pi * np.asarray(x, dtype=np.float64))


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} ({value!r})"
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__}"
        )
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_vector(values: object, name: str) -> np.ndarray:
    """A 1-D, finite float64 array, or a clear error naming the argument."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of real numbers") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf)")
    return array


def noisy_sample(
    n: int,
    *,
    noise: float = 0.3,
    curve: Callable[[np.ndarray], Any] = sine,
    low: float = 0.0,
    high: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` points of a known curve with Gaussian noise: :math:`y = f(x) +
    \varepsilon`.

    The inputs are drawn uniformly from ``[low, high]`` and returned sorted; the
    noise :math:`\varepsilon` is normal with standard deviation ``noise``, so
    ``noise`` is also the smallest root-mean-square error any model can reach on
    new points.

    Args:
        n: Number of points, at least 1.
        noise: Standard deviation of the noise, ``>= 0``.
        curve: The true function, applied to an array of inputs; :func:`sine` by
            default.
        low: Lower end of the input range.
        high: Upper end of the input range, above ``low``.
        seed: Seed of the generator; the same seed gives the same points.

    Returns:
        ``(x, y)``, two float64 arrays of shape ``(n,)``, ``x`` in increasing
        order.

    Raises:
        TypeError: If an argument has the wrong type or ``curve`` is not
            callable.
        ValueError: If ``n < 1``, ``noise < 0``, ``low >= high``, ``seed < 0``,
            or ``curve`` does not return ``n`` finite values.

    Example:
        >>> x, y = noisy_sample(10, seed=1)
        >>> x.shape, bool(np.all(np.diff(x) >= 0))
        ((10,), True)
    """
    n = _check_int(n, "n", 1)
    seed = _check_int(seed, "seed", 0)
    noise = _check_real(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    low, high = _check_real(low, "low"), _check_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be below high, got low={low}, high={high}")
    if not callable(curve):
        raise TypeError(f"curve must be callable, got {type(curve).__name__}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n))
    f = np.asarray(curve(x), dtype=np.float64)
    if f.shape != x.shape or not np.all(np.isfinite(f)):
        raise ValueError(
            f"curve must return one finite value per input (shape {x.shape}), "
            "got shape "
            f"{f.shape}" + ("" if f.shape != x.shape else " with NaN or inf")
        )
    return x, f + noise * rng.standard_normal(n)


def polynomial_design(x: Any, degree: int) -> np.ndarray:
    """The features of a polynomial fit: the columns ``x**0, x**1, ...,
    x**degree``.

    Args:
        x: 1-D array of inputs.
        degree: Highest power, ``>= 0``.

    Returns:
        A float64 array of shape ``(len(x), degree + 1)`` (a Vandermonde
        matrix).

    Raises:
        TypeError, ValueError: For a bad ``x`` or ``degree``.

    Example:
        >>> polynomial_design([2.0, 3.0], 2)
        array([[1., 2., 4.],
               [1., 3., 9.]])
    """
    x = _check_vector(x, "x")
    degree = _check_int(degree, "degree", 0)
    return x[:, None] ** np.arange(degree + 1)


def fit_polynomial(x: Any, y: Any, degree: int) -> np.ndarray:
    """Least-squares coefficients of a polynomial of degree ``degree`` through
    ``(x, y)``.

    Minimises the sum of squared errors on the given points and nothing else:
    with ``degree = len(x) - 1`` the polynomial passes through every point
    exactly.

    Args:
        x: 1-D array of inputs.
        y: 1-D array of targets, as long as ``x``.
        degree: Degree of the polynomial, from 0 to ``len(x) - 1``.

    Returns:
        The ``degree + 1`` coefficients, constant term first.

    Raises:
        TypeError, ValueError: For bad arrays or degree; in particular a degree
            of ``len(x)`` or more, for which the points do not determine the
            polynomial.

    Example:
        >>> fit_polynomial([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], 1).round(6)
        array([1., 2.])
    """
    x, y = _check_vector(x, "x"), _check_vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length, got {x.size} and {y.size}"
        )
    degree = _check_int(degree, "degree", 0)
    if degree >= x.size:
        raise ValueError(
            f"degree must be below the number of points ({x.size}): a "
            "polynomial of "
            f"degree {degree} has {degree + 1} coefficients, which {x.size} "
            "points cannot fix"
        )
    coefficients, *_ = np.linalg.lstsq(
        polynomial_design(x, degree), y, rcond=None
    )
    return coefficients


def polynomial_values(coefficients: Any, x: Any) -> np.ndarray:
    """The polynomial with the given coefficients (constant term first)
    evaluated at ``x``.

    Raises:
        TypeError, ValueError: If either argument is not a finite 1-D array, or
            there are no coefficients.
    """
    coefficients = _check_vector(coefficients, "coefficients")
    if coefficients.size == 0:
        raise ValueError("coefficients must hold at least one value")
    return np.polynomial.polynomial.polyval(_check_vector(x, "x"), coefficients)


def rmse(y_true: Any, y_pred: Any) -> float:
    r"""Root-mean-square error :math:`\sqrt{\tfrac1n \sum_i (y_i - \hat
    y_i)^2}`.

    Raises:
        TypeError, ValueError: If the arrays are not finite, 1-D, non-empty and
            of the same length.
    """
    y_true, y_pred = (
        _check_vector(y_true, "y_true"),
        _check_vector(y_pred, "y_pred"),
    )
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {y_true.size} "
            f"and {y_pred.size}"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred must not be empty")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))
