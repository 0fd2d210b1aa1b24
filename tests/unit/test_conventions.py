"""Tests of regbook.conventions: conversions, the ridge solution and reference
penalties.

These need only NumPy; tests/unit/test_keras_api.py checks the same formulas
against Keras itself."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from regbook import conventions as C
from regbook.penalties import l2_textbook_factor

RNG = np.random.default_rng(7)


# --- conversions --------------------------------------------------------------


@pytest.mark.parametrize("factor", [0.0, 1e-4, 0.01, 0.5, 3])
def test_weight_decay_conversion_round_trips(factor):
    wd = C.l2_to_weight_decay(factor)
    assert wd == pytest.approx(2 * factor)
    assert C.weight_decay_to_l2(wd) == pytest.approx(factor)
    # Under plain SGD the decoupled decay equals the textbook lambda of lambda/2
    # ||w||^2.
    assert wd == pytest.approx(l2_textbook_factor(factor))


@pytest.mark.parametrize("factor,n", [(0.01, 20_000), (1e-3, 7), (0.0, 1)])
def test_ridge_alpha_conversion_round_trips(factor, n):
    alpha = C.l2_to_ridge_alpha(factor, n)
    assert alpha == pytest.approx(n * factor)
    assert C.ridge_alpha_to_l2(alpha, n) == pytest.approx(factor)


@pytest.mark.parametrize(
    "call",
    [
        lambda: C.l2_to_weight_decay(-0.1),
        lambda: C.weight_decay_to_l2(float("nan")),
        lambda: C.l2_to_ridge_alpha(0.1, 0),
        lambda: C.ridge_alpha_to_l2(1.0, -5),
        lambda: C.activity_penalty(np.ones(3), l1=-1.0),
        lambda: C.orthogonal_penalty(np.ones((3, 3)), factor=float("inf")),
    ],
)
def test_bad_values_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: C.l2_to_weight_decay("0.1"), "factor"),
        (lambda: C.weight_decay_to_l2(True), "weight_decay"),
        (lambda: C.l2_to_ridge_alpha(0.1, 2.5), "n_examples"),
        (lambda: C.ridge_solution([["a"]], [1.0], 0.1), "x"),
        (lambda: C.activity_penalty(["a", "b"], l2=1.0), "outputs"),
    ],
)
def test_bad_types_are_type_errors_naming_the_argument(call, name):
    with pytest.raises(TypeError, match=name):
        call()


# --- ridge --------------------------------------------------------------------


def _data(n=60, d=4, k=1):
    x = RNG.normal(size=(n, d))
    y = x @ RNG.normal(size=(d, k)) + 0.7 + 0.1 * RNG.normal(size=(n, k))
    return x, y


def _objective(x, y, kernel, bias, factor):
    """Keras' loss: mean squared error over all entries plus factor *
    ||kernel||^2."""
    residual = y - x @ kernel - bias
    return np.mean(residual**2) + factor * np.sum(kernel**2)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_solution_is_a_stationary_point_of_keras_objective(
    k, fit_intercept
):
    x, y = _data(k=k)
    factor = 0.2
    kernel, bias = C.ridge_solution(x, y, factor, fit_intercept=fit_intercept)
    assert kernel.shape == (4, k) and bias.shape == (k,)
    if not fit_intercept:
        assert np.all(bias == 0)
    # The gradient of the objective vanishes at the solution ...
    m = y.size
    residual = y - x @ kernel - bias
    grad_kernel = -2 / m * x.T @ residual + 2 * factor * kernel
    np.testing.assert_allclose(grad_kernel, 0, atol=1e-12)
    if fit_intercept:
        np.testing.assert_allclose(-2 / m * residual.sum(axis=0), 0, atol=1e-12)
    # ... and nudging any weight makes the (convex) objective larger.
    best = _objective(x, y, kernel, bias, factor)
    for _ in range(20):
        step = 1e-3 * RNG.normal(size=kernel.shape)
        assert _objective(x, y, kernel + step, bias, factor) > best


def test_ridge_solution_without_penalty_is_least_squares():
    x, y = _data()
    kernel, bias = C.ridge_solution(x, y[:, 0], 0.0)
    a = np.hstack([x, np.ones((len(x), 1))])
    theta, *_ = np.linalg.lstsq(a, y, rcond=None)
    np.testing.assert_allclose(kernel, theta[:-1], atol=1e-10)
    np.testing.assert_allclose(bias, theta[-1], atol=1e-10)


def test_ridge_solution_matches_summed_error_ridge_with_alpha_n_f():
    """Keras' f on a mean error is the classic ridge alpha = n f on a summed
    error."""
    x, y = _data(n=50)
    x = x - x.mean(
        axis=0
    )  # centred, so the intercept does not interact with alpha
    factor = 0.3
    kernel, _ = C.ridge_solution(x, y - y.mean(), factor, fit_intercept=False)
    alpha = C.l2_to_ridge_alpha(factor, len(x))
    classic = np.linalg.solve(x.T @ x + alpha * np.eye(4), x.T @ (y - y.mean()))
    np.testing.assert_allclose(kernel, classic, atol=1e-12)


def test_ridge_solution_shrinks_towards_zero_as_the_factor_grows():
    x, y = _data()
    norms = [
        np.linalg.norm(C.ridge_solution(x, y, f)[0])
        for f in (0.0, 0.1, 1.0, 10.0)
    ]
    assert norms == sorted(norms, reverse=True)


def test_ridge_solution_errors():
    x, y = _data()
    with pytest.raises(ValueError, match="x must have shape"):
        C.ridge_solution(x[:, 0], y, 0.1)
    with pytest.raises(ValueError, match="y must have shape"):
        C.ridge_solution(x, y[:-1], 0.1)
    with pytest.raises(ValueError, match="at least one example"):
        C.ridge_solution(np.zeros((0, 2)), np.zeros(0), 0.1)
    collinear = np.hstack([x[:, :1], x[:, :1]])
    with pytest.raises(ValueError, match="singular"):
        C.ridge_solution(collinear, y, 0.0)
    # A positive factor makes even collinear inputs solvable.
    C.ridge_solution(collinear, y, 0.1)


# --- activity and orthogonal penalties ----------------------------------------


def test_activity_penalty_is_a_per_example_average():
    a = RNG.normal(size=(8, 5))
    value = C.activity_penalty(a, l1=0.1, l2=0.2)
    assert value == pytest.approx(
        (0.1 * np.abs(a).sum() + 0.2 * (a**2).sum()) / 8
    )
    # Repeating the batch does not change it: it does not grow with the batch
    # size.
    assert C.activity_penalty(
        np.vstack([a, a, a]), l1=0.1, l2=0.2
    ) == pytest.approx(value)


def test_activity_penalty_edge_cases():
    assert C.activity_penalty(np.full((5, 5), 2.0), l2=0.01) == pytest.approx(
        0.2
    )
    assert (
        C.activity_penalty(np.array(3.0), l1=1.0) == 3.0
    )  # a scalar is not divided
    assert C.activity_penalty(np.zeros((0, 4)), l1=1.0) == 0.0  # empty batch
    assert C.activity_penalty(np.ones((2, 3, 4)), l1=1.0) == 12.0  # any rank
    assert (
        C.activity_penalty(np.ones((4, 2))) == 0.0
    )  # both factors default to 0


def test_orthogonal_penalty_values():
    assert C.orthogonal_penalty(np.eye(4), 1.0) == 0.0
    assert C.orthogonal_penalty(np.eye(4), 1.0, mode="columns") == 0.0
    assert C.orthogonal_penalty(np.ones((3, 2)), 0.5) == pytest.approx(0.5)
    # Scaling a row does not matter (cosines); flipping its sign does not either
    # (|.|).
    w = RNG.normal(size=(5, 3))
    scaled = w * np.array([[2.0], [-1.0], [0.5], [3.0], [-7.0]])
    assert C.orthogonal_penalty(scaled, 0.3) == pytest.approx(
        C.orthogonal_penalty(w, 0.3)
    )
    # Mean |cosine| over distinct pairs, computed the slow way.
    u = w / np.linalg.norm(w, axis=1, keepdims=True)
    pairs = [abs(u[i] @ u[j]) for i in range(5) for j in range(i + 1, 5)]
    assert C.orthogonal_penalty(w, 0.3) == pytest.approx(0.3 * np.mean(pairs))
    assert C.orthogonal_penalty(w, 0.3, "columns") == pytest.approx(
        C.orthogonal_penalty(w.T, 0.3, "rows")
    )


def test_orthogonal_penalty_errors_and_zero_rows():
    with pytest.raises(ValueError, match="mode"):
        C.orthogonal_penalty(np.eye(3), mode="diagonal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-D"):
        C.orthogonal_penalty(np.ones(3))
    with pytest.raises(ValueError, match="at least two rows"):
        C.orthogonal_penalty(np.ones((1, 3)))
    # A zero row has no direction and adds nothing.
    w = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    assert C.orthogonal_penalty(w, 1.0) == pytest.approx(1.0 / 3.0)


def test_module_does_not_import_tensorflow():
    # In a fresh interpreter: this test process may have imported Keras.
    import subprocess

    code = (
        "import sys, regbook.conventions; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"
