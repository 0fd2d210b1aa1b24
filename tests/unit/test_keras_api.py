"""What chapter 3 claims about the installed Keras, checked so that an upgrade
is noticed.

Each test pins one behaviour the chapter states in prose: which regularizer
aliases exist and what they default to, what number ends up in ``model.losses``
and in the reported loss, how activity penalties are scaled, when optimizer
weight decay equals an L2 penalty, the ridge solution a penalised linear model
converges to, and what saving and loading does with custom regularizers. If one
fails after a Keras upgrade, update the chapter's text together with the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers, ops, regularizers  # noqa: E402

from regbook import conventions, penalties  # noqa: E402
from regbook.notebook import parse_version  # noqa: E402

F32 = dict(rtol=1e-5, atol=1e-6)  # float32 tolerance
KERAS = parse_version(keras.__version__)
#: Activity penalties are divided by the batch size from Keras 3.14 on
#: (keras-team/keras#22018); before, they were summed over the batch.
DIVIDES_BY_BATCH = KERAS >= (3, 14)
#: A plain function as a regularizer is accepted from Keras 3.15 on; before, a
#: variable refused anything but a Regularizer instance.
ACCEPTS_FUNCTIONS = KERAS >= (3, 15)

# Keras' saving code trips a NumPy 2 deprecation inside TensorFlow; not ours to
# fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning"
)


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


def _value(x) -> float:
    return float(ops.convert_to_numpy(x))


def _root_cause(exc: BaseException) -> BaseException:
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


# --- the classic snippet's Keras 2 idioms -------------------------------------


def test_keras2_tokenizer_is_gone():
    with pytest.raises(ModuleNotFoundError):
        import keras.preprocessing.text  # noqa: F401


def test_input_shape_on_a_layer_warns():
    with pytest.warns(UserWarning, match="input_shape"):
        layers.Dense(3, input_shape=(4,))


# --- aliases ------------------------------------------------------------------

W = np.arange(-3, 3, dtype="float32").reshape(2, 3)


@pytest.mark.parametrize(
    "name,cls,config,penalty",
    [
        ("l1", "L1", {"l1": 0.01}, 0.01 * np.abs(W).sum()),
        ("L1", "L1", {"l1": 0.01}, 0.01 * np.abs(W).sum()),
        ("l2", "L2", {"l2": 0.01}, 0.01 * (W**2).sum()),
        ("L2", "L2", {"l2": 0.01}, 0.01 * (W**2).sum()),
        # "l1l2" exists but both factors default to zero: no penalty at all.
        ("l1l2", "L1L2", {"l1": 0.0, "l2": 0.0}, 0.0),
        ("L1L2", "L1L2", {"l1": 0.0, "l2": 0.0}, 0.0),
        (
            "orthogonal_regularizer",
            "OrthogonalRegularizer",
            {"factor": 0.01, "mode": "rows"},
            conventions.orthogonal_penalty(W, 0.01),
        ),
        (
            "OrthogonalRegularizer",
            "OrthogonalRegularizer",
            {"factor": 0.01, "mode": "rows"},
            conventions.orthogonal_penalty(W, 0.01),
        ),
    ],
)
def test_string_aliases(name, cls, config, penalty):
    reg = regularizers.get(name)
    assert type(reg).__name__ == cls
    got = reg.get_config()
    assert got.keys() == config.keys()
    for key, value in config.items():
        assert got[key] == pytest.approx(value)  # L1 stores float32(0.01)
    assert _value(reg(ops.convert_to_tensor(W))) == pytest.approx(
        penalty, rel=1e-6, abs=1e-7
    )
    # A layer resolves the string the same way.
    layer = layers.Dense(3, kernel_regularizer=name)
    assert type(layer.kernel_regularizer).__name__ == cls


@pytest.mark.parametrize("name", ["l1_l2", "orthogonal", "L1_L2", "ridge"])
def test_rejected_string_aliases(name):
    with pytest.raises(
        ValueError, match="Could not interpret regularizer identifier"
    ):
        regularizers.get(name)
    with pytest.raises(
        ValueError, match="Could not interpret regularizer identifier"
    ):
        layers.Dense(3, kernel_regularizer=name)


def test_function_aliases_are_the_classes_with_their_defaults():
    assert regularizers.l1 is regularizers.L1
    assert regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert (
        regularizers.orthogonal_regularizer
        is regularizers.OrthogonalRegularizer
    )
    assert regularizers.l1().get_config()["l1"] == pytest.approx(0.01)
    assert regularizers.l2().get_config() == {"l2": 0.01}
    # The docstring says "l1_l2" defaults to 0.01 each; the code gives zeros.
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert _value(regularizers.l1_l2()(ops.convert_to_tensor(W))) == 0.0
    assert regularizers.l1_l2(l2=0.01).get_config() == {"l1": 0.0, "l2": 0.01}
    assert regularizers.OrthogonalRegularizer().get_config()[
        "factor"
    ] == pytest.approx(0.01)


def test_l1_factor_is_stored_as_float32():
    """L1 keeps its factor as a float32 tensor, so get_config returns
    0.00999999977..."""
    assert regularizers.L1(0.01).get_config()["l1"] == float(np.float32(0.01))
    assert regularizers.L2(0.01).get_config()["l2"] == 0.01


def test_negative_factors_are_rejected():
    for make in (
        lambda: regularizers.L1(-1.0),
        lambda: regularizers.L2(-1.0),
        lambda: regularizers.L1L2(l1=-1.0),
    ):
        with pytest.raises(ValueError, match="non-negative"):
            make()


# --- penalties in model.losses and in the reported loss -----------------------


def _small_model(kernel_reg=None, bias_reg=None, activity_reg=None):
    return keras.Sequential(
        [
            keras.Input(shape=(6,)),
            layers.Dense(
                5,
                activation="relu",
                kernel_regularizer=kernel_reg,
                bias_regularizer=bias_reg,
                activity_regularizer=activity_reg,
                bias_initializer="ones",
                name="hidden",
            ),
            layers.Dense(
                1,
                activation="sigmoid",
                kernel_regularizer=kernel_reg,
                name="out",
            ),
        ]
    )


@pytest.mark.parametrize(
    "reg,reference",
    [
        (regularizers.L2(0.05), lambda w: penalties.l2(w, 0.05)),
        (regularizers.L1(0.05), lambda w: penalties.l1(w, 0.05)),
        (
            regularizers.L1L2(l1=0.02, l2=0.03),
            lambda w: penalties.l1_l2(w, 0.02, 0.03),
        ),
    ],
)
def test_sum_of_model_losses_equals_numpy_penalty(reg, reference):
    model = _small_model(kernel_reg=reg, bias_reg=reg)
    kernels_and_biases = [
        model.get_layer("hidden").kernel.numpy(),
        model.get_layer("hidden").bias.numpy(),
        model.get_layer("out").kernel.numpy(),
    ]
    # Weight penalties are computed from the current weights: no forward pass
    # needed.
    assert len(model.losses) == 3
    np.testing.assert_allclose(
        _value(ops.sum(model.losses)), reference(kernels_and_biases), **F32
    )


def test_frozen_layers_add_no_penalty():
    model = _small_model(kernel_reg=regularizers.L2(0.05))
    hidden = model.get_layer("hidden")
    full = _value(ops.sum(model.losses))
    hidden.trainable = False
    assert len(model.losses) == 1
    np.testing.assert_allclose(
        _value(ops.sum(model.losses)),
        penalties.l2(model.get_layer("out").kernel.numpy(), 0.05),
        **F32,
    )
    hidden.trainable = True
    np.testing.assert_allclose(_value(ops.sum(model.losses)), full, **F32)


def test_evaluate_and_val_loss_are_data_loss_plus_penalties():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = _small_model(kernel_reg=regularizers.L2(0.05))
    model.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryCrossentropy(name="bce")],
    )
    history = model.fit(
        x,
        y,
        epochs=2,
        batch_size=32,
        validation_data=(x[:40], y[:40]),
        verbose=0,
    )
    penalty = _value(ops.sum(model.losses))
    assert penalty > 0
    data_loss = float(
        np.mean(
            keras.losses.binary_crossentropy(
                y[:40], model.predict(x[:40], verbose=0)
            )
        )
    )
    logs = model.evaluate(x[:40], y[:40], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], data_loss + penalty, **F32)
    np.testing.assert_allclose(logs["bce"], data_loss, **F32)
    np.testing.assert_allclose(
        history.history["val_loss"][-1], data_loss + penalty, **F32
    )
    np.testing.assert_allclose(history.history["val_bce"][-1], data_loss, **F32)


def test_setting_a_regularizer_after_build_needs_the_variable_and_a_recompile():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = keras.Sequential(
        [keras.Input(shape=(6,)), layers.Dense(1, name="d")]
    )
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    dense = model.get_layer("d")
    dense.kernel_regularizer = regularizers.L2(
        1.0
    )  # the layer attribute alone ...
    assert model.losses == []  # ... does nothing once the layer is built
    dense.kernel.regularizer = dense.kernel_regularizer  # the variable's does
    penalty = penalties.l2(dense.kernel.numpy(), 1.0)
    np.testing.assert_allclose(_value(ops.sum(model.losses)), penalty, **F32)
    # The compiled evaluate/fit functions were traced without it: recompile.
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), before, **F32)
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(
        model.evaluate(x, y, verbose=0), before + penalty, rtol=1e-5
    )
    # The layer attribute is what get_config (and so saving) records.
    assert (
        model.get_config()["layers"][1]["config"]["kernel_regularizer"][
            "class_name"
        ]
        == "L2"
    )


# --- activity regularization --------------------------------------------------


def test_activity_penalty_is_divided_by_batch_size_from_keras_3_14():
    """Keras' own docstring example: 0.25 (kernel) + 5.0 (activity, 25.0 / batch
    5); 25.25 before Keras 3.14."""
    layer = layers.Dense(
        5,
        kernel_initializer="ones",
        kernel_regularizer=regularizers.L1(0.01),
        activity_regularizer=regularizers.L2(0.01),
    )
    out = layer(ops.ones((5, 5)) * 2.0)
    total = 5.25 if DIVIDES_BY_BATCH else 25.25
    assert _value(ops.sum(layer.losses)) == pytest.approx(total, rel=1e-6)
    per_example = conventions.activity_penalty(out, l2=0.01)
    assert _value(layer.losses[0]) == pytest.approx(
        per_example * (1 if DIVIDES_BY_BATCH else 5)
    )


@pytest.mark.parametrize("batch", [1, 4, 32])
def test_activity_penalty_does_not_grow_with_the_batch(batch):
    rng = np.random.default_rng(batch)
    layer = layers.Dense(
        3, activation="relu", activity_regularizer=regularizers.L1L2(0.1, 0.2)
    )
    rows = rng.normal(size=(1, 4)).astype("float32")
    outputs = layer(np.repeat(rows, batch, axis=0))
    assert len(layer.losses) == 1
    growth = 1 if DIVIDES_BY_BATCH else batch  # summed before Keras 3.14
    np.testing.assert_allclose(
        _value(layer.losses[0]),
        growth * conventions.activity_penalty(outputs, l1=0.1, l2=0.2),
        **F32,
    )
    single = conventions.activity_penalty(
        ops.convert_to_numpy(outputs)[:1], l1=0.1, l2=0.2
    )
    np.testing.assert_allclose(_value(layer.losses[0]), growth * single, **F32)


def test_activity_penalty_sees_the_output_after_the_activation():
    layer = layers.Dense(
        2,
        kernel_initializer="ones",
        bias_initializer="zeros",
        activation="relu",
        activity_regularizer=regularizers.L1(1.0),
    )
    layer(-np.ones((3, 2), dtype="float32"))  # pre-activations -2, relu gives 0
    assert _value(layer.losses[0]) == 0.0


def test_activity_regularization_layer_and_fresh_losses_per_call():
    layer = layers.ActivityRegularization(l1=0.5)
    layer(np.ones((4, 3), dtype="float32"))
    per_batch = 1 if DIVIDES_BY_BATCH else 4
    assert _value(layer.losses[0]) == pytest.approx(0.5 * 3 * per_batch)
    layer(np.ones((2, 3), dtype="float32") * 2)
    per_batch = 1 if DIVIDES_BY_BATCH else 2
    assert len(layer.losses) == 1 and _value(layer.losses[0]) == pytest.approx(
        0.5 * 6 * per_batch
    )


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_reference(mode):
    w = np.random.default_rng(3).normal(size=(7, 4)).astype("float32")
    value = _value(
        regularizers.OrthogonalRegularizer(0.2, mode=mode)(
            ops.convert_to_tensor(w)
        )
    )
    np.testing.assert_allclose(
        value, conventions.orthogonal_penalty(w, 0.2, mode), rtol=1e-5
    )


# --- weight decay vs an L2 penalty --------------------------------------------


def _train(optimizer, penalty_factor, epochs=3):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(128, 10)).astype("float32")
    y = (x[:, :2].sum(axis=1, keepdims=True) > 0).astype("float32")
    keras.utils.set_random_seed(11)  # same initial weights for every run
    reg = regularizers.L2(penalty_factor) if penalty_factor else None
    model = keras.Sequential(
        [
            keras.Input(shape=(10,)),
            layers.Dense(8, activation="relu", kernel_regularizer=reg),
            layers.Dense(1, activation="sigmoid", kernel_regularizer=reg),
        ]
    )
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=32, shuffle=False, verbose=0)
    return model.get_weights()


def _decoupled(make, factor):
    opt = make(weight_decay=conventions.l2_to_weight_decay(factor))
    opt.exclude_from_weight_decay(
        var_names=["bias"]
    )  # the penalty is on kernels only
    return opt


def _max_diff(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b, strict=False))


def test_sgd_weight_decay_equals_l2_with_twice_the_factor():
    factor = 0.01
    make = lambda **kw: keras.optimizers.SGD(learning_rate=0.1, **kw)  # noqa: E731
    penalised = _train(make(), factor)
    decayed = _train(_decoupled(make, factor), 0.0)
    for a, b in zip(penalised, decayed, strict=False):
        np.testing.assert_allclose(a, b, **F32)
    # And both differ from no regularization at all.
    assert _max_diff(penalised, _train(make(), 0.0)) > 1e-3
    # With the *same* number (not doubled) they differ.
    wrong = keras.optimizers.SGD(learning_rate=0.1, weight_decay=factor)
    wrong.exclude_from_weight_decay(var_names=["bias"])
    assert _max_diff(penalised, _train(wrong, 0.0)) > 1e-4


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: keras.optimizers.Adam(learning_rate=0.01, **kw),
        lambda **kw: keras.optimizers.SGD(
            learning_rate=0.1, momentum=0.9, **kw
        ),
    ],
    ids=["adam", "sgd-momentum"],
)
def test_adaptive_or_momentum_optimizers_break_the_equivalence(make):
    factor = 0.01
    assert (
        _max_diff(_train(make(), factor), _train(_decoupled(make, factor), 0.0))
        > 1e-2
    )


def test_adamw_is_adam_with_decoupled_weight_decay():
    assert issubclass(keras.optimizers.AdamW, keras.optimizers.Adam)
    assert keras.optimizers.AdamW().weight_decay == pytest.approx(0.004)
    assert keras.optimizers.Adam().weight_decay is None
    a = _train(
        keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.02),
        0.0,
        epochs=1,
    )
    b = _train(
        keras.optimizers.Adam(learning_rate=0.01, weight_decay=0.02),
        0.0,
        epochs=1,
    )
    for u, v in zip(a, b, strict=False):
        np.testing.assert_array_equal(u, v)


def test_weight_decay_hits_biases_unless_excluded():
    def run(exclude):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input(shape=(2,)), layers.Dense(1, bias_initializer="ones")]
        )
        opt = keras.optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
        if exclude:
            opt.exclude_from_weight_decay(var_names=["bias"])
        # A zero gradient leaves the decay as the only change.
        model.compile(
            optimizer=opt, loss=lambda y_true, y_pred: 0.0 * ops.sum(y_pred)
        )
        model.fit(
            np.zeros((4, 2), "float32"),
            np.zeros((4, 1), "float32"),
            epochs=1,
            batch_size=4,
            verbose=0,
        )
        return float(model.layers[0].bias.numpy()[0])

    assert run(exclude=False) == pytest.approx(
        1.0 - 0.5 * 0.2
    )  # w -= lr * wd * w
    assert run(exclude=True) == pytest.approx(1.0)


# --- ridge: an L2-penalised linear model converges to the closed form ---------


def test_keras_l2_linear_model_converges_to_ridge_solution():
    rng = np.random.default_rng(2)
    n, d, factor = 200, 5, 0.1
    x = rng.normal(size=(n, d)).astype("float32")
    y = (
        x @ rng.normal(size=(d, 1)) + 0.5 + 0.3 * rng.normal(size=(n, 1))
    ).astype("float32")
    model = keras.Sequential(
        [
            keras.Input(shape=(d,)),
            layers.Dense(1, kernel_regularizer=regularizers.L2(factor)),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="mse")
    # Full-batch gradient descent: 300 identical batches in one epoch (fast).
    steps = 300
    model.fit(
        np.tile(x, (steps, 1)),
        np.tile(y, (steps, 1)),
        epochs=1,
        batch_size=n,
        shuffle=False,
        verbose=0,
    )
    kernel, bias = model.get_weights()
    ridge_kernel, ridge_bias = conventions.ridge_solution(x, y, factor)
    np.testing.assert_allclose(kernel, ridge_kernel, atol=2e-6)
    np.testing.assert_allclose(bias, ridge_bias, atol=2e-6)
    # The summed-error formula with the same f is a different (less shrunk)
    # model.
    summed_kernel, _ = conventions.ridge_solution(x, y, factor / n)
    assert np.max(np.abs(kernel - summed_kernel)) > 1e-2


# --- saving custom regularizers -----------------------------------------------


@pytest.mark.parametrize("where", ["__main__", "a_module"])
def test_unregistered_custom_regularizer_fails_to_load_naming_the_class(
    tmp_path, where
):
    class Unregistered(regularizers.Regularizer):
        def __init__(self, factor=0.01):
            self.factor = factor

        def __call__(self, w):
            return self.factor * ops.sum(ops.abs(w))

        def get_config(self):
            return {"factor": self.factor}

    if where == "__main__":
        Unregistered.__module__ = (
            "__main__"  # as if defined in a notebook or script
        )

    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            layers.Dense(2, kernel_regularizer=Unregistered(0.1)),
        ]
    )
    path = tmp_path / "unregistered.keras"
    model.save(path)
    with pytest.raises(TypeError) as info:
        keras.models.load_model(path)
    root = str(_root_cause(info.value))
    assert "Unregistered" in root
    if where == "__main__":  # the notebook's case: the message says what to do
        assert "register_keras_serializable" in root
    else:
        assert "Could not interpret regularizer identifier" in root
    # custom_objects is the one-off fix.
    loaded = keras.models.load_model(
        path, custom_objects={"Unregistered": Unregistered}
    )
    np.testing.assert_allclose(
        _value(ops.sum(loaded.losses)), _value(ops.sum(model.losses))
    )


def test_registered_custom_regularizer_round_trips_in_safe_mode(tmp_path):
    @keras.saving.register_keras_serializable(package="regbook_tests")
    class Scaled(regularizers.Regularizer):
        def __init__(self, factor=0.01):
            self.factor = factor

        def __call__(self, w):
            return self.factor * ops.mean(ops.square(w))

        def get_config(self):
            return {"factor": self.factor}

    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            layers.Dense(2, kernel_regularizer=Scaled(0.5)),
        ]
    )
    path = tmp_path / "scaled.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert type(loaded.layers[0].kernel_regularizer).__name__ == "Scaled"
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    assert _value(ops.sum(loaded.losses)) == _value(ops.sum(model.losses))


def lambda_model():
    return keras.Sequential(
        [
            keras.Input(shape=(3,)),
            layers.Dense(
                2, kernel_regularizer=lambda w: 0.1 * ops.sum(ops.square(w))
            ),
        ]
    )


@pytest.mark.skipif(ACCEPTS_FUNCTIONS, reason="Keras 3.15 accepts functions")
def test_a_function_as_regularizer_is_rejected_at_build_before_keras_3_15():
    with pytest.raises(ValueError, match="Invalid value for attribute"):
        lambda_model()


@pytest.mark.skipif(not ACCEPTS_FUNCTIONS, reason="rejected before Keras 3.15")
def test_lambda_regularizer_saves_with_a_warning_but_cannot_be_loaded(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = lambda_model()
        model.save(tmp_path / "lambda.keras")
    assert any(
        "lambda" in str(w.message) and "safe_mode" in str(w.message)
        for w in caught
    )
    for safe_mode in (True, False):
        with pytest.raises((TypeError, ValueError)) as info:
            keras.models.load_model(
                tmp_path / "lambda.keras", safe_mode=safe_mode
            )
        assert "Could not interpret regularizer identifier" in str(
            _root_cause(info.value)
        )


def test_orthogonal_columns_on_numpy_arrays_normalises_the_wrong_axis():
    """Chapter 3 warns about this Keras bug (``axis or -1`` turns 0 into -1 for
    NumPy input).

    When this test fails, Keras has fixed it: drop the warning from chapter 3.
    """
    w = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    reg = regularizers.OrthogonalRegularizer(1.0, mode="columns")
    on_tensor = _value(reg(ops.convert_to_tensor(w)))
    on_numpy = _value(reg(w))
    assert on_tensor == pytest.approx(
        conventions.orthogonal_penalty(w, 1.0, "columns"), rel=1e-5
    )
    assert abs(on_numpy - on_tensor) > 1e-2
    with pytest.raises(ValueError):
        reg(np.ones((5, 3), "float32"))
