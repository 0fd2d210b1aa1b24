"""regbook.numpy_net by value: training against a loop written out here, the
defaults pinned, the softmax path with known numbers, the gradient check's
formula, fit_logistic's default step size.

Written so that a small change to the module (a constant, a comparison, an
operator: see benchmarks/mutation/) makes one of these tests fail."""

from __future__ import annotations

import numpy as np
import pytest

from regbook import penalties
from regbook.numpy_net import (
    Network,
    fit_logistic,
    gradient_check,
    numerical_gradients,
    sigmoid,
)


def data(n=13, d=4, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if classes == 2:
        y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    else:
        y = np.argmax(x[:, :classes] + 0.5 * rng.normal(size=(n, classes)), 1)
    return x, y


def net_with_biases(sizes, output="sigmoid", seed=1):
    net = Network(sizes, output=output, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for b in net.biases:
        b[:] = rng.normal(scale=0.1, size=b.shape)
    return net


def copy_of(net):
    twin = Network(net.sizes, output=net.output, dtype=net.dtype)
    twin.weights = [w.copy() for w in net.weights]
    twin.biases = [b.copy() for b in net.biases]
    return twin


def reference_fit(
    net, x, y, *, epochs, learning_rate, batch_size, l1, l2, proximal, val, seed
):
    """Network.fit written out with the public methods, step by step."""
    rng = np.random.default_rng(seed)
    n = len(x)
    history = {"loss": [], "data_loss": [], "penalty": []}
    if val is not None:
        history.update(val_data_loss=[], val_error=[])
    for _ in range(epochs):
        # Mini-batches visit the examples in a new random order every epoch;
        # one full batch needs no order (and draws no random numbers).
        order = rng.permutation(n) if batch_size < n else np.arange(n)
        losses = []
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            losses.append(net.data_loss(x[idx], y[idx]))
            gw, gb = net.gradients(
                x[idx], y[idx], l1=0.0 if proximal else l1, l2=l2
            )
            for W, g in zip(net.weights, gw, strict=True):
                W -= learning_rate * g
            for b, g in zip(net.biases, gb, strict=True):
                b -= learning_rate * g
            if proximal:
                net.weights = [
                    penalties.soft_threshold(W, learning_rate * l1)
                    for W in net.weights
                ]
        history["data_loss"].append(np.mean(losses))
        history["penalty"].append(net.penalty(l1, l2))
        history["loss"].append(
            history["data_loss"][-1] + history["penalty"][-1]
        )
        if val is not None:
            history["val_data_loss"].append(net.data_loss(*val))
            history["val_error"].append(net.error(*val))
    return history


def assert_same(history, expected, net, ref):
    assert set(history) == set(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(
            history[key], values, rtol=1e-10, err_msg=key
        )
    for a, b in zip(
        net.weights + net.biases, ref.weights + ref.biases, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


# --- training, step by step ---------------------------------------------------


@pytest.mark.parametrize(
    "sizes, output, classes",
    [([4, 3, 1], "sigmoid", 2), ([4, 5, 3], "softmax", 3)],
    ids=["sigmoid", "softmax"],
)
@pytest.mark.parametrize(
    "batch_size, l1, l2, method",
    [
        (None, 0.0, 0.0, "subgradient"),
        (5, 0.02, 0.01, "subgradient"),  # 13 examples: batches of 5, 5, 3
        (4, 0.05, 0.01, "proximal"),
        (None, 0.3, 0.0, "proximal"),
        (13, 0.0, 0.2, "subgradient"),  # a batch of all 13: no shuffling
    ],
)
def test_fit_is_the_loop_it_describes(
    sizes, output, classes, batch_size, l1, l2, method
):
    x, y = data(classes=classes)
    x_val, y_val = data(n=9, classes=classes, seed=5)
    net = net_with_biases(sizes, output)
    ref = copy_of(net)
    history = net.fit(
        x,
        y,
        epochs=3,
        learning_rate=0.3,
        batch_size=batch_size,
        l1=l1,
        l2=l2,
        l1_method=method,
        validation_data=(x_val, y_val),
        seed=7,
    )
    expected = reference_fit(
        ref,
        x,
        y,
        epochs=3,
        learning_rate=0.3,
        batch_size=batch_size or len(x),
        l1=l1,
        l2=l2,
        proximal=method == "proximal",
        val=(x_val, y_val),
        seed=7,
    )
    assert_same(history, expected, net, ref)
    assert len(history["loss"]) == 3


def test_proximal_steps_make_weights_exactly_zero_where_the_loop_does():
    x, y = data()
    net = net_with_biases([4, 3, 1])
    net.fit(x, y, epochs=20, learning_rate=0.5, l1=0.2, l1_method="proximal")
    zeros = sum(int(np.count_nonzero(W == 0)) for W in net.weights)
    assert zeros > 0
    # A zero L1 factor never thresholds, even with proximal steps.
    plain, prox = net_with_biases([4, 3, 1]), net_with_biases([4, 3, 1])
    plain.fit(x, y, epochs=2, l2=0.1)
    prox.fit(x, y, epochs=2, l2=0.1, l1_method="proximal")
    for a, b in zip(plain.weights, prox.weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_defaults():
    x, y = data()
    a, b = net_with_biases([4, 3, 1]), net_with_biases([4, 3, 1])
    history = a.fit(x, y)
    explicit = b.fit(
        x,
        y,
        epochs=100,
        learning_rate=0.1,
        batch_size=None,
        l1=0.0,
        l2=0.0,
        l1_method="subgradient",
        validation_data=None,
        seed=0,
    )
    assert history == explicit and len(history["loss"]) == 100
    assert set(history) == {"loss", "data_loss", "penalty"}
    assert history["penalty"] == [0.0] * 100
    for u, v in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(u, v)
    # The default seed orders the mini-batches.
    c, d = net_with_biases([4, 3, 1]), net_with_biases([4, 3, 1])
    assert c.fit(x, y, epochs=2, batch_size=4) == d.fit(
        x, y, epochs=2, batch_size=4, seed=0
    )


def test_fit_history_data_loss_is_the_mean_over_batches_before_each_step():
    x, y = data()
    net = net_with_biases([4, 3, 1])
    ref = copy_of(net)
    history = net.fit(x, y, epochs=1, learning_rate=0.5)
    # One full batch: the loss measured before the step, plus the penalty after.
    assert history["data_loss"] == [pytest.approx(ref.data_loss(x, y))]


# --- defaults of the loss and the gradient checks -----------------------------


def test_loss_penalty_and_gradients_default_to_no_penalty():
    x, y = data()
    net = net_with_biases([4, 3, 1])
    assert net.penalty() == 0.0
    assert net.loss(x, y) == net.data_loss(x, y)
    gw, gb = net.gradients(x, y)
    gw0, gb0 = net.gradients(x, y, l1=0.0, l2=0.0)
    for a, b in zip(gw + gb, gw0 + gb0, strict=True):
        np.testing.assert_array_equal(a, b)
    # And a penalty does count.
    assert net.loss(x, y, l1=0.1) == pytest.approx(
        net.data_loss(x, y) + 0.1 * sum(np.abs(W).sum() for W in net.weights)
    )
    assert net.penalty(l2=0.5) == pytest.approx(
        0.5 * sum((W**2).sum() for W in net.weights)
    )


def test_numerical_gradients_defaults_and_formula():
    x, y = data(n=6, d=2)
    net = net_with_biases([2, 2, 1])
    default = numerical_gradients(net, x, y)
    explicit = numerical_gradients(net, x, y, 0.0, 0.0, 1e-6)
    for a, b in zip(
        default[0] + default[1], explicit[0] + explicit[1], strict=True
    ):
        np.testing.assert_array_equal(a, b)
    # One entry by hand: a central difference of step eps.
    eps = 1e-3
    weights, _ = numerical_gradients(net, x, y, l2=0.1, eps=eps)
    w = net.weights[0]
    saved = w[1, 0]
    w[1, 0] = saved + eps
    plus = net.loss(x, y, l2=0.1)
    w[1, 0] = saved - eps
    minus = net.loss(x, y, l2=0.1)
    w[1, 0] = saved
    assert weights[0][1, 0] == pytest.approx((plus - minus) / (2 * eps), 1e-12)
    # The lists hold the weights first, then the biases, shaped like them.
    num_w, num_b = numerical_gradients(net, x, y, l1=0.1)
    assert [g.shape for g in num_w] == [W.shape for W in net.weights]
    assert [g.shape for g in num_b] == [b.shape for b in net.biases]
    back_w, back_b = net.gradients(x, y, l1=0.1)
    for a, b in zip(num_w + num_b, back_w + back_b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8)


def test_gradient_check_is_the_relative_difference_it_documents():
    x, y = data(n=8, d=3)
    net = net_with_biases([3, 2, 1])
    for l1, l2, eps in ((0.0, 0.0, 1e-6), (0.1, 0.2, 1e-4), (0.0, 0.3, 1e-2)):
        aw, ab = net.gradients(x, y, l1, l2)
        nw, nb = numerical_gradients(net, x, y, l1, l2, eps)
        a = np.concatenate([g.ravel() for g in aw + ab])
        n = np.concatenate([g.ravel() for g in nw + nb])
        expected = np.linalg.norm(a - n) / (
            np.linalg.norm(a) + np.linalg.norm(n)
        )
        assert gradient_check(net, x, y, l1, l2, eps) == pytest.approx(
            expected, rel=1e-12
        )
    # The defaults: no penalty, eps 1e-6.
    assert gradient_check(net, x, y) == gradient_check(net, x, y, 0, 0, 1e-6)
    # Relative: scaling the loss (here by repeating the data) changes nothing
    # much, and a gradient that is off by a factor 2 gives 1/3.
    doubled = gradient_check(net, np.vstack([x, x]), np.concatenate([y, y]))
    assert doubled < 1e-7

    class Doubles(Network):
        def _backprop(self, x, labels, l1, l2):
            loss, gw, gb = super()._backprop(x, labels, l1, l2)
            return loss, [2 * g for g in gw], [2 * g for g in gb]

    twice = Doubles([3, 2, 1], seed=1)
    twice.weights, twice.biases = net.weights, net.biases
    assert gradient_check(twice, x, y) == pytest.approx(1 / 3, rel=1e-6)


def test_gradient_check_of_zero_gradients_is_zero():
    # No inputs to speak of, zero weights and balanced labels: every gradient,
    # backpropagated or numerical, is exactly zero.
    net = Network([1, 1], seed=0)
    net.weights[0][:] = 0.0
    x = np.zeros((2, 1))
    y = np.array([0, 1])
    assert gradient_check(net, x, y) == 0.0


def test_gradient_check_refuses_float32_and_non_networks():
    x, y = data()
    with pytest.raises(ValueError, match="float64"):
        gradient_check(Network([4, 1], dtype="float32"), x, y)
    gradient_check(Network([4, 1], dtype="float64"), x, y)
    for check in (gradient_check, numerical_gradients):
        with pytest.raises(TypeError, match="net must be a Network"):
            check("net", x, y)


# --- the network itself -------------------------------------------------------


def test_he_initialisation_and_constructor_defaults():
    net = Network([5, 3, 1])
    rng = np.random.default_rng(0)
    expected = [
        rng.standard_normal((5, 3)) * np.sqrt(2.0 / 5),
        rng.standard_normal((3, 1)) * np.sqrt(2.0 / 3),
    ]
    for W, E in zip(net.weights, expected, strict=True):
        np.testing.assert_array_equal(W, E)
    assert [b.tolist() for b in net.biases] == [[0.0] * 3, [0.0]]
    assert net.output == "sigmoid" and net.dtype == np.float64
    assert repr(net) == "Network([5, 3, 1], output='sigmoid', dtype=float64)"
    other = Network([5, 3, 1], seed=1)
    assert not np.array_equal(other.weights[0], net.weights[0])
    single = Network(np.array([5, 3, 1]), dtype="float32")
    assert single.sizes == [5, 3, 1] and type(single.sizes[0]) is int
    assert {W.dtype for W in single.weights + single.biases} == {
        np.dtype(np.float32)
    }


def test_n_classes():
    assert Network([3, 1]).n_classes == 2
    assert Network([3, 2], output="softmax").n_classes == 2
    assert Network([3, 4, 5], output="softmax").n_classes == 5


def test_labels_are_checked_against_the_number_of_classes():
    x = np.zeros((3, 2))
    soft = Network([2, 3], output="softmax")
    assert soft.data_loss(x, [0, 1, 2]) == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match=r"labels 0 \.\. 2, got values from 0"):
        soft.data_loss(x, [0, 1, 3])
    with pytest.raises(ValueError, match="from -1 to 1"):
        soft.data_loss(x, [-1, 1, 1])
    binary = Network([2, 1])
    assert binary.data_loss(x, [0, 1, 1]) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match=r"labels 0 \.\. 1, got values from"):
        binary.data_loss(x, [0, 2, 1])
    with pytest.raises(ValueError, match="fractions"):
        binary.data_loss(x, [0.0, 0.5, 1.0])
    assert binary.data_loss(x, np.array([[0.0], [1.0], [1.0]])) == (
        binary.data_loss(x, [0, 1, 1])
    )


def softmax_net():
    """Three classes, two inputs: logits x @ W + b with W, b chosen by hand."""
    net = Network([2, 3], output="softmax")
    net.weights[0][:] = [[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]]
    net.biases[0][:] = [0.0, 0.0, 0.5]
    return net


def test_softmax_probabilities_predictions_and_loss_by_value():
    net = softmax_net()
    x = np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    logits = x @ net.weights[0] + net.biases[0]
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.predict_proba(x), expected, rtol=1e-14)
    assert net.predict(x).tolist() == [0, 1, 2, 2]
    labels = np.array([0, 1, 1, 0])
    expected_loss = -np.mean(np.log(expected[np.arange(4), labels]))
    assert net.data_loss(x, labels) == pytest.approx(expected_loss, rel=1e-12)
    assert net.error(x, labels) == 0.5


def test_softmax_is_stable_for_huge_logits():
    net = softmax_net()
    net.biases[0][:] = [1000.0, 1001.0, 999.0]  # exp(1000) overflows
    x = np.zeros((2, 2))
    p = net.predict_proba(x)
    expected = np.exp([1.0, 2.0, 0.0]) / np.exp([1.0, 2.0, 0.0]).sum()
    np.testing.assert_allclose(p, [expected, expected], rtol=1e-12)
    assert net.data_loss(x, [1, 0]) == pytest.approx(
        -np.mean(np.log(expected[[1, 0]])), rel=1e-12
    )


def test_sigmoid_predictions_split_at_zero_logit():
    net = Network([1, 1])
    net.weights[0][:] = 1.0
    x = np.array([[-2.0], [-1e-9], [0.0], [1e-9], [3.0]])
    assert net.predict(x).tolist() == [0, 0, 0, 1, 1]
    np.testing.assert_allclose(net.predict_proba(x)[:, 0], sigmoid(x[:, 0]))
    assert net.error(x, [0, 0, 0, 1, 0]) == 0.2


def test_sigmoid_values():
    z = np.array([-800.0, -2.0, 0.0, 2.0, 800.0])
    np.testing.assert_allclose(
        sigmoid(z), [0.0, 1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-2.0)), 1]
    )


