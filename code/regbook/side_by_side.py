"""Several small Keras models trained side by side, as one model.

Chapter 5 compares many variants of the same small network (with a penalty,
with noise on its inputs, with a max-norm cap, with smoothed labels, with
several seeds or factors). Each would cost a ``fit`` of its own, and most of
what a small ``fit`` costs is TensorFlow tracing its graph, not the training.
:class:`SideBySide` wires the variants into one functional model with one
input and one output per variant (a *branch*), so that one ``compile`` and one
``fit`` train them all:

* the branches share no weights, and the loss ``fit`` minimises is the sum of
  the branches' losses (plus each branch's penalties), so the gradient of each
  branch's weights is the gradient of its own loss: with any optimizer that
  updates each weight from its own gradient (SGD, RMSprop, Adam, AdamW) and a
  constraint that acts on one weight tensor, every branch trains exactly as it
  would alone, on the same batches (the unit tests check it);
* what cannot differ between branches is what the optimizer holds: its
  learning rate and its ``weight_decay``. A sweep over those needs one model
  per value.

The layers of every branch are written out by the notebook (a function that
returns a list of layers), so the regularizer arguments, constraints and noise
layers the chapter teaches stay visible; ``compile`` and ``fit`` stay in the
notebook too. :func:`binary_cross_entropy` and :func:`accuracy` score the
branches' predictions, and :class:`Recorder` calls a function of the model
after every epoch or every step. Importing this module imports Keras.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike

from regbook.models import build_for_fit, reset_optimizer

__all__ = [
    "Recorder",
    "SideBySide",
    "accuracy",
    "binary_cross_entropy",
]

#: Keras' clipping of probabilities in its binary cross-entropy.
EPSILON = 1e-7


def _layer_name(key: Hashable, taken: set[str]) -> str:
    """A valid, unique layer name made from a branch key."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", str(key)).strip("_") or "branch"
    if name[0].isdigit():
        name = f"b_{name}"
    unique, i = name, 1
    while unique in taken:
        i += 1
        unique = f"{name}_{i}"
    taken.add(unique)
    return unique


def _seed(value: object, name: str = "seed") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 0 <= int(value) < 2**31:
        raise ValueError(f"{name} must lie in [0, 2**31), got {value}")
    return int(value)


#: The weights a restart draws again, each from the layer's initializer of the
#: same name (``kernel_initializer`` for ``kernel``, ...).
_WEIGHTS = (
    "kernel",
    "bias",
    "gamma",
    "beta",
    "moving_mean",
    "moving_variance",
)


def _derived_seed(seed: int, position: int) -> int:
    """A seed for the weights of a branch's ``position``-th layer."""
    return (seed * 7919 + position * 104_729) % 2**31


