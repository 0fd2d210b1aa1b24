"""Keras callbacks that watch a model while it trains.

:class:`WeightNormHistory` records how large each layer's weights are after
every epoch, which shows what the loss alone does not: the weights keep
growing. :class:`ValidationEvery` measures a classifier on held-out data every
so many weight updates instead of once per epoch, so that runs with different
batch sizes can be compared update by update. Importing this module imports
Keras."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

__all__ = ["ValidationEvery", "WeightNormHistory"]

#: The statistics recorded for every kernel, in the order of the record's
#: columns.
STATS = ("l2_norm", "max_abs")


class WeightNormHistory(keras.callbacks.Callback):
    r"""Record the size of each layer's kernel after every epoch.

    For every tracked layer it records the L2 (Frobenius) norm of the kernel,
    :math:`\lVert W\rVert_2 = \sqrt{\sum_{ij} W_{ij}^2}`, and its largest
    magnitude :math:`\max_{ij} |W_{ij}|`: once before training starts (epoch 0)
    and after every epoch. Biases are left out, as the weight penalties of later
    chapters leave them out by default.

    The records form a tidy table kept as a dict of equally long lists, one row
    per layer and epoch, ready for ``pandas.DataFrame(callback.records)``::

        {
            "epoch": [0, 0, 1, 1, ...],
            "layer": ["dense", "dense_1", ...],
            "l2_norm": [...],
            "max_abs": [...],
        }

    Epochs are counted by the callback itself, so a second ``fit`` with the same
    callback continues the count instead of starting again at 1.

    Args:
        layers: Names of the layers to track; ``None`` tracks every layer that
            has a kernel (``Dense``, convolutions ...), in the model's order.

    Attributes:
        records: The table described above.
        shapes: The kernel shape of each tracked layer, by layer name.

    Raises:
        TypeError: If ``layers`` is not a sequence of layer names.
        ValueError: At the start of training, if a named layer does not exist or
            has no kernel, if the model has no layer with a kernel at all, or if
            the callback already holds the records of another model.

    Example:
        >>> norms = WeightNormHistory()
        >>> history = model.fit(
        ...     x, y, epochs=20, callbacks=[norms]
        ... )  # doctest: +SKIP
        >>> norms.by_layer("l2_norm")["dense"]  # doctest: +SKIP
        array([5.74, 5.81, ...])
    """

    def __init__(self, layers: Sequence[str] | None = None) -> None:
        super().__init__()
        if layers is not None:
            if isinstance(layers, (str, bytes)) or not isinstance(
                layers, Sequence
            ):
                raise TypeError(
                    "layers must be a list of layer names or None, got "
                    f"{type(layers).__name__}"
                )
            bad = [name for name in layers if not isinstance(name, str)]
            if bad:
                raise TypeError(
                    f"layers must hold layer names (str), got {bad[0]!r}"
                )
            if not layers:
                raise ValueError(
                    "layers is empty: give at least one layer name, or None"
                )
            layers = list(layers)
        self._names = layers
        self._tracked: list[Any] = []
        self._epoch = 0
        self.records: dict[str, list[Any]] = {
            "epoch": [],
            "layer": [],
            **{s: [] for s in STATS},
        }
        self.shapes: dict[str, tuple[int, ...]] = {}

    def _select_layers(self) -> list[Any]:
        with_kernel = [
            layer for layer in self.model.layers if hasattr(layer, "kernel")
        ]
        if self._names is None:
            if not with_kernel:
                raise ValueError(
                    "the model has no layer with a kernel to track"
                )
            return with_kernel
        by_name = {layer.name: layer for layer in self.model.layers}
        selected = []
        for name in self._names:
            if name not in by_name:
                raise ValueError(
                    f"layers names {name!r}, but the model has no such layer; "
                    "its layers "
                    f"are {list(by_name)}"
                )
            if not hasattr(by_name[name], "kernel"):
                raise ValueError(f"layer {name!r} has no kernel to track")
            selected.append(by_name[name])
        return selected

    def _record(self) -> None:
        for layer in self._tracked:
            kernel = np.asarray(layer.kernel.value, dtype=np.float64)
            self.records["epoch"].append(self._epoch)
            self.records["layer"].append(layer.name)
            self.records["l2_norm"].append(float(np.sqrt(np.sum(kernel**2))))
            self.records["max_abs"].append(
                float(np.max(np.abs(kernel))) if kernel.size else 0.0
            )

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Choose the layers and, on the first ``fit``, record the initial
        weights."""
        selected = self._select_layers()
        if self.records["epoch"]:
            if [id(layer) for layer in selected] != [
                id(layer) for layer in self._tracked
            ]:
                raise ValueError(
                    "this WeightNormHistory already holds the records of "
                    "another model; "
                    "give each model a new one"
                )
            return
        self._tracked = selected
        self.shapes = {
            layer.name: tuple(layer.kernel.shape) for layer in selected
        }
        self._record()

    def on_epoch_end(
        self, epoch: int, logs: dict[str, Any] | None = None
    ) -> None:
        """Record the kernels as they are after this epoch."""
        self._epoch += 1
        self._record()

    @property
    def epochs(self) -> np.ndarray:
        """The epochs recorded so far, starting at 0 (the weights before
        training)."""
        return (
            np.arange(self._epoch + 1)
            if self.records["epoch"]
            else np.arange(0)
        )

    def by_layer(self, stat: str = "l2_norm") -> dict[str, np.ndarray]:
        """One statistic per layer, as ``{layer name: values}``, the values by
        epoch.

        ``values[e]`` belongs to epoch ``e`` of :attr:`epochs` (``values[0]`` to
        the initial weights).

        Args:
            stat: ``"l2_norm"`` or ``"max_abs"``.

        Raises:
            TypeError, ValueError: If ``stat`` is not one of those.
        """
        if not isinstance(stat, str):
            raise TypeError(f"stat must be a str, got {type(stat).__name__}")
        if stat not in STATS:
            raise ValueError(
                f"stat must be one of {', '.join(STATS)}; got {stat!r}"
            )
        grouped: dict[str, list[float]] = {}
        for layer, value in zip(
            self.records["layer"], self.records[stat], strict=False
        ):
            grouped.setdefault(layer, []).append(value)
        return {layer: np.array(values) for layer, values in grouped.items()}


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} ({value!r})"
        )
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


