"""regbook.evidence by value: the closed form against the Gaussian marginal
likelihood with its full covariance, against a brute-force integral in one
dimension, the profile over the noise, the effective number of parameters,
and every argument check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regbook.evidence import (
    effective_parameters,
    log_evidence,
    profile_log_evidence,
)


def problem(n=7, m=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, m)), rng.normal(size=n)


def direct(x, y, alpha, beta):
    """log N(y | 0, I / beta + X X^T / alpha), with slogdet."""
    cov = np.eye(len(y)) / beta + x @ x.T / alpha
    _, log_det = np.linalg.slogdet(cov)
    quad = y @ np.linalg.solve(cov, y)
    return -0.5 * (log_det + quad + len(y) * math.log(2 * math.pi))


def test_one_point_by_hand():
    # y = 0 ~ N(0, 1/beta + 1/alpha) = N(0, 2): -log(4 pi) / 2
    value = log_evidence([[1.0]], [0.0], 1.0, 1.0)
    assert math.isclose(float(value), -0.5 * math.log(4 * math.pi))
    # y = 2 ~ N(0, 1/2 + 1/4): -log(2 pi 3/4)/2 - 4 / (2 * 3/4)
    value = log_evidence([[1.0]], [2.0], 4.0, 2.0)
    expected = -0.5 * math.log(2 * math.pi * 0.75) - 4 / 1.5
    assert math.isclose(float(value), expected, rel_tol=1e-12)


@pytest.mark.parametrize("alpha, beta", [(0.3, 2.0), (5.0, 0.1), (1.0, 1.0)])
def test_closed_form_matches_full_covariance(alpha, beta):
    x, y = problem()
    assert math.isclose(
        float(log_evidence(x, y, alpha, beta)),
        direct(x, y, alpha, beta),
        rel_tol=1e-10,
    )


def test_more_weights_than_points():
    x, y = problem(n=4, m=9, seed=3)
    assert math.isclose(
        float(log_evidence(x, y, 0.7, 3.0)),
        direct(x, y, 0.7, 3.0),
        rel_tol=1e-10,
    )


def test_brute_force_integral_in_one_dimension():
    x = np.array([[0.5], [1.0], [-2.0]])
    y = np.array([0.3, 1.1, -1.7])
    alpha, beta = 1.5, 4.0
    w = np.linspace(-8, 8, 200_001)
    like = np.prod(
        np.sqrt(beta / (2 * np.pi))
        * np.exp(-beta / 2 * (y[:, None] - x[:, 0:1] * w) ** 2),
        axis=0,
    )
    prior = np.sqrt(alpha / (2 * np.pi)) * np.exp(-alpha / 2 * w**2)
    integral = np.trapezoid(like * prior, w)
    assert math.isclose(
        float(log_evidence(x, y, alpha, beta)), math.log(integral), rel_tol=1e-8
    )


def test_broadcasts_over_alpha_and_beta():
    x, y = problem()
    alphas = np.array([0.1, 1.0, 10.0])[:, None]
    betas = np.array([0.5, 2.0])
    values = log_evidence(x, y, alphas, betas)
    assert values.shape == (3, 2)
    for i, a in enumerate(alphas[:, 0]):
        for j, b in enumerate(betas):
            assert math.isclose(values[i, j], direct(x, y, a, b), rel_tol=1e-10)


def test_profile_is_the_maximum_over_the_noise():
    x, y = problem(n=12, m=4, seed=1)
    lam = np.array([0.01, 0.5, 20.0])
    best, beta = profile_log_evidence(x, y, lam)
    for k, f in enumerate(lam):
        # N / S with S the penalised residual of the ridge solution
        w = np.linalg.solve(x.T @ x + f * np.eye(4), x.T @ y)
        s = np.sum((y - x @ w) ** 2) + f * w @ w
        assert math.isclose(beta[k], 12 / s, rel_tol=1e-10)
        assert math.isclose(
            best[k], direct(x, y, f * beta[k], beta[k]), rel_tol=1e-10
        )
        others = beta[k] * np.array([0.5, 0.9, 1.1, 2.0])
        for b in others:
            assert direct(x, y, f * b, b) < best[k]


def test_profile_by_hand():
    # X = (1, 1), y = (1, 3), lam = 1: m = 4/3, S = 26/9 + 16/9 = 42/9
    _, beta = profile_log_evidence([[1.0], [1.0]], [1.0, 3.0], 1.0)
    assert math.isclose(float(beta), 2 / (42 / 9), rel_tol=1e-12)


def test_effective_parameters_of_small_curvatures():
    # eigenvalues of X^T X below 1 (0.01 and 0.04) count as they are
    design = [[0.1, 0.0], [0.0, 0.2]]
    want = 0.01 / (0.01 + 0.01) + 0.04 / (0.04 + 0.01)
    assert math.isclose(float(effective_parameters(design, 0.01)), want)


def test_effective_parameters_by_value():
    # eigenvalues of X^T X: 1 and 9
    design = [[1.0, 0.0], [0.0, 3.0]]
    assert math.isclose(float(effective_parameters(design, 1.0)), 1.4)
    np.testing.assert_allclose(
        effective_parameters(design, [9.0, 1e-12]), [0.1 + 0.5, 2.0]
    )


@pytest.mark.parametrize(
    "design, y, message",
    [
        ([1.0, 2.0], [1.0, 2.0], "design"),
        (np.ones((2, 1, 1)), [1.0, 2.0], "design"),
        (np.zeros((0, 2)), np.zeros(0), "design"),
        (np.zeros((2, 0)), [1.0, 2.0], "design"),
        ([[1.0], [2.0]], [1.0], r"y must have shape \(2,\)"),
        ([[1.0], [2.0]], [1.0, 2.0, 3.0], r"y must have shape \(2,\)"),
        ([[1.0, 4.0], [2.0, 5.0]], [1.0], r"y must have shape \(2,\)"),
        ([[1.0], [np.nan]], [1.0, 2.0], "finite"),
        ([[1.0], [2.0]], [1.0, np.inf], "finite"),
    ],
)
def test_bad_problems_are_named(design, y, message):
    with pytest.raises(ValueError, match=message):
        log_evidence(design, y, 1.0, 1.0)
    with pytest.raises(ValueError, match=message):
        profile_log_evidence(design, y, 1.0)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_precisions_must_be_positive(bad):
    x, y = problem()
    with pytest.raises(ValueError, match="alpha"):
        log_evidence(x, y, bad, 1.0)
    with pytest.raises(ValueError, match="beta"):
        log_evidence(x, y, 1.0, [1.0, bad])
    with pytest.raises(ValueError, match="lam"):
        profile_log_evidence(x, y, bad)
    with pytest.raises(ValueError, match="lam"):
        effective_parameters(x, bad)


def test_tiny_precisions_pass():
    x, y = problem()
    assert np.isfinite(log_evidence(x, y, 1e-300, 1e-300))
    assert np.isfinite(profile_log_evidence(x, y, 1e-300)[0])
