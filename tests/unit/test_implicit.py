"""regbook.implicit by value: the toy's loss, gradient and Hessian, gradient
descent and the Runge-Kutta step written out, the modified field's formula,
the orders of the two flows' errors, and every argument check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regbook import implicit


def test_product_loss_gradient_hessian_by_hand():
    assert float(implicit.product_loss([2.0, 1.0])) == 0.5
    assert implicit.product_gradient([2.0, 1.0]).tolist() == [1.0, 2.0]
    assert implicit.product_hessian([2.0, 1.0]).tolist() == [
        [1.0, 3.0],
        [3.0, 4.0],
    ]
    # at a minimum the gradient vanishes and the Hessian is (b, a)(b, a)^T
    assert implicit.product_gradient([0.5, 2.0]).tolist() == [0.0, 0.0]
    assert implicit.product_hessian([0.5, 2.0]).tolist() == [
        [4.0, 1.0],
        [1.0, 0.25],
    ]


def test_gradient_and_hessian_match_finite_differences():
    theta, h = np.array([1.3, -0.4]), 1e-6
    for i in range(2):
        e = np.eye(2)[i] * h
        slope = (
            implicit.product_loss(theta + e) - implicit.product_loss(theta - e)
        ) / (2 * h)
        assert math.isclose(
            slope, implicit.product_gradient(theta)[i], rel_tol=1e-7
        )
        column = (
            implicit.product_gradient(theta + e)
            - implicit.product_gradient(theta - e)
        ) / (2 * h)
        np.testing.assert_allclose(
            column, implicit.product_hessian(theta)[:, i], rtol=1e-7
        )


def test_batches_of_points():
    thetas = np.array([[2.0, 1.0], [0.5, 2.0], [1.0, 1.0]])
    assert implicit.product_loss(thetas).tolist() == [0.5, 0.0, 0.0]
    assert implicit.product_gradient(thetas).shape == (3, 2)
    assert implicit.product_hessian(thetas).shape == (3, 2, 2)


def test_points_need_two_coordinates():
    for fn in (
        implicit.product_loss,
        implicit.product_gradient,
        implicit.product_hessian,
    ):
        with pytest.raises(ValueError, match="theta"):
            fn([1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="theta"):
            fn([1.0])


def test_descent_step_by_step():
    path = implicit.descent(implicit.product_gradient, [2.0, 1.0], 0.1, 2)
    first = np.array([2.0, 1.0]) - 0.1 * np.array([1.0, 2.0])  # (1.9, 0.8)
    g = 1.9 * 0.8 - 1
    second = first - 0.1 * g * np.array([0.8, 1.9])
    np.testing.assert_allclose(path, [[2.0, 1.0], first, second], rtol=1e-15)
    assert implicit.descent(lambda t: t, [1.0], 0.5, 1).ravel().tolist() == [
        1.0,
        0.5,
    ]


def test_descent_shrinks_the_balance_by_the_stated_factor():
    eta = 0.3
    path = implicit.descent(implicit.product_gradient, [2.0, 0.1], eta, 20)
    balance = path[:, 0] ** 2 - path[:, 1] ** 2
    g = path[:-1, 0] * path[:-1, 1] - 1
    np.testing.assert_allclose(balance[1:], balance[:-1] * (1 - eta**2 * g**2))


def test_one_runge_kutta_step_by_hand():
    # y' = -y: one RK4 step multiplies y by 1 - h + h^2/2 - h^3/6 + h^4/24
    h = 0.3
    path = implicit.flow(lambda t: -t, [2.0], h, 1)
    factor = 1 - h + h**2 / 2 - h**3 / 6 + h**4 / 24
    assert math.isclose(path[1, 0], 2.0 * factor, rel_tol=1e-15)
    assert path.shape == (2, 1)
    # y' = t-independent constant: exact
    path = implicit.flow(lambda t: np.ones_like(t), [0.0], 0.25, 4)
    np.testing.assert_allclose(path[:, 0], [0.0, 0.25, 0.5, 0.75, 1.0])


def test_flow_is_fourth_order():
    exact = math.exp(-1)
    errors = [
        abs(implicit.flow(lambda t: -t, [1.0], 1 / n, n)[-1, 0] - exact)
        for n in (10, 20)
    ]
    assert 14 < errors[0] / errors[1] < 18  # 2**4 = 16


def test_modified_field_by_value():
    field = implicit.modified_field(
        implicit.product_gradient, implicit.product_hessian, 0.1
    )
    # g = (1, 2), H g = (7, 11): -(1, 2) - 0.05 (7, 11)
    np.testing.assert_allclose(field(np.array([2.0, 1.0])), [-1.35, -2.55])
    plain = implicit.modified_field(
        implicit.product_gradient, implicit.product_hessian, 0.0
    )
    np.testing.assert_allclose(plain(np.array([2.0, 1.0])), [-1.0, -2.0])


def test_modified_field_is_minus_the_gradient_of_the_modified_loss():
    eta, theta, h = 0.2, np.array([1.7, 0.3]), 1e-6

    def modified_loss(t):
        g = implicit.product_gradient(t)
        return implicit.product_loss(t) + eta / 4 * g @ g

    field = implicit.modified_field(
        implicit.product_gradient, implicit.product_hessian, eta
    )
    numeric = [
        -(modified_loss(theta + e) - modified_loss(theta - e)) / (2 * h)
        for e in np.eye(2) * h
    ]
    np.testing.assert_allclose(field(theta), numeric, rtol=1e-6)


def test_modified_flow_tracks_descent_to_second_order():
    start, time, errors = np.array([2.0, 0.3]), 1.0, []
    for eta in (0.04, 0.02):
        k = round(time / eta)
        gd = implicit.descent(implicit.product_gradient, start, eta, k)
        row = []
        for e in (0.0, eta):
            field = implicit.modified_field(
                implicit.product_gradient, implicit.product_hessian, e
            )
            path = implicit.flow(field, start, eta / 10, 10 * k)[::10]
            row.append(np.abs(gd - path).max())
        errors.append(row)
    plain, modified = np.log2(np.array(errors[0]) / np.array(errors[1]))
    assert 0.8 < plain < 1.2
    assert 1.8 < modified < 2.2


@pytest.mark.parametrize("fn", [implicit.descent, implicit.flow])
def test_step_and_steps_are_checked(fn):
    grad = implicit.product_gradient
    assert fn(grad, [1.0, 1.0], 1e-300, 1).shape == (2, 2)  # just inside
    with pytest.raises(ValueError, match="steps"):
        fn(grad, [1.0, 1.0], 0.1, 0)
    with pytest.raises(TypeError, match="steps"):
        fn(grad, [1.0, 1.0], 0.1, 2.0)
    with pytest.raises(TypeError, match="steps"):
        fn(grad, [1.0, 1.0], 0.1, True)
    name = "learning_rate" if fn is implicit.descent else "step must"
    for bad in (0.0, -0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match=name):
            fn(grad, [1.0, 1.0], bad, 1)


def test_modified_field_checks_eta():
    g, h = implicit.product_gradient, implicit.product_hessian
    implicit.modified_field(g, h, 0.0)  # the plain flow: allowed
    for bad in (-1e-12, math.nan, math.inf):
        with pytest.raises(ValueError, match="eta"):
            implicit.modified_field(g, h, bad)
