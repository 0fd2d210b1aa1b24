"""regbook.conventions by value: the exact messages of ridge_solution's shape
checks, and the conversions' defaults and edges.

Written so that a small change to the module (a constant, a comparison, an
operator: see benchmarks/mutation/) makes one of these tests fail."""

from __future__ import annotations

import re

import numpy as np
import pytest

from regbook import conventions as C

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize(
    "y, shape",
    [
        (3.0, "()"),
        (np.ones((3, 2, 1)), "(3, 2, 1)"),
        (np.ones(4), "(4, 1)"),  # 1-D targets become a column first
        (np.ones((2, 1)), "(2, 1)"),
    ],
)
def test_ridge_solution_refuses_targets_of_the_wrong_shape(y, shape):
    message = (
        "y must have shape (n,) or (n, k) with n = 3 rows like x, got shape "
        + shape
    )
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        C.ridge_solution(X, y, 0.1)


def test_ridge_solution_by_value():
    # Without intercept and with orthonormal-ish columns the system is small
    # enough to solve by hand: (A'A/n + f I) w = A'y/n.
    y = np.array([1.0, 2.0, 3.0])
    kernel, bias = C.ridge_solution(X, y, 0.5, fit_intercept=False)
    lhs = X.T @ X / 3 + 0.5 * np.eye(2)
    np.testing.assert_allclose(kernel[:, 0], np.linalg.solve(lhs, X.T @ y / 3))
    assert bias.tolist() == [0.0]
    # Two targets: the mean runs over all n * k entries.
    y2 = np.stack([y, -y], axis=1)
    kernel2, _ = C.ridge_solution(X, y2, 0.5, fit_intercept=False)
    lhs2 = X.T @ X / 6 + 0.5 * np.eye(2)
    np.testing.assert_allclose(kernel2, np.linalg.solve(lhs2, X.T @ y2 / 6))


def test_orthogonal_penalty_of_zero_rows_is_finite():
    w = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    # Pairs: (zero, a) 0, (zero, b) 0, (a, b) 1/sqrt(2); mean over 3 pairs.
    assert C.orthogonal_penalty(w, 1.0) == pytest.approx(np.sqrt(0.5) / 3)
    assert C.orthogonal_penalty(w) == pytest.approx(0.01 * np.sqrt(0.5) / 3)


@pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
def test_orthogonal_penalty_needs_a_2d_kernel(shape):
    with pytest.raises(
        ValueError, match=re.escape(f"kernel must be 2-D, got shape {shape}")
    ):
        C.orthogonal_penalty(np.ones(shape))


def test_ridge_solution_needs_2d_inputs_and_takes_many_rows():
    for x in (np.ones(3), np.ones((3, 2, 1))):
        with pytest.raises(
            ValueError,
            match=re.escape(f"x must have shape (n, d), got shape {x.shape}"),
        ):
            C.ridge_solution(x, np.ones(3), 0.1)
    # 300 rows: shapes compared by value (large ints are distinct objects).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 2))
    y = x @ [1.0, -2.0] + 0.5
    kernel, bias = C.ridge_solution(x, y, 0.0)
    np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0], atol=1e-10)
    np.testing.assert_allclose(bias, [0.5], atol=1e-10)


def test_orthogonal_penalty_mode_is_compared_by_value():
    w = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    rows = C.orthogonal_penalty(w, 1.0, mode="rows")
    columns = C.orthogonal_penalty(w, 1.0, mode="columns")
    assert rows == pytest.approx(0.5) and columns == pytest.approx(
        2 * np.sqrt(0.5) / 3
    )
    built = "".join(["ro", "ws"])  # equal to "rows", but another object
    assert C.orthogonal_penalty(w, 1.0, mode=built) == rows
