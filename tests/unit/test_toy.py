"""Tests of regbook.toy: noisy samples of a known curve and polynomial fits."""

from __future__ import annotations

import re

import numpy as np
import pytest

from regbook.toy import (
    fit_polynomial,
    legendre_design,
    min_norm_fit,
    noisy_sample,
    polynomial_design,
    polynomial_values,
    ridge_fit,
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


# ---------------------------------------------------------------- legendre
# design


def test_legendre_design_by_value():
    # t = 2x - 1 = -1, 0, 1; P0 = 1, P1 = t, P2 = (3t^2 - 1)/2,
    # P3 = (5t^3 - 3t)/2
    np.testing.assert_allclose(
        legendre_design([0.0, 0.5, 1.0, 0.75], 3),
        [
            [1, -1, 1, -1],
            [1, 0, -0.5, 0],
            [1, 1, 1, 1],
            [1, 0.5, -0.125, -0.4375],
        ],
        atol=1e-15,
    )
    assert legendre_design([0.3], 0).tolist() == [[1.0]]


def test_legendre_design_maps_the_interval_and_pins_its_defaults():
    np.testing.assert_allclose(
        legendre_design([2.0, 3.0, 4.0, 5.0], 1, low=2.0, high=4.0),
        [[1, -1], [1, 0], [1, 1], [1, 2]],
    )
    x = np.linspace(-0.5, 1.5, 7)
    np.testing.assert_array_equal(
        legendre_design(x, 4), legendre_design(x, 4, low=0.0, high=1.0)
    )


def test_legendre_and_power_designs_span_the_same_polynomials():
    # Any polynomial of degree 5 is a combination of either set of columns.
    x = np.linspace(0, 1, 9)
    powers, legendre = polynomial_design(x, 5), legendre_design(x, 5)
    w = np.array([0.3, -1.0, 2.0, 0.5, -0.7, 1.1])
    v, *_ = np.linalg.lstsq(legendre, powers @ w, rcond=None)
    np.testing.assert_allclose(legendre @ v, powers @ w, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"degree": -1}, ValueError, "degree must be >= 0, got -1"),
        ({"degree": 1.0}, TypeError, "degree must be an int"),
        ({"x": [[0.5]]}, ValueError, "x must be 1-D, got shape (1, 1)"),
        ({"low": 1.0}, ValueError, "low must be below high, got low=1.0"),
        ({"low": 1.5}, ValueError, "low must be below high, got low=1.5"),
        ({"high": np.nan}, ValueError, "high must be finite, got nan"),
        ({"low": "0"}, TypeError, "low must be a real number, got str"),
    ],
)
def test_legendre_design_rejects_bad_arguments(kwargs, error, message):
    args = {"x": [0.2, 0.4], "degree": 2, **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        legendre_design(**args)


def test_legendre_design_accepts_low_just_below_high():
    assert legendre_design([1.0], 1, low=np.nextafter(1.0, 0), high=1.0)[
        0, 1
    ] == pytest.approx(1.0)


# ---------------------------------------------------------------- ridge and
# minimum-norm fits

LINE = polynomial_design([0.0, 1.0, 2.0], 1)


def test_ridge_by_hand():
    # Normal equations with D = diag(0, 1): [[3, 3], [3, 5 + 1]] w = [7, 10].
    np.testing.assert_allclose(
        ridge_fit(LINE, [1.0, 2.0, 4.0], 1.0), [4 / 3, 1.0], rtol=1e-12
    )
    # lam = 2: [[3, 3], [3, 7]] w = [7, 10] -> b = 3/4, a = 7/3 - 3/4
    np.testing.assert_allclose(
        ridge_fit(LINE, [1.0, 2.0, 4.0], 2), [7 / 3 - 0.75, 0.75], rtol=1e-12
    )


def test_ridge_matches_its_closed_form_and_leaves_the_intercept_alone():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(size=12), rng.normal(size=12)
    design = polynomial_design(x, 4)
    for lam in (1e-3, 0.1, 7.0):
        d = np.diag([0.0, 1, 1, 1, 1])
        expected = np.linalg.solve(design.T @ design + lam * d, design.T @ y)
        np.testing.assert_allclose(
            ridge_fit(design, y, lam), expected, rtol=1e-9, atol=1e-12
        )
    # A huge factor flattens the curve to the mean of y, not to zero.
    flat = ridge_fit(design, y, 1e12)
    np.testing.assert_allclose(flat[0], y.mean(), rtol=1e-6)
    np.testing.assert_allclose(flat[1:], 0.0, atol=1e-9)


def test_ridge_on_a_column_other_than_ones():
    # The unpenalised column need not be ones: any constant c works (w0 * c).
    y = np.array([1.0, 2.0, 4.0])
    scaled = LINE * [2.0, 1.0]
    np.testing.assert_allclose(
        ridge_fit(scaled, y, 1.0), [2 / 3, 1.0], rtol=1e-12
    )
    np.testing.assert_allclose(
        min_norm_fit(scaled, y), [5 / 12, 1.5], rtol=1e-12
    )


def test_ridge_shrinks_and_its_training_error_grows_with_lam():
    x, y = noisy_sample(10, seed=1)
    design = polynomial_design(x, 9)
    lams = [0.0, 1e-9, 1e-6, 1e-3, 1.0, 1e3]
    fits = [ridge_fit(design, y, lam) for lam in lams]
    norms = [np.linalg.norm(w[1:]) for w in fits]
    errors = [rmse(y, design @ w) for w in fits]
    assert np.all(np.diff(norms) < 0)
    assert np.all(np.diff(errors) > 0)


def test_ridge_at_zero_is_the_minimum_norm_fit_and_its_limit():
    x, y = noisy_sample(6, seed=4)
    design = legendre_design(x, 12)
    np.testing.assert_array_equal(
        ridge_fit(design, y, 0.0), min_norm_fit(design, y)
    )
    np.testing.assert_allclose(
        ridge_fit(design, y, 1e-10), min_norm_fit(design, y), atol=1e-6
    )


def test_min_norm_equals_least_squares_below_the_threshold():
    x, y = noisy_sample(10, seed=1)
    for degree in (0, 3, 9):
        np.testing.assert_allclose(
            min_norm_fit(polynomial_design(x, degree), y),
            fit_polynomial(x, y, degree),
            rtol=1e-6,
            atol=1e-6,
        )


def test_min_norm_above_the_threshold_interpolates_with_the_smallest_norm():
    x, y = noisy_sample(8, seed=2)
    design = legendre_design(x, 20)
    w = min_norm_fit(design, y)
    np.testing.assert_allclose(design @ w, y, atol=1e-10)
    # The same as the pseudo-inverse of the design with column 0 projected
    # out, and shorter than any other interpolant (w plus a null vector):
    centred = design[:, 1:] - design[:, 1:].mean(axis=0)
    np.testing.assert_allclose(
        w[1:], np.linalg.pinv(centred) @ (y - y.mean()), atol=1e-10
    )
    null = np.linalg.svd(design)[2][-1]  # design @ null = 0
    other = w + 0.1 * null
    np.testing.assert_allclose(design @ other, y, atol=1e-10)
    assert np.linalg.norm(other[1:]) > np.linalg.norm(w[1:])
    # Without the free constant it is what lstsq gives for the full design:
    full, *_ = np.linalg.lstsq(design, y, rcond=None)
    assert np.linalg.norm(w[1:]) <= np.linalg.norm(full[1:])


def test_min_norm_by_hand():
    np.testing.assert_allclose(
        min_norm_fit([[1.0, 0.0, 0.0], [1.0, 3.0, 4.0]], [0.0, 25.0]),
        [0.0, 3.0, 4.0],
        atol=1e-12,
    )
    # One point: the constant term takes it all.
    np.testing.assert_allclose(
        min_norm_fit([[1.0, 3.0, 4.0]], [10.0]), [10.0, 0.0, 0.0], atol=1e-12
    )
    # A design with the constant column only: the mean of y.
    np.testing.assert_allclose(
        min_norm_fit([[1.0], [1.0], [1.0]], [1.0, 2.0, 6.0]), [3.0]
    )


@pytest.mark.parametrize("fit", [min_norm_fit, ridge_fit])
@pytest.mark.parametrize(
    "design, y, error, message",
    [
        ([1.0, 2.0], [1.0, 2.0], ValueError, "design must be 2-D"),
        ([["a"], ["b"]], [1.0, 2.0], TypeError, "design must be a 2-D array"),
        (
            [[1.0, np.inf], [1.0, 2.0]],
            [1.0, 2.0],
            ValueError,
            "design must hold finite numbers",
        ),
        (
            [[1.0, 0.0], [1.0, 1.0]],
            [1.0, 2.0, 3.0],
            ValueError,
            "design has 2 rows but y has 3 values",
        ),
        (
            [[1.0, 0.0], [1.0, 1.0]],
            [1.0],
            ValueError,
            "design has 2 rows but y has 1 values",
        ),
        (
            [[1.0, 0.0], [1.0, 1.0]],
            [1.0, np.nan],
            ValueError,
            "y must hold finite numbers",
        ),
        (
            np.zeros((0, 2)),
            [],
            ValueError,
            "design must have at least one row and one column, got shape "
            "(0, 2)",
        ),
        (
            np.zeros((2, 0)),
            [1.0, 2.0],
            ValueError,
            "at least one row and one column, got shape (2, 0)",
        ),
        (
            [[0.0, 1.0], [0.0, 2.0]],
            [1.0, 2.0],
            ValueError,
            "design's column 0 (the constant term's, left out of the "
            "penalty) must not be all zeros",
        ),
    ],
)
def test_fits_reject_bad_designs(fit, design, y, error, message):
    args = (design, y) if fit is min_norm_fit else (design, y, 1.0)
    with pytest.raises(error, match=re.escape(message)):
        fit(*args)


def test_a_column_0_with_one_nonzero_entry_is_accepted():
    w = min_norm_fit([[0.0, 1.0], [1.0, 0.0]], [2.0, 5.0])
    np.testing.assert_allclose(w, [5.0, 2.0], atol=1e-12)


@pytest.mark.parametrize(
    "lam, error, message",
    [
        (-1e-300, ValueError, "lam must be >= 0, got -1e-300"),
        (-1.0, ValueError, "lam must be >= 0, got -1.0"),
        (np.nan, ValueError, "lam must be finite, got nan"),
        (np.inf, ValueError, "lam must be finite, got inf"),
        (True, TypeError, "lam must be a real number, got bool"),
        ("1", TypeError, "lam must be a real number, got str"),
    ],
)
def test_ridge_rejects_a_bad_lam(lam, error, message):
    with pytest.raises(error, match=re.escape(message)):
        ridge_fit(LINE, [1.0, 2.0, 4.0], lam)


def test_ridge_accepts_the_smallest_positive_lam_and_integers():
    tiny = ridge_fit(LINE, [1.0, 2.0, 4.0], 5e-324)
    np.testing.assert_allclose(tiny, [5 / 6, 1.5], rtol=1e-12)
    np.testing.assert_allclose(
        ridge_fit(LINE, [1, 2, 4], np.int64(1)), [4 / 3, 1.0], rtol=1e-12
    )


def test_fits_name_the_rows_and_values_of_a_non_square_design():
    design = polynomial_design([0.0, 1.0], 2)  # 2 rows, 3 columns
    for fit, args in ((min_norm_fit, ()), (ridge_fit, (1.0,))):
        with pytest.raises(
            ValueError,
            match=re.escape("design has 2 rows but y has 3 values: give one"),
        ):
            fit(design, [1.0, 2.0, 3.0], *args)


def test_fits_reject_a_design_of_more_than_two_dimensions():
    for fit, args in ((min_norm_fit, ()), (ridge_fit, (1.0,))):
        with pytest.raises(ValueError, match=re.escape("got shape (2, 2, 1)")):
            fit(np.ones((2, 2, 1)), [1.0, 2.0], *args)


def test_fits_of_many_points():
    # 300 points (row counts beyond Python's cached small integers): the
    # minimum-norm line is the least-squares line, and ridge shrinks its slope
    # by the factor sum(xc^2) / (sum(xc^2) + lam), xc the centred inputs.
    x = np.linspace(0.0, 3.0, 300)
    y = 2.0 - 0.5 * x + np.sin(7 * x)
    design = polynomial_design(x, 1)
    np.testing.assert_allclose(
        min_norm_fit(design, y), fit_polynomial(x, y, 1), rtol=1e-9
    )
    slope = fit_polynomial(x, y, 1)[1]
    spread = np.sum((x - x.mean()) ** 2)
    np.testing.assert_allclose(
        ridge_fit(design, y, 10.0)[1], slope * spread / (spread + 10.0)
    )
