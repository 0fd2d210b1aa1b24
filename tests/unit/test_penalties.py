"""Tests of regbook.penalties: values, finite-difference gradients, errors."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from regbook import penalties as P
from regbook.notebook import parse_version

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
    assert P.l1_l2(w, 0.1, 0.2) == pytest.approx(
        0.1 * np.abs(w).sum() + 0.2 * (w**2).sum()
    )


def test_small_examples_and_lists_of_arrays():
    assert P.l1(np.array([1.0, -2.0]), 0.5) == 1.5
    assert P.l2(np.array([1.0, -2.0]), 0.5) == 2.5
    assert P.l2([np.ones((2, 2)), np.ones(3)], 1.0) == 7.0
    assert P.l1([1, -2, 3], 1.0) == 6.0  # plain lists and ints work


@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_finite_differences(shape):
    w = RNG.normal(size=shape)
    w[np.abs(w) < 1e-3] = 0.5  # keep away from the kink of |w|
    np.testing.assert_allclose(
        P.l1_grad(w, 0.3), numerical_grad(lambda v: P.l1(v, 0.3), w), atol=1e-6
    )
    np.testing.assert_allclose(
        P.l2_grad(w, 0.3), numerical_grad(lambda v: P.l2(v, 0.3), w), atol=1e-6
    )
    np.testing.assert_allclose(
        P.l1_l2_grad(w, 0.1, 0.2),
        numerical_grad(lambda v: P.l1_l2(v, 0.1, 0.2), w),
        atol=1e-6,
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
        assert P.soft_threshold(np.array([v]), 0.7)[0] == pytest.approx(
            grid[objective.argmin()], abs=1e-4
        )


def test_textbook_conversion():
    assert P.l2_textbook_factor(0.01) == 0.02


@pytest.mark.parametrize(
    "factor, error",
    [
        (-0.1, ValueError),
        (np.inf, ValueError),
        ("0.1", TypeError),
        (None, TypeError),
        (True, TypeError),
    ],
)
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


# --- Several dtypes: finite differences ---------------------------------------

DTYPES = [np.float32, np.float64]
#: Central differences in float32 need a larger step (rounding of w +- eps) and
#: a looser tolerance than in float64.
FD = {
    np.float32: dict(eps=1e-2, rtol=1e-3, atol=1e-4),
    np.float64: dict(eps=1e-6, rtol=1e-6, atol=1e-8),
}
FUNCTIONS = [
    ("l1", lambda w: P.l1(w, 0.3), lambda w: P.l1_grad(w, 0.3)),
    ("l2", lambda w: P.l2(w, 0.3), lambda w: P.l2_grad(w, 0.3)),
    (
        "l1_l2",
        lambda w: P.l1_l2(w, 0.1, 0.2),
        lambda w: P.l1_l2_grad(w, 0.1, 0.2),
    ),
]


def away_from_zero(shape, dtype, seed=1, margin=0.05):
    """Random weights, none closer to the kink of |w| than the finite-difference
    step."""
    w = np.random.default_rng(seed).normal(size=shape)
    w[np.abs(w) < margin] += np.copysign(2 * margin, w[np.abs(w) < margin])
    return w.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name, value, grad", FUNCTIONS, ids=[f[0] for f in FUNCTIONS]
)
def test_gradients_match_finite_differences_in_each_dtype(
    name, value, grad, shape, dtype
):
    w = away_from_zero(shape, dtype)
    tol = FD[dtype]
    g = grad(w)
    assert (
        g.dtype == dtype and g.shape == w.shape
    )  # gradients keep the weights' dtype
    numeric = numerical_grad(value, w, eps=dtype(tol["eps"]))
    np.testing.assert_allclose(g, numeric, rtol=tol["rtol"], atol=tol["atol"])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_values_are_summed_in_float64(dtype):
    w = np.full(1_000_000, 0.1, dtype=dtype)
    exact = 1_000_000 * float(dtype(0.1))
    assert P.l1(w, 1.0) == pytest.approx(exact, rel=1e-12)
    assert P.l2(w, 1.0) == pytest.approx(
        1_000_000 * float(dtype(0.1)) ** 2, rel=1e-12
    )
    assert isinstance(P.l1(w, 1.0), float)


def test_gradients_of_a_list_of_arrays_are_a_list():
    weights = [
        away_from_zero((3, 2), np.float64),
        away_from_zero((2,), np.float32),
    ]
    for grad in (P.l1_grad, P.l2_grad, P.l1_l2_grad, P.soft_threshold):
        out = grad(weights, 0.1)
        assert isinstance(out, list) and len(out) == 2
        for a, g in zip(weights, out, strict=False):
            assert g.shape == a.shape and g.dtype == a.dtype
            np.testing.assert_array_equal(g, grad(a, 0.1))


def test_integer_weights_give_float64_gradients():
    assert P.l2_grad(np.array([1, -2]), 0.5).tolist() == [1.0, -2.0]
    assert P.l1_grad([3, 0, -1], 1.0).dtype == np.float64


def test_ragged_weights_are_refused_clearly():
    with pytest.raises(ValueError, match="weights"):
        P.l1([[1.0, 2.0], [3.0]])


# --- Agreement with keras.regularizers (to float32 precision) -----------------

#: Float32 precision: a few units in the last place of a float32 number. Keras
#: sums float32 weights in float32, regbook in float64, so the two differ by
#: rounding only.
FLOAT32_RTOL = 8 * float(np.finfo(np.float32).eps)  # about 1e-6
KERAS_SHAPES = [(7,), (5, 3), (2, 3, 4), (64, 16), (3, 3, 8, 4)]
KERAS_CASES = [
    (
        "L1(0.01)",
        lambda R: R.L1(0.01),
        lambda w: P.l1(w, 0.01),
        lambda w: P.l1_grad(w, 0.01),
    ),
    (
        "L1(0.3)",
        lambda R: R.L1(0.3),
        lambda w: P.l1(w, 0.3),
        lambda w: P.l1_grad(w, 0.3),
    ),
    (
        "L2(0.01)",
        lambda R: R.L2(0.01),
        lambda w: P.l2(w, 0.01),
        lambda w: P.l2_grad(w, 0.01),
    ),
    (
        "L2(0.3)",
        lambda R: R.L2(0.3),
        lambda w: P.l2(w, 0.3),
        lambda w: P.l2_grad(w, 0.3),
    ),
    (
        "L1L2(0.02, 0.05)",
        lambda R: R.L1L2(l1=0.02, l2=0.05),
        lambda w: P.l1_l2(w, 0.02, 0.05),
        lambda w: P.l1_l2_grad(w, 0.02, 0.05),
    ),
    (
        "l1_l2(0.01, 0.01)",
        lambda R: R.l1_l2(0.01, 0.01),
        lambda w: P.l1_l2(w),
        lambda w: P.l1_l2_grad(w),
    ),
    ("L1()", lambda R: R.L1(), lambda w: P.l1(w), lambda w: P.l1_grad(w)),
    ("L2()", lambda R: R.L2(), lambda w: P.l2(w), lambda w: P.l2_grad(w)),
]


#: The L1 factor of each case: the size of the L1 subgradient step at w = 0.
L1_FACTOR = {
    "L1(0.01)": 0.01,
    "L1(0.3)": 0.3,
    "L1L2(0.02, 0.05)": 0.02,
    "l1_l2(0.01, 0.01)": 0.01,
    "L1()": 0.01,
}
#: The derivative each backend's automatic differentiation gives |w| at w = 0.
#: Any value in [-1, 1] is a valid subgradient; regbook (like TensorFlow and
#: PyTorch, whose abs derivative is sign(w)) takes 0, JAX takes +1. Chapter 3
#: shows the difference.
ABS_DERIVATIVE_AT_ZERO = {"tensorflow": 0.0, "torch": 0.0, "jax": 1.0}


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def float64_scope(keras, dtype):
    """JAX computes in float32 unless x64 is on: switch it on for float64."""
    if keras.config.backend() == "jax" and dtype == np.float64:
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def keras_value_and_grad(keras, regularizer, w):
    """The penalty and its gradient by the backend's own differentiation."""
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(w)
        with tf.GradientTape() as tape:
            penalty = regularizer(variable)
        gradient = tape.gradient(penalty, variable)
    elif backend == "jax":
        import jax
        import jax.numpy as jnp

        penalty, gradient = jax.value_and_grad(regularizer)(jnp.asarray(w))
    elif backend == "torch":
        import torch

        variable = torch.tensor(w, requires_grad=True)
        penalty = regularizer(variable)
        penalty.backward()
        penalty, gradient = penalty.detach(), variable.grad
    else:
        pytest.skip(f"no automatic differentiation on the {backend} backend")
    convert = keras.ops.convert_to_numpy
    return convert(penalty), convert(gradient)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", KERAS_SHAPES, ids=str)
