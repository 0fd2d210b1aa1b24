"""regbook.adam_grid by value: the NumPy networks against Keras' Adam + L2
and AdamW step by step, against a loop written out here, the twins, the
defaults pinned, best_factor, and every argument check."""

from __future__ import annotations

import contextlib
import inspect
import math

import numpy as np
import pytest

from regbook import adam_grid
from regbook.adam_grid import (
    Networks,
    best_factor,
    glorot_start,
    train_networks,
)


def reviews(n=60, d=12, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, d)) < 0.3).astype(np.uint8)
    y = (x[:, 0] + rng.random(n) > 0.8).astype(np.float32)
    return x, y


def reference(x, y, start, lr, l2, wd, epochs, batch):
    """One network, its Adam(W) steps written out in float64, no shuffling."""
    w = [np.array(v, np.float64) for v in start]
    m = [np.zeros_like(v) for v in w]
    s = [np.zeros_like(v) for v in w]
    t = 0
    for _ in range(epochs):
        for i in range(0, len(y), batch):
            xb, yb = x[i : i + batch].astype(np.float64), y[i : i + batch]
            acts, pres = [xb], []
            for k in range(0, len(w), 2):
                pres.append(acts[-1] @ w[k] + w[k + 1])
                acts.append(np.maximum(pres[-1], 0))
            p = 1 / (1 + np.exp(-pres[-1][:, 0]))
            delta = ((p - yb) / len(yb))[:, None]
            grads = [None] * len(w)
            for k in range(len(w) - 2, -1, -2):
                grads[k] = acts[k // 2].T @ delta + 2 * l2 * w[k]
                grads[k + 1] = delta.sum(0)
                if k:
                    delta = delta @ w[k].T * (pres[k // 2 - 1] > 0)
            t += 1
            alpha = lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            for k in range(len(w)):
                if k % 2 == 0:
                    w[k] = w[k] - lr * wd * w[k]
                m[k] = m[k] + (grads[k] - m[k]) * 0.1
                s[k] = s[k] + (grads[k] ** 2 - s[k]) * 0.001
                w[k] = w[k] - alpha * m[k] / (np.sqrt(s[k]) + 1e-7)
    return w


def assert_follows_the_loop(x, y, start, lr, batch, epochs, rtol, atol):
    """One network without a penalty, trained unshuffled, against reference.
    epochs=None leaves train_networks' default, which must be one epoch."""
    options = {} if epochs is None else {"epochs": epochs}
    nets = train_networks(
        x,
        y,
        learning_rate=lr,
        batch_size=batch,
        start=start,
        shuffle=False,
        **options,
    )
    runs = 1 if epochs is None else epochs
    expected = reference(x, y, start, lr, 0.0, 0.0, epochs=runs, batch=batch)
    for got, want in zip(nets.weights, expected, strict=True):
        np.testing.assert_allclose(
            got[0].reshape(want.shape), want, rtol=rtol, atol=atol
        )


@pytest.mark.parametrize("l2, wd", [(0.0, 0.0), (0.03, 0.0), (0.0, 4.0)])
def test_matches_the_loop_written_out(l2, wd):
    x, y = reviews()
    start = glorot_start(12, (5, 3), seed=1)
    nets = train_networks(
        x,
        y,
        learning_rate=[0.01, 0.003],
        l2=l2,
        weight_decay=wd,
        epochs=2,
        batch_size=25,
        start=start,
        shuffle=False,
    )
    for g, lr in enumerate((0.01, 0.003)):
        expected = reference(x, y, start, lr, l2, wd, epochs=2, batch=25)
        for got, want in zip(nets.weights, expected, strict=True):
            np.testing.assert_allclose(
                got[g].reshape(want.shape), want, rtol=2e-4, atol=2e-6
            )


@pytest.mark.parametrize("mode", ["l2", "adamw"])
def test_matches_keras(mode):
    keras = pytest.importorskip("keras")
    x, y = reviews(n=120, d=20, seed=3)
    start = glorot_start(20, (16, 16), seed=3)
    reg = keras.regularizers.L2(0.01) if mode == "l2" else None
    model = keras.Sequential(
        [keras.Input(shape=(20,))]
        + [
            keras.layers.Dense(n, act, kernel_regularizer=reg)
            for n, act in ((16, "relu"), (16, "relu"), (1, "sigmoid"))
        ]
    )
    model.set_weights(start)
    if mode == "adamw":
        opt = keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=5.0)
        opt.exclude_from_weight_decay(var_names=["bias"])
    else:
        opt = keras.optimizers.Adam(learning_rate=3e-3)
    model.compile(optimizer=opt, loss="binary_crossentropy")
    model.fit(x, y[:, None], epochs=3, batch_size=40, shuffle=False, verbose=0)
    nets = train_networks(
        x,
        y,
        learning_rate=3e-3,
        l2=0.01 if mode == "l2" else 0.0,
        weight_decay=5.0 if mode == "adamw" else 0.0,
        epochs=3,
        batch_size=40,
        start=start,
        shuffle=False,
    )
    for got, want in zip(nets.weights, model.get_weights(), strict=True):
        np.testing.assert_allclose(
            got[0].reshape(want.shape), want, rtol=1e-4, atol=1e-6
        )


def test_twins_start_alike_and_settings_broadcast():
    x, y = reviews()
    nets = train_networks(
        x, y, learning_rate=1e-3, l2=[0.0, 0.0, 0.1], epochs=1, hidden=(4,)
    )
    assert nets.count == 3
    np.testing.assert_array_equal(nets.weights[0][0], nets.weights[0][1])
    assert not np.array_equal(nets.weights[0][0], nets.weights[0][2])
    assert [w.shape for w in nets.weights] == [
        (3, 12, 4),
        (3, 1, 4),
        (3, 4, 1),
        (3, 1, 1),
    ]


def test_defaults_are_pinned():
    x, y = reviews(n=250)
    implicit = train_networks(x, y, learning_rate=1e-3)
    explicit = train_networks(
        x,
        y,
        learning_rate=1e-3,
        l2=0.0,
        weight_decay=0.0,
        epochs=1,
        batch_size=100,
        start=glorot_start(12, (16, 16), seed=0),
        seed=0,
        shuffle=True,
    )
    for a, b in zip(implicit.weights, explicit.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert implicit.weights[0].shape == (1, 12, 16)
    unshuffled = train_networks(x, y, learning_rate=1e-3, shuffle=False)
    assert not np.array_equal(unshuffled.weights[0], implicit.weights[0])


def test_shuffling_follows_the_seed():
    x, y = reviews()
    start = glorot_start(12, (4,), seed=0)
    one = train_networks(x, y, learning_rate=0.01, start=start, batch_size=7)
    same = train_networks(x, y, learning_rate=0.01, start=start, batch_size=7)
    other = train_networks(
        x, y, learning_rate=0.01, start=start, batch_size=7, seed=1
    )
    np.testing.assert_array_equal(one.weights[0], same.weights[0])
    assert not np.array_equal(one.weights[0], other.weights[0])


def test_glorot_start_by_value():
    weights = glorot_start(3, (2,), seed=5)
    assert [w.shape for w in weights] == [(3, 2), (2,), (2, 1), (1,)]
    assert all(w.dtype == np.float32 for w in weights)
    rng = np.random.default_rng(5)
    first = rng.uniform(-1.0, 1.0, (3, 2))  # sqrt(6 / (3 + 2)) ~ 1.095
    np.testing.assert_allclose(
        weights[0], (first * math.sqrt(6 / 5)).astype(np.float32), rtol=1e-6
    )
    assert weights[1].tolist() == [0.0, 0.0] and weights[3].tolist() == [0.0]
    assert [w.shape for w in glorot_start(3)] == [
        (3, 16),
        (16,),
        (16, 16),
        (16,),
        (16, 1),
        (1,),
    ]
    np.testing.assert_array_equal(
        glorot_start(3)[0], glorot_start(3, seed=0)[0]
    )
    with pytest.raises(ValueError, match="n_inputs"):
        glorot_start(0)
    with pytest.raises(ValueError, match="hidden"):
        glorot_start(3, (0,))
    with pytest.raises(TypeError, match="seed"):
        glorot_start(3, seed=1.0)
    with pytest.raises(ValueError, match="seed"):
        glorot_start(3, seed=-1)


def test_predict_by_value_and_in_batches():
    kernel = np.array([[[1.0], [-1.0]]], np.float32)  # (1, 2, 1)
    nets = Networks([kernel, np.array([[[0.5]]], np.float32)])
    x = np.array([[1, 0], [0, 1], [1, 1]], np.uint8)
    expected = 1 / (1 + np.exp(-np.array([1.5, -0.5, 0.5])))
    np.testing.assert_allclose(nets.predict(x)[0], expected, rtol=1e-6)
    np.testing.assert_allclose(nets.predict(x, batch_size=1)[0], expected)
    assert nets.count == 1
    with pytest.raises(ValueError, match="batch_size"):
        nets.predict(x, batch_size=0)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(learning_rate=0.0), ValueError, "learning_rate"),
        (dict(learning_rate=[1e-3, -1e-3]), ValueError, "learning_rate"),
        (dict(learning_rate=1e-3, l2=-1e-9), ValueError, "l2"),
        (dict(learning_rate=1e-3, weight_decay=np.nan), ValueError, "weight"),
        (dict(learning_rate=[[1e-3]]), ValueError, "1-D"),
        (dict(learning_rate=1e-3, epochs=0), ValueError, "epochs"),
        (dict(learning_rate=1e-3, batch_size=0), ValueError, "batch_size"),
        (dict(learning_rate=1e-3, seed=1.5), TypeError, "seed"),
        (dict(learning_rate=1e-3, start=glorot_start(5)), ValueError, "start"),
    ],
)
def test_arguments_are_checked(kwargs, error, name):
    x, y = reviews()
    with pytest.raises(error, match=name):
        train_networks(x, y, **kwargs)


