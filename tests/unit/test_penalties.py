"""Tests of regbook.penalties: values, gradients by finite differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

from regbook import penalties as P

RNG = np.random.default_rng(0)
SHAPES = [(5,), (3, 4), (2, 3, 4)]


def numerical_grad(f, w, eps=1e-6):
    grad = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[idx] = eps
        grad[idx] = (f(w + step) - f(w - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("shape", SHAPES)
def test_values(shape):
    w = RNG.normal(size=shape)
    assert P.l1(w, 0.3) == pytest.approx(0.3 * np.abs(w).sum())
    assert P.l2(w, 0.3) == pytest.approx(0.3 * (w**2).sum())
    assert P.l1_l2(w, 0.1, 0.2) == pytest.approx(0.1 * np.abs(w).sum() + 0.2 * (w**2).sum())


def test_small_examples_and_lists_of_arrays():
    assert P.l1(np.array([1.0, -2.0]), 0.5) == 1.5
    assert P.l2(np.array([1.0, -2.0]), 0.5) == 2.5
    assert P.l2([np.ones((2, 2)), np.ones(3)], 1.0) == 7.0
    assert P.l1([1, -2, 3], 1.0) == 6.0  # plain lists and ints work


@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_finite_differences(shape):
    w = RNG.normal(size=shape)
    w[np.abs(w) < 1e-3] = 0.5  # keep away from the kink of |w|
    np.testing.assert_allclose(P.l1_grad(w, 0.3), numerical_grad(lambda v: P.l1(v, 0.3), w), atol=1e-6)
    np.testing.assert_allclose(P.l2_grad(w, 0.3), numerical_grad(lambda v: P.l2(v, 0.3), w), atol=1e-6)
    np.testing.assert_allclose(
        P.l1_l2_grad(w, 0.1, 0.2), numerical_grad(lambda v: P.l1_l2(v, 0.1, 0.2), w), atol=1e-6
    )


def test_l1_subgradient_is_zero_at_zero():
    assert P.l1_grad(np.zeros(3), 1.0).tolist() == [0.0, 0.0, 0.0]


def test_soft_threshold():
    out = P.soft_threshold(np.array([-2.0, -0.5, 0.0, 0.5, 3.0]), 1.0)
    assert out.tolist() == [-1.0, 0.0, 0.0, 0.0, 2.0]
    assert np.count_nonzero(out == 0.0) == 3  # exact zeros


def test_soft_threshold_is_the_l1_proximal_operator():
    """prox(v) = argmin_w 0.5 (w - v)^2 + t|w|: check against a fine grid."""
    grid = np.linspace(-5, 5, 200_001)
    for v in (-3.0, -0.4, 0.2, 2.5):
        objective = 0.5 * (grid - v) ** 2 + 0.7 * np.abs(grid)
        assert P.soft_threshold(np.array([v]), 0.7)[0] == pytest.approx(grid[objective.argmin()], abs=1e-4)


def test_textbook_conversion():
    assert P.l2_textbook_factor(0.01) == 0.02


@pytest.mark.parametrize("factor, error", [(-0.1, ValueError), (np.inf, ValueError),
                                           ("0.1", TypeError), (None, TypeError), (True, TypeError)])
def test_bad_factors_name_the_argument(factor, error):
    with pytest.raises(error, match="factor"):
        P.l2(np.ones(2), factor)
    with pytest.raises(error, match="threshold"):
        P.soft_threshold(np.ones(2), factor)
    with pytest.raises(error, match="l1_factor"):
        P.l1_l2(np.ones(2), factor, 0.1)


def test_non_numeric_weights():
    with pytest.raises(TypeError, match="weights"):
        P.l1(np.array(["a", "b"]))
