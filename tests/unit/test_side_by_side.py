"""regbook.side_by_side: networks trained side by side train as they would
alone; restart, predictions, scores and the recorder, tested by value."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
from keras import layers

from regbook.side_by_side import (
    Recorder,
    SideBySide,
    accuracy,
    binary_cross_entropy,
)

RNG = np.random.default_rng(0)
X = (RNG.random((48, 12)) < 0.3).astype("uint8")
Y = (X[:, :3].sum(axis=1, keepdims=True) > 0).astype("float32")


def mlp():
    return [
        layers.Dense(4, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]


def noisy():
    return [
        layers.GaussianNoise(0.3),
        layers.Dense(4, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ]


def weights(net, key):
    return [
        keras.ops.convert_to_numpy(w)
        for layer in net.layers[key]
        for w in layer.weights
    ]


def fit(net, optimizer, **options):
    net.model.compile(optimizer=optimizer, loss="binary_crossentropy")
    net.model.fit(
        X, net.targets(Y), epochs=2, batch_size=16, verbose=0, **options
    )


def test_branches_are_separate_networks_on_one_input():
    net = SideBySide({"a": mlp, "b": lambda: [layers.Dense(3)]}, 12)
    assert net.keys == ["a", "b"]
    assert [tuple(o.shape) for o in net.model.outputs] == [(None, 1), (None, 3)]
    assert len(net.model.trainable_weights) == 4 + 2
    out_a, out_b = net.model(X[:5].astype("float32"))
    alone = keras.Sequential([keras.Input((12,)), *net.layers["a"]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out_a),
        keras.ops.convert_to_numpy(alone(X[:5].astype("float32"))),
        rtol=1e-6,
    )
    assert keras.ops.convert_to_numpy(out_b).shape == (5, 3)


def test_twins_start_alike_whatever_comes_in_between():
    net = SideBySide({"plain": mlp, "noisy": noisy}, 12, seed=3)
    for a, b in zip(weights(net, "plain"), weights(net, "noisy"), strict=True):
        np.testing.assert_array_equal(a, b)
    other = SideBySide({"plain": mlp}, 12, seed=4)
    assert not np.array_equal(
        weights(net, "plain")[0], weights(other, "plain")[0]
    )
    again = SideBySide({"plain": mlp}, (12,), seed=3)
    np.testing.assert_array_equal(
        weights(net, "plain")[0], weights(again, "plain")[0]
    )
    # biases start at zero (their initializer), kernels at Glorot's scale
    assert not np.any(weights(net, "plain")[1])
    limit = np.sqrt(6 / (12 + 4))
    assert 0.5 * limit < np.abs(weights(net, "plain")[0]).max() <= limit


def test_default_seed_is_zero():
    a = SideBySide({"a": mlp}, 12)
    b = SideBySide({"a": mlp}, 12, seed=0)
    np.testing.assert_array_equal(weights(a, "a")[0], weights(b, "a")[0])
    assert a.seed == 0
    assert a.model.name == "side_by_side"
    assert SideBySide({"a": mlp}, 12, name="pair").model.name == "pair"


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: keras.optimizers.SGD(0.1),
        lambda: keras.optimizers.RMSprop(0.01),
        lambda: keras.optimizers.Adam(0.01),
    ],
    ids=["SGD", "RMSprop", "Adam"],
)
def test_a_branch_trains_as_it_would_alone(make_optimizer):
    alone = SideBySide({"a": mlp}, 12, seed=5)
    alone.restart(5)
    fit(alone, make_optimizer())
    together = SideBySide({"n": noisy, "a": mlp}, 12, seed=5)
    together.restart(5)
    fit(together, make_optimizer())
    for a, b in zip(weights(alone, "a"), weights(together, "a"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not np.allclose(weights(together, "a")[0], weights(together, "n")[0])


def test_restart_trains_as_a_fresh_model():
    net = SideBySide({"n": noisy, "a": mlp}, 12, seed=1)
    fit(net, keras.optimizers.Adam(0.01), shuffle=False)
    first = [weights(net, key) for key in net.keys]
    net.restart(2)
    np.testing.assert_array_equal(
        weights(net, "a")[0],
        weights(SideBySide({"a": mlp}, 12, seed=2), "a")[0],
    )
    # every optimizer variable but the learning rate is back at zero
    for variable in net.model.optimizer.variables:
        if variable.name != "learning_rate":
            assert not np.any(keras.ops.convert_to_numpy(variable))
    net.model.fit(
        X, net.targets(Y), epochs=2, batch_size=16, shuffle=False, verbose=0
    )
    net.restart(1)
    net.model.fit(
        X, net.targets(Y), epochs=2, batch_size=16, shuffle=False, verbose=0
    )
    for key, before in zip(net.keys, first, strict=True):
        for a, b in zip(before, weights(net, key), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert float(net.model.optimizer.learning_rate) == pytest.approx(0.01)
    assert net.seed == 1


def test_restart_resets_batch_normalization():
    def normalised():
        return [
            layers.Dense(3, use_bias=False),
            layers.BatchNormalization(),
            layers.Dense(1),
        ]

    net = SideBySide({"bn": normalised}, 12)
    norm = net.layers["bn"][1]
    norm.moving_mean.assign(np.ones(3, "float32"))
    norm.gamma.assign(np.full(3, 2.0, "float32"))
    net.restart(0)
    assert keras.ops.convert_to_numpy(norm.moving_mean).tolist() == [0.0] * 3
    assert (
        keras.ops.convert_to_numpy(norm.moving_variance).tolist() == [1.0] * 3
    )
    assert keras.ops.convert_to_numpy(norm.gamma).tolist() == [1.0] * 3


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, "seed must lie in \\[0, 2\\*\\*31\\)"),
        (2**31, ValueError, "seed must lie"),
        (True, TypeError, "seed must be an int"),
        (1.0, TypeError, "seed must be an int"),
    ],
)
def test_seed_checks(seed, error, match):
    with pytest.raises(error, match=match):
        SideBySide({"a": mlp}, 12, seed=seed)
    net = SideBySide({"a": mlp}, 12, seed=2**31 - 1)
    with pytest.raises(error, match=match):
        net.restart(seed)


def test_branch_checks():
    with pytest.raises(TypeError, match="branches must be a mapping"):
        SideBySide([mlp], 12)
    with pytest.raises(ValueError, match="branches is empty"):
        SideBySide({}, 12)
    with pytest.raises(TypeError, match="branches\\['a'\\] must be a function"):
        SideBySide({"a": mlp()}, 12)
    with pytest.raises(
        ValueError, match="branches\\['a'\\] returned no layers"
    ):
        SideBySide({"a": list}, 12)


def test_output_names_are_valid_and_unique():
    net = SideBySide(
        {
            ("L2", 0.001): mlp,
            "L2 0.001": mlp,
            "2nd": mlp,
            "...": mlp,
        },
        12,
    )
    assert list(net.output_names.values()) == [
        "L2_0_001",
        "L2_0_001_2",
        "b_2nd",
        "branch",
    ]
    assert net.model.output_names == list(net.output_names.values())


def test_targets_and_losses():
    net = SideBySide({"a": mlp, "b": mlp}, 12)
    targets = net.targets(Y)
    assert len(targets) == 2 and all(t is Y for t in targets)
    assert net.losses("mse") == ["mse", "mse"]
    assert net.losses({"b": "mae", "a": "mse"}) == ["mse", "mae"]
    with pytest.raises(ValueError, match="no entry for the branches \\['b'\\]"):
        net.losses({"a": "mse"})


def test_predict_by_branch():
    net = SideBySide({"a": mlp, "b": lambda: [layers.Dense(2)]}, 12)
    out = net.predict(X, batch_size=10)
    direct = net.model(X.astype("float32"), training=False)
    assert out["a"].shape == (48,) and out["b"].shape == (48, 2)
    np.testing.assert_allclose(
        out["a"], keras.ops.convert_to_numpy(direct[0])[:, 0], rtol=1e-6
    )
    np.testing.assert_allclose(
        out["b"], keras.ops.convert_to_numpy(direct[1]), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        net.predict(X, batch_size=1)["a"], out["a"], rtol=1e-6
    )
    default = inspect.signature(SideBySide.predict).parameters["batch_size"]
    assert default.default == 4096
    with pytest.raises(ValueError, match="batch_size must be positive"):
        net.predict(X, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        net.predict(X, batch_size=2.0)


def test_predict_with_one_branch():
    net = SideBySide({"only": mlp}, 12)
    out = net.predict(X)
    assert list(out) == ["only"] and out["only"].shape == (48,)
    np.testing.assert_allclose(
        out["only"],
        keras.ops.convert_to_numpy(net.model(X.astype("float32")))[:, 0],
        rtol=1e-6,
    )


def test_binary_cross_entropy_by_value():
    assert binary_cross_entropy([1, 0], [0.8, 0.4]) == pytest.approx(
        -(np.log(0.8) + np.log(0.6)) / 2
    )
    # clipped like Keras: a certain mistake costs -log(1e-7), not infinity
    assert binary_cross_entropy([1.0], [0.0]) == pytest.approx(-np.log(1e-7))
    y, p = Y, RNG.random((48, 1)).astype("float32")
    metric = keras.metrics.BinaryCrossentropy()
    metric.update_state(y, p)
    assert binary_cross_entropy(y, p) == pytest.approx(
        float(metric.result()), rel=1e-5
    )
    with pytest.raises(ValueError, match="as many values, got 2 and 3"):
        binary_cross_entropy([1, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="empty"):
        binary_cross_entropy([], [])


def test_accuracy_by_value():
    assert accuracy([1, 0, 1], [0.8, 0.4, 0.3]) == pytest.approx(2 / 3)
    assert accuracy([[1], [0]], [0.5, 0.51]) == 0.0  # 0.5 counts as negative
    assert accuracy([1, 0], [0.51, 0.5]) == 1.0
    with pytest.raises(ValueError, match="as many values"):
        accuracy([1], [0.1, 0.2])


def test_recorder_every_epoch_and_every_step():
    model = keras.Sequential([keras.Input((12,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    epochs = Recorder(lambda m: int(m.optimizer.iterations))
    steps = Recorder(lambda m: int(m.optimizer.iterations), every="step")
    model.fit(
        X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[epochs, steps]
    )
    assert epochs.values == [3, 6]
    assert steps.values == [1, 2, 3, 4, 5, 6]
    assert Recorder(len).every == "epoch"


def test_recorder_checks():
    with pytest.raises(TypeError, match="fn must be callable"):
        Recorder(3)
    with pytest.raises(ValueError, match="every must be 'epoch' or 'step'"):
        Recorder(len, every="batch")


# Mutation survivors (benchmarks/mutation/results.md): each test below pins a
# behaviour that a planted bug changed without any test noticing.


def derived(seed, position):
    """The seed of a branch's position-th layer, computed here by hand."""
    return (seed * 7919 + position * 104729) % 2**31


