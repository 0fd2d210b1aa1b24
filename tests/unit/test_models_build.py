"""Tests of regbook.models.build_for_fit: the training step is traced once,
and the training is the same as without it."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from regbook.models import build_for_fit, imdb_mlp  # noqa: E402

as_numpy = keras.ops.convert_to_numpy

TENSORFLOW = keras.config.backend() == "tensorflow"
RNG = np.random.default_rng(0)
X = RNG.random((64, 20)).astype("float32")
Y = (X[:, :1] > 0.5).astype("float32")


class Counting(keras.Model):
    """A functional model that counts how often its train_step is traced."""

    traces = 0

    def train_step(self, data):
        Counting.traces += 1
        return super().train_step(data)


def _side_by_side(model_class=keras.Model, metrics=True):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20,))
    nets = {
        name: imdb_mlp(20, kernel_regularizer=keras.regularizers.L2(0.01))
        for name in NAMES
    }
    model = model_class(inputs, {k: net(inputs) for k, net in nets.items()})
    model.compile(
        optimizer="rmsprop",
        loss={k: "binary_crossentropy" for k in nets},
        metrics={k: ["accuracy"] for k in nets} if metrics else None,
    )
    return model


NAMES = ("net0", "net1")


def _fit(model):
    targets = {name: Y for name in NAMES}
    keras.utils.set_random_seed(1)  # the same batches
    history = model.fit(
        X,
        targets,
        epochs=2,
        batch_size=16,
        verbose=0,
        validation_data=(X, targets),
    )
    return model.get_weights(), history.history


@pytest.mark.skipif(not TENSORFLOW, reason="only TensorFlow traces twice")
def test_the_training_step_is_traced_once():
    Counting.traces = 0
    _fit(_side_by_side(Counting))
    without = Counting.traces
    Counting.traces = 0
    model = _side_by_side(Counting)
    build_for_fit(model)
    _fit(model)
    assert (without, Counting.traces) == (2, 1)


@pytest.mark.parametrize("metrics", [True, False])
def test_the_training_is_the_same(metrics):
    plain_weights, plain_history = _fit(_side_by_side(metrics=metrics))
    model = _side_by_side(metrics=metrics)
    start = model.get_weights()
    build_for_fit(model)
    for a, b in zip(start, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the weights are not touched
    assert model.optimizer.built == TENSORFLOW
    weights, history = _fit(model)
    for a, b in zip(plain_weights, weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert history == plain_history  # losses and metrics, epoch by epoch


@pytest.mark.skipif(not TENSORFLOW, reason="a no-op on other backends")
def test_the_trackers_start_from_zero():
    model = _side_by_side()
    build_for_fit(model)
    assert all(float(v) == 0.0 for m in model.metrics for v in m.variables), (
        "the loss and metric trackers should be reset"
    )
    assert int(model.optimizer.iterations) == 0


@pytest.mark.skipif(not TENSORFLOW, reason="a no-op on other backends")
def test_a_built_optimizer_is_left_as_it_is():
    model = _side_by_side()
    _fit(model)
    slots = [as_numpy(v) for v in model.optimizer.variables]
    build_for_fit(model)
    for a, b in zip(slots, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a, as_numpy(b))


@pytest.mark.skipif(not TENSORFLOW, reason="a no-op on other backends")
def test_two_inputs():
    a, b = keras.Input((3,)), keras.Input((2,))
    joined = keras.layers.Concatenate()([a, b])
    model = keras.Model([a, b], keras.layers.Dense(1)(joined))
    model.compile(optimizer="adam", loss="mse")
    build_for_fit(model)
    assert model.optimizer.built
    assert len(model.optimizer.variables) > 1  # the step and the moments


def test_not_a_model():
    with pytest.raises(TypeError, match="model must be a Keras model"):
        build_for_fit("rmsprop")


def test_not_compiled():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="model must be compiled"):
        build_for_fit(model)


def test_unknown_input_shape():
    model = keras.Sequential([keras.layers.Dense(1)])  # no Input: not built
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="model must have known input shapes"):
        build_for_fit(model)
    ragged = keras.Sequential(
        [
            keras.Input((None, 3)),  # sequences of any length
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1),
        ]
    )
    ragged.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="model must have known input shapes"):
        build_for_fit(ragged)


def test_side_by_side_restart_builds_a_compiled_model():
    from regbook.side_by_side import SideBySide

    def stack():
        return [keras.layers.Dense(2), keras.layers.Dense(1)]

    nets = SideBySide({"a": stack, "b": stack}, 3)
    nets.restart(0)  # not compiled: nothing to build
    nets.model.compile(optimizer="adam", loss="mse")
    nets.restart(0)
    assert nets.model.optimizer.built == TENSORFLOW
