"""Tests of regbook.numpy_net: backpropagation against finite differences,
training,
proximal L1 steps, the vectorised logistic regressions and the argument checks.
"""

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


def toy(n=40, d=6, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if classes == 2:
        y = (x[:, 0] - x[:, 1] > 0).astype(int)
    else:
        y = np.argmax(x[:, :classes], axis=1)
    return x, y


def random_biases(net, seed=0):
    """Non-zero biases: with zero biases, an example whose ReLUs in one layer
    are all
    silent gives the next layer a pre-activation of exactly 0, the kink of the
    ReLU, where finite differences and backpropagation legitimately disagree."""
    rng = np.random.default_rng(seed)
    for b in net.biases:
        b[:] = rng.normal(scale=0.1, size=b.shape)
    return net


# --- backpropagation ----------------------------------------------------------


@pytest.mark.parametrize(
    "sizes, output, classes",
    [
        ([6, 1], "sigmoid", 2),
        ([6, 5, 1], "sigmoid", 2),
        ([6, 5, 4, 1], "sigmoid", 2),
        ([6, 3], "softmax", 3),
        ([6, 5, 4, 3], "softmax", 3),
    ],
)
@pytest.mark.parametrize(
    "l1, l2", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.1), (0.03, 0.07)]
)
def test_backprop_matches_finite_differences(sizes, output, classes, l1, l2):
    x, y = toy(classes=classes)
    net = random_biases(Network(sizes, output=output, seed=3))
    assert gradient_check(net, x, y, l1=l1, l2=l2) < 1e-7


def test_gradient_check_catches_a_wrong_backward_pass():
    class ForgetsTheReLU(Network):
        """Backpropagates as if every ReLU had fired (slope 1 everywhere)."""

        def _backprop(self, x, labels, l1, l2):
            activations, logits = self._forward(x)
            delta = (self._probabilities(logits) - self._targets(labels)) / len(
                x
            )
            gw, gb = [None] * len(self.weights), [None] * len(self.biases)
            for layer in reversed(range(len(self.weights))):
                gw[layer] = activations[layer].T @ delta
                gb[layer] = delta.sum(axis=0)
                delta = (
                    delta @ self.weights[layer].T
                )  # the ReLU mask is missing
            return 0.0, gw, gb

    x, y = toy()
    net = random_biases(ForgetsTheReLU([6, 5, 1], seed=0))
    assert gradient_check(net, x, y) > 1e-3


def test_numerical_gradients_leave_the_parameters_unchanged():
    x, y = toy()
    net = Network([6, 4, 1], seed=1)
    before = [p.copy() for p in net.weights + net.biases]
    numerical_gradients(net, x, y, l1=0.1)
    for a, b in zip(before, net.weights + net.biases, strict=False):
        np.testing.assert_array_equal(a, b)


def test_penalty_gradient_is_the_one_of_regbook_penalties():
    """The penalised gradient of each weight matrix is the plain one plus the
    gradient
    of regbook.penalties; the biases carry no penalty."""
    x, y = toy()
    net = Network([6, 4, 1], seed=2)
    plain, _ = net.gradients(x, y)
    penalised, biases = net.gradients(x, y, l1=0.1, l2=0.2)
    for W, g0, g in zip(net.weights, plain, penalised, strict=False):
        np.testing.assert_allclose(
            g - g0, penalties.l1_l2_grad(W, 0.1, 0.2), atol=1e-15
        )
    for b0, b in zip(net.gradients(x, y)[1], biases, strict=False):
        np.testing.assert_array_equal(b0, b)


# --- forward pass and losses --------------------------------------------------


