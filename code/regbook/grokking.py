r"""Grokking on modular addition: a small network trained by AdamW in NumPy.

Chapter 6 shows the effect :cite:t:`power2022grokking` called *grokking*: on
an algorithmic task a network first memorises its training pairs (training
accuracy 1, test accuracy near chance) and only much later generalises, and
weight decay decides whether and when :cite:p:`liu2023omnigrok`.

The task: for a modulus :math:`p`, every pair :math:`(a, b)` with
:math:`0 \le a, b < p` is labelled :math:`(a + b) \bmod p`
(:func:`modular_pairs`); a random share of the :math:`p^2` pairs is the
training set, the rest the test set. The network: the one-hot codes of
:math:`a` and :math:`b` side by side (:math:`2p` inputs), one ReLU hidden
layer, a softmax over the :math:`p` residues, the mean cross-entropy. It is
trained full-batch with AdamW exactly as ``keras.optimizers.AdamW`` updates a
weight (decoupled decay :math:`w \leftarrow w - \eta\,\mathrm{wd}\,w` on the
two kernels, not the biases, then Adam's step with Keras' bias correction and
:math:`\epsilon = 10^{-7}`).

:func:`train_modular_addition` trains one network per weight-decay value *at
the same time*, as one set of arrays with a leading axis over the values:
every network starts from the same weights, so the runs differ only by their
decay. Everything here needs only NumPy; nothing imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = [
    "GrokRun",
    "first_step",
    "modular_pairs",
    "train_modular_addition",
]

#: Keras' defaults for Adam(W): beta_1, beta_2 and epsilon.
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def _int(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if int(value) < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return float(value)


def modular_pairs(
    modulus: int, train_fraction: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All pairs of residues, their sums modulo ``modulus``, and a split.

    Args:
        modulus: the modulus :math:`p` (at least 2).
        train_fraction: the share of the :math:`p^2` pairs used for training,
            in (0, 1); the number of training pairs is rounded down, and at
            least one pair is left on each side.
        seed: seed of the random split.

    Returns:
        ``(a, b, c, train, test)``: the first and second residues and the
        label ``(a + b) % modulus`` of every pair (``a`` major), and the
        indices of the training and test pairs.

    Raises:
        TypeError: if ``modulus`` or ``seed`` is not an int.
        ValueError: if ``modulus < 2``, ``seed < 0`` or ``train_fraction``
            leaves a side empty.

    Example:
        >>> a, b, c, train, test = modular_pairs(3, 0.5, seed=0)
        >>> c.tolist()
        [0, 1, 2, 1, 2, 0, 2, 0, 1]
        >>> len(train), len(test)
        (4, 5)
    """
    p = _int(modulus, "modulus", 2)
    seed = _int(seed, "seed", 0)
    fraction = _positive(train_fraction, "train_fraction")
    n_train = int(fraction * p * p)
    if not 1 <= n_train < p * p:
        raise ValueError(
            f"train_fraction must leave both sides non-empty, got {fraction}"
        )
    a, b = np.divmod(np.arange(p * p), p)
    order = np.random.default_rng(seed).permutation(p * p)
    return a, b, (a + b) % p, np.sort(order[:n_train]), np.sort(order[n_train:])


@dataclass(frozen=True)
class GrokRun:
    """What :func:`train_modular_addition` recorded, one row per decay.

    Attributes:
        weight_decays: the decay values, shape ``(G,)``.
        steps: the steps at which the run was scored, shape ``(T,)``; step 0
            is the start.
        train_accuracy: training accuracy, shape ``(G, T)``.
        test_accuracy: test accuracy, shape ``(G, T)``.
        weight_norm: the L2 norm of both kernels together, shape ``(G, T)``.
        train_loss: the mean training cross-entropy, shape ``(G, T)``.
    """

    weight_decays: np.ndarray
    steps: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    weight_norm: np.ndarray
    train_loss: np.ndarray


