"""Tests of regbook.toy: noisy samples of a known curve and polynomial fits."""

from __future__ import annotations

import numpy as np
import pytest

from regbook.toy import (
    fit_polynomial,
    noisy_sample,
    polynomial_design,
    polynomial_values,
    rmse,
    sine,
)

# ---------------------------------------------------------------- noisy_sample


def test_sample_shapes_order_and_range():
    x, y = noisy_sample(50, low=-2.0, high=3.0, seed=4)
    assert x.shape == y.shape == (50,)
    assert x.dtype == y.dtype == np.float64
    assert np.all(np.diff(x) >= 0)
    assert x.min() >= -2.0 and x.max() <= 3.0


def test_sample_is_deterministic_and_depends_on_the_seed():
    a, b, c = (
        noisy_sample(20, seed=3),
        noisy_sample(20, seed=3),
        noisy_sample(20, seed=4),
    )
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_sample_without_noise_lies_on_the_curve():
    x, y = noisy_sample(30, noise=0.0, seed=1)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * x))
    x, y = noisy_sample(30, noise=0, curve=lambda t: 3 * t + 1, seed=1)
    np.testing.assert_allclose(y, 3 * x + 1)


def test_sample_noise_has_the_requested_spread():
    x, y = noisy_sample(20_000, noise=0.3, seed=2)
    residual = y - sine(x)
    assert abs(residual.mean()) < 0.01
    assert abs(residual.std() - 0.3) < 0.01


def test_single_point_and_numpy_integers():
    x, _y = noisy_sample(np.int64(1), seed=np.int32(0))
    assert x.shape == (1,)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": -5}, ValueError, "n must be >= 1"),
        ({"n": 2.0}, TypeError, "n must be an int"),
        ({"n": True}, TypeError, "n must be an int"),
        ({"n": "10"}, TypeError, "n must be an int"),
        ({"n": 5, "noise": -0.1}, ValueError, "noise must be >= 0"),
        ({"n": 5, "noise": float("nan")}, ValueError, "noise must be finite"),
        ({"n": 5, "noise": "0.3"}, TypeError, "noise must be a real number"),
        (
            {"n": 5, "low": 1.0, "high": 1.0},
            ValueError,
            "low must be below high",
        ),
        (
            {"n": 5, "low": 2.0, "high": 1.0},
            ValueError,
            "low must be below high",
        ),
        ({"n": 5, "high": float("inf")}, ValueError, "high must be finite"),
        ({"n": 5, "seed": -1}, ValueError, "seed must be >= 0"),
        ({"n": 5, "seed": 1.5}, TypeError, "seed must be an int"),
        ({"n": 5, "curve": 3.0}, TypeError, "curve must be callable"),
        (
            {"n": 5, "curve": lambda t: t[:2]},
            ValueError,
            "one finite value per input",
        ),
        (
            {"n": 5, "curve": lambda t: np.full_like(t, np.nan)},
            ValueError,
            "NaN or inf",
        ),
    ],
)
def test_sample_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        noisy_sample(**kwargs)


# ---------------------------------------------------------------- polynomial
# helpers


def test_design_matrix_columns_are_powers():
    design = polynomial_design([0.5, 2.0, -1.0], 3)
    np.testing.assert_allclose(
        design, [[1, 0.5, 0.25, 0.125], [1, 2, 4, 8], [1, -1, 1, -1]]
    )
    assert polynomial_design([1.0, 2.0], 0).shape == (2, 1)
    assert polynomial_design([], 2).shape == (0, 3)


def test_fit_recovers_an_exact_polynomial():
    x = np.linspace(-1, 1, 12)
    true = np.array([0.5, -2.0, 0.0, 3.0])
    coefficients = fit_polynomial(x, polynomial_values(true, x), 3)
    np.testing.assert_allclose(coefficients, true, atol=1e-10)


