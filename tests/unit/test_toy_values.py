"""regbook.toy by value: the sample drawn step by step, the defaults pinned,
every error message exact.

Written so that a small change to the module (a constant, a comparison, an
operator: see benchmarks/mutation/) makes one of these tests fail."""

from __future__ import annotations

import re

import numpy as np
import pytest

from regbook.toy import fit_polynomial, noisy_sample, polynomial_values, rmse


def test_sample_is_drawn_as_documented():
    """Uniform inputs, sorted; then one normal draw per point, scaled by
    noise and added to the curve."""
    for kwargs in ({}, {"noise": 0.7, "low": -2.0, "high": 5.0, "seed": 9}):
        n = 8
        x, y = noisy_sample(n, **kwargs)
        rng = np.random.default_rng(kwargs.get("seed", 0))
        expected_x = np.sort(
            rng.uniform(kwargs.get("low", 0.0), kwargs.get("high", 1.0), n)
        )
        noise = kwargs.get("noise", 0.3) * rng.standard_normal(n)
        np.testing.assert_array_equal(x, expected_x)
        np.testing.assert_allclose(
            y, np.sin(2 * np.pi * expected_x) + noise, rtol=1e-14
        )


def test_sample_defaults():
    a = noisy_sample(6)
    b = noisy_sample(6, noise=0.3, low=0.0, high=1.0, seed=0)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("length", [4, 6])
def test_sample_rejects_a_curve_of_the_wrong_length(length):
    def curve(t):
        return np.zeros(length)

    with pytest.raises(
        ValueError,
        match=re.escape(
            "curve must return one finite value per input (shape (5,)), got "
            f"shape ({length},)"
        )
        + "$",
    ):
        noisy_sample(5, curve=curve)


def test_sample_rejects_a_curve_of_the_wrong_shape_and_says_nan_only_for_nan():
    with pytest.raises(ValueError, match=r"got shape \(5, 1\)$"):
        noisy_sample(5, curve=lambda t: t[:, None])
    with pytest.raises(ValueError, match=r"got shape \(5,\) with NaN or inf$"):
        noisy_sample(5, curve=lambda t: np.where(t > -1, np.inf, 0.0))


def test_polynomial_fit_degree_limits_by_value():
    x = np.array([0.0, 1.0, 2.0])
    # Degree len(x) - 1 interpolates; degree len(x) is refused.
    np.testing.assert_allclose(
        fit_polynomial(x, [1.0, 2.0, 5.0], 2), [1.0, 0.0, 1.0], atol=1e-12
    )
    with pytest.raises(
        ValueError,
        match=re.escape(
            "degree must be below the number of points (3): a polynomial of "
            "degree 3 has 4 coefficients, which 3 points cannot fix"
        ),
    ):
        fit_polynomial(x, [1.0, 2.0, 5.0], 3)
    with pytest.raises(ValueError, match="degree 4 has 5 coefficients"):
        fit_polynomial(x, [1.0, 2.0, 5.0], 4)
    with pytest.raises(ValueError, match="degree must be >= 0, got -1"):
        fit_polynomial(x, [1.0, 2.0, 5.0], -1)


@pytest.mark.parametrize("n_y", [2, 4])
def test_fit_and_rmse_refuse_lengths_that_differ_either_way(n_y):
    x = np.arange(3.0)
    with pytest.raises(
        ValueError, match=f"x and y must have the same length, got 3 and {n_y}"
    ):
        fit_polynomial(x, np.ones(n_y), 1)
    with pytest.raises(
        ValueError,
        match=f"y_true and y_pred must have the same length, got 3 and {n_y}",
    ):
        rmse(x, np.ones(n_y))


def test_empty_inputs():
    with pytest.raises(ValueError, match="must not be empty"):
        rmse([], [])
    assert rmse([1.0], [4.0]) == 3.0
    with pytest.raises(ValueError, match="at least one value"):
        polynomial_values([], [1.0])
    assert polynomial_values([2.0], [1.0, 5.0]).tolist() == [2.0, 2.0]


def test_min_norm_fit_with_a_column_0_that_is_not_constant():
    from regbook.toy import min_norm_fit

    rng = np.random.default_rng(4)
    design = np.column_stack([[1.0, 2.0, 0.5, 1.5], rng.normal(size=(4, 5))])
    y = rng.normal(size=4)
    c, rest = design[:, 0], design[:, 1:]
    projected = rest - np.outer(c, c @ rest) / (c @ c)
    w_rest = np.linalg.pinv(projected) @ y  # y's part along c does not count
    w_0 = c @ (y - rest @ w_rest) / (c @ c)
    np.testing.assert_allclose(
        min_norm_fit(design, y), np.r_[w_0, w_rest], rtol=1e-9, atol=1e-12
    )