class SideBySide:
    """Branches of layers on one shared input, built and trained as one model.

    Every branch starts from weights drawn for a seed, the same way in every
    branch: the n-th layer of a branch that has a ``kernel`` gets its initial
    weights from its own initializers seeded by ``(seed, n)``. So branches
    whose layers with weights have the same shapes start as *twins*, with the
    same initial weights, even when noise or dropout layers come in between.
    :meth:`restart` draws the weights for another seed and resets the
    optimizer, so that one compiled model (traced once) trains once per seed.

    Args:
        branches: ``{key: make_layers}``, where ``make_layers()`` returns the
            branch's layers in order (new layers at every call). Keys are any
            hashable labels, e.g. ``"L2"`` or ``("L2", 1e-3)``.
        input_shape: The shape of one example, e.g. ``(1000,)`` or ``1000``.
        seed: The seed of the initial weights (see :meth:`restart`).
        name: The model's name.

    Attributes:
        model: The ``keras.Model``: one input, one output per branch, in the
            order of ``branches``; each output layer is named after its key.
        keys: The branch keys, in order.
        layers: ``{key: [layer, ...]}``, the layers of each branch.
        output_names: ``{key: name}``, the output's name (``fit`` reports the
            branch's loss as ``name + "_loss"``).
        seed: The seed of the latest (re)start.

    Raises:
        TypeError: For branches that are not a mapping of callables, or a seed
            that is not an int.
        ValueError: For no branches, a branch without layers, or a seed outside
            ``[0, 2**31)``.

    Example:
        >>> from keras import layers
        >>> twins = SideBySide(
        ...     {
        ...         "plain": lambda: [layers.Dense(2)],
        ...         "noisy": lambda: [
        ...             layers.GaussianNoise(0.1),
        ...             layers.Dense(2),
        ...         ],
        ...     },
        ...     input_shape=3,
        ... )
        >>> [output.shape for output in twins.model.outputs]
        [(None, 2), (None, 2)]
        >>> plain, noisy = (twins.layers[k][-1].kernel for k in twins.keys)
        >>> to_numpy = keras.ops.convert_to_numpy
        >>> bool(np.array_equal(to_numpy(plain), to_numpy(noisy)))
        True
    """

    def __init__(
        self,
        branches: Mapping[Hashable, Callable[[], Sequence[Any]]],
        input_shape: int | Sequence[int],
        *,
        seed: int = 0,
        name: str = "side_by_side",
    ) -> None:
        if not isinstance(branches, Mapping):
            raise TypeError(
                "branches must be a mapping {key: make_layers}, got "
                f"{type(branches).__name__}"
            )
        if not branches:
            raise ValueError("branches is empty: give at least one branch")
        for key, make in branches.items():
            if not callable(make):
                raise TypeError(
                    f"branches[{key!r}] must be a function returning layers, "
                    f"got {type(make).__name__}"
                )
        seed = _seed(seed)
        shape = (input_shape,) if isinstance(input_shape, int) else input_shape
        inputs = keras.Input(shape=tuple(shape))
        self.keys: list[Hashable] = list(branches)
        self.layers: dict[Hashable, list[Any]] = {}
        self.output_names: dict[Hashable, str] = {}
        taken: set[str] = set()
        outputs = []
        for key, make in branches.items():
            made = list(make())
            if not made:
                raise ValueError(f"branches[{key!r}] returned no layers")
            h = inputs
            for layer in made:
                h = layer(h)
            out_name = _layer_name(key, taken)
            outputs.append(keras.layers.Identity(name=out_name)(h))
            self.layers[key] = made
            self.output_names[key] = out_name
        self.model = keras.Model(inputs, outputs, name=name)
        self.restart(seed)

    def restart(self, seed: int) -> None:
        """Start again from the initial weights of ``seed``.

        Draws every branch's weights again (kernels, biases and normalisation
        parameters and statistics, from the layers' own initializers), restarts
        the random draws of noise and dropout layers, resets the optimizer of a
        compiled model to its fresh state (every optimizer variable but the
        learning rate back to zero, as Keras creates them for SGD, RMSprop,
        Adam and AdamW) and calls ``keras.utils.set_random_seed(seed)``, which
        seeds the shuffling of the next ``fit``. A compiled model that has not
        been trained yet gets its optimizer's state first, from
        :func:`regbook.models.build_for_fit`, so that TensorFlow traces its
        training step once. Training after
        ``restart(seed)`` is training a new model built with ``seed``, without
        tracing the model's functions again (on the JAX backend a shuffled
        ``fit`` may take the batches in another order than a new model's
        first ``fit``; see :func:`regbook.models.reset_optimizer`).

        Raises:
            TypeError, ValueError: For a seed that is not an int in
                ``[0, 2**31)``.
        """
        seed = _seed(seed)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            build_for_fit(self.model)
        for made in self.layers.values():
            kernels = generators = 0  # layers with a kernel, with noise
            for layer in made:
                generator = getattr(layer, "seed_generator", None)
                if isinstance(generator, keras.random.SeedGenerator):
                    generators += 1
                    state = _derived_seed(seed, 1000 + generators)
                    generator.state.assign(
                        np.array([state, 0]).astype(generator.state.dtype)
                    )
                if getattr(layer, "kernel", None) is not None:
                    kernels += 1
                for attr in _WEIGHTS:
                    variable = getattr(layer, attr, None)
                    init = getattr(layer, f"{attr}_initializer", None)
                    if variable is None or init is None:
                        continue
                    config = init.get_config()
                    if "seed" in config:
                        config["seed"] = _derived_seed(seed, kernels)
                    fresh = type(init).from_config(config)
                    variable.assign(fresh(variable.shape, variable.dtype))
        if optimizer is not None:
            reset_optimizer(optimizer)
        keras.utils.set_random_seed(seed)
        self.seed = seed

    def targets(self, y: ArrayLike) -> list[Any]:
        """The labels ``fit`` needs: the same array once per branch."""
        return [y] * len(self.keys)

    def losses(self, loss: Any | Mapping[Hashable, Any]) -> list[Any]:
        """The ``loss`` argument of ``compile``: one loss per branch, in order.

        Args:
            loss: One loss for every branch, or ``{key: loss}``.

        Raises:
            ValueError: If a mapping lacks a branch.
        """
        if isinstance(loss, Mapping):
            missing = [key for key in self.keys if key not in loss]
            if missing:
                raise ValueError(
                    f"loss has no entry for the branches {missing}"
                )
            return [loss[key] for key in self.keys]
        return [loss] * len(self.keys)

    def predict(
        self, x: ArrayLike, *, batch_size: int = 4096
    ) -> dict[Hashable, np.ndarray]:
        """Every branch's outputs on ``x`` (inference mode), as NumPy arrays.

        Calls the model directly, in slices of ``batch_size`` rows, which is
        quicker than ``model.predict`` for a few passes.

        Returns:
            ``{key: outputs}``; a branch with one output unit gives shape
            ``(n,)``.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(
                f"batch_size must be an int, got {type(batch_size).__name__}"
            )
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        n = len(x)
        parts: list[list[np.ndarray]] = [[] for _ in self.keys]
        for start in range(0, n, batch_size):
            outs = self.model(x[start : start + batch_size], training=False)
            if len(self.keys) == 1:  # a model with one output returns it bare
                outs = [outs]
            for part, out in zip(parts, outs, strict=True):
                part.append(keras.ops.convert_to_numpy(out))
        result = {}
        for key, part in zip(self.keys, parts, strict=True):
            out = np.concatenate(part, axis=0)
            result[key] = (
                out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out
            )
        return result


def _probabilities(y: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=np.float64).reshape(-1)
    p_arr = np.asarray(p, dtype=np.float64).reshape(-1)
    if y_arr.shape != p_arr.shape:
        raise ValueError(
            f"y and p must hold as many values, got {y_arr.size} and "
            f"{p_arr.size}"
        )
    if y_arr.size == 0:
        raise ValueError("y and p are empty")
    return y_arr, p_arr


def binary_cross_entropy(y: ArrayLike, p: ArrayLike) -> float:
    r"""The mean binary cross-entropy of predicted probabilities, as Keras'
    ``BinaryCrossentropy`` metric computes it (probabilities clipped to
    :math:`[10^{-7}, 1 - 10^{-7}]`), against the labels as they are (never
    smoothed).

    Args:
        y: Labels in :math:`[0, 1]`, any shape.
        p: Predicted probabilities, as many as ``y``.

    Example:
        >>> round(binary_cross_entropy([1, 0], [0.8, 0.4]), 6)
        0.366985
    """
    y_arr, p_arr = _probabilities(y, p)
    p_arr = np.clip(p_arr, EPSILON, 1.0 - EPSILON)
    losses = -(y_arr * np.log(p_arr) + (1.0 - y_arr) * np.log(1.0 - p_arr))
    return float(losses.mean())


def accuracy(y: ArrayLike, p: ArrayLike) -> float:
    """The share of predictions on the right side of one half.

    Example:
        >>> accuracy([1, 0, 1], [0.8, 0.4, 0.3])
        0.6666666666666666
    """
    y_arr, p_arr = _probabilities(y, p)
    return float(np.mean((p_arr > 0.5) == (y_arr > 0.5)))


class Recorder(keras.callbacks.Callback):
    """Calls ``fn(model)`` after every epoch (or every step) and keeps what it
    returns.

    Args:
        fn: A function of the model, e.g. one that measures the norm of a
            kernel or scores the branches on validation data.
        every: ``"epoch"`` or ``"step"`` (after every batch of training).

    Attributes:
        values: What ``fn`` returned, in order: one entry per epoch or step.

    Raises:
        TypeError: If ``fn`` is not callable.
        ValueError: If ``every`` is not ``"epoch"`` or ``"step"``.

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> sizes = Recorder(lambda m: len(m.weights), every="step")
        >>> x, y = np.zeros((4, 2)), np.zeros((4, 1))
        >>> _ = model.fit(x, y, batch_size=2, verbose=0, callbacks=[sizes])
        >>> sizes.values
        [2, 2]
    """

    def __init__(self, fn: Callable[[Any], Any], every: str = "epoch") -> None:
        super().__init__()
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        if every not in ("epoch", "step"):
            raise ValueError(f"every must be 'epoch' or 'step', got {every!r}")
        self.fn = fn
        self.every = every
        self.values: list[Any] = []

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.every == "step":
            self.values.append(self.fn(self.model))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if self.every == "epoch":
            self.values.append(self.fn(self.model))