@pytest.mark.parametrize("case", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_values_and_gradients_agree_with_keras(keras, case, shape, dtype):
    name, make, value, grad = case
    w = (
        np.random.default_rng([len(name), *shape])
        .normal(size=shape)
        .astype(dtype)
    )
    w.flat[0] = 0.0  # the kink of |w|: the backends' conventions differ there
    if (
        dtype == np.float64
        and name.startswith("L1(")
        and keras.config.backend() == "tensorflow"
        and parse_version(keras.__version__) < (3, 14)
    ):
        pytest.xfail("before 3.14, L1 multiplies float64 weights by float32")
    with float64_scope(keras, dtype):
        keras_value, keras_grad = keras_value_and_grad(
            keras, make(keras.regularizers), w
        )
    assert keras_value.dtype == dtype and keras_grad.dtype == dtype
    assert value(w) == pytest.approx(float(keras_value), rel=FLOAT32_RTOL)
    ours = grad(w)
    assert ours.dtype == dtype
    assert ours.flat[0] == 0.0  # regbook's subgradient at 0
    at_zero = L1_FACTOR.get(name, 0.0) * ABS_DERIVATIVE_AT_ZERO.get(
        keras.config.backend(), 0.0
    )
    assert keras_grad.flat[0] == pytest.approx(at_zero, rel=FLOAT32_RTOL)
    ours.flat[0] = keras_grad.flat[0]
    np.testing.assert_allclose(ours, keras_grad, rtol=FLOAT32_RTOL, atol=1e-12)


def test_the_l1_subgradient_at_zero_is_a_backend_convention(keras):
    backend = keras.config.backend()
    if backend not in ABS_DERIVATIVE_AT_ZERO:
        pytest.skip(f"no convention recorded for the {backend} backend")
    w = np.array([0.0, 2.0, -2.0], dtype=np.float32)
    _, g = keras_value_and_grad(keras, keras.regularizers.L1(0.5), w)
    expected = [0.5 * ABS_DERIVATIVE_AT_ZERO[backend], 0.5, -0.5]
    np.testing.assert_allclose(g, expected, rtol=FLOAT32_RTOL)
    assert P.l1_grad(w, 0.5).tolist() == [0.0, 0.5, -0.5]


def test_jax_computes_float64_weights_in_float32_without_x64(keras):
    if keras.config.backend() != "jax":
        pytest.skip("a JAX convention")
    import jax

    if jax.config.read("jax_enable_x64"):
        pytest.skip("JAX_ENABLE_X64 is on")
    w = np.full(4, 1 / 3, dtype=np.float64)
    value, grad = keras_value_and_grad(keras, keras.regularizers.L2(1.0), w)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    assert float(value) == pytest.approx(P.l2(w, 1.0), rel=FLOAT32_RTOL)
    assert float(value) != P.l2(w, 1.0)  # rounded to float32 on the way
    with float64_scope(keras, np.float64):
        value, _ = keras_value_and_grad(keras, keras.regularizers.L2(1.0), w)
    assert value.dtype == np.float64
    assert float(value) == pytest.approx(P.l2(w, 1.0), rel=1e-15)


def test_keras_l1l2_defaults_to_no_penalty_unlike_ours(keras):
    """What l1_l2's docstring says: Keras' L1L2() and l1_l2() add nothing."""
    w = np.ones((2, 2), dtype=np.float32)
    assert float(keras.regularizers.L1L2()(w)) == 0.0
    assert float(keras.regularizers.l1_l2()(w)) == 0.0
    assert P.l1_l2(w) == pytest.approx(0.08)  # 0.01 * 4 + 0.01 * 4


# --- Soft-thresholding with several thresholds; projections onto the balls ----


def test_soft_threshold_with_one_threshold_per_column():
    w = np.array([[1.0, 1.0, -1.0], [0.2, -3.0, 0.5]])
    out = P.soft_threshold(w, np.array([0.5, 2.0, 0.0]))
    np.testing.assert_allclose(out, [[0.5, 0.0, -1.0], [0.0, -1.0, 0.5]])
    with pytest.raises(ValueError, match="threshold"):
        P.soft_threshold(w, np.array([0.5, -1.0, 0.0]))
    with pytest.raises(TypeError, match="threshold"):
        P.soft_threshold(w, np.array(["a"]))
    assert P.soft_threshold(w, np.float32(0.5)).shape == w.shape


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES)
def test_project_l1_ball_lands_on_the_surface_with_exact_zeros(shape, dtype):
    v = (3 * np.random.default_rng(2).normal(size=shape)).astype(dtype)
    p = P.project_l1_ball(v, 2.0)
    assert p.dtype == dtype and p.shape == v.shape
    assert np.abs(p).sum() == pytest.approx(2.0, rel=1e-5)
    assert np.count_nonzero(p == 0) > 0  # corners and edges: exact zeros
    assert np.all(np.sign(p[p != 0]) == np.sign(v[p != 0]))
    # It is a soft-thresholding: every surviving weight moved by the same
    # amount.
    moved = (np.abs(v) - np.abs(p))[p != 0]
    np.testing.assert_allclose(moved, moved[0], rtol=1e-4)
    assert np.all(np.abs(v[p == 0]) <= moved[0] + 1e-6)


