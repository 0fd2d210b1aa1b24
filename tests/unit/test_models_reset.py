"""Tests of regbook.models.reset_optimizer: a reset model retrains exactly as
a new one."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from regbook.models import reset_optimizer  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def _model(optimizer):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    return model


def _train(model, seed=1, shuffle=False):
    keras.utils.set_random_seed(seed)  # the same batches
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=shuffle)
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: keras.optimizers.RMSprop(0.01),
        lambda: keras.optimizers.Adam(0.01),
        lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
        lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    ],
)
def test_a_reset_model_retrains_exactly_as_a_new_one(optimizer):
    model = _model(optimizer())
    start = model.get_weights()
    first = _train(model)
    model.set_weights(start)
    reset_optimizer(model.optimizer)
    again = _train(model)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(
    keras.config.backend() != "tensorflow",
    reason="on JAX, fit shuffles a trained model's batches in another order",
)
def test_on_tensorflow_even_the_shuffled_batches_come_again():
    model = _model(keras.optimizers.Adam(0.01))
    start = model.get_weights()
    first = _train(model, shuffle=True)
    model.set_weights(start)
    reset_optimizer(model.optimizer)
    again = _train(model, shuffle=True)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_without_the_reset_the_optimizer_remembers():
    # the other branch: the state the reset removes does change training
    model = _model(keras.optimizers.RMSprop(0.01))
    start = model.get_weights()
    first = _train(model)
    model.set_weights(start)
    again = _train(model)
    assert not all(
        np.array_equal(a, b) for a, b in zip(first, again, strict=True)
    )


def test_the_learning_rate_is_kept_and_the_state_zeroed():
    model = _model(keras.optimizers.Adam(0.025))
    _train(model)
    assert int(model.optimizer.iterations) > 0
    reset_optimizer(model.optimizer)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)
    assert int(model.optimizer.iterations) == 0
    others = [v for v in model.optimizer.variables if v.name != "learning_rate"]
    assert len(others) > 2  # the counter and the moments
    assert all(not np.any(keras.ops.convert_to_numpy(v)) for v in others)


def test_an_optimizer_that_never_stepped_is_left_alone():
    optimizer = keras.optimizers.Adam(0.5)
    reset_optimizer(optimizer)  # not built: nothing to reset
    assert not optimizer.built
    assert float(optimizer.learning_rate) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", ["rmsprop", None, 0.1])
def test_anything_but_an_optimizer_is_refused_by_name(bad):
    with pytest.raises(TypeError, match="optimizer must be a Keras optimizer"):
        reset_optimizer(bad)