class ValidationEvery(keras.callbacks.Callback):
    r"""Measure a binary classifier on held-out data every ``every`` weight
    updates.

    Keras validates once per epoch, and an epoch is a different number of
    weight updates for every batch size and every amount of data. This callback
    counts the updates (training batches) instead: it measures the model on
    ``(x, y)`` before training starts (update 0) and after every ``every``
    updates, across epochs and across further calls of ``fit``, and records
    the binary cross-entropy (``keras.losses.binary_crossentropy``, averaged
    over the examples: the data loss, without any penalty) and the accuracy
    (the share of examples where the output is above 0.5 exactly when the
    label is 1), as Keras' ``val_loss`` and ``val_accuracy`` would be for a
    model compiled with that loss and no penalty.

    Args:
        x: Held-out inputs, one row per example (any dtype; each slice is
            converted to float32).
        y: Their labels, 0 or 1, shape ``(n,)`` or ``(n, 1)``.
        every: Measure after every this many weight updates, ``>= 1``.
        batch_size: Examples per forward pass while measuring (a memory
            bound, not a training setting), ``>= 1``.

    Attributes:
        records: ``{"update": [...], "loss": [...], "accuracy": [...]}``, one
            entry per measurement.

    Raises:
        TypeError: If ``every`` or ``batch_size`` is not an int.
        ValueError: If ``every`` or ``batch_size`` is below 1, ``x`` and
            ``y`` differ in length or are empty, ``y`` holds anything but 0
            and 1; at the start of training, if the callback already holds
            the records of another model.

    Example:
        >>> watch = ValidationEvery(x_val, y_val, every=40)  # doctest: +SKIP
        >>> model.fit(x, y, batch_size=64, callbacks=[watch])  # doctest: +SKIP
        >>> watch.updates[np.argmin(watch.loss)]  # doctest: +SKIP
        320
    """

    def __init__(
        self, x: Any, y: Any, *, every: int, batch_size: int = 2048
    ) -> None:
        super().__init__()
        self.every = _check_positive_int(every, "every")
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        labels = np.asarray(y, dtype=np.float32)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1:
            raise ValueError(
                f"y must have shape (n,) or (n, 1), got {labels.shape}"
            )
        if len(x) != len(labels):
            raise ValueError(
                f"x and y must have the same length, got {len(x)} and "
                f"{len(labels)}"
            )
        if len(labels) == 0:
            raise ValueError("x and y must hold at least one example")
        if not np.all((labels == 0) | (labels == 1)):
            raise ValueError("y must hold labels 0 and 1 only")
        self._x = x
        self._y = labels.reshape(-1, 1)
        self._updates = 0
        self._owner: Any = None
        self.records: dict[str, list[Any]] = {
            "update": [],
            "loss": [],
            "accuracy": [],
        }

    def _measure(self) -> None:
        outputs = []
        for start in range(0, len(self._y), self.batch_size):
            rows = np.asarray(
                self._x[start : start + self.batch_size], dtype=np.float32
            )
            outputs.append(
                keras.ops.convert_to_numpy(self.model(rows, training=False))
            )
        p = np.concatenate(outputs).reshape(-1, 1)
        loss = keras.ops.convert_to_numpy(
            keras.losses.binary_crossentropy(self._y, p)
        )
        self.records["update"].append(self._updates)
        self.records["loss"].append(float(np.mean(loss)))
        self.records["accuracy"].append(
            float(np.mean((p > 0.5) == (self._y == 1)))
        )

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Measure the untrained model, on the first ``fit`` only."""
        if self._owner is not None:
            if self._owner is not self.model:
                raise ValueError(
                    "this ValidationEvery already holds the records of "
                    "another model; give each model a new one"
                )
            return
        self._owner = self.model
        self._measure()

    def on_train_batch_end(
        self, batch: int, logs: dict[str, Any] | None = None
    ) -> None:
        """Count the update; measure after every ``every``-th."""
        self._updates += 1
        if self._updates % self.every == 0:
            self._measure()

    @property
    def updates(self) -> np.ndarray:
        """The update count of every measurement (0 is before training)."""
        return np.array(self.records["update"], dtype=np.int64)

    @property
    def loss(self) -> np.ndarray:
        """The binary cross-entropy of each measurement."""
        return np.array(self.records["loss"], dtype=np.float64)

    @property
    def accuracy(self) -> np.ndarray:
        """The accuracy of each measurement."""
        return np.array(self.records["accuracy"], dtype=np.float64)