def test_initial_weights_by_value():
    # the n-th layer with a kernel draws from its initializer seeded by
    # (seed * 7919 + n * 104729) mod 2**31; noise layers do not count
    net = SideBySide({"noisy": noisy}, 12, seed=3)
    first, second = net.layers["noisy"][1], net.layers["noisy"][3]
    for layer, n, shape in ((first, 1, (12, 4)), (second, 2, (4, 1))):
        init = keras.initializers.GlorotUniform(seed=derived(3, n))
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(layer.kernel),
            keras.ops.convert_to_numpy(init(shape, "float32")),
        )
    # a large seed wraps around 2**31
    big = 2**31 - 1
    net = SideBySide({"a": mlp}, 12, seed=big)
    init = keras.initializers.GlorotUniform(seed=derived(big, 1))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(net.layers["a"][0].kernel),
        keras.ops.convert_to_numpy(init((12, 4), "float32")),
    )


def test_noise_layers_are_seeded_by_value():
    # the n-th layer with random draws starts from the state
    # [(seed * 7919 + (1000 + n) * 104729) mod 2**31, 0]
    net = SideBySide({"noisy": noisy}, 12, seed=3)
    noise, dropout = net.layers["noisy"][0], net.layers["noisy"][2]
    for layer, n in ((noise, 1), (dropout, 2)):
        state = keras.ops.convert_to_numpy(layer.seed_generator.state)
        assert state.tolist() == [derived(3, 1000 + n), 0]


