"""Tests of regbook.callbacks.WeightNormHistory and the figure that draws its
records."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from regbook.callbacks import WeightNormHistory  # noqa: E402
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
