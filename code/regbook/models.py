"""Keras model builders shared by several chapters.

Only the architecture lives here. The regularizers are arguments, so the chapter
that teaches them writes them out in full, and ``compile`` and ``fit`` stay in
the notebook. Importing this module imports Keras."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers

__all__ = ["build_for_fit", "imdb_mlp", "release_memory", "reset_optimizer"]


def imdb_mlp(
    num_words: int = 1000,
    hidden: Sequence[int] = (16, 16),
    *,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    dropout: float = 0.0,
    name: str | None = None,
) -> keras.Sequential:
    """The classic IMDB classifier: ReLU hidden layers and one sigmoid output
    unit.

    With the defaults this is the 16-16-1 network of the Keras snippet the book
    starts from. The regularizers (and the dropout rate) apply to every hidden
    layer; the output layer is never regularized. The model is returned
    uncompiled.

    Args:
        num_words: Width of the multi-hot input.
        hidden: Units of each hidden layer.
        kernel_regularizer: Regularizer (object, string or ``None``) for the
            kernels of the hidden layers, e.g. ``keras.regularizers.L2(0.01)``.
        bias_regularizer: Regularizer for the biases of the hidden layers.
        activity_regularizer: Regularizer for the outputs of the hidden layers.
        dropout: If positive, a ``Dropout`` layer with this rate follows each
            hidden layer.
        name: Model name.

    Raises:
        TypeError, ValueError: For a bad ``num_words``, ``hidden`` or
            ``dropout``.

    Example:
        >>> model = imdb_mlp(
        ...     1000, kernel_regularizer=keras.regularizers.L2(0.01)
        ... )
        >>> [layer.units for layer in model.layers]
        [16, 16, 1]
    """
    if isinstance(num_words, bool) or not isinstance(num_words, int):
        raise TypeError(
            f"num_words must be an int, got {type(num_words).__name__}"
        )
    if num_words <= 0:
        raise ValueError(f"num_words must be positive, got {num_words}")
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(
            f"hidden must be a sequence of ints, got {type(hidden).__name__}"
        )
    for units in hidden:
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"hidden must hold positive ints, got {list(hidden)}"
            )
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise TypeError(
            f"dropout must be a float, got {type(dropout).__name__}"
        )
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")

    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(num_words,)))
    for units in hidden:
        model.add(
            layers.Dense(
                units,
                activation="relu",
                kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer,
                activity_regularizer=activity_regularizer,
            )
        )
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


#: The C library whose ``malloc_trim`` :func:`release_memory` calls (glibc).
LIBC = "libc.so.6"


def release_memory() -> bool:
    """Forget every Keras model built so far and give freed memory back.

    Call it once the models are no longer needed (keep their weights with
    ``model.get_weights()`` if you need them later). It runs
    ``keras.utils.clear_session()``, which drops Keras' global state and
    collects garbage, and then asks the C library to return the freed heap to
    the operating system (glibc's ``malloc_trim``): without that, memory freed
    by TensorFlow stays counted in the process's resident size, and a notebook
    that trains model after model creeps towards its memory limit.

    Returns:
        Whether the heap was trimmed (``False`` where the C library is not
        glibc, e.g. on macOS or Windows: only ``clear_session`` ran).

    Example:
        >>> _ = keras.layers.Dense(1, name="before")
        >>> trimmed = release_memory()
        >>> keras.layers.Dense(1).name  # names count from zero again
        'dense'
    """
    keras.utils.clear_session()
    try:
        trim = ctypes.CDLL(LIBC).malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


def reset_optimizer(optimizer: keras.optimizers.Optimizer) -> None:
    """Put a built optimizer back in the state it was created in.

    Sets every variable the optimizer holds (its step counter and its
    per-weight slots, such as RMSprop's average of squared gradients or Adam's
    moments) back to zero, except the learning rate, which it keeps. A compiled
    model whose weights are set to new initial values and whose optimizer is
    reset trains exactly as a new model would, without tracing its training
    step again: tracing costs more time than training a small network, and
    TensorFlow keeps every traced step in memory until the process ends. (On
    the JAX backend, Keras 3.15's ``fit`` shuffles the batches of a model
    trained before in another order than a new model's first ``fit``, for the
    same seed: the training is as good, but not the same run.)

    Args:
        optimizer: A Keras optimizer, built or not (an optimizer that has not
            taken a step yet is left as it is).

    Raises:
        TypeError: If ``optimizer`` is not a Keras optimizer (e.g. the string
            ``"rmsprop"`` given to ``compile``: pass ``model.optimizer``).

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
        >>> model.compile(optimizer="rmsprop", loss="mse")
        >>> x, y = np.ones((4, 2)), np.ones((4, 1))
        >>> _ = model.fit(x, y, verbose=0)
        >>> int(model.optimizer.iterations)
        1
        >>> reset_optimizer(model.optimizer)
        >>> int(model.optimizer.iterations)
        0
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            "optimizer must be a Keras optimizer (model.optimizer), got "
            f"{type(optimizer).__name__}"
        )
    if not getattr(optimizer, "built", False):
        return
    for variable in optimizer.variables:
        if variable.name != "learning_rate":
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))


def build_for_fit(model: keras.Model) -> None:
    """Create the state a compiled model's ``fit`` needs, before ``fit``.

    On the TensorFlow backend, Keras creates the optimizer's slots (such as
    RMSprop's average of squared gradients) and the trackers of the loss and
    the metrics while TensorFlow traces the first training step, and a
    function that creates variables while it is traced is traced again. For a
    small network the two traces cost more than the training: about 4 s of
    the first epoch of eighteen 16-16-1 networks side by side. Called after
    ``compile``, this function creates that state at once, from one row of
    zeros of the model's input shape (its predictions serve as the targets),
    so that the step is traced once. The training is the same, weight for
    weight; the model's weights and random state are not touched, and the
    loss and metric trackers are reset. An optimizer built before (a model
    trained already) is left as it is.

    Only the TensorFlow backend traces twice, so on other backends the
    function checks its argument and does nothing: on JAX, building the state
    early would change the order in which the first ``fit`` shuffles the
    batches (Keras 3.15).

    Args:
        model: A compiled functional or ``Sequential`` Keras model with known
            input shapes.

    Raises:
        TypeError: If ``model`` is not a Keras model.
        ValueError: If ``model`` is not compiled, or its input shape is not
            known.

    Example:
        >>> model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
        >>> model.compile(optimizer="rmsprop", loss="mse")
        >>> model.optimizer.built
        False
        >>> build_for_fit(model)
        >>> model.optimizer.built == (keras.config.backend() == "tensorflow")
        True
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a Keras model, got {type(model).__name__}"
        )
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError("model must be compiled first: call model.compile")
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        inputs = []
    shapes = [tuple(t.shape[1:]) for t in inputs]
    if not inputs or any(d is None for shape in shapes for d in shape):
        raise ValueError(
            "model must have known input shapes (build it with keras.Input)"
        )
    if keras.config.backend() != "tensorflow":
        return
    rows = [
        np.zeros((1, *shape), dtype=t.dtype)
        for shape, t in zip(shapes, inputs, strict=True)
    ]
    x = rows[0] if len(rows) == 1 else rows
    y_pred = model(x, training=False)
    y = keras.tree.map_structure(keras.ops.convert_to_numpy, y_pred)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
    model.compute_metrics(x, y, y_pred, sample_weight=None)
    model.reset_metrics()
