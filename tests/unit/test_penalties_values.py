"""regbook.penalties by value, with NumPy alone: the defaults pinned (not only
where Keras is installed), lists of one array, thresholds that are not numbers,
the edges of the balls.

Written so that a small change to the module (a constant, a comparison, an
operator: see benchmarks/mutation/) makes one of these tests fail."""

from __future__ import annotations

import numpy as np
import pytest

from regbook import penalties as P

W = np.array([[0.5, -2.0], [0.0, 1.5]])


def test_default_factors_are_keras_defaults():
    """Keras' L1() and L2() default to 0.01; so do these, and l1_l2 uses 0.01
    for both (unlike Keras' L1L2(), whose factors default to 0)."""
    assert P.l1(W) == pytest.approx(0.01 * 4.0)
    assert P.l2(W) == pytest.approx(0.01 * 6.5)
    assert P.l1_l2(W) == pytest.approx(0.01 * 4.0 + 0.01 * 6.5)
    np.testing.assert_allclose(P.l1_grad(W), 0.01 * np.sign(W))
    np.testing.assert_allclose(P.l2_grad(W), 0.02 * W)
    np.testing.assert_allclose(P.l1_l2_grad(W), 0.01 * np.sign(W) + 0.02 * W)


def test_each_factor_of_l1_l2_acts_on_its_own_term():
    assert P.l1_l2(W, l1_factor=0.5, l2_factor=0.0) == 2.0
    assert P.l1_l2(W, l1_factor=0.0, l2_factor=0.5) == 3.25
    assert P.l1_l2(W, 0.5) == pytest.approx(2.0 + 0.065)
    np.testing.assert_allclose(P.l1_l2_grad(W, 0.5, 0.0), 0.5 * np.sign(W))
    np.testing.assert_allclose(P.l1_l2_grad(W, 0.0, 0.5), W)
    np.testing.assert_allclose(
        P.l1_l2_grad(W, 0.5), 0.5 * np.sign(W) + 0.02 * W
    )
    with pytest.raises(ValueError, match="l2_factor"):
        P.l1_l2(W, 0.1, -1.0)
    with pytest.raises(ValueError, match="l2_factor"):
        P.l1_l2_grad(W, 0.1, -1.0)
    with pytest.raises(ValueError, match="l1_factor"):
        P.l1_l2_grad(W, -1.0, 0.1)


def test_gradient_values():
    np.testing.assert_array_equal(P.l1_grad(W, 0.3), [[0.3, -0.3], [0.0, 0.3]])
    np.testing.assert_array_equal(P.l2_grad(W, 0.25), [[0.25, -1.0], [0, 0.75]])


def test_factors_of_any_real_type_and_zero():
    assert P.l2(W, np.int64(2)) == 13.0
    assert P.l2(W, np.float32(0.5)) == 3.25
    assert P.l1(W, 0) == 0.0 and P.l2(W, 0.0) == 0.0
    assert P.l2_textbook_factor(0) == 0.0
    assert P.l2_textbook_factor(np.float64(0.25)) == 0.5
    for bad in (np.nan, -np.inf, -1e-300):
        with pytest.raises(ValueError, match="factor must be a finite number"):
            P.l1(W, bad)
    with pytest.raises(
        TypeError, match="factor must be a real number, got str"
    ):
        P.l1(W, "0.1")
    with pytest.raises(TypeError, match="got bool"):
        P.l2(W, True)


# --- lists of arrays ----------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [P.l1_grad, P.l2_grad, P.l1_l2_grad, P.soft_threshold]
)
def test_a_list_of_one_array_gives_a_list_of_one_array(fn):
    w = np.array([1.0, -2.0, 3.0])
    args = (0.5,) if fn is not P.l1_l2_grad else (0.5, 0.5)
    out = fn([w], *args)
    assert isinstance(out, list) and len(out) == 1
    np.testing.assert_array_equal(out[0], fn(w, *args))
    out = fn((w, w[:2]), *args)  # a tuple of arrays, too
    assert isinstance(out, list) and [a.shape for a in out] == [(3,), (2,)]


def test_values_of_a_list_of_one_array():
    assert P.l1([np.array([1.0, -2.0])], 1.0) == 3.0
    assert P.l2([np.array([1.0, -2.0])], 1.0) == 5.0