def test_fit_of_degree_zero_is_the_mean():
    y = np.array([1.0, 2.0, 6.0])
    np.testing.assert_allclose(
        fit_polynomial([0.1, 0.2, 0.3], y, 0), [y.mean()]
    )


def test_highest_degree_interpolates_and_lower_degrees_never_fit_better():
    x, y = noisy_sample(10, seed=1)
    errors = [
        rmse(y, polynomial_values(fit_polynomial(x, y, d), x))
        for d in range(10)
    ]
    assert errors[-1] < 1e-6  # degree 9 through 10 points: exact
    assert np.all(
        np.diff(errors) <= 1e-9
    )  # nested models: training error never rises


def test_fit_matches_numpy_polyfit():
    x, y = noisy_sample(25, seed=5)
    np.testing.assert_allclose(
        fit_polynomial(x, y, 4),
        np.polynomial.polynomial.polyfit(x, y, 4),
        rtol=1e-6,
    )


def test_values_match_the_design_matrix():
    coefficients = np.array([1.0, -0.5, 2.0])
    x = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(
        polynomial_values(coefficients, x), [1.0, 2.5, 17.5]
    )
    np.testing.assert_allclose(
        polynomial_values(coefficients, x),
        polynomial_design(x, 2) @ coefficients,
    )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: polynomial_design([1.0, 2.0], -1),
            ValueError,
            "degree must be >= 0",
        ),
        (
            lambda: polynomial_design([1.0, 2.0], 2.0),
            TypeError,
            "degree must be an int",
        ),
        (
            lambda: polynomial_design([[1.0, 2.0]], 1),
            ValueError,
            "x must be 1-D",
        ),
        (lambda: polynomial_design(3.0, 1), ValueError, "x must be 1-D"),
        (
            lambda: polynomial_design(["a", "b"], 1),
            TypeError,
            "x must be a 1-D array",
        ),
        (
            lambda: polynomial_design([1.0, np.nan], 1),
            ValueError,
            "x must hold finite",
        ),
        (
            lambda: fit_polynomial([0.0, 1.0], [1.0], 1),
            ValueError,
            "same length",
        ),
        (
            lambda: fit_polynomial([0.0, 1.0], [1.0, np.inf], 1),
            ValueError,
            "y must hold finite",
        ),
        (
            lambda: fit_polynomial([0.0, 1.0], [1.0, 2.0], 2),
            ValueError,
            "degree must be below the number of points",
        ),
        (
            lambda: fit_polynomial([], [], 0),
            ValueError,
            "degree must be below the number of points",
        ),
        (
            lambda: fit_polynomial([0.0, 1.0], [1.0, 2.0], None),
            TypeError,
            "degree must be an int",
        ),
        (lambda: polynomial_values([], [1.0]), ValueError, "at least one"),
        (
            lambda: polynomial_values([[1.0]], [1.0]),
            ValueError,
            "coefficients must be 1-D",
        ),
        (
            lambda: polynomial_values([1.0], "x"),
            TypeError,
            "x must be a 1-D array",
        ),
    ],
)
def test_polynomial_helpers_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- rmse


def test_rmse_value():
    assert rmse([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0]) == 1.0
    assert rmse([3.0], [3.0]) == 0.0
    assert isinstance(rmse(np.ones(3, dtype=np.float32), np.zeros(3)), float)


@pytest.mark.parametrize(
    "y_true, y_pred, error, match",
    [
        ([1.0, 2.0], [1.0], ValueError, "same length"),
        ([], [], ValueError, "must not be empty"),
        ([1.0, np.nan], [1.0, 2.0], ValueError, "y_true must hold finite"),
        ([[1.0]], [[1.0]], ValueError, "y_true must be 1-D"),
        ([1.0], [None], ValueError, "y_pred must hold finite"),
        ([1.0], ["one"], TypeError, "y_pred must be a 1-D array"),
    ],
)
def test_rmse_rejects_bad_input(y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        rmse(y_true, y_pred)
