"""regbook.numpy_net's argument checks, each from both sides, with the exact
message; names built at run time; where fit and fit_logistic stop.

Written against the mutants a full mutation run left alive (see
benchmarks/mutation/): a check that lets one input too many through, a message
that shows the wrong number, a string compared by identity."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from regbook import numpy_net
from regbook.numpy_net import (
    Network,
    fit_logistic,
    logistic_residual,
    sigmoid,
)


def built(*parts):
    """A string equal to the joined parts but made at run time: another
    object than the literal (as a name read from a file would be)."""
    return "".join(parts)


def data(n=13, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return x, y


# --- inputs -------------------------------------------------------------------


def test_inputs_must_have_exactly_the_network_width():
    net = Network([6, 3, 1])
    assert net.predict(np.zeros((2, 6))).shape == (2,)  # just inside
    for shape in ((2, 7), (2, 5), (2, 6, 1), (2, 6, 6)):
        with pytest.raises(
            ValueError,
            match=rf"^x must have shape \(n_examples, 6\), got \({shape[0]}, ",
        ):
            net.predict(np.zeros(shape))
    with pytest.raises(ValueError, match=r"got \(2, 6, 1\)$"):
        net.predict_proba(np.zeros((2, 6, 1)))


def test_labels_must_be_whole_numbers_even_when_they_round_up():
    net = Network([2, 1])
    x = np.zeros((3, 2))
    assert net.data_loss(x, [0.0, 1.0, 1.0]) == pytest.approx(np.log(2))
    for fraction in (0.7, 0.5, 0.2, 1.0 - 1e-12):
        with pytest.raises(ValueError, match=r"^y must hold whole-number"):
            net.data_loss(x, [0.0, fraction, 1.0])
    soft = Network([2, 3], output="softmax")
    with pytest.raises(ValueError, match="whole-number"):
        soft.data_loss(x, [0.0, 1.5, 1.0])  # 1.5 rounds up to 2
    # Booleans and integers are whole numbers.
    assert net.data_loss(x, np.array([False, True, True])) == pytest.approx(
        np.log(2)
    )


# --- the constructor ----------------------------------------------------------


def test_sizes_need_two_entries():
    Network([1, 1])  # just inside
    for sizes in ([1], [3], []):
        with pytest.raises(
            ValueError,
            match=r"^sizes needs at least two entries \(inputs, outputs\), "
            rf"got \[{sizes[0] if sizes else ''}\]$",
        ):
            Network(sizes)


def test_a_sigmoid_network_must_end_in_one_unit():
    assert Network([6, 4, 1]).sizes == [6, 4, 1]  # just inside
    for sizes, last in (([6, 4, 3], 3), ([6, 2], 2), ([3, 7, 4, 5], 5)):
        with pytest.raises(
            ValueError,
            match=r'^sizes must end in 1 for output="sigmoid", got '
            rf'{last}; use output="softmax" for several classes$',
        ):
            Network(sizes)


def test_a_softmax_network_must_end_in_two_units_or_more():
    # The width that counts is the last one, not the second.
    assert Network([6, 1, 2], output="softmax").n_classes == 2  # just inside
    for sizes in ([6, 4, 1], [6, 1], [2, 5, 3, 1]):
        with pytest.raises(
            ValueError,
            match=r'^sizes must end in 2 or more for output="softmax"$',
        ):
            Network(sizes, output="softmax")


def test_output_names_built_at_run_time_are_checked_like_literals():
    with pytest.raises(ValueError, match="must end in 1"):
        Network([2, 3], output=built("sig", "moid"))
    with pytest.raises(ValueError, match="must end in 2 or more"):
        Network([2, 1], output=built("soft", "max"))
    # and they compute what the literal computes: sigmoid probabilities
    net = Network([2, 1], output=built("sig", "moid"), seed=3)
    net.biases[0][:] = 0.25
    x = np.array([[1.0, -2.0], [0.5, 3.0], [0.0, 0.0]])
    expected = sigmoid(x @ net.weights[0][:, 0] + 0.25)
    np.testing.assert_allclose(net.predict_proba(x)[:, 0], expected, rtol=1e-15)


def test_l1_method_built_at_run_time_steps_like_the_literal():
    x, y = data()
    kw = dict(epochs=3, learning_rate=0.5, l1=0.05)
    literal, built_name, subgradient = (
        Network([4, 3, 1], seed=2) for _ in "abc"
    )
    literal.fit(x, y, l1_method="proximal", **kw)
    built_name.fit(x, y, l1_method=built("prox", "imal"), **kw)
    subgradient.fit(x, y, **kw)
    for a, b in zip(literal.weights, built_name.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.count_nonzero(literal.weights[0] == 0) > 0  # proximal zeros
    assert np.count_nonzero(subgradient.weights[0] == 0) == 0


def test_step_rule_built_at_run_time_is_the_literal_rule():
    x, y = data(n=30)
    kw = dict(l1=0.01, steps=6)
    fixed = fit_logistic(x, y, step_rule="fixed", **kw)
    named = fit_logistic(x, y, step_rule=built("fi", "xed"), **kw)
    bb = fit_logistic(x, y, step_rule="barzilai-borwein", **kw)
    for a, b in zip(fixed, named, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(bb[0], fixed[0], rtol=1e-6)  # the rules differ


# --- fit: full batches and the validation error -------------------------------


@pytest.mark.parametrize("extra", [0, 1, 5])
def test_a_batch_of_all_examples_or_more_is_full_batch_descent(extra):
    # Full-batch steps visit the examples in their order: the same numbers, to
    # the last bit, as batch_size=None (a shuffled full batch would sum in
    # another order and round differently).
    rng = np.random.default_rng(4)
    x = rng.normal(size=(60, 5)) * rng.uniform(0.01, 100, size=(60, 1))
    y = (x[:, 0] + rng.normal(size=60) > 0).astype(int)
    nets = [Network([5, 4, 1], seed=1) for _ in range(2)]
    kw = dict(epochs=4, learning_rate=0.05, l2=0.01)
    full = nets[0].fit(x, y, **kw)
    batched = nets[1].fit(x, y, batch_size=60 + extra, **kw)
    assert batched == full
    for a, b in zip(
        nets[0].weights + nets[0].biases,
        nets[1].weights + nets[1].biases,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_validation_error_counts_a_zero_logit_as_class_zero():
    # Inputs of zero and balanced labels: p = 1/2 exactly, every gradient is
    # 0, nothing moves, and the validation example's logit stays exactly 0.
    net = Network([1, 1], seed=0)
    x, y = np.zeros((2, 1)), np.array([0, 1])
    history = net.fit(
        x, y, epochs=2, validation_data=(np.zeros((1, 1)), np.array([1]))
    )
    assert net.biases[0][0] == 0.0
    assert history["val_error"] == [1.0, 1.0]  # predicted 0, labelled 1
    assert net.error(np.zeros((1, 1)), [1]) == 1.0
    assert history["val_data_loss"] == [pytest.approx(np.log(2))] * 2


# --- fit_logistic and logistic_residual: argument checks ----------------------

X, Y = data(n=60, d=8)
W0, B0 = np.zeros((8, 2)), np.zeros(2)


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_penalty_factors_may_not_be_empty(name):
    W, b = fit_logistic(X, Y, steps=3, **{name: [0.1]})  # one: just inside
    W1, b1 = fit_logistic(X, Y, steps=3, **{name: 0.1})
    np.testing.assert_array_equal(W, W1)
    np.testing.assert_array_equal(b, b1)
    assert W.shape == (8, 1)
    for call in (
        lambda: fit_logistic(X, Y, steps=3, **{name: []}),
        lambda: logistic_residual(X, Y, W0, B0, **{name: np.zeros(0)}),
    ):
        with pytest.raises(
            TypeError,
            match=rf"^{name} must be a number or a 1-D sequence of numbers$",
        ):
            call()


@pytest.mark.parametrize("shape", [(4, 3, 2), (4, 1, 1), (2,)])
def test_logistic_inputs_must_be_a_matrix(shape):
    y = np.zeros(shape[0])
    message = rf"^x must have shape \(n_examples, n_inputs\), got \({shape[0]},"
    with pytest.raises(ValueError, match=message):
        fit_logistic(np.zeros(shape), y)
    with pytest.raises(ValueError, match=message):
        logistic_residual(np.zeros(shape), y, np.zeros((1, 1)), np.zeros(1))


def test_residual_weights_must_match_the_inputs():
    logistic_residual(X, Y, W0, B0)  # (8, 2): just inside
    for shape in ((9, 2), (7, 2), (8, 2, 1), (8,)):
        with pytest.raises(
            ValueError,
            match=r"^weights must have shape \(8, n_models\), got "
            + re.escape(str(shape))
            + "$",
        ):
            logistic_residual(X, Y, np.zeros(shape), B0)


def test_residual_of_many_inputs():
    # 300 inputs: widths above 256 are distinct int objects, compared by value
    x, y = np.zeros((2, 300)), np.array([1, 1])
    res = logistic_residual(x, y, np.zeros((300, 1)), np.zeros(1))
    assert res.tolist() == [0.5]  # |mean(p - y)| = 1/2 at b = 0


def test_residual_biases_must_have_one_entry_per_model():
    for shape in ((1,), (3,), (), (2, 1)):
        with pytest.raises(
            ValueError,
            match=r"^biases must have shape \(2,\) to match weights, got "
            + re.escape(str(shape))
            + "$",
        ):
            logistic_residual(X, Y, W0, np.zeros(shape))


def test_residual_factors_one_or_one_per_model():
    W = np.random.default_rng(0).normal(size=(8, 3)) * [[1.0, 0.0, 2.0]]
    b = np.array([0.1, -0.2, 0.3])
    # One factor is used for every model.
    np.testing.assert_array_equal(
        logistic_residual(X, Y, W, b, l1=0.05, l2=0.1),
        logistic_residual(X, Y, W, b, l1=[0.05] * 3, l2=[0.1] * 3),
    )
    for size in (2, 4):
        with pytest.raises(
            ValueError,
            match=r"^l1 and l2 must hold one factor or 3 \(one per model\), "
            rf"got {size}$",
        ):
            logistic_residual(X, Y, W, b, l1=[0.1] * size)


def test_residual_arguments_after_the_biases_are_keyword_only():
    x, y = np.array([[1.0], [-1.0]]), np.array([1, 0])
    w, b = np.zeros((1, 1)), np.zeros(1)
    with pytest.raises(TypeError):
        logistic_residual(x, y, w, b, 0.1)
    named = logistic_residual(x=x, y=y, weights=w, biases=b, l1=0.2)
    np.testing.assert_array_equal(named, [0.3])


def test_residual_at_zero_weights_warns_about_nothing():
    x, y = np.array([[1.0, 0.0], [-1.0, 2.0]]), np.array([1, 0])
    w = np.array([[0.0, 0.5], [0.0, 0.0]])  # zeros in both models
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for l1 in (0.0, 0.1, [0.0, 0.3]):
            res = logistic_residual(x, y, w, np.zeros(2), l1=l1)
            assert np.all(np.isfinite(res))


def test_residual_without_inputs_is_the_bias_gradient():
    # No inputs at all: the residual is |dL/db| = |mean(p - y)|.
    x, y = np.zeros((3, 0)), np.array([1, 1, 0])
    res = logistic_residual(x, y, np.zeros((0, 2)), np.array([0.0, np.log(2)]))
    np.testing.assert_allclose(res, [1 / 6, 0.0], atol=1e-15)


# --- where the solvers stop ---------------------------------------------------

# At w = b = 0 on these two examples: dL/dw = -1/2 and dL/db = 0, so the
# residual is exactly 1/2; one step brings it below.
X2, Y2 = np.array([[1.0], [-1.0]]), np.array([1, 0])


@pytest.mark.parametrize("rule", ["fixed", "barzilai-borwein"])
def test_a_residual_equal_to_tol_is_not_below_it(rule):
    start = logistic_residual(X2, Y2, np.zeros((1, 1)), np.zeros(1))
    assert start.tolist() == [0.5]
    W, b = fit_logistic(X2, Y2, steps=100, tol=0.5, step_rule=rule)
    W1, b1 = fit_logistic(X2, Y2, steps=1, step_rule=rule)
    assert W[0, 0] > 0
    np.testing.assert_array_equal(W, W1)
    np.testing.assert_array_equal(b, b1)
    assert logistic_residual(X2, Y2, W, b)[0] < 0.5


def count_calls(monkeypatch, name):
    calls = []
    original = getattr(numpy_net, name)

    def counting(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(numpy_net, name, counting)
    return calls


@pytest.mark.parametrize(
    "rule, counted",
    [("fixed", "_smooth_gradient"), ("barzilai-borwein", "_residual")],
)
def test_the_solvers_stop_working_once_below_tol(monkeypatch, rule, counted):
    # Converged after one step: the residual is measured twice (before and
    # after that step), whatever the budget of steps.
    calls = count_calls(monkeypatch, counted)
    fit_logistic(X2, Y2, steps=1000, tol=0.5, step_rule=rule)
    assert len(calls) == 2


def test_the_curvature_bound_comes_from_the_smaller_gram_matrix(monkeypatch):
    # ||x||_2**2 is the top eigenvalue of x.T @ x (d by d) and of x @ x.T
    # (n by n): fit_logistic decomposes the smaller one, so that thousands of
    # examples (or of inputs) do not make a matrix of that size.
    shapes = []
    eigvalsh = np.linalg.eigvalsh

    def recording(a):
        shapes.append(a.shape)
        return eigvalsh(a)

    monkeypatch.setattr(np.linalg, "eigvalsh", recording)
    for n, d in ((30, 5), (4, 9), (6, 6)):
        x, y = data(n=n, d=d)
        fit_logistic(x, y, steps=1)
        assert shapes.pop() == (min(n, d), min(n, d))


# --- gradient_check and fit_logistic's edges --------------------------------


def test_gradient_check_of_gradients_that_overflow_is_nan():
    # weights of 1e308 overflow the forward pass: the gradients are not finite,
    # and the check must not report "perfect agreement" (0.0)
    x, y = data(n=5, d=3)
    net = Network([3, 2, 1], seed=0)
    net.weights = [np.full_like(w, 1e308) for w in net.weights]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(numpy_net.gradient_check(net, x, y))


def test_gradient_check_of_gradients_that_are_all_zero_is_zero():
    # zero weights and zero inputs: the ReLU units output 0, so every weight
    # and hidden bias has a zero gradient, and the output bias's, the mean of
    # sigmoid(0) - y = 1/2 - y, is zero for half 0 and half 1 labels; both
    # gradients are exactly zero, and they agree
    net = Network([2, 2, 1], seed=0)
    net.weights = [np.zeros_like(w) for w in net.weights]
    x = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])
    assert numpy_net.gradient_check(net, x, y) == 0.0


def test_fit_logistic_needs_an_input_column():
    x = np.zeros((4, 0))
    y = np.array([0, 1, 0, 1])
    for rate in (None, 0.1):
        with pytest.raises(
            ValueError, match=r"x must have at least one input.*\(4, 0\)"
        ):
            fit_logistic(x, y, learning_rate=rate)
