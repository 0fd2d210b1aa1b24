"""Tests of regbook.callbacks: WeightNormHistory and the figure that draws its
records, and ValidationEvery."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from regbook.callbacks import (  # noqa: E402
    ValidationEvery,
    WeightNormHistory,
)
from regbook.plots import COLORS, plot_weight_norms  # noqa: E402


def small_model(seed: int = 0) -> keras.Sequential:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(4, activation="relu", name="hidden"),
            keras.layers.Dropout(0.1, name="drop"),
            keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def data(n: int = 32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    return x, y


def fit(model, callback, epochs=3):
    x, y = data()
    return model.fit(
        x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[callback]
    )


def teardown_function():
    plt.close("all")


def test_records_a_tidy_table_from_epoch_0():
    model, norms = small_model(), WeightNormHistory()
    fit(model, norms, epochs=3)
    records = norms.records
    assert list(records) == ["epoch", "layer", "l2_norm", "max_abs"]
    assert (
        len({len(column) for column in records.values()}) == 1
    )  # equally long columns
    assert records["epoch"] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert (
        records["layer"] == ["hidden", "out"] * 4
    )  # the dropout layer has no kernel
    assert norms.shapes == {"hidden": (6, 4), "out": (4, 1)}
    np.testing.assert_array_equal(norms.epochs, [0, 1, 2, 3])


def test_values_are_the_norm_and_largest_magnitude_of_the_kernels():
    model, norms = small_model(), WeightNormHistory()
    before = [
        layer.get_weights()[0] for layer in (model.layers[0], model.layers[2])
    ]
    fit(model, norms, epochs=2)
    after = [
        layer.get_weights()[0] for layer in (model.layers[0], model.layers[2])
    ]
    l2, top = norms.by_layer("l2_norm"), norms.by_layer("max_abs")
    for name, w0, w2 in zip(("hidden", "out"), before, after, strict=False):
        assert l2[name].shape == top[name].shape == (3,)
        assert l2[name][0] == pytest.approx(np.linalg.norm(w0), rel=1e-6)
        assert l2[name][-1] == pytest.approx(np.linalg.norm(w2), rel=1e-6)
        assert top[name][0] == pytest.approx(np.abs(w0).max(), rel=1e-6)
        assert top[name][-1] == pytest.approx(np.abs(w2).max(), rel=1e-6)
    assert all(isinstance(v, float) for v in norms.records["l2_norm"])
    assert not np.allclose(
        l2["hidden"][0], l2["hidden"][-1]
    )  # training moved the weights


def test_named_layers_only():
    model, norms = small_model(), WeightNormHistory(layers=["out"])
    fit(model, norms, epochs=1)
    assert set(norms.records["layer"]) == {"out"}
    assert list(norms.by_layer()) == ["out"]


def test_a_second_fit_continues_the_epoch_count():
    model, norms = small_model(), WeightNormHistory()
    fit(model, norms, epochs=2)
    fit(model, norms, epochs=2)
    assert norms.records["epoch"][-2:] == [4, 4]
    assert (
        norms.records["epoch"].count(0) == 2
    )  # the initial weights, recorded once
    np.testing.assert_array_equal(norms.epochs, np.arange(5))
    assert len(norms.by_layer("max_abs")["hidden"]) == 5


def test_a_callback_serves_one_model_only():
    norms = WeightNormHistory()
    fit(small_model(), norms, epochs=1)
    with pytest.raises(ValueError, match="another model"):
        fit(small_model(), norms, epochs=1)


def test_before_training_there_is_nothing():
    norms = WeightNormHistory()
    assert norms.by_layer() == {}
    assert norms.epochs.size == 0


@pytest.mark.parametrize(
    "layers, error, match",
    [
        ("hidden", TypeError, "list of layer names"),
        (3, TypeError, "list of layer names"),
        (["hidden", 2], TypeError, "layer names"),
        ([], ValueError, "layers is empty"),
    ],
)
def test_bad_layers_argument(layers, error, match):
    with pytest.raises(error, match=match):
        WeightNormHistory(layers=layers)


@pytest.mark.parametrize(
    "layers, match",
    [
        (
            ["nope"],
            r"no such layer; its layers are \['hidden', 'drop', 'out'\]",
        ),
        (["drop"], "'drop' has no kernel"),
    ],
)
def test_unknown_or_kernel_less_layers_fail_when_training_starts(layers, match):
    with pytest.raises(ValueError, match=match):
        fit(small_model(), WeightNormHistory(layers=layers), epochs=1)


def test_model_without_kernels():
    model = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dropout(0.5)]
    )
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="no layer with a kernel"):
        model.fit(
            np.ones((4, 3)),
            np.ones((4, 3)),
            verbose=0,
            callbacks=[WeightNormHistory()],
        )


@pytest.mark.parametrize(
    "stat, error", [("l1_norm", ValueError), (2, TypeError)]
)
def test_by_layer_rejects_unknown_statistics(stat, error):
    with pytest.raises(error, match="stat"):
        WeightNormHistory().by_layer(stat)


# ----------------------------------------------------------------
# plots.plot_weight_norms


def test_plot_from_the_callback_labels_layers_with_their_shapes():
    model, norms = small_model(), WeightNormHistory()
    fit(model, norms, epochs=3)
    ax = plot_weight_norms(norms, "max_abs")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["hidden (6×4)", "out (4×1)"]
    assert list(lines[0].get_xdata()) == [0, 1, 2, 3]
    np.testing.assert_allclose(
        lines[1].get_ydata(), norms.by_layer("max_abs")["out"]
    )
    assert [line.get_color() for line in lines] == list(COLORS[:2])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "largest |weight|"
    assert "largest |weight|" in ax.get_title()
    assert ax.get_legend() is not None


def test_plot_from_a_mapping_on_given_axes():
    _fig, ax = plt.subplots()
    out = plot_weight_norms(
        {"a": [1.0, 2.0, 3.0], "b": np.array([0.5, 0.7, 0.9])},
        ax=ax,
        title="T",
        ylabel="size",
    )
    assert out is ax
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert ax.get_title() == "T" and ax.get_ylabel() == "size"


@pytest.mark.parametrize(
    "norms, stat, error, match",
    [
        ([1.0, 2.0], "l2_norm", TypeError, "WeightNormHistory or a mapping"),
        ({}, "l2_norm", ValueError, "holds no values"),
        ({"a": 3.0}, "l2_norm", TypeError, "values of 'a'"),
        ({"a": "abc"}, "l2_norm", TypeError, "values of 'a'"),
        ({"a": [1.0]}, "norm", ValueError, "stat must be one of"),
        ({"a": [1.0]}, None, TypeError, "stat must be a str"),
    ],
)
def test_plot_rejects_bad_input(norms, stat, error, match):
    with pytest.raises(error, match=match):
        plot_weight_norms(norms, stat)


def test_plot_of_an_untrained_callback_says_so():
    with pytest.raises(ValueError, match="train with the callback first"):
        plot_weight_norms(WeightNormHistory())


# ---------------------------------------------------------------- validation
# every so many updates


def classifier(seed: int = 0) -> keras.Sequential:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def test_measures_at_update_0_and_after_every_k_updates():
    x, y = data(40)  # batch 8: 5 updates per epoch
    watch = ValidationEvery(x[:10], y[:10], every=2)
    classifier().fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[watch])
    assert watch.records["update"] == [0, 2, 4, 6, 8, 10]
    np.testing.assert_array_equal(watch.updates, [0, 2, 4, 6, 8, 10])
    assert watch.updates.dtype == np.int64
    assert len(watch.loss) == len(watch.accuracy) == 6
    assert list(watch.records) == ["update", "loss", "accuracy"]


def test_values_by_hand_for_a_constant_output():
    # A model that outputs 0.5 everywhere (zero kernel, zero bias): the loss
    # is ln 2 whatever the labels; the output is never above 0.5, so the
    # accuracy is the share of 0 labels. A second model outputs sigmoid(2).
    model = classifier()
    for layer in model.layers:
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    x = np.ones((5, 6), dtype="float32")
    watch = ValidationEvery(x, y, every=1, batch_size=2)
    watch.set_model(model)
    watch.on_train_begin()
    assert watch.loss[0] == pytest.approx(np.log(2), rel=1e-6)
    assert watch.accuracy[0] == pytest.approx(0.6)
    model.layers[1].set_weights([np.zeros((4, 1)), np.array([2.0])])
    watch.on_train_batch_end(0)
    p = 1 / (1 + np.exp(-2.0))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert watch.loss[1] == pytest.approx(expected, rel=1e-5)
    assert watch.accuracy[1] == pytest.approx(0.4)
    assert watch.records["update"] == [0, 1]


def test_agrees_with_keras_validation_at_the_end_of_each_epoch():
    x, y = data(48)
    x_val, y_val = data(30)
    x_val = x_val[::-1].copy()  # other examples than the training ones
    y_val = (x_val[:, 1:2] > 0).astype("float32")
    watch = ValidationEvery(x_val, y_val, every=6, batch_size=7)
    history = classifier(1).fit(
        x,
        y,
        epochs=3,
        batch_size=8,  # 6 updates per epoch
        validation_data=(x_val, y_val),
        verbose=0,
        callbacks=[watch],
    )
    np.testing.assert_allclose(
        watch.loss[1:], history.history["val_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(
        watch.accuracy[1:], history.history["val_accuracy"], atol=1e-7
    )


def test_labels_of_shape_n_and_uint8_inputs_give_the_same_records():
    model = classifier(2)
    x = (data(20)[0] > 0).astype("uint8")
    y = (x[:, 0] == 1).astype("float32")
    a = ValidationEvery(x, y, every=3)
    b = ValidationEvery(x.astype("float32"), y.reshape(-1, 1), every=3)
    for watch in (a, b):
        watch.set_model(model)
        watch.on_train_begin()
    assert a.records == b.records


def test_a_second_fit_continues_the_update_count():
    x, y = data(16)
    model, watch = classifier(), ValidationEvery(x, y, every=3)
    for _ in range(2):
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[watch])
    assert watch.records["update"] == [0, 3, 6]


def test_one_model_per_callback():
    x, y = data(16)
    watch = ValidationEvery(x, y, every=1)
    classifier().fit(x, y, epochs=1, verbose=0, callbacks=[watch])
    with pytest.raises(
        ValueError,
        match="already holds the records of another model; give each model "
        "a new one",
    ):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[watch])


def test_defaults_pinned():
    x, y = data(16)
    watch = ValidationEvery(x, y, every=2)
    assert watch.batch_size == 2048 and watch.every == 2
    assert watch.records == {"update": [], "loss": [], "accuracy": []}
    assert watch.updates.size == watch.loss.size == watch.accuracy.size == 0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"every": 0}, ValueError, r"every must be >= 1, got 0$"),
        ({"every": 1.0}, TypeError, r"every must be an int, got float"),
        ({"every": True}, TypeError, r"every must be an int, got bool"),
        (
            {"every": 1, "batch_size": 0},
            ValueError,
            r"batch_size must be >= 1, got 0$",
        ),
        (
            {"every": 1, "batch_size": "8"},
            TypeError,
            "batch_size must be an int, got str",
        ),
        (
            {"every": 1, "y": np.ones(5)},
            ValueError,
            r"x and y must have the same length, got 6 and 5$",
        ),
        (
            {"every": 1, "y": np.ones((6, 2))},
            ValueError,
            r"y must have shape \(n,\) or \(n, 1\), got \(6, 2\)$",
        ),
        (
            {"every": 1, "y": np.ones((1, 6))},
            ValueError,
            r"y must have shape \(n,\) or \(n, 1\), got \(1, 6\)$",
        ),
        (
            {"every": 1, "y": [1, 0, 2, 0, 1, 1]},
            ValueError,
            "y must hold labels 0 and 1 only",
        ),
        (
            {"every": 1, "y": [1, 0, 0.5, 0, 1, 1]},
            ValueError,
            "y must hold labels 0 and 1 only",
        ),
        (
            {"every": 1, "x": np.zeros((0, 6)), "y": []},
            ValueError,
            "x and y must hold at least one example",
        ),
    ],
)
def test_validation_every_rejects_bad_arguments(kwargs, error, match):
    args = {"x": np.zeros((6, 6)), "y": [1, 0, 0, 1, 0, 1], **kwargs}
    with pytest.raises(error, match=match):
        ValidationEvery(args.pop("x"), args.pop("y"), **args)


def test_smallest_valid_arguments_are_accepted():
    watch = ValidationEvery(np.zeros((1, 6)), [[1]], every=1, batch_size=1)
    watch.set_model(classifier())
    watch.on_train_begin()
    assert watch.records["update"] == [0]
    watch.on_train_batch_end(0)
    watch.on_train_batch_end(1)
    assert watch.records["update"] == [0, 1, 2]


# --- Checks that name what is wrong (mutation survivors of 2026-11-29) -------


def test_bad_layer_names_are_named_by_the_first_one():
    with pytest.raises(TypeError, match=r"got 1$"):
        WeightNormHistory(layers=["hidden", 1, 2.5])


def test_validation_every_takes_its_settings_by_keyword_only():
    x, y = data(6)
    with pytest.raises(TypeError):
        ValidationEvery(x, y, 2)


@pytest.mark.parametrize(
    "y, shape",
    [
        (np.zeros((6, 0)), "(6, 0)"),  # two axes, but not one column
        (np.zeros((6, 1, 1)), "(6, 1, 1)"),  # three axes
        (np.array(1.0), "()"),  # no axis at all
    ],
)
def test_validation_every_names_the_shape_it_rejects(y, shape):
    with pytest.raises(ValueError, match=re.escape(f"got {shape}")):
        ValidationEvery(np.zeros((6, 6)), y, every=1)


def test_validation_every_needs_as_many_labels_as_inputs_both_ways():
    with pytest.raises(ValueError, match=r"got 5 and 6$"):
        ValidationEvery(np.zeros((5, 6)), np.zeros(6), every=1)
    with pytest.raises(ValueError, match=r"got 300 and 301$"):
        ValidationEvery(np.zeros((300, 6)), np.zeros(301), every=1)
    # 300 of each (beyond CPython's small-int cache) is fine
    ValidationEvery(np.zeros((300, 6)), np.zeros(300), every=1)


def test_validation_every_rejects_negative_labels():
    with pytest.raises(ValueError, match="labels 0 and 1 only"):
        ValidationEvery(np.zeros((2, 6)), [0.0, -1.0], every=1)


def test_validation_every_scores_the_model_as_evaluate_does_dropout_off():
    """small_model has Dropout(0.1): scored in training mode, its outputs
    (and so the loss) would change from call to call."""
    model = small_model()
    x, y = data(40)
    watch = ValidationEvery(x, y, every=1)
    watch.set_model(model)
    watch.on_train_begin()
    keras_loss = model.evaluate(x, y, verbose=0)
    assert watch.loss[0] == pytest.approx(keras_loss, rel=1e-5)