def test_shapes_and_probabilities():
    x, _y = toy(classes=3)
    net = Network([6, 8, 3], output="softmax")
    p = net.predict_proba(x)
    assert p.shape == (40, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert net.predict(x).shape == (40,) and set(net.predict(x)) <= {0, 1, 2}
    binary = Network([6, 8, 1])
    assert binary.predict_proba(x).shape == (40, 1)
    assert set(binary.predict(x)) <= {0, 1}
    assert repr(binary) == "Network([6, 8, 1], output='sigmoid', dtype=float64)"


def test_cross_entropy_is_stable_for_huge_logits():
    net = Network([1, 1], seed=0)
    net.weights[0][:] = 1000.0
    x = np.array([[1.0], [-1.0]])
    assert net.data_loss(x, [1, 0]) == pytest.approx(0.0, abs=1e-12)
    assert net.data_loss(x, [0, 1]) == pytest.approx(1000.0)
    assert np.isfinite(sigmoid(np.array([-1e4, 1e4]))).all()


def test_loss_is_data_loss_plus_penalty_on_weights_only():
    x, y = toy()
    net = random_biases(Network([6, 4, 1], seed=0))
    expected = net.data_loss(x, y) + penalties.l1_l2(net.weights, 0.1, 0.2)
    assert net.loss(x, y, l1=0.1, l2=0.2) == pytest.approx(expected)
    assert net.penalty(0.1, 0.2) == pytest.approx(
        penalties.l1_l2(net.weights, 0.1, 0.2)
    )


def test_sizes_may_be_a_numpy_array():
    assert Network(np.array([6, 3, 1])).sizes == [6, 3, 1]


def test_training_runs_on_one_blas_thread_and_restores_the_count():
    from threadpoolctl import threadpool_info

    from regbook.numpy_net import _one_blas_thread

    def blas_threads():
        return [
            pool["num_threads"]
            for pool in threadpool_info()
            if pool["user_api"] == "blas"
        ]

    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library found by threadpoolctl")
    with _one_blas_thread():
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_labels_may_be_a_column_or_floats():
    x, y = toy()
    net = Network([6, 3, 1])
    assert (
        net.data_loss(x, y[:, None])
        == net.data_loss(x, y.astype(float))
        == net.data_loss(x, y)
    )


# --- training -----------------------------------------------------------------


def test_fit_lowers_the_loss_and_records_a_history():
    x, y = toy(n=200)
    net = Network([6, 8, 1], seed=0)
    history = net.fit(
        x,
        y,
        epochs=30,
        learning_rate=0.5,
        batch_size=20,
        l2=1e-3,
        validation_data=toy(n=100, seed=1),
    )
    assert set(history) == {
        "loss",
        "data_loss",
        "penalty",
        "val_data_loss",
        "val_error",
    }
    assert all(len(v) == 30 for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(
        np.add(history["data_loss"], history["penalty"]), history["loss"]
    )
    assert history["val_error"][-1] < 0.15
    assert net.error(*toy(n=100, seed=1)) == history["val_error"][-1]


def test_softmax_network_learns_three_classes():
    x, y = toy(n=300, classes=3)
    net = Network([6, 16, 3], output="softmax", seed=0)
    net.fit(x, y, epochs=100, learning_rate=0.5)
    assert net.error(x, y) < 0.1


def test_training_is_reproducible_and_float32_stays_float32():
    x, y = toy(n=100)
    runs = []
    for _ in range(2):
        net = Network([6, 4, 1], seed=7, dtype="float32")
        net.fit(x, y, epochs=5, batch_size=16, seed=3, l1=1e-3)
        runs.append(net)
    assert all(W.dtype == np.float32 for W in runs[0].weights + runs[0].biases)
    for a, b in zip(runs[0].weights, runs[1].weights, strict=False):
        np.testing.assert_array_equal(a, b)


def irrelevant_inputs(n=300, relevant=2, irrelevant=18, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, relevant + irrelevant))
    return x, (x[:, :relevant].sum(axis=1) > 0).astype(int)


def test_proximal_steps_give_exact_zeros_and_subgradient_steps_do_not():
    x, y = irrelevant_inputs()
    common = dict(epochs=200, learning_rate=0.2, l1=0.01)
    subgradient, proximal = (
        Network([20, 8, 1], seed=0),
        Network([20, 8, 1], seed=0),
    )
    subgradient.fit(x, y, l1_method="subgradient", **common)
    proximal.fit(x, y, l1_method="proximal", **common)
    assert np.count_nonzero(subgradient.weights[0] == 0.0) == 0
    assert (
        np.count_nonzero(proximal.weights[0][2:] == 0.0)
        > 0.5 * proximal.weights[0][2:].size
    )
    # Both minimise the same penalised loss, to about the same value.
    assert proximal.loss(x, y, l1=0.01) == pytest.approx(
        subgradient.loss(x, y, l1=0.01), rel=0.1
    )


def test_l1_shrinks_irrelevant_weights_more_than_l2():
    x, y = irrelevant_inputs()
    near_zero = {}
    for name, kw in {"l1": dict(l1=0.01), "l2": dict(l2=0.01)}.items():
        net = Network([20, 8, 1], seed=0)
        net.fit(x, y, epochs=200, learning_rate=0.2, **kw)
        near_zero[name] = np.mean(np.abs(net.weights[0][2:]) < 0.01)
    assert near_zero["l1"] > near_zero["l2"] + 0.3


# --- many logistic regressions at once ----------------------------------------


def test_fit_logistic_is_a_proximal_network_without_hidden_layer():
    x, y = irrelevant_inputs(n=100)
    W, b = fit_logistic(x, y, l1=0.02, l2=0.01, steps=50, learning_rate=0.3)
    net = Network([20, 1], seed=0)
    net.weights[0][:] = 0.0
    net.fit(
        x,
        y,
        epochs=50,
        learning_rate=0.3,
        l1=0.02,
        l2=0.01,
        l1_method="proximal",
    )
    np.testing.assert_allclose(W[:, 0], net.weights[0][:, 0], atol=1e-12)
    np.testing.assert_allclose(b, net.biases[0], atol=1e-12)


def test_fit_logistic_trains_each_column_as_its_own_model():
    x, y = irrelevant_inputs(n=100)
    l1, l2 = np.array([0.0, 0.01, 0.1, 0.0]), np.array([0.0, 0.0, 0.0, 0.1])
    W, b = fit_logistic(x, y, l1=l1, l2=l2, steps=100, learning_rate=0.2)
    assert W.shape == (20, 4) and b.shape == (4,)
    for g in range(4):
        Wg, bg = fit_logistic(
            x, y, l1=l1[g], l2=l2[g], steps=100, learning_rate=0.2
        )
        np.testing.assert_allclose(W[:, g], Wg[:, 0], atol=1e-12)
        np.testing.assert_allclose(b[g], bg[0], atol=1e-12)


@pytest.mark.parametrize("l1, l2", [(0.02, 0.0), (0.0, 0.05), (0.01, 0.01)])
def test_fit_logistic_reaches_the_optimum(l1, l2):
    """Optimality: the gradient of the smooth part is -l1 sign(w) where w != 0
    and at
    most l1 in size where w == 0 (and zero for the bias)."""
    x, y = irrelevant_inputs(n=150)
    W, b = fit_logistic(x, y, l1=l1, l2=l2, steps=5000)
    w, bias = W[:, 0], b[0]
    residual = (sigmoid(x @ w + bias) - y) / len(y)
    grad = x.T @ residual + 2 * l2 * w
    assert abs(residual.sum()) < 1e-6
    nonzero = w != 0
    np.testing.assert_allclose(
        grad[nonzero], -l1 * np.sign(w[nonzero]), atol=1e-6
    )
    assert np.all(np.abs(grad[~nonzero]) <= l1 + 1e-6)
    if l1 > 0:
        assert np.count_nonzero(~nonzero) > 0  # L1 gives exact zeros


# --- bad inputs: clear errors that name the argument --------------------------

X, Y = toy()
NET = Network([6, 3, 1])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: Network(5), TypeError, "sizes"),
        (lambda: Network("6,1"), TypeError, "sizes"),
        (lambda: Network([6]), ValueError, "sizes"),
        (lambda: Network([6, 0, 1]), ValueError, "sizes"),
        (lambda: Network([6, 2.5, 1]), TypeError, "sizes"),
        (lambda: Network([6, 2]), ValueError, "sizes"),
        (lambda: Network([6, 1], output="softmax"), ValueError, "sizes"),
        (lambda: Network([6, 1], output="tanh"), ValueError, "output"),
        (lambda: Network([6, 1], output=None), TypeError, "output"),
        (lambda: Network([6, 1], dtype="int32"), ValueError, "dtype"),
        (lambda: Network([6, 1], dtype="nonsense"), TypeError, "dtype"),
        (lambda: NET.fit(X[:, :5], Y), ValueError, "x must have shape"),
        (lambda: NET.fit(X[0], Y), ValueError, "x must have shape"),
        (lambda: NET.fit(X[:0], Y[:0]), ValueError, "x holds no examples"),
        (
            lambda: NET.fit(np.where(X > 1, np.nan, X), Y),
            ValueError,
            "x holds NaN",
        ),
        (lambda: NET.fit(X.astype(str), Y), TypeError, "x must be a numeric"),
        (lambda: NET.fit(X, Y[:-1]), ValueError, "y must have shape"),
        (lambda: NET.fit(X, Y + 1), ValueError, "y must hold labels 0 .. 1"),
        (lambda: NET.fit(X, Y * 0.5), ValueError, "y must hold whole-number"),
        (
            lambda: NET.fit(X, Y.astype(str)),
            TypeError,
            "y must hold class labels",
        ),
        (lambda: NET.fit(X, Y, epochs=0), ValueError, "epochs"),
        (lambda: NET.fit(X, Y, epochs=2.0), TypeError, "epochs"),
        (lambda: NET.fit(X, Y, learning_rate=0), ValueError, "learning_rate"),
        (
            lambda: NET.fit(X, Y, learning_rate="fast"),
            TypeError,
            "learning_rate",
        ),
        (lambda: NET.fit(X, Y, batch_size=0), ValueError, "batch_size"),
        (lambda: NET.fit(X, Y, l1=-0.1), ValueError, "l1"),
        (lambda: NET.fit(X, Y, l2=np.nan), ValueError, "l2"),
        (lambda: NET.fit(X, Y, l2="0.1"), TypeError, "l2"),
        (lambda: NET.fit(X, Y, l1_method="prox"), ValueError, "l1_method"),
        (
            lambda: NET.fit(X, Y, validation_data=X),
            TypeError,
            "validation_data",
        ),
        (
            lambda: NET.fit(X, Y, validation_data=(X[:, :2], Y)),
            ValueError,
            r"validation_data\[0\]",
        ),
        (
            lambda: NET.fit(X, Y, validation_data=(X, Y + 2)),
            ValueError,
            r"validation_data\[1\]",
        ),
        (lambda: NET.gradients(X, Y, l1=-1), ValueError, "l1"),
        (lambda: NET.predict(X[:, :2]), ValueError, "x must have shape"),
        (
            lambda: Network([6, 3], output="softmax").fit(X, Y + 2),
            ValueError,
            "labels 0 .. 2",
        ),
        (lambda: gradient_check("net", X, Y), TypeError, "net"),
        (
            lambda: gradient_check(Network([6, 1], dtype="float32"), X, Y),
            ValueError,
            "float64",
        ),
        (lambda: numerical_gradients(NET, X, Y, eps=0), ValueError, "eps"),
        (lambda: fit_logistic(X[0], Y), ValueError, "x must have shape"),
        (lambda: fit_logistic(X, Y, l1=[0.1, -0.1]), ValueError, "l1"),
        (lambda: fit_logistic(X, Y, l2="a"), TypeError, "l2"),
        (lambda: fit_logistic(X, Y, l2=[[0.1]]), TypeError, "l2"),
        (
            lambda: fit_logistic(X, Y, l1=[0.1, 0.2], l2=[0.1, 0.2, 0.3]),
            ValueError,
            "same length",
        ),
        (lambda: fit_logistic(X, Y, steps=0), ValueError, "steps"),
        (
            lambda: fit_logistic(X, Y, learning_rate=-1.0),
            ValueError,
            "learning_rate",
        ),
        (lambda: fit_logistic(X, Y + 1), ValueError, "y must hold labels"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