def test_data_must_match():
    x, y = reviews()
    with pytest.raises(ValueError, match="x and y"):
        train_networks(x, y[:-1], learning_rate=1e-3)
    with pytest.raises(ValueError, match="x and y"):
        train_networks(x[:, 0], y, learning_rate=1e-3)
    with pytest.raises(ValueError, match="x and y"):
        train_networks(x[:0], y[:0], learning_rate=1e-3)
    train_networks(x[:1], y[:1], learning_rate=1e-3, epochs=1, hidden=(1,))


def test_best_factor_by_value():
    assert best_factor([0.01, 0.1, 1.0], [2.0, 1.0, 2.0]) == pytest.approx(0.1)
    # vertex at log10 f = -1 + (3 - 2) / (2 * (3 - 2 + 2)) = -5/6
    assert best_factor([0.01, 0.1, 1.0], [3.0, 1.0, 2.0]) == pytest.approx(
        10 ** (-5 / 6)
    )
    assert best_factor([0.01, 0.1, 1.0, 10.0], [0.5, 1.0, 2.0, 3.0]) == 0.01
    assert best_factor([0.01, 0.1, 1.0, 10.0], [3.0, 2.0, 1.0, 0.5]) == 10.0
    # uneven spacing: the fit is in log10 of the factors
    # (0, 2), (1, 1), (3, 2) in log10: the vertex lies at 1.5
    assert best_factor([1.0, 10.0, 1000.0], [2.0, 1.0, 2.0]) == pytest.approx(
        10**1.5
    )
    with pytest.raises(ValueError, match="factors"):
        best_factor([0.1, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="factors"):
        best_factor([1.0, 0.1, 0.01], [1.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="factors"):
        best_factor([0.0, 0.1, 1.0], [1.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="losses"):
        best_factor([0.01, 0.1, 1.0], [1.0, 0.5])
    with pytest.raises(ValueError, match="losses"):
        best_factor([0.01, 0.1, 1.0], [1.0, np.nan, 2.0])


# Mutation survivors (benchmarks/mutation/results.md): each test below pins a
# behaviour that a planted bug changed without any test noticing.


def test_matches_the_loop_written_out_on_negative_inputs():
    # inputs of either sign: the first layer sees x itself, not relu(x)
    x, y = reviews()
    x = x - np.float32(0.5)
    start = glorot_start(12, (5, 3), seed=2)
    assert_follows_the_loop(x, y, start, 0.01, 25, 2, rtol=2e-4, atol=2e-6)


def test_many_examples_and_many_inputs():
    # sizes above 256 (Python caches small ints only) still match
    rng = np.random.default_rng(4)
    x = (rng.random((300, 300)) < 0.1).astype(np.uint8)
    y = (rng.random(300) < 0.5).astype(np.float32)
    nets = train_networks(x, y, learning_rate=1e-3, hidden=(2,))
    assert nets.weights[0].shape == (1, 300, 2)
    start = glorot_start(300, (2,), seed=1)
    nets = train_networks(x, y, learning_rate=1e-3, start=start)
    assert nets.predict(x).shape == (1, 300)


def test_x_of_three_axes_is_rejected():
    x, y = reviews()
    with pytest.raises(ValueError, match="x and y must match"):
        train_networks(x[:, :, None], y, learning_rate=1e-3)


def test_seed_is_checked_even_with_a_start():
    x, y = reviews()
    with pytest.raises(ValueError, match="seed must be at least 0"):
        train_networks(
            x, y, learning_rate=1e-3, start=glorot_start(12), seed=-1
        )


@pytest.mark.parametrize("n_inputs", [5, 20])  # fewer and more than x has
def test_start_of_other_inputs_is_named(n_inputs):
    x, y = reviews()
    match = f"start expects {n_inputs} inputs, x has 12"
    with pytest.raises(ValueError, match=match):
        train_networks(x, y, learning_rate=1e-3, start=glorot_start(n_inputs))


def test_blas_runs_on_one_thread(monkeypatch):
    # the matrices are small: BLAS threads only add overhead (and would take
    # the cores of anything running beside the book)
    calls = []

    @contextlib.contextmanager
    def recorder(**kwargs):
        calls.append(kwargs)
        yield

    monkeypatch.setattr(adam_grid, "threadpool_limits", recorder)
    x, y = reviews()
    nets = train_networks(x, y, learning_rate=1e-3, hidden=(2,))
    nets.predict(x)
    assert calls == [dict(limits=1, user_api="blas")] * 2


def test_best_factor_away_from_the_second_factor():
    # the lowest loss at index 2 of 5: the parabola goes through
    # (-2, 3), (-1, 1), (0, 2) in log10, its vertex at -1 + 1 / 6
    factors = [0.001, 0.01, 0.1, 1.0, 10.0]
    assert best_factor(factors, [5.0, 3.0, 1.0, 2.0, 6.0]) == pytest.approx(
        10 ** (-5 / 6)
    )
    # at index 3 of 5: through (-1, 3), (0, 1), (1, 2), vertex at 1 / 6
    assert best_factor(factors, [5.0, 4.0, 3.0, 1.0, 2.0]) == pytest.approx(
        10 ** (1 / 6)
    )


def test_best_factor_rejects_repeated_and_2d_factors():
    with pytest.raises(ValueError, match="factors"):
        best_factor([0.1, 0.1, 1.0], [1.0, 0.5, 2.0])
    f = np.array([[0.01, 0.1, 1.0]] * 3)
    with pytest.raises(ValueError, match="factors"):
        best_factor(f, np.ones((3, 3)))


def test_glorot_start_of_one_input():
    weights = glorot_start(1, (2,), seed=0)
    assert [w.shape for w in weights] == [(1, 2), (2,), (2, 1), (1,)]


def test_settings_are_keyword_only():
    x, y = reviews()
    with pytest.raises(TypeError):
        train_networks(x, y, 1e-3)
    nets = train_networks(x=x, y=y, learning_rate=1e-3, hidden=(2,))
    assert nets.count == 1


def test_y_longer_than_x_is_rejected():
    x, y = reviews()
    with pytest.raises(ValueError, match="x and y must match"):
        train_networks(x[:-1], y, learning_rate=1e-3)


def test_batches_of_one_example():
    x, y = reviews(n=20)
    start = glorot_start(12, (3,), seed=4)
    assert_follows_the_loop(x, y, start, 0.01, 1, None, rtol=2e-4, atol=2e-6)


def test_best_factor_below_the_lowest_grid_point():
    # through (-2, 2), (-1, 1), (0, 3): the vertex lies left of the lowest
    # point, at -1 + (2 - 3) / (2 * (2 - 2 + 3)) = -7/6
    assert best_factor([0.01, 0.1, 1.0], [2.0, 1.0, 3.0]) == pytest.approx(
        10 ** (-7 / 6)
    )


@pytest.mark.parametrize(
    ("factors", "losses", "match"),
    [
        ([-0.1, 0.1, 1.0], [0.5, 1.0, 2.0], "factors"),  # a negative factor
        (0.1, 1.0, "factors"),  # a scalar
        ([0.01, 0.1, 1.0], [2.0, 1.0, 2.0, 3.0], "losses"),  # one loss too many
    ],
)
def test_best_factor_rejects(factors, losses, match):
    with pytest.raises(ValueError, match=match):
        best_factor(factors, losses)


def test_predict_default_batch_size():
    default = inspect.signature(Networks.predict).parameters["batch_size"]
    assert default.default == 2000


def test_matches_the_loop_written_out_past_step_692():
    # past step 692, 0.999^t < 1/2: Adam's bias correction sqrt(1 - 0.999^t)
    # is pinned by the loop written out (72 epochs of 10 batches)
    x, y = reviews()
    start = glorot_start(12, (3,), seed=5)
    assert_follows_the_loop(x, y, start, 0.003, 6, 72, rtol=1e-3, atol=1e-5)