def test_project_l1_ball_is_the_closest_point_on_a_grid():
    grid = np.linspace(-1, 1, 801)
    w1, w2 = np.meshgrid(grid, grid)
    inside = np.abs(w1) + np.abs(w2) <= 1.0
    for v in ([2.0, 0.3], [0.9, 0.8], [-0.2, -3.0], [0.1, 0.2]):
        dist = np.where(inside, (w1 - v[0]) ** 2 + (w2 - v[1]) ** 2, np.inf)
        k = np.unravel_index(dist.argmin(), dist.shape)
        np.testing.assert_allclose(
            P.project_l1_ball(np.array(v), 1.0), [w1[k], w2[k]], atol=3e-3
        )


def test_project_l2_ball_scales_towards_the_origin():
    v = np.array([3.0, -4.0, 0.0])
    np.testing.assert_allclose(P.project_l2_ball(v, 2.0), [1.2, -1.6, 0.0])
    inside = np.array([0.1, 0.2])
    np.testing.assert_array_equal(P.project_l2_ball(inside, 1.0), inside)
    assert P.project_l2_ball(inside, 1.0) is not inside
    np.testing.assert_array_equal(P.project_l1_ball(inside, 1.0), inside)


@pytest.mark.parametrize("project", [P.project_l1_ball, P.project_l2_ball])
def test_projections_check_the_radius(project):
    with pytest.raises(ValueError, match="radius"):
        project(np.ones(2), -1.0)
    with pytest.raises(TypeError, match="radius"):
        project(np.ones(2), "1")
    assert np.all(project(np.ones(3), 0.0) == 0.0)
