"""Tests of regbook.models (imports Keras)."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from regbook.models import imdb_mlp  # noqa: E402


def test_default_is_the_classic_16_16_1_network():
    model = imdb_mlp(1000)
    dense = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [layer.units for layer in dense] == [16, 16, 1]
    assert model.count_params() == 1000 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    # No penalty anywhere unless one is passed: no regularizer on any layer.
    assert model.losses == []
    assert all(
        layer.kernel_regularizer is None
        and layer.bias_regularizer is None
        and layer.activity_regularizer is None
        for layer in dense
    )


def test_regularizers_go_on_hidden_layers_only():
    reg = keras.regularizers.L2(0.01)
    model = imdb_mlp(20, (8, 4), kernel_regularizer=reg, dropout=0.5)
    dense = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert [layer.kernel_regularizer is reg for layer in dense] == [
        True,
        True,
        False,
    ]
    assert (
        sum(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
        == 2
    )
    model(np.zeros((1, 20), dtype="float32"))
    expected = 0.01 * sum(
        float(np.sum(layer.kernel.numpy() ** 2)) for layer in dense[:2]
    )
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"num_words": 0}, ValueError, "num_words"),
        ({"num_words": 1.0}, TypeError, "num_words"),
        ({"hidden": 16}, TypeError, "hidden"),
        ({"hidden": (16, 0)}, ValueError, "hidden"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"dropout": "0.5"}, TypeError, "dropout"),
    ],
)
def test_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        imdb_mlp(**kwargs)