def test_restart_builds_the_optimizer_of_a_compiled_model():
    # so that TensorFlow traces the first training step once (build_for_fit)
    if keras.backend.backend() != "tensorflow":
        pytest.skip("build_for_fit builds nothing on other backends")
    net = SideBySide({"a": mlp}, 12)
    net.model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    assert not net.model.optimizer.built
    net.restart(1)
    assert net.model.optimizer.built


def test_predict_keeps_outputs_of_three_axes():
    # only a (n, 1) output loses its unit axis; (n, 1, 3) stays as it is
    net = SideBySide(
        {"r": lambda: [layers.Dense(3), layers.Reshape((1, 3))]}, 12
    )
    out = net.predict(X)
    assert out["r"].shape == (48, 1, 3)


def test_predict_rejects_a_negative_batch_size():
    net = SideBySide({"a": mlp}, 12)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        net.predict(X, batch_size=-1)


def test_scores_reject_more_labels_than_predictions():
    with pytest.raises(ValueError, match="as many values, got 3 and 2"):
        binary_cross_entropy([1, 0, 1], [0.5, 0.5])
    with pytest.raises(ValueError, match="as many values, got 2 and 1"):
        accuracy([1, 0], [0.5])


def test_binary_cross_entropy_clips_near_one():
    # a certain mistake the other way: p = 1 for a label 0 costs -log(1e-7)
    assert binary_cross_entropy([0.0], [1.0]) == pytest.approx(
        -np.log(1e-7), rel=1e-6
    )
