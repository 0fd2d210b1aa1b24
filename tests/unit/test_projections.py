"""Tests of regbook.penalties.project_rows: many projections at once."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from regbook import penalties as P


def points(n=300, d=5, seed=0, dtype=np.float64):
    """Points at distances from 0 to 3: some inside the unit balls, most not."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(n, d)) * rng.uniform(0, 3, size=(n, 1))
    return c.astype(dtype)


@pytest.mark.parametrize("d", [1, 2, 3, 10, 100])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "ball, one", [("l1", P.project_l1_ball), ("l2", P.project_l2_ball)]
)
def test_each_row_is_its_own_projection(d, dtype, ball, one):
    c = points(d=d, dtype=dtype)
    out = P.project_rows(c, 1.5, ball=ball)
    assert out.dtype == dtype and out.shape == c.shape
    expected = np.array([one(row, 1.5) for row in c])
    tol = 1e-6 if dtype == np.float32 else 1e-15  # thresholds in float32
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


def test_by_value():
    np.testing.assert_array_equal(
        P.project_rows(np.array([[2.0, 0.5], [0.3, 0.2], [-1.0, 3.0]])),
        [[1.0, 0.0], [0.3, 0.2], [0.0, 1.0]],
    )
    np.testing.assert_allclose(
        P.project_rows(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0, ball="l2"),
        [[0.6, 0.8], [0.3, 0.4]],
    )
    # a tie: both coordinates keep half the radius
    np.testing.assert_array_equal(
        P.project_rows(np.array([[2.0, -2.0]]), 1.0), [[0.5, -0.5]]
    )


def test_l1_lands_on_the_surface_by_soft_thresholding():
    c = points(d=20)
    outside = np.abs(c).sum(axis=1) > 1.0
    p = P.project_rows(c, 1.0)
    np.testing.assert_allclose(np.abs(p[outside]).sum(axis=1), 1.0)
    for row, proj in zip(c[outside], p[outside], strict=True):
        kept = proj != 0
        theta = np.abs(row[kept]) - np.abs(proj[kept])
        np.testing.assert_allclose(theta, theta[0], atol=1e-12)  # one shift
        assert np.all(np.abs(row[~kept]) <= theta[0] + 1e-12)
        assert np.all(np.sign(proj[kept]) == np.sign(row[kept]))


def test_points_inside_stay_and_l2_makes_no_zeros():
    c = points()
    for ball, norm in (("l1", 1), ("l2", 2)):
        inside = np.linalg.norm(c, ord=norm, axis=1) <= 1.0
        out = P.project_rows(c, 1.0, ball=ball)
        np.testing.assert_array_equal(out[inside], c[inside])
    assert np.all(P.project_rows(c, 1.0, ball="l2") != 0)
    assert np.any(P.project_rows(c, 1.0, ball="l1") == 0)


def test_radius_zero_and_integer_points():
    c = np.array([[1, -2], [0, 0]])
    for ball in P.BALLS:
        out = P.project_rows(c, 0.0, ball=ball)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, np.zeros((2, 2)))
    np.testing.assert_array_equal(P.project_rows(c, 10), c)


def test_defaults_are_the_unit_l1_ball():
    params = inspect.signature(P.project_rows).parameters
    assert params["radius"].default == 1.0 and params["ball"].default == "l1"
    assert P.BALLS == ("l1", "l2")
    c = points()
    np.testing.assert_array_equal(
        P.project_rows(c), P.project_rows(c, 1.0, ball="l1")
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(points=np.ones(3)), ValueError, "points must have shape"),
        (dict(points=np.ones((2, 2, 2))), ValueError, "points must have"),
        (dict(points=np.array([["a"]])), TypeError, "weights must be numeric"),
        (dict(points=np.array([[np.nan]])), ValueError, "NaN"),
        (dict(points=np.array([[np.inf]])), ValueError, "NaN or infinite"),
        (dict(radius=-1.0), ValueError, "radius"),
        (dict(radius=np.inf), ValueError, "radius"),
        (dict(radius="1"), TypeError, "radius"),
        (dict(ball="l3"), ValueError, "ball"),
        (dict(ball="L1"), ValueError, "ball"),
        (dict(ball=1), TypeError, "ball"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    args = dict(points=np.ones((2, 2)), radius=1.0, ball="l1") | kwargs
    with pytest.raises(error, match=match):
        P.project_rows(args.pop("points"), **args)