# --- fit_logistic -------------------------------------------------------------


def logistic_data(n=30, d=5, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + rng.normal(size=n) > 0).astype(int)
    return x, y


@pytest.mark.parametrize("shape", [(30, 5), (4, 9)], ids=["n>d", "n<d"])
def test_fit_logistic_default_step_is_one_over_the_curvature_bound(shape):
    x, y = logistic_data(*shape)
    n = len(x)
    top = np.linalg.eigvalsh(x.T @ x)[-1]  # the largest eigenvalue
    for l1, l2 in ((0.0, 0.0), (0.05, 0.3)):
        rate = 1.0 / (top / (4 * n) + 2 * l2)
        default = fit_logistic(x, y, l1=l1, l2=l2, steps=40)
        explicit = fit_logistic(
            x, y, l1=l1, l2=l2, steps=40, learning_rate=rate
        )
        for a, b in zip(default, explicit, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-13)
    # One rate per model when the L2 factors differ.
    both = fit_logistic(x, y, l2=[0.0, 0.3], steps=40)
    for g, l2 in enumerate((0.0, 0.3)):
        alone = fit_logistic(
            x, y, l2=l2, steps=40, learning_rate=1.0 / (top / (4 * n) + 2 * l2)
        )
        np.testing.assert_allclose(both[0][:, g], alone[0][:, 0], rtol=1e-9)
        np.testing.assert_allclose(both[1][g], alone[1][0], rtol=1e-9)