def train_modular_addition(
    modulus: int = 23,
    hidden: int = 64,
    weight_decays: Sequence[float] = (0.0, 1.0),
    *,
    learning_rate: float = 1e-2,
    steps: int = 2000,
    train_fraction: float = 0.5,
    seed: int = 0,
    every: int = 50,
    init_scale: float = 1.0,
) -> GrokRun:
    """Train one network per weight decay on modular addition, together.

    The kernels start from Glorot-uniform draws (Keras' default) times
    ``init_scale``, the biases from zero, the same draws for every decay.

    Args:
        modulus: the modulus :math:`p`.
        hidden: the number of ReLU units.
        weight_decays: Keras' ``weight_decay`` of each network (the decay per
            step is ``learning_rate * weight_decay``), each finite and >= 0.
        learning_rate: AdamW's learning rate.
        steps: the number of full-batch steps.
        train_fraction: the share of pairs used for training.
        seed: seed of the split and of the initial weights.
        every: score the networks every ``every`` steps (and at step 0).
        init_scale: a factor on the initial kernels.

    Returns:
        A :class:`GrokRun`.

    Raises:
        TypeError: if an int argument is not an int.
        ValueError: if an argument is out of range or ``weight_decays`` is
            empty or holds a negative or non-finite value.

    Example:
        >>> run = train_modular_addition(5, 8, (0.0, 1.0), steps=4, every=2)
        >>> run.steps.tolist(), run.train_accuracy.shape
        ([0, 2, 4], (2, 3))
    """
    p = _int(modulus, "modulus", 2)
    width = _int(hidden, "hidden", 1)
    n_steps = _int(steps, "steps", 1)
    every = _int(every, "every", 1)
    lr = _positive(learning_rate, "learning_rate")
    scale = _positive(init_scale, "init_scale")
    decays = np.asarray(weight_decays, dtype=np.float64)
    if decays.ndim != 1 or len(decays) == 0:
        raise ValueError("weight_decays must be a non-empty sequence")
    if not np.all(np.isfinite(decays)) or np.any(decays < 0):
        raise ValueError(f"weight_decays must be finite and >= 0: {decays}")
    a, b, c, train, test = modular_pairs(p, train_fraction, seed)
    rng = np.random.default_rng(seed)
    g = len(decays)
    limit_1 = np.sqrt(6 / (2 * p + width))
    limit_2 = np.sqrt(6 / (width + p))
    kernel_1 = rng.uniform(-limit_1, limit_1, (2 * p, width)) * scale
    kernel_2 = rng.uniform(-limit_2, limit_2, (width, p)) * scale
    params = [  # float32, as Keras trains
        np.repeat(kernel_1[None], g, axis=0).astype(np.float32),
        np.zeros((g, 1, width), np.float32),
        np.repeat(kernel_2[None], g, axis=0).astype(np.float32),
        np.zeros((g, 1, p), np.float32),
    ]
    decayed = (True, False, True, False)
    moments = [np.zeros_like(w) for w in params]
    squares = [np.zeros_like(w) for w in params]
    rate = (lr * decays)[:, None, None].astype(np.float32)
    onehot = np.eye(p, dtype=np.float32)
    x_a, x_b = onehot[a[train]], onehot[b[train]]  # (n, p) each
    targets = onehot[c[train]]

    def forward(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w1, b1, w2, b2 = params
        pre = w1[:, a[idx]] + w1[:, p + b[idx]] + b1
        return pre, np.maximum(pre, 0) @ w2 + b2

    def score() -> tuple[np.ndarray, ...]:
        _, z_train = forward(train)
        _, z_test = forward(test)
        z = z_train - z_train.max(-1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
        loss = -log_p[:, np.arange(len(train)), c[train]].mean(-1)
        norm = np.sqrt(
            (params[0] ** 2).sum((1, 2)) + (params[2] ** 2).sum((1, 2))
        )
        return (
            (z_train.argmax(-1) == c[train]).mean(-1),
            (z_test.argmax(-1) == c[test]).mean(-1),
            norm,
            loss,
        )

    with threadpool_limits(limits=1, user_api="blas"):
        log = [score()]
        recorded = [0]
        for t in range(1, n_steps + 1):
            pre, z = forward(train)
            hid = np.maximum(pre, 0)
            z = z - z.max(-1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(-1, keepdims=True)
            d_z = (prob - targets) / len(train)
            d_pre = (d_z @ params[2].transpose(0, 2, 1)) * (pre > 0)
            grads = [
                np.concatenate([x_a.T @ d_pre, x_b.T @ d_pre], axis=1),
                d_pre.sum(1, keepdims=True),
                hid.transpose(0, 2, 1) @ d_z,
                d_z.sum(1, keepdims=True),
            ]
            alpha = float(lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t))
            for w, grad, m, v, dec in zip(
                params, grads, moments, squares, decayed, strict=True
            ):
                if dec:
                    w -= w * rate
                m += (grad - m) * (1 - BETA_1)
                v += (grad * grad - v) * (1 - BETA_2)
                w -= alpha * m / (np.sqrt(v) + EPSILON)
            if t % every == 0:
                log.append(score())
                recorded.append(t)
        columns = [np.stack(col, axis=1) for col in zip(*log, strict=True)]
    return GrokRun(decays, np.array(recorded), *columns)


def first_step(
    steps: Sequence[int], values: Sequence[float], threshold: float
) -> int | None:
    """The first recorded step at which ``values`` reach ``threshold``.

    Args:
        steps: the recorded steps.
        values: one value per step (e.g. a row of
            :attr:`GrokRun.test_accuracy`).
        threshold: the level to reach (``>=``).

    Returns:
        The step, or ``None`` if the values never reach it.

    Raises:
        ValueError: if ``steps`` and ``values`` differ in length.

    Example:
        >>> first_step([0, 10, 20], [0.1, 0.5, 0.9], 0.5)
        10
        >>> first_step([0, 10], [0.1, 0.2], 0.5) is None
        True
    """
    steps, values = np.asarray(steps), np.asarray(values)
    if steps.shape != values.shape:
        raise ValueError(
            f"steps and values must match: {steps.shape} != {values.shape}"
        )
    reached = np.flatnonzero(values >= threshold)
    return int(steps[reached[0]]) if len(reached) else None