class FakeTensor:
    """Quacks like a TensorFlow or Keras tensor: numpy() and __array__."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float32)

    def numpy(self):
        return self.values

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def test_a_list_of_tensors_is_a_list_of_weights():
    tensors = [FakeTensor([1.0, -1.0]), FakeTensor([[2.0], [0.0]])]
    grads = P.l2_grad(tensors, 0.5)
    assert isinstance(grads, list) and [g.shape for g in grads] == [
        (2,),
        (2, 1),
    ]
    assert grads[1].dtype == np.float32
    assert P.l1(tensors, 1.0) == 4.0


def test_a_list_of_numbers_is_one_array_and_an_empty_list_holds_nothing():
    out = P.l2_grad([1.0, -2.0], 0.5)
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, -2.0]
    mixed = P.l1_grad([np.float64(1.0), 2.0], 1.0)  # numbers, not arrays
    assert isinstance(mixed, np.ndarray)
    assert P.l1([], 1.0) == 0.0 and P.l2_grad([], 1.0).shape == (0,)


def test_weights_that_are_not_numbers():
    for bad in (np.array([True, False]), np.array(["1"]), [np.array(["a"])]):
        with pytest.raises(TypeError, match="weights must be numeric arrays"):
            P.l2(bad)
    with pytest.raises(TypeError, match="got dtype bool"):
        P.l1_grad(np.array([True]))
    assert P.l2(np.array([1, 2], dtype=np.uint8), 1.0) == 5.0


# --- thresholds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "threshold",
    [
        np.nan,
        np.inf,
        np.array(np.nan),
        np.array([0.5, np.nan]),
        np.array([np.inf, 1.0]),
    ],
    ids=["nan", "inf", "0-d nan", "array nan", "array inf"],
)
def test_thresholds_must_be_finite(threshold):
    with pytest.raises(ValueError, match="threshold"):
        P.soft_threshold(np.ones(2), threshold)


def test_threshold_forms():
    w = np.array([-2.0, 0.5, 3.0])
    expected = [-1.0, 0.0, 2.0]
    for t in (1, 1.0, np.float32(1.0), np.array(1.0), np.array([1, 1, 1])):
        np.testing.assert_array_equal(P.soft_threshold(w, t), expected)
    assert P.soft_threshold(w, np.array([0, 0, 0])).dtype == np.float64
    np.testing.assert_array_equal(P.soft_threshold(w, 0.0), w)
    # A threshold of exactly |w| gives exactly zero, not a sign flip.
    np.testing.assert_array_equal(
        P.soft_threshold(np.array([0.5, -0.5]), 0.5), [0.0, 0.0]
    )
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        P.soft_threshold(w, np.array(-0.1))
    with pytest.raises(TypeError, match="threshold must be real numbers"):
        P.soft_threshold(w, np.array([True, False, True]))


# --- projections --------------------------------------------------------------


def test_projections_default_radius_is_one():
    np.testing.assert_allclose(P.project_l1_ball(np.array([2.0, 0.5])), [1, 0])
    np.testing.assert_allclose(
        P.project_l2_ball(np.array([3.0, 4.0])), [0.6, 0.8]
    )


def test_points_on_the_surface_stay_and_copies_are_returned():
    for project, v in (
        (P.project_l1_ball, np.array([0.25, -0.75])),
        (P.project_l2_ball, np.array([0.6, -0.8])),
    ):
        out = project(v, 1.0)
        np.testing.assert_allclose(out, v, rtol=1e-15)
        assert out is not v


def test_project_l1_ball_by_value():
    # Magnitudes 3, 2, 1, 0.5 onto radius 2: theta = (3 + 2 - 2) / 2 = 1.5,
    # which keeps the two largest.
    v = np.array([[-1.0, 3.0], [0.5, -2.0]])
    np.testing.assert_allclose(
        P.project_l1_ball(v, 2.0), [[0.0, 1.5], [0.0, -0.5]]
    )
    # One coordinate far larger: all of the radius goes to it.
    np.testing.assert_allclose(
        P.project_l1_ball(np.array([0.1, 10.0, -0.2]), 1.0), [0, 1.0, 0]
    )
    # Equal magnitudes share the radius.
    np.testing.assert_allclose(
        P.project_l1_ball(np.array([2.0, -2.0, 2.0]), 3.0), [1.0, -1.0, 1.0]
    )
    # Integers give float64; the radius 0 gives zeros of the same shape.
    out = P.project_l1_ball(np.array([3, 1]), 2.0)
    assert out.dtype == np.float64 and out.tolist() == [2.0, 0.0]
    zero = P.project_l1_ball(np.ones((2, 3), dtype=np.float32), 0.0)
    assert zero.shape == (2, 3) and zero.dtype == np.float32 and not zero.any()


def test_project_l2_ball_by_value():
    v = np.array([[6.0], [-8.0]], dtype=np.float32)
    out = P.project_l2_ball(v, 5.0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[3.0], [-4.0]])
    assert P.project_l2_ball(np.array([3, 4]), 10.0).dtype == np.float64
    assert not P.project_l2_ball(np.array([3.0, 4.0]), 0.0).any()


def test_integer_arrays_give_float_gradients_by_value():
    # Only float arrays take the short path; integers become float64 first.
    out = P.l2_grad(np.array([1, 2]), 0.25)
    assert out.dtype == np.float64 and out.tolist() == [0.5, 1.0]
    assert P.l1_grad(np.array([3, 0, 1], dtype=np.uint8), 0.5).tolist() == [
        0.5,
        0.0,
        0.5,
    ]
    assert P.soft_threshold(np.array([3, -1]), 0.5).tolist() == [2.5, -0.5]
    with pytest.raises(TypeError, match="weights must be numeric arrays"):
        P.l1_grad(np.array(["1", "2"]))