def test_fit_logistic_steps_written_out():
    x, y = logistic_data()
    n = len(x)
    l1, l2, rate, steps = 0.02, 0.1, 0.3, 7
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        residual = (sigmoid(x @ w + b) - y) / n
        w = penalties.soft_threshold(
            w - rate * (x.T @ residual + 2 * l2 * w), rate * l1
        )
        b = b - rate * residual.sum()
    weights, biases = fit_logistic(
        x, y, l1=l1, l2=l2, steps=steps, learning_rate=rate
    )
    np.testing.assert_allclose(weights[:, 0], w, rtol=1e-12, atol=1e-15)
    assert biases[0] == pytest.approx(b, rel=1e-12)


def test_fit_logistic_defaults():
    # Separable labels: without a penalty the weights grow at every step, so
    # the number of steps shows in the result.
    x, _ = logistic_data()
    y = (x[:, 0] > 0).astype(int)
    default = fit_logistic(x, y)
    explicit = fit_logistic(x, y, l1=0.0, l2=0.0, steps=500)
    for a, b in zip(default, explicit, strict=True):
        np.testing.assert_array_equal(a, b)
    fewer = fit_logistic(x, y, steps=499)
    more = fit_logistic(x, y, steps=501)
    assert np.abs(fewer[0]).sum() < np.abs(default[0]).sum()
    assert np.abs(default[0]).sum() < np.abs(more[0]).sum()


