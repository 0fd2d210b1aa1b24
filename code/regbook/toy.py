r"""Toy data: a few noisy points from a known curve, and polynomials fitted to
them.

The first chapter fits polynomials of growing degree to a handful of points
drawn from :math:`\sin(2\pi x)` plus Gaussian noise, the classic picture of
over-fitting :cite:p:`bishop2006pattern`. A polynomial of degree :math:`d` is a
linear model on the features :math:`1, x, x^2, \dots, x^d`; its coefficients
:math:`w` minimise the squared error :math:`\sum_i \bigl(y_i - \sum_k w_k
x_i^k\bigr)^2`, which :func:`fit_polynomial` solves by least squares.

The cure the book is about has its simplest form here. :func:`ridge_fit`
minimises the squared error plus :math:`\lambda \sum_{k \ge 1} w_k^2`, a
penalty on every coefficient but the constant term's (ridge regression; the
intercept only shifts the curve, as a network's biases do, and is left out as
chapter 2 leaves the biases out). :func:`min_norm_fit` is its limit as
:math:`\lambda \to 0`: among all the coefficient vectors that fit the points
best it picks the one with the smallest :math:`\sum_{k \ge 1} w_k^2`, which
matters past the interpolation threshold, where infinitely many polynomials pass
through every point. :func:`legendre_design` writes a polynomial in Legendre
polynomials instead of powers of :math:`x`, a basis in which "small
coefficients" means a tame curve.

Coefficients are always ordered from the constant term up (``w[k]`` multiplies
``x**k``, or the Legendre polynomial :math:`P_k`), as in
:mod:`numpy.polynomial`. This module needs only NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "fit_polynomial",
    "legendre_design",
    "min_norm_fit",
    "noisy_sample",
    "polynomial_design",
    "polynomial_values",
    "ridge_fit",
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


def legendre_design(
    x: Any, degree: int, *, low: float = 0.0, high: float = 1.0
) -> np.ndarray:
    r"""The features of a polynomial written in Legendre polynomials: the
    columns :math:`P_0(t), P_1(t), \dots, P_{\mathrm{degree}}(t)` at
    :math:`t = 2(x - \mathrm{low}) / (\mathrm{high} - \mathrm{low}) - 1`.

    The map sends ``[low, high]`` onto ``[-1, 1]``, where the Legendre
    polynomials are orthogonal and each stays between -1 and 1 (:math:`P_0 = 1`,
    :math:`P_1 = t`, :math:`P_2 = (3t^2 - 1)/2`, ...). Every polynomial of
    degree ``degree`` is a combination of these columns, as it is of the powers
    :func:`polynomial_design` gives; but on the interval the powers of high
    degree look alike, and the Legendre polynomials do not, so in this basis
    small coefficients make a tame curve.

    Args:
        x: 1-D array of inputs (they may lie outside ``[low, high]``).
        degree: Highest degree, ``>= 0``.
        low: The input mapped to -1.
        high: The input mapped to 1, above ``low``.

    Returns:
        A float64 array of shape ``(len(x), degree + 1)``; column 0 is all
        ones.

    Raises:
        TypeError, ValueError: For a bad ``x`` or ``degree``, or ``low >=
            high``.

    Example:
        >>> legendre_design([0.0, 0.5, 1.0], 2)
        array([[ 1. , -1. ,  1. ],
               [ 1. ,  0. , -0.5],
               [ 1. ,  1. ,  1. ]])
    """
    x = _check_vector(x, "x")
    degree = _check_int(degree, "degree", 0)
    low, high = _check_real(low, "low"), _check_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be below high, got low={low}, high={high}")
    t = 2.0 * (x - low) / (high - low) - 1.0
    return np.polynomial.legendre.legvander(t, degree)


def _check_design(design: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """A finite 2-D design whose column 0 is not all zeros, and a ``y`` with
    one value per row; or a clear error naming the argument."""
    try:
        design = np.asarray(design, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("design must be a 2-D array of real numbers") from None
    if design.ndim != 2:
        raise ValueError(
            "design must be 2-D (one row per point, one column per "
            f"coefficient), got shape {design.shape}"
        )
    if not np.all(np.isfinite(design)):
        raise ValueError("design must hold finite numbers (no NaN or inf)")
    y = _check_vector(y, "y")
    if design.shape[0] != y.size:
        raise ValueError(
            f"design has {design.shape[0]} rows but y has {y.size} values: "
            "give one row per point"
        )
    if design.shape[0] == 0 or design.shape[1] == 0:
        raise ValueError(
            f"design must have at least one row and one column, got shape "
            f"{design.shape}"
        )
    if not np.any(design[:, 0]):
        raise ValueError(
            "design's column 0 (the constant term's, left out of the "
            "penalty) must not be all zeros"
        )
    return design, y


def min_norm_fit(design: Any, y: Any) -> np.ndarray:
    r"""Least squares with the smallest coefficients: the limit of
    :func:`ridge_fit` as :math:`\lambda \to 0`.

    Among all the coefficient vectors :math:`w` that minimise the squared error
    :math:`\lVert y - Xw \rVert^2`, returns the one with the smallest
    :math:`\sum_{k \ge 1} w_k^2`; the coefficient of column 0 (the constant
    term's) is free, as in :func:`ridge_fit`. With fewer coefficients than
    points (and independent columns) there is one least-squares solution and
    this is it, the same as :func:`fit_polynomial` gives. With as many or more
    coefficients than points, infinitely many fit every point exactly; this is
    the one with the smallest norm, which is why the minimum norm acts as an
    L2 penalty that nobody wrote down.

    It projects the data onto the complement of column 0 :math:`c`, with
    :math:`P = I - cc^\top / c^\top c`, takes the minimum-norm least-squares
    solution of :math:`PX_{1:}\,w_{1:} = Py` (``numpy.linalg.lstsq``, through
    the singular value decomposition) and then the best constant term,
    :math:`w_0 = c^\top (y - X_{1:} w_{1:}) / c^\top c`.

    Args:
        design: The features, shape ``(n, p)``: one row per point, column 0
            the constant term's (all ones in :func:`polynomial_design` and
            :func:`legendre_design`), not all zeros.
        y: 1-D array of ``n`` targets.

    Returns:
        The ``p`` coefficients.

    Raises:
        TypeError, ValueError: For a design that is not a finite 2-D array with
            a row per target and a column 0 that is not all zeros, or a bad
            ``y``.

    Example:
        Two points, three coefficients: the intercept is free, and of the
        lines ``3 a + 4 b = 25`` through them the shortest ``(a, b)`` is
        ``(3, 4)``:

        >>> w = min_norm_fit([[1.0, 0.0, 0.0], [1.0, 3.0, 4.0]], [0.0, 25.0])
        >>> w.round(12) + 0.0
        array([0., 3., 4.])
    """
    design, y = _check_design(design, y)
    constant, rest = design[:, 0], design[:, 1:]
    scale = constant @ constant
    projected = rest - np.outer(constant, constant @ rest) / scale
    target = y - constant * (constant @ y) / scale
    w_rest, *_ = np.linalg.lstsq(projected, target, rcond=None)
    w_0 = constant @ (y - rest @ w_rest) / scale
    return np.concatenate(([w_0], w_rest))


def ridge_fit(design: Any, y: Any, lam: float) -> np.ndarray:
    r"""Ridge regression that leaves the constant term alone: the coefficients
    minimising :math:`\lVert y - Xw \rVert^2 + \lambda \sum_{k \ge 1} w_k^2`.

    The error is summed over the points, not averaged (as in chapter 1's
    formula; divide ``lam`` by the number of points for a mean), and the
    coefficient of column 0, the constant term's, is not penalised: it only
    shifts the curve up or down, as a network's bias shifts a unit's
    threshold. For ``lam > 0`` the solution is unique for any number of
    coefficients,

    .. math::

        w = (X^\top X + \lambda D)^{-1} X^\top y, \qquad
        D = \operatorname{diag}(0, 1, \dots, 1),

    computed stably as the least-squares solution of :math:`X` stacked on
    :math:`\sqrt{\lambda}\,D` against :math:`y` stacked on zeros. For ``lam =
    0`` it is :func:`min_norm_fit`, the limit of this solution as
    :math:`\lambda \to 0`.

    Args:
        design: The features, shape ``(n, p)``, column 0 the constant term's
            (see :func:`min_norm_fit`).
        y: 1-D array of ``n`` targets.
        lam: The penalty factor :math:`\lambda \ge 0`.

    Returns:
        The ``p`` coefficients.

    Raises:
        TypeError, ValueError: For a bad design or ``y`` (see
            :func:`min_norm_fit`), or a ``lam`` that is not a finite real
            number ``>= 0``.

    Example:
        The line through ``(0, 1), (1, 2), (2, 4)`` with its slope penalised
        by ``lam = 1``: the normal equations ``3 a + 3 b = 7`` and ``3 a + 6 b
        = 10`` give the intercept ``a = 4/3`` and the slope ``b = 1`` (1.5
        without the penalty):

        >>> ridge_fit(polynomial_design([0.0, 1.0, 2.0], 1), [1, 2, 4], 1.0)
        array([1.33333333, 1.        ])
    """
    design, y = _check_design(design, y)
    lam = _check_real(lam, "lam")
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    if lam == 0:
        return min_norm_fit(design, y)
    p = design.shape[1]
    stacked = np.vstack((design, np.sqrt(lam) * np.eye(p)[1:]))
    target = np.concatenate((y, np.zeros(p - 1)))
    coefficients, *_ = np.linalg.lstsq(stacked, target, rcond=None)
    return coefficients
