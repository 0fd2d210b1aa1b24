"""Tests of regbook.numpy_net's logistic regressions run to convergence:
logistic_residual, fit_logistic's tol and its Barzilai-Borwein step rule."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from regbook.numpy_net import (
    STEP_RULES,
    fit_logistic,
    logistic_residual,
    sigmoid,
)


def data(n=60, d=8, seed=0, noise=True):
    """Labels from the first two inputs, some flipped (not separable)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    if noise:
        y = np.where(rng.random(n) < 0.15, 1 - y, y)
    return x, y


def by_hand(x, y, w, b, l1, l2):
    """The optimality residual of one model, one weight at a time."""
    r = (sigmoid(x @ w + b) - y) / len(y)
    grad = x.T @ r + 2 * l2 * w
    worst = abs(r.sum())
    for g, wi in zip(grad, w, strict=True):
        worst = max(
            worst, abs(g + l1 * np.sign(wi)) if wi != 0 else max(abs(g) - l1, 0)
        )
    return worst


# --- logistic_residual --------------------------------------------------------


def test_residual_at_zero_is_the_data_pull_beyond_the_l1_pull():
    x, y = np.array([[1.0], [-1.0]]), np.array([1, 0])
    # At w = b = 0: p = 1/2, dL/dw = -1/2, dL/db = 0.
    res = logistic_residual(
        x, y, np.zeros((1, 4)), np.zeros(4), l1=[0.0, 0.2, 0.5, 1.0]
    )
    np.testing.assert_allclose(res, [0.5, 0.3, 0.0, 0.0], atol=1e-15)


def test_residual_off_the_kink_adds_both_penalty_gradients():
    x, y = np.array([[1.0], [-1.0]]), np.array([1, 0])
    w, l1, l2 = 1.0, 0.1, 0.2
    grad = (sigmoid(1.0) - 1) / 2 - sigmoid(-1.0) / 2 + 2 * l2 * w
    res = logistic_residual(x, y, np.array([[w]]), np.zeros(1), l1=l1, l2=l2)
    assert res[0] == pytest.approx(abs(grad + l1), rel=1e-12)
    # with a negative weight the L1 term pulls the other way
    res = logistic_residual(x, y, np.array([[-w]]), np.zeros(1), l1=l1, l2=l2)
    grad = (sigmoid(-1.0) - 1) / 2 - sigmoid(1.0) / 2 - 2 * l2 * w
    assert res[0] == pytest.approx(abs(grad - l1), rel=1e-12)


def test_residual_includes_the_bias_gradient():
    x, y = np.array([[1.0], [-1.0]]), np.array([1, 1])
    # w = 0 with a huge L1 factor: only the bias is off its optimum.
    res = logistic_residual(x, y, np.zeros((1, 1)), np.zeros(1), l1=10.0)
    assert res[0] == pytest.approx(0.5, rel=1e-12)  # |mean(p - y)| = 1/2


def test_residual_matches_a_weight_by_weight_computation():
    x, y = data()
    rng = np.random.default_rng(1)
    W = rng.normal(size=(8, 3)) * (rng.random((8, 3)) < 0.5)
    b = rng.normal(size=3)
    l1, l2 = np.array([0.0, 0.05, 0.1]), np.array([0.2, 0.0, 0.05])
    res = logistic_residual(x, y, W, b, l1=l1, l2=l2)
    for g in range(3):
        expected = by_hand(x, y, W[:, g], b[g], l1[g], l2[g])
        assert res[g] == pytest.approx(expected, rel=1e-12)


def test_residual_defaults_are_no_penalty():
    x, y = data()
    W, b = np.full((8, 1), 0.3), np.array([0.1])
    np.testing.assert_array_equal(
        logistic_residual(x, y, W, b),
        logistic_residual(x, y, W, b, l1=0.0, l2=0.0),
    )
    params = inspect.signature(logistic_residual).parameters
    assert params["l1"].default == 0.0 and params["l2"].default == 0.0


