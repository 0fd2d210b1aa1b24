r"""Many small ReLU networks trained together in NumPy, the way Keras' Adam
and AdamW train them.

Chapter 6 trains the 16-16-1 network of the earlier chapters at every cell of
a grid of learning rates and regularization factors. In Keras a
``weight_decay`` is fixed when the optimizer's training step is traced, so
every value of the grid would need a model (and a trace) of its own; here the
whole grid is one set of arrays with a leading axis over the networks, trained
in one loop. Each network ``g`` has its own learning rate ``learning_rate[g]``,
L2 factor ``l2[g]`` and decoupled decay ``weight_decay[g]``, and follows
Keras' update exactly (the unit tests compare it with Keras step by step):

* the loss is the mean binary cross-entropy of the batch plus, for every
  kernel, ``l2 * sum(w**2)`` (what ``kernel_regularizer=regularizers.L2(l2)``
  adds), so the L2 part of a kernel's gradient is ``2 * l2 * w``;
* ``keras.optimizers.AdamW`` first decays every kernel,
  ``w -= learning_rate * weight_decay * w`` (the biases are excluded, as
  ``exclude_from_weight_decay(var_names=["bias"])`` does), then takes Adam's
  step with Keras' bias correction and :math:`\epsilon = 10^{-7}`
  :cite:p:`kingma2015adam,loshchilov2019decoupled`. With ``weight_decay = 0``
  this is ``keras.optimizers.Adam``.

All networks start from the same weights (twins) and see the same batches.
Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from threadpoolctl import threadpool_limits

# Keras' Adam(W) defaults and the int check, shared with the grokking network
from regbook.grokking import BETA_1, BETA_2, EPSILON, _int

__all__ = ["Networks", "best_factor", "glorot_start", "train_networks"]


def glorot_start(
    n_inputs: int, hidden: Sequence[int] = (16, 16), seed: int = 0
) -> list[np.ndarray]:
    """Initial weights of a ReLU network with one sigmoid output.

    Kernels are drawn Glorot-uniform (Keras' default, from NumPy's generator,
    so not Keras' draws), biases are zero.

    Args:
        n_inputs: the width of the inputs.
        hidden: the number of units of each hidden layer.
        seed: seed of the draws.

    Returns:
        ``[kernel_1, bias_1, ..., kernel_out, bias_out]`` as float32 arrays
        of Keras' shapes (``(n_in, n_out)`` and ``(n_out,)``).

    Raises:
        TypeError: if a size or the seed is not an int.
        ValueError: if a size is below 1 or the seed is negative.

    Example:
        >>> [w.shape for w in glorot_start(3, (2,))]
        [(3, 2), (2,), (2, 1), (1,)]
    """
    sizes = [_int(n_inputs, "n_inputs", 1)]
    sizes += [_int(h, "hidden", 1) for h in hidden] + [1]
    rng = np.random.default_rng(_int(seed, "seed", 0))
    weights = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        limit = np.sqrt(6 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, (fan_in, fan_out))
        weights += [kernel.astype(np.float32), np.zeros(fan_out, np.float32)]
    return weights


@dataclass
class Networks:
    """``G`` networks of the same shape, as arrays with a leading axis ``G``.

    Attributes:
        weights: ``[kernel_1, bias_1, ...]``, kernels of shape
            ``(G, n_in, n_out)`` and biases ``(G, 1, n_out)``.
    """

    weights: list[np.ndarray]

    @property
    def count(self) -> int:
        """The number of networks ``G``."""
        return self.weights[0].shape[0]

    def predict(self, x: ArrayLike, batch_size: int = 2000) -> np.ndarray:
        """The sigmoid outputs of every network, shape ``(G, n)``.

        Example:
            >>> nets = Networks(
            ...     [
            ...         np.zeros((2, 3, 1), np.float32),
            ...         np.zeros((2, 1, 1), np.float32),
            ...     ]
            ... )
            >>> nets.predict(np.ones((4, 3), np.uint8)).tolist()
            [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]
        """
        x = np.asarray(x)
        with threadpool_limits(limits=1, user_api="blas"):
            out = [
                _forward(self.weights, x[i : i + batch_size])[-1][..., 0]
                for i in range(0, len(x), _int(batch_size, "batch_size", 1))
            ]
        return _sigmoid(np.concatenate(out, axis=1))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))


def _forward(weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """The inputs and pre-activations of every layer, the logits last."""
    a = x.astype(np.float32)
    outs = [a]
    for i in range(0, len(weights), 2):
        z = a @ weights[i] + weights[i + 1]
        outs.append(z)
        a = np.maximum(z, 0)
    return outs


def _per_network(value: ArrayLike, name: str, count: int) -> np.ndarray:
    v = np.broadcast_to(np.asarray(value, dtype=np.float64), (count,))
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value}")
    return v.astype(np.float32)


def train_networks(
    x: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: ArrayLike,
    l2: ArrayLike = 0.0,
    weight_decay: ArrayLike = 0.0,
    epochs: int = 1,
    batch_size: int = 100,
    start: Sequence[np.ndarray] | None = None,
    hidden: Sequence[int] = (16, 16),
    seed: int = 0,
    shuffle: bool = True,
) -> Networks:
    """Train one network per entry of the broadcast settings, together.

    Args:
        x: the inputs, shape ``(n, d)`` (uint8 multi-hot rows are fine: each
            batch is cast to float32).
        y: the 0/1 labels, shape ``(n,)``.
        learning_rate: Adam's learning rate, per network (> 0).
        l2: the ``L2`` factor on every kernel, per network (>= 0).
        weight_decay: AdamW's ``weight_decay`` on every kernel, per network
            (>= 0).
        epochs: passes over the data.
        batch_size: the batch size (the last batch may be smaller).
        start: initial weights as :func:`glorot_start` returns them (shared
            by all networks); ``None`` draws them with ``seed``.
        hidden: the hidden layers' widths, when ``start`` is ``None``.
        seed: seed of the initial weights and of the shuffling.
        shuffle: draw a new order of the examples every epoch (``False``:
            Keras' ``fit(..., shuffle=False)``).

    Returns:
        The trained :class:`Networks`, in the order of the broadcast settings.

    Raises:
        TypeError: if ``epochs``, ``batch_size`` or ``seed`` is not an int.
        ValueError: for a bad setting, or ``x`` and ``y`` that do not match.

    Example:
        >>> x = np.eye(4, dtype=np.uint8)
        >>> y = np.array([0, 1, 0, 1])
        >>> nets = train_networks(
        ...     x,
        ...     y,
        ...     learning_rate=[0.01, 0.1],
        ...     epochs=20,
        ...     batch_size=4,
        ...     hidden=(4,),
        ... )
        >>> nets.count, bool(np.all((nets.predict(x)[1] > 0.5) == y))
        (2, True)
    """
    x = np.asarray(x)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError(f"x and y must match: {x.shape} and {y.shape}")
    n_epochs = _int(epochs, "epochs", 1)
    batch = _int(batch_size, "batch_size", 1)
    seed = _int(seed, "seed", 0)
    count = np.broadcast_shapes(
        np.shape(learning_rate), np.shape(l2), np.shape(weight_decay)
    )
    if len(count) > 1:
        raise ValueError("the settings must be scalars or 1-D")
    g = count[0] if count else 1
    lr = _per_network(learning_rate, "learning_rate", g)
    if np.any(lr <= 0):
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    l2 = _per_network(l2, "l2", g)[:, None, None]
    wd = _per_network(weight_decay, "weight_decay", g)[:, None, None]
    first = list(start) if start is not None else None
    if first is None:
        first = glorot_start(x.shape[1], hidden, seed)
    weights = [
        np.repeat(np.asarray(w, np.float32).reshape(1, -1, w.shape[-1]), g, 0)
        for w in first
    ]
    if weights[0].shape[1] != x.shape[1]:
        raise ValueError(
            f"start expects {weights[0].shape[1]} inputs, x has {x.shape[1]}"
        )
    moments = [np.zeros_like(w) for w in weights]
    squares = [np.zeros_like(w) for w in weights]
    rng = np.random.default_rng(seed)
    lr3 = lr[:, None, None]
    step = 0
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(n_epochs):
            order = rng.permutation(len(y)) if shuffle else np.arange(len(y))
            for i in range(0, len(y), batch):
                idx = order[i : i + batch]
                outs = _forward(weights, x[idx])
                # d(mean BCE)/d(logit) = (p - y) / batch
                delta = (_sigmoid(outs[-1]) - y[idx, None]) / len(idx)
                grads = [None] * len(weights)
                for k in range(len(weights) - 2, -1, -2):
                    a_in = outs[k // 2]
                    if k > 0:
                        a_in = np.maximum(a_in, 0)
                    grads[k] = (
                        np.swapaxes(a_in, -1, -2) @ delta
                        + 2 * l2 * (weights[k])
                    )
                    grads[k + 1] = delta.sum(-2, keepdims=True)
                    if k > 0:
                        delta = (delta @ np.swapaxes(weights[k], -1, -2)) * (
                            outs[k // 2] > 0
                        )
                step += 1
                alpha = lr3 * np.float32(
                    np.sqrt(1 - BETA_2**step) / (1 - BETA_1**step)
                )
                for k, (w, grad, m, v) in enumerate(
                    zip(weights, grads, moments, squares, strict=True)
                ):
                    if k % 2 == 0:  # kernels only
                        w -= w * wd * lr3
                    m += (grad - m) * np.float32(1 - BETA_1)
                    v += (grad * grad - v) * np.float32(1 - BETA_2)
                    w -= m * alpha / (np.sqrt(v) + np.float32(EPSILON))
    return Networks(weights)


def best_factor(factors: ArrayLike, losses: ArrayLike) -> float:
    r"""The factor of lowest loss on a log grid, refined by a parabola.

    A parabola in :math:`\log_{10}` of the factor is fitted through the
    lowest loss and its two neighbours, and its vertex is returned (clipped
    to the span of those three factors); at either end of the grid, the end
    factor itself.

    Args:
        factors: increasing factors, > 0, evenly spaced in log (>= 3).
        losses: one loss per factor.

    Returns:
        The refined best factor.

    Raises:
        ValueError: for fewer than 3 factors, factors that are not > 0 and
            increasing, or losses of another length or not finite.

    Example:
        >>> best_factor([0.01, 0.1, 1.0], [2.0, 1.0, 2.0])
        0.1
        >>> round(best_factor([0.01, 0.1, 1.0], [3.0, 1.0, 2.0]), 4)
        0.1468
    """
    f = np.asarray(factors, dtype=np.float64)
    loss = np.asarray(losses, dtype=np.float64)
    if f.ndim != 1 or len(f) < 3 or np.any(f <= 0) or np.any(np.diff(f) <= 0):
        raise ValueError(f"factors must be >= 3 increasing values > 0: {f}")
    if loss.shape != f.shape or not np.all(np.isfinite(loss)):
        raise ValueError(f"losses must be finite, one per factor: {loss}")
    k = int(np.argmin(loss))
    if k in (0, len(f) - 1):
        return float(f[k])
    u = np.log10(f[k - 1 : k + 2])
    c2, c1, _ = np.polyfit(u, loss[k - 1 : k + 2], 2)
    vertex = np.clip(-c1 / (2 * c2), u[0], u[2])
    return float(10**vertex)
