"""Keras callbacks that watch a model while it trains.

:class:`WeightNormHistory` records how large each layer's weights are after
every epoch, which shows a symptom of over-fitting that the loss alone does not:
the weights keep growing. Importing this module imports Keras."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

__all__ = ["WeightNormHistory"]

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