# --- fit_logistic: tol and step rules ----------------------------------------


def test_defaults_are_fixed_steps_without_tolerance():
    params = inspect.signature(fit_logistic).parameters
    assert params["tol"].default is None
    assert params["step_rule"].default == "fixed"
    assert params["steps"].default == 500
    assert STEP_RULES == ("fixed", "barzilai-borwein")
    x, y = data()
    W, b = fit_logistic(x, y, l1=0.01, steps=7)
    W2, b2 = fit_logistic(x, y, l1=0.01, steps=7, tol=None, step_rule="fixed")
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(b, b2)


def test_tol_stops_fixed_steps_at_the_first_step_below_it():
    x, y = data()
    tol = 2e-3
    first = next(
        k
        for k in range(1, 500)
        if logistic_residual(
            x, y, *fit_logistic(x, y, l1=0.01, steps=k), l1=0.01
        )[0]
        < tol
    )
    W, b = fit_logistic(x, y, l1=0.01, steps=10_000, tol=tol)
    W_first, b_first = fit_logistic(x, y, l1=0.01, steps=first)
    np.testing.assert_array_equal(W, W_first)
    np.testing.assert_array_equal(b, b_first)
    # stopping is what the tolerance does: more steps go further
    W_more, b_more = fit_logistic(x, y, l1=0.01, steps=first + 50)
    assert (
        logistic_residual(x, y, W_more, b_more, l1=0.01)[0]
        < logistic_residual(x, y, W, b, l1=0.01)[0]
    )


def test_tol_stops_only_when_every_model_is_below_it():
    x, y = data()
    l2 = np.array([1.0, 1e-3])  # the strong penalty converges much sooner
    W, b = fit_logistic(x, y, l2=l2, steps=100_000, tol=1e-6)
    res = logistic_residual(x, y, W, b, l2=l2)
    assert np.all(res < 1e-6)


@pytest.mark.parametrize("l1, l2", [(0.02, 0.0), (0.0, 0.05), (0.01, 0.01)])
def test_both_step_rules_reach_the_same_minimum(l1, l2):
    x, y = data(n=80, d=10)
    W_fixed, b_fixed = fit_logistic(x, y, l1=l1, l2=l2, steps=50_000, tol=1e-10)
    W_bb, b_bb = fit_logistic(
        x, y, l1=l1, l2=l2, steps=5000, tol=1e-10, step_rule="barzilai-borwein"
    )
    for W, b in ((W_fixed, b_fixed), (W_bb, b_bb)):
        assert logistic_residual(x, y, W, b, l1=l1, l2=l2)[0] < 1e-10
    np.testing.assert_allclose(W_bb, W_fixed, atol=1e-7)
    np.testing.assert_allclose(b_bb, b_fixed, atol=1e-7)
    if l1 > 0:  # the same exact zeros
        np.testing.assert_array_equal(W_bb == 0, W_fixed == 0)


def test_barzilai_borwein_needs_far_fewer_steps_on_a_flat_loss():
    # Separable data and a weak penalty: the minimum lies far out where the
    # loss is flat, and the fixed safe step crawls.
    x, y = data(n=40, d=30, noise=False)
    res = {}
    for rule in STEP_RULES:
        W, b = fit_logistic(x, y, l1=1e-2, steps=300, step_rule=rule)
        res[rule] = logistic_residual(x, y, W, b, l1=1e-2)[0]
    assert res["barzilai-borwein"] < 1e-8 < 1e-4 < res["fixed"]