# --- one BLAS thread while training -------------------------------------------


def blas_threads():
    from threadpoolctl import threadpool_info

    return {
        p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"
    }


def test_training_and_logistic_fits_run_on_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_limits

    from regbook import numpy_net

    if not blas_threads():
        pytest.skip("no BLAS library found by threadpoolctl")
    seen = []
    smooth = numpy_net._smooth_gradient

    def recording(*args, **kwargs):
        seen.append(blas_threads())
        return smooth(*args, **kwargs)

    class Recording(Network):
        def _backprop(self, *args, **kwargs):
            seen.append(blas_threads())
            return super()._backprop(*args, **kwargs)

    monkeypatch.setattr(numpy_net, "_smooth_gradient", recording)
    x, y = data()
    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == {2}
        Recording([4, 3, 1]).fit(x, y, epochs=2)
        fit_logistic(x, y, steps=2)
        fit_logistic(x, y, steps=2, step_rule="barzilai-borwein")
        assert blas_threads() == {2}  # and back to what it was
    assert len(seen) >= 4 and all(s == {1} for s in seen), seen


# --- signatures and shape checks ----------------------------------------------


def test_keyword_only_arguments_stay_keyword_only():
    net = Network(sizes=[3, 1])  # sizes may be named
    assert net.sizes == [3, 1]
    x, y = np.eye(4, 3), np.array([0, 1, 0, 1])
    with pytest.raises(TypeError):
        Network([3, 1], "sigmoid")
    with pytest.raises(TypeError):
        net.fit(x, y, 2)
    assert len(net.fit(x=x, y=y, epochs=1)["loss"]) == 1
    with pytest.raises(TypeError):
        fit_logistic(x, y, 0.1)
    weights, _ = fit_logistic(x=x, y=y, steps=1)
    assert weights.shape == (3, 1)


