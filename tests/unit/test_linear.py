"""regbook.linear: early stopping, ridge and noisy inputs in closed form,
tested by value."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from regbook import linear
from regbook.conventions import ridge_solution

# A 2-D problem worked out by hand: X^T X / n = diag(2, 0.5) and
# X^T y / n = (2, 0.5), so the least-squares weights are (1, 1).
X = np.array([[2.0, 0.0], [0.0, 1.0]])
Y = np.array([2.0, 1.0])


def descend(x, y, learning_rate, steps):
    """Gradient descent on the mean squared error, step by step."""
    w = np.zeros(x.shape[1])
    path = [w.copy()]
    for _ in range(steps):
        w = w - learning_rate * 2 * x.T @ (x @ w - y) / len(x)
        path.append(w.copy())
    return np.array(path)


def test_eigen_directions_by_value():
    h, q = linear.eigen_directions(X)
    assert h.tolist() == [2.0, 0.5]
    np.testing.assert_array_equal(np.abs(q), np.eye(2))
    h, q = linear.eigen_directions([[1.0, 1.0], [1.0, -1.0]])
    np.testing.assert_allclose(h, [1.0, 1.0])
    np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-12)


def test_eigen_directions_orders_largest_first():
    h, q = linear.eigen_directions([[0.0, 3.0], [0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(h, [10 / 3, 1 / 3])
    np.testing.assert_allclose(np.abs(q[:, 0]), [0.0, 1.0])


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ([1.0, 2.0], ValueError, "shape \\(n, d\\)"),
        (np.zeros((0, 2)), ValueError, "n >= 1"),
        ([["a", "b"]], TypeError, "x must be a numeric"),
    ],
)
def test_eigen_directions_checks_x(x, error, match):
    with pytest.raises(error, match=match):
        linear.eigen_directions(x)


def test_ridge_shrinkage_by_value():
    np.testing.assert_allclose(
        linear.ridge_shrinkage([1.0, 0.1, 0.0], 0.1), [1 / 1.1, 0.5, 0.0]
    )
    assert linear.ridge_shrinkage([0.0, 2.0], 0.0).tolist() == [1.0, 1.0]
    assert linear.ridge_shrinkage(3.0, 1.0) == pytest.approx(0.75)


def test_ridge_shrinkage_checks():
    with pytest.raises(ValueError, match="curvature"):
        linear.ridge_shrinkage([-0.1], 1.0)
    with pytest.raises(ValueError, match="curvature"):
        linear.ridge_shrinkage([np.nan], 1.0)
    with pytest.raises(TypeError, match="curvature"):
        linear.ridge_shrinkage(["a"], 1.0)
    with pytest.raises(ValueError, match="factor"):
        linear.ridge_shrinkage([1.0], -1e-9)
    assert linear.ridge_shrinkage([0.0], 0.0).tolist() == [1.0]


def test_descent_shrinkage_by_value():
    np.testing.assert_allclose(
        linear.descent_shrinkage(1.0, 0.25, [0, 1, 2, 3]),
        [0.0, 0.5, 0.75, 0.875],
    )
    np.testing.assert_allclose(
        linear.descent_shrinkage([2.0, 0.5], 0.1, 2), [1 - 0.6**2, 1 - 0.9**2]
    )


def test_descent_shrinkage_checks():
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        linear.descent_shrinkage(1.0, 0.0, 1)
    with pytest.raises(TypeError, match="steps must be integers"):
        linear.descent_shrinkage(1.0, 0.1, 1.5)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        linear.descent_shrinkage(1.0, 0.1, [-1])
    assert linear.descent_shrinkage(1.0, 1e-300, 0) == 0.0


def test_stopping_factor_by_value():
    np.testing.assert_allclose(
        linear.stopping_factor(0.1, [5, 50, 1]), [1.0, 0.1, 5.0]
    )
    with pytest.raises(ValueError, match="steps must be >= 1"):
        linear.stopping_factor(0.1, [0, 1])
    with pytest.raises(ValueError, match="learning_rate"):
        linear.stopping_factor(-0.1, 1)


def test_ridge_path_by_value():
    path = linear.ridge_path(X, Y, [0.0, 0.5, 2.0])
    # per direction c / (h + f), with h = (2, 0.5) and c = (2, 0.5)
    expected = [[1.0, 1.0], [2 / 2.5, 0.5 / 1.0], [2 / 4.0, 0.5 / 2.5]]
    np.testing.assert_allclose(path, expected)


def test_ridge_path_matches_the_direct_solve():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4))
    y = rng.normal(size=(30, 1))
    for f in (0.0, 0.01, 1.0):
        kernel, _ = ridge_solution(x, y, f, fit_intercept=False)
        np.testing.assert_allclose(
            linear.ridge_path(x, y, [f])[0], kernel[:, 0], atol=1e-12
        )


def test_ridge_path_checks():
    with pytest.raises(ValueError, match="collinear"):
        linear.ridge_path([[1.0, 1.0], [2.0, 2.0]], [1.0, 2.0], [0.0])
    np.testing.assert_allclose(
        linear.ridge_path([[1.0, 1.0], [2.0, 2.0]], [1.0, 2.0], [0.5]),
        [[5 / 11, 5 / 11]],  # (H + f I) w = c: 5.5 a = 2.5
    )
    with pytest.raises(ValueError, match="y must have shape \\(2,\\)"):
        linear.ridge_path(X, [1.0, 2.0, 3.0], [0.1])
    with pytest.raises(ValueError, match="factors"):
        linear.ridge_path(X, Y, [0.1, -0.1])
    with pytest.raises(TypeError, match="y must be a numeric"):
        linear.ridge_path(X, ["a", "b"], [0.1])
    # y of shape (n, 1) is the same as (n,)
    np.testing.assert_array_equal(
        linear.ridge_path(X, Y[:, None], [0.1]), linear.ridge_path(X, Y, [0.1])
    )


def test_descent_path_is_gradient_descent():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3)) * [1.0, 0.5, 0.1]
    y = rng.normal(size=20)
    steps = np.arange(41)
    np.testing.assert_allclose(
        linear.descent_path(x, y, 0.2, steps),
        descend(x, y, 0.2, 40),
        atol=1e-13,
    )
    np.testing.assert_allclose(
        linear.descent_path(X, Y, 0.1, [0, 1, 2]),
        [[0.0, 0.0], [0.4, 0.1], [0.64, 0.19]],
    )


def test_descent_path_along_a_flat_direction():
    # x has no variance along its second column: h = 0 there, and c = 0
    x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    path = linear.descent_path(x, [1.0, -1.0], 0.25, [0, 1, 2])
    np.testing.assert_allclose(path, [[0.0, 0.0], [0.5, 0.0], [0.75, 0.0]])
    np.testing.assert_allclose(path, descend(x, np.array([1.0, -1.0]), 0.25, 2))


def test_descent_path_approaches_least_squares():
    far = linear.descent_path(X, Y, 0.1, [2000])[0]
    np.testing.assert_allclose(far, [1.0, 1.0])


def test_noisy_input_hessian_by_value():
    np.testing.assert_allclose(
        linear.noisy_input_hessian([[1.0], [-1.0]], 0.5),
        [[2.5, 0.0], [0.0, 2.0]],
    )
    np.testing.assert_allclose(
        linear.noisy_input_hessian([[1.0, 2.0]], 0.0),
        2 * np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]),
    )
    with pytest.raises(ValueError, match="noise"):
        linear.noisy_input_hessian([[1.0]], -0.1)


def test_noisy_gradient_covariance_by_hand():
    # one row, x = 1, y = 0, w = 1, b = 0, sigma = 1: g = 2 (1 + e) (1 + e, 1)
    # Var(2 (1 + e)^2) = 24, Var(2 (1 + e)) = 4, their covariance 8.
    np.testing.assert_allclose(
        linear.noisy_input_gradient_covariance([[1.0]], [0.0], [1.0], 0.0, 1.0),
        [[24.0, 8.0], [8.0, 4.0]],
    )
    # without noise the gradient is certain
    np.testing.assert_array_equal(
        linear.noisy_input_gradient_covariance(
            [[1.0, 2.0]], [1.0], [0.5, 0.5], 0.1, 0.0
        ),
        np.zeros((3, 3)),
    )


def test_noisy_gradient_covariance_matches_monte_carlo():
    rng = np.random.default_rng(2)
    n, d, sigma = 5, 2, 0.7
    x, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, b = np.array([0.5, -1.0]), 0.3
    exact = linear.noisy_input_gradient_covariance(x, y, w, b, sigma)
    draws = 100_000
    noisy = x[None] + sigma * rng.normal(size=(draws, n, d))
    e = noisy @ w + b - y
    g = np.concatenate(
        [2 / n * np.einsum("kr,kri->ki", e, noisy), 2 / n * e.sum(1)[:, None]],
        axis=1,
    )
    np.testing.assert_allclose(np.cov(g.T), exact, rtol=0.03, atol=0.01)


def test_noisy_gradient_covariance_checks():
    with pytest.raises(ValueError, match="kernel must hold d = 2"):
        linear.noisy_input_gradient_covariance(X, Y, [1.0], 0.0, 0.1)
    with pytest.raises(ValueError, match="noise"):
        linear.noisy_input_gradient_covariance(X, Y, [1.0, 1.0], 0.0, -1.0)
    # a (d, 1) kernel, as Dense.get_weights() gives it, is accepted
    np.testing.assert_array_equal(
        linear.noisy_input_gradient_covariance(X, Y, [[1.0], [1.0]], 0.0, 0.1),
        linear.noisy_input_gradient_covariance(X, Y, [1.0, 1.0], 0.0, 0.1),
    )


def test_sgd_jitter_by_value():
    # scalar: eta^2 s / (1 - (1 - eta a)^2) = 0.25 / 0.75
    np.testing.assert_allclose(
        linear.sgd_jitter([[1.0]], [[1.0]], 0.5), [[1 / 3]]
    )
    # diagonal: each entry on its own
    np.testing.assert_allclose(
        linear.sgd_jitter(np.diag([1.0, 2.0]), np.diag([1.0, 1.0]), 0.25),
        np.diag([0.0625 / (1 - 0.75**2), 0.0625 / (1 - 0.5**2)]),
    )


def test_sgd_jitter_solves_the_stationary_equation():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(3, 3))
    a = m @ m.T + np.eye(3)
    s = np.cov(rng.normal(size=(3, 50)))
    eta = 0.9 / np.linalg.eigvalsh(a).max()
    sigma = linear.sgd_jitter(a, s, eta)
    step = np.eye(3) - eta * a
    np.testing.assert_allclose(
        sigma, step @ sigma @ step + eta**2 * s, rtol=1e-10, atol=1e-12
    )


def test_sgd_jitter_checks_the_step():
    # eta * a = 2 is not stable, just below is
    assert linear.sgd_jitter([[1.0]], [[1.0]], 1.999)[0, 0] > 0
    with pytest.raises(ValueError, match="learning_rate 2 is not a stable"):
        linear.sgd_jitter([[1.0]], [[1.0]], 2.0)
    with pytest.raises(ValueError, match="square and of one shape"):
        linear.sgd_jitter(np.eye(2), np.eye(3), 0.1)
    with pytest.raises(ValueError, match="square and of one shape"):
        linear.sgd_jitter(np.ones((2, 3)), np.ones((2, 3)), 0.1)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        linear.sgd_jitter(np.eye(2), np.eye(2), 0.0)


# Mutation survivors (benchmarks/mutation/results.md): each test below pins a
# behaviour that a planted bug changed without any test noticing.


def test_x_of_three_axes_is_rejected():
    with pytest.raises(ValueError, match="x must have shape \\(n, d\\)"):
        linear.eigen_directions(np.ones((2, 2, 2)))


@pytest.mark.parametrize(
    ("y", "shape"),
    [
        (np.ones((2, 2)), "(2, 2)"),  # two columns: not one target
        (np.ones((2, 0)), "(2, 0)"),  # no column at all
        (np.ones((2, 1, 1)), "(2, 1, 1)"),  # three axes
        ([1.0], "(1,)"),  # shorter than x
        (1.0, "()"),  # a scalar
    ],
)
def test_y_of_a_wrong_shape_is_rejected(y, shape):
    match = r"y must have shape \(2,\) or \(2, 1\).*got shape "
    match += re.escape(shape)
    with pytest.raises(ValueError, match=match):
        linear.ridge_path(X, y, [0.1])
    with pytest.raises(ValueError, match=match):
        linear.noisy_input_gradient_covariance(X, y, [1.0, 1.0], 0.0, 0.1)


def test_curvatures_are_never_negative():
    # rank-1 inputs: the exact curvatures are 0 but eigh's come out as small
    # numbers of either sign; eigen_directions clips them to 0
    raw, clipped = [], []
    for seed in range(20):
        r = np.random.default_rng(seed).normal(size=(3, 1))
        x = np.hstack([r, 2 * r, r / 3])
        raw.append(np.linalg.eigvalsh(x.T @ x / 3).min())
        clipped.append(linear.eigen_directions(x)[0])
    assert min(raw) < 0  # the case the clipping is for does occur
    assert all(np.all(h >= 0.0) for h in clipped)


def test_descent_path_along_a_flat_direction_warns_of_nothing():
    # h = 0 along the second column: the closed form c (1 - (1 - 2 eta h)^t)
    # / h is 0 / 0 there, and must not be computed (no RuntimeWarning)
    x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = linear.descent_path(x, [1.0, -1.0], 0.25, [0, 3])
    np.testing.assert_allclose(path, [[0.0, 0.0], [0.875, 0.0]])


def test_descent_path_with_a_large_learning_rate():
    # h = (1e-4, 0); with eta = 5000 one step settles the first direction:
    # w = c / h = 0.01 / 1e-4 = 100, and the flat one stays at 0
    x = np.array([[0.01, 0.0], [-0.01, 0.0]])
    y = np.array([1.0, -1.0])
    path = linear.descent_path(x, y, 5000.0, [0, 1, 1000])
    np.testing.assert_allclose(path, [[0, 0], [100, 0], [100, 0]], atol=1e-9)
    np.testing.assert_allclose(path[:2], descend(x, y, 5000.0, 1), atol=1e-9)


def test_noisy_input_hessian_by_hand():
    # x = [[0.5, 1], [1.5, 0]], n = 2, sigma = 2: A^T A / n with A = [x 1]
    # is [[1.25, 0.25, 1], [0.25, 0.5, 0.5], [1, 0.5, 1]], plus sigma^2 = 4
    # on the two kernel entries of the diagonal (not on the bias)
    x = [[0.5, 1.0], [1.5, 0.0]]
    expected = 2 * np.array(
        [[1.25 + 4, 0.25, 1.0], [0.25, 0.5 + 4, 0.5], [1.0, 0.5, 1.0]]
    )
    np.testing.assert_allclose(linear.noisy_input_hessian(x, 2.0), expected)


def test_kernel_longer_than_the_columns_is_rejected():
    with pytest.raises(ValueError, match=r"kernel must hold d = 2.*\(3,\)"):
        linear.noisy_input_gradient_covariance(X, Y, [1.0, 1.0, 1.0], 0.0, 0.1)


def test_sgd_jitter_checks_the_shapes_both_ways():
    # a smaller gradient_covariance than the hessian
    with pytest.raises(ValueError, match="got \\(3, 3\\) and \\(2, 2\\)"):
        linear.sgd_jitter(np.eye(3), np.eye(2), 0.1)
    # a tall hessian (more rows than columns), however shaped its partner
    with pytest.raises(ValueError, match="square and of one shape"):
        linear.sgd_jitter(np.ones((3, 2)), np.ones((3, 2)), 0.1)


def test_sgd_jitter_of_a_large_matrix():
    # dimensions above 256 (Python caches small ints only): still square
    sigma = linear.sgd_jitter(np.eye(257), np.eye(257), 0.5)
    np.testing.assert_allclose(sigma, np.eye(257) / 3)


@pytest.mark.parametrize("learning_rate", [2.5, 3.0, 10.0])
def test_sgd_jitter_rejects_an_overshooting_step(learning_rate):
    # eta a > 2: every step overshoots further, no stationary covariance
    with pytest.raises(ValueError, match="is not a stable step"):
        linear.sgd_jitter([[1.0]], [[1.0]], learning_rate)


def test_sgd_jitter_rejects_a_negative_curvature():
    # eta a < 0: the step moves away from the minimum
    with pytest.raises(ValueError, match="is not a stable step"):
        linear.sgd_jitter(np.diag([1.0, -0.5]), np.eye(2), 0.1)


def test_descent_path_along_a_nearly_flat_direction():
    # h = 1e-18 along the first column: 1 - (1 - 2 eta h)^t is 0 in floating
    # point, yet gradient descent moves the weight by about 2 eta t c per the
    # step count, as it does along an exactly flat direction
    x = np.array([[1e-9, 0.0], [-1e-9, 0.0]])
    y = np.array([1.0, -1.0])
    path = linear.descent_path(x, y, 0.25, [0, 1, 3])
    np.testing.assert_allclose(path[:, 0], [0.0, 5e-10, 1.5e-9], rtol=1e-12)
    np.testing.assert_allclose(
        path, descend(x, y, 0.25, 3)[[0, 1, 3]], rtol=1e-12, atol=0
    )


def test_descent_path_with_an_overshooting_step_that_still_converges():
    # h = (2, 0.5) and eta = 0.375: 2 eta h = 1.5 along the first direction,
    # so (1 - 2 eta h)^t = (-0.5)^t alternates in sign and the weight zigzags
    # to its limit; the second direction (2 eta h = 0.375) creeps up to it
    path = linear.descent_path(X, Y, 0.375, [0, 1, 2, 3, 2000])
    np.testing.assert_allclose(
        path[:4], descend(X, Y, 0.375, 3), rtol=1e-12, atol=1e-15
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log of a negative, no overflow
        far = linear.descent_path(X, Y, 0.375, [2000])
    np.testing.assert_allclose(far[0], path[-1])
    np.testing.assert_allclose(far[0], linear.ridge_path(X, Y, [0.0])[0])