def test_barzilai_borwein_first_step_is_the_safe_step():
    x, y = data()
    for lr in (None, 0.3):
        fixed = fit_logistic(x, y, l1=0.01, l2=0.02, steps=1, learning_rate=lr)
        bb = fit_logistic(
            x,
            y,
            l1=0.01,
            l2=0.02,
            steps=1,
            learning_rate=lr,
            step_rule="barzilai-borwein",
        )
        np.testing.assert_allclose(bb[0], fixed[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(bb[1], fixed[1], rtol=1e-12, atol=1e-15)


def test_barzilai_borwein_never_raises_the_loss_over_ten_steps():
    x, y = data(n=50, d=20, noise=False)

    def loss(W, b):
        z = x @ W[:, 0] + b[0]
        return np.mean(np.logaddexp(0, z) - y * z) + 0.01 * np.abs(W).sum()

    values = [
        loss(
            *fit_logistic(x, y, l1=0.01, steps=k, step_rule="barzilai-borwein")
        )
        for k in range(1, 61)
    ]
    for k in range(10, len(values)):
        assert values[k] <= max(values[k - 10 : k]) + 1e-12


def test_barzilai_borwein_fits_each_column_as_its_own_model():
    x, y = data()
    # Above l1_max = max |x.T (y - mean(y))| / n, every weight is exactly 0.
    l1_max = np.abs(x.T @ (y - y.mean())).max() / len(y)
    l1 = np.array([0.0, 0.01, 1.01 * l1_max, 0.0])
    l2 = np.array([0.0, 0.0, 0.0, 0.1])
    kw = dict(steps=2000, tol=1e-9, step_rule="barzilai-borwein")
    W, b = fit_logistic(x, y, l1=l1, l2=l2, **kw)
    for g in range(4):
        Wg, bg = fit_logistic(x, y, l1=l1[g], l2=l2[g], **kw)
        np.testing.assert_allclose(W[:, g], Wg[:, 0], atol=1e-9)
        np.testing.assert_allclose(b[g], bg[0], atol=1e-9)
    assert np.all(W[:, 2] == 0)  # above l1_max
    assert b[2] == pytest.approx(np.log(y.mean() / (1 - y.mean())))


def test_barzilai_borwein_without_tol_runs_every_step():
    x, y = data()
    kw = dict(l1=0.01, step_rule="barzilai-borwein")
    W20, _ = fit_logistic(x, y, steps=20, **kw)
    W21, _ = fit_logistic(x, y, steps=21, **kw)
    assert not np.array_equal(W20, W21)


# --- bad arguments ------------------------------------------------------------

X, Y = data()
W0, B0 = np.zeros((8, 2)), np.zeros(2)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: fit_logistic(X, Y, tol=0), ValueError, "tol"),
        (lambda: fit_logistic(X, Y, tol=-1e-3), ValueError, "tol"),
        (lambda: fit_logistic(X, Y, tol="small"), TypeError, "tol"),
        (lambda: fit_logistic(X, Y, step_rule="bb"), ValueError, "step_rule"),
        (lambda: fit_logistic(X, Y, step_rule=1), TypeError, "step_rule"),
        (lambda: logistic_residual(X[0], Y, W0, B0), ValueError, "x must"),
        (lambda: logistic_residual(X, Y[:-1], W0, B0), ValueError, "y must"),
        (
            lambda: logistic_residual(X, Y, W0[:-1], B0),
            ValueError,
            "weights must have shape",
        ),
        (
            lambda: logistic_residual(X, Y, W0[:, 0], B0),
            ValueError,
            "weights must have shape",
        ),
        (
            lambda: logistic_residual(X, Y, W0, np.zeros(3)),
            ValueError,
            "biases must have shape",
        ),
        (
            lambda: logistic_residual(X, Y, W0.astype(str), B0),
            TypeError,
            "weights must be numeric",
        ),
        (
            lambda: logistic_residual(X, Y, W0, B0.astype(str)),
            TypeError,
            "biases must be numeric",
        ),
        (
            lambda: logistic_residual(X, Y, W0, B0, l1=[0.1, 0.2, 0.3]),
            ValueError,
            "one per model",
        ),
        (
            lambda: logistic_residual(X, Y, W0, B0, l1=-0.1),
            ValueError,
            "l1",
        ),
        (lambda: logistic_residual(X, Y, W0, B0, l2="a"), TypeError, "l2"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