@pytest.mark.parametrize(
    "y", [np.zeros((4, 0)), np.int64(1), np.zeros((4, 2)), np.zeros(5)]
)
def test_labels_of_the_wrong_shape_are_refused(y):
    net = Network([2, 1])
    with pytest.raises(
        ValueError, match=r"y must have shape \(4,\) or \(4, 1\)"
    ):
        net.data_loss(np.zeros((4, 2)), y)


def test_wide_inputs_are_checked_by_value():
    # 300 inputs: the width is compared by value (large ints are distinct
    # objects), and a wrong width is named.
    net = Network([300, 1])
    assert net.predict(np.zeros((2, 300))).tolist() == [0, 0]
    with pytest.raises(ValueError, match=r"shape \(n_examples, 300\), got"):
        net.predict(np.zeros((2, 299)))


def test_output_names_are_compared_by_value():
    # A name built at run time is equal to "sigmoid" but another object.
    x, y = data()
    x_val, y_val = data(n=9, seed=5)
    net = net_with_biases([4, 3, 1], output="".join(["sig", "moid"]))
    history = net.fit(x, y, epochs=2, validation_data=(x_val, y_val))
    assert history["val_error"][-1] == net.error(x_val, y_val)
    assert net.n_classes == 2 and net.predict_proba(x).shape == (13, 1)


def test_penalised_loss_of_the_logistic_models_by_value():
    from regbook.numpy_net import _penalised_loss

    labels = np.array([1.0, 0.0, 1.0])
    weights = np.array([[0.5, -1.0], [2.0, 0.0]])  # two models
    logits = np.array([[0.3, -0.2], [1.0, 0.4], [-2.0, 0.0]])
    l1, l2 = np.array([0.1, 0.2]), np.array([0.3, 0.4])
    data = np.mean(np.log1p(np.exp(logits)) - labels[:, None] * logits, axis=0)
    expected = data + l1 * [2.5, 1.0] + l2 * [4.25, 1.0]
    np.testing.assert_allclose(
        _penalised_loss(labels, weights, logits, l1, l2), expected, rtol=1e-12
    )


def test_validation_data_must_be_a_pair():
    x, y = data()
    net = Network([4, 1])
    for bad in ((x,), (x, y, x), [x, y, x, y]):
        with pytest.raises(TypeError, match=r"validation_data must be a pair"):
            net.fit(x, y, epochs=1, validation_data=bad)
    assert "val_error" in net.fit(x, y, epochs=1, validation_data=[x, y])
