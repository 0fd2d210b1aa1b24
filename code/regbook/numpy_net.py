r"""A small fully connected network in NumPy, trained by hand-written
backpropagation.

Nothing here is hidden behind a framework: the forward pass, the loss, the
backward pass and the update are a few lines each, so a chapter can show them
and a reader can follow every number. The network has ReLU hidden layers and a
sigmoid output (two classes, labels 0/1) or a softmax output (``k`` classes,
labels ``0 .. k-1``); the data loss is the mean cross-entropy over the examples,
and the penalties follow Keras' convention (:mod:`regbook.penalties`), added on
every weight matrix but not on the biases, as ``kernel_regularizer`` does:

.. math::

    E(\theta) = \frac{1}{n}\sum_{j=1}^{n} \ell\bigl(y_j, f(x_j; \theta)\bigr)
        + \lambda_1 \sum_{l}\sum_{i,k} |W^{(l)}_{ik}|
        + \lambda_2 \sum_{l}\sum_{i,k} \bigl(W^{(l)}_{ik}\bigr)^2 .

Training is plain (mini-batch) gradient descent. The L1 part can be handled in
two ways: by its subgradient :math:`\lambda_1\operatorname{sign}(w)` like every
other term (``l1_method="subgradient"``, what Keras does), or by a proximal step
after each gradient step, soft-thresholding the weights by :math:`\eta\lambda_1`
(``l1_method="proximal"``), which leaves weights exactly at zero.

:func:`gradient_check` compares the backpropagated gradients with central finite
differences, and :func:`fit_logistic` trains many L1/L2-penalised logistic
regressions at once (one per penalty strength) for experiments that need
hundreds of them, to their minimum if asked: :func:`logistic_residual` says how
far each one is from it. The module needs only NumPy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from regbook.penalties import _factor, l1_l2, l1_l2_grad, soft_threshold

__all__ = [
    "L1_METHODS",
    "OUTPUTS",
    "STEP_RULES",
    "Network",
    "fit_logistic",
    "gradient_check",
    "logistic_residual",
    "numerical_gradients",
    "sigmoid",
]

#: The output layers :class:`Network` supports.
OUTPUTS = ("sigmoid", "softmax")
#: How :meth:`Network.fit` handles the L1 penalty.
L1_METHODS = ("subgradient", "proximal")

Params = list[np.ndarray]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function :math:`1 / (1 + e^{-z})`, without overflow
    warnings."""
    return np.exp(-np.logaddexp(0.0, -z))


# ------------------------------------------------------------------------------
# Plumbing: small matrix products run best on one BLAS thread.


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run NumPy's matrix products on a single thread inside the block.

    The products in this module are small. Splitting each of them over several
    threads costs more than it saves, and on a busy machine, waiting for those
    threads can make training ten times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ------------------------------------------------------------------------------
# Argument checks: every error names the argument it is about.


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def _positive_float(value: object, name: str) -> float:
    value = _factor(value, name)
    if value == 0:
        raise ValueError(f"{name} must be > 0, got 0")
    return value


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got "
            f"{value!r}"
        )
    return value


def _inputs(
    x: object, n_inputs: int, dtype: np.dtype, name: str = "x"
) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] != n_inputs:
        raise ValueError(
            f"{name} must have shape (n_examples, {n_inputs}), got {a.shape}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"{name} holds no examples")
    a = a.astype(dtype, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return a


def _labels(y: object, n: int, n_classes: int, name: str = "y") -> np.ndarray:
    """Integer class labels of shape (n,) from (n,) or (n, 1) arrays of whole
    numbers."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(
            f"{name} must have shape ({n},) or ({n}, 1) to match x, got "
            f"{np.shape(y)}"
        )
    if a.dtype.kind not in "fiub":
        raise TypeError(
            f"{name} must hold class labels (numbers), got dtype {a.dtype}"
        )
    if a.dtype.kind == "f" and not np.all(a == np.round(a)):
        raise ValueError(
            f"{name} must hold whole-number class labels, got fractions"
        )
    labels = a.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{name} must hold labels 0 .. {n_classes - 1}, got values from "
            f"{labels.min()} to {labels.max()}"
        )
    return labels


# ------------------------------------------------------------------------------
# The network.


class Network:
    """A fully connected network: ReLU hidden layers, sigmoid or softmax output.

    Args:
        sizes: The width of every layer, inputs first and outputs last, e.g.
            ``[50, 16, 1]``: 50 inputs, one hidden layer of 16 ReLU units, one
            output. ``[d, 1]`` (no hidden layer) with a sigmoid output is
            logistic regression.
        output: ``"sigmoid"`` (one output unit; labels 0 and 1) or ``"softmax"``
            (two or more output units; labels ``0 .. k-1``).
        seed: Seed of the random initial weights.
        dtype: ``"float64"`` (the default, what :func:`gradient_check` needs) or
            ``"float32"``.

    Attributes:
        weights: The weight matrices; ``weights[l]`` has shape
            ``(sizes[l], sizes[l + 1])``, so a layer computes ``a @ W + b``.
        biases: The bias vectors; ``biases[l]`` has shape ``(sizes[l + 1],)``.

    Example:
        >>> net = Network([3, 4, 1], seed=0)
        >>> [w.shape for w in net.weights]
        [(3, 4), (4, 1)]
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        output: str = "sigmoid",
        seed: int = 0,
        dtype: str | type = "float64",
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(
            sizes, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"sizes must be a list of ints, got {type(sizes).__name__}"
            )
        if len(sizes) < 2:
            raise ValueError(
                "sizes needs at least two entries (inputs, outputs), got "
                f"{list(sizes)}"
            )
        self.sizes = [_positive_int(s, "sizes") for s in sizes]
        self.output = _choice(output, OUTPUTS, "output")
        if self.output == "sigmoid" and self.sizes[-1] != 1:
            raise ValueError(
                'sizes must end in 1 for output="sigmoid", got '
                f"{self.sizes[-1]}; "
                'use output="softmax" for several classes'
            )
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise ValueError('sizes must end in 2 or more for output="softmax"')
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"dtype must be float32 or float64, got {dtype!r}"
            ) from None
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(
                f"dtype must be float32 or float64, got {self.dtype}"
            )

        # He initialisation: variance 2 / fan_in keeps ReLU activations at a
        # steady size.
        rng = np.random.default_rng(seed)
        self.weights: Params = [
            (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(
                self.dtype
            )
            for n_in, n_out in zip(
                self.sizes[:-1], self.sizes[1:], strict=False
            )
        ]
        self.biases: Params = [
            np.zeros(n_out, dtype=self.dtype) for n_out in self.sizes[1:]
        ]

    def __repr__(self) -> str:
        return (
            f"Network({self.sizes}, output={self.output!r}, "
            f"dtype={self.dtype.name})"
        )

    @property
    def n_classes(self) -> int:
        """How many classes the network tells apart (2 for a sigmoid output)."""
        return 2 if self.output == "sigmoid" else self.sizes[-1]

    # -- forward pass ----------------------------------------------------------

    def _forward(self, x: np.ndarray) -> tuple[Params, np.ndarray]:
        """The activations of the input and every hidden layer, and the output
        logits."""
        activations = [x]
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=False):
            activations.append(np.maximum(activations[-1] @ W + b, 0.0))  # ReLU
        logits = activations[-1] @ self.weights[-1] + self.biases[-1]
        return activations, logits

    def _probabilities(self, logits: np.ndarray) -> np.ndarray:
        if self.output == "sigmoid":
            return sigmoid(logits)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        """Labels shaped like the output: a column of 0/1, or one-hot rows."""
        if self.output == "sigmoid":
            return labels[:, None].astype(self.dtype)
        return np.eye(self.sizes[-1], dtype=self.dtype)[labels]

    def _cross_entropy(self, logits: np.ndarray, labels: np.ndarray) -> float:
        """Mean cross-entropy, computed from the logits so that it never takes
        log(0)."""
        if self.output == "sigmoid":
            z = logits[:, 0]
            # -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z
            # (a sum divided by n: np.mean's result, without its overhead)
            return float((np.logaddexp(0.0, z) - labels * z).sum() / len(z))
        log_norm = np.logaddexp.reduce(logits, axis=1)
        picked = logits[np.arange(len(labels)), labels]
        return float((log_norm - picked).sum() / len(labels))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Output probabilities: shape ``(n, 1)`` for sigmoid, ``(n, k)`` for
        softmax."""
        x = _inputs(x, self.sizes[0], self.dtype)
        return self._probabilities(self._forward(x)[1])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class labels, shape ``(n,)``."""
        x = _inputs(x, self.sizes[0], self.dtype)
        logits = self._forward(x)[1]
        if self.output == "sigmoid":
            return (logits[:, 0] > 0).astype(np.int64)
        return logits.argmax(axis=1)

    def error(self, x: np.ndarray, y: np.ndarray) -> float:
        """Share of misclassified examples (0 is perfect)."""
        predictions = self.predict(x)
        return float(
            np.mean(predictions != _labels(y, len(predictions), self.n_classes))
        )

    # -- loss ------------------------------------------------------------------

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        r"""The penalty :math:`\lambda_1\sum|W| + \lambda_2\sum W^2` over all
        weight matrices."""
        return l1_l2(self.weights, l1_factor=l1, l2_factor=l2)

    def data_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Mean cross-entropy on ``(x, y)``, without penalty."""
        x = _inputs(x, self.sizes[0], self.dtype)
        return self._cross_entropy(
            self._forward(x)[1], _labels(y, len(x), self.n_classes)
        )

    def loss(
        self, x: np.ndarray, y: np.ndarray, l1: float = 0.0, l2: float = 0.0
    ) -> float:
        """The penalised loss: :meth:`data_loss` plus :meth:`penalty`."""
        return self.data_loss(x, y) + self.penalty(l1, l2)

    # -- backward pass ---------------------------------------------------------

    def _backprop(
        self, x: np.ndarray, labels: np.ndarray, l1: float, l2: float
    ) -> tuple[float, Params, Params]:
        """Data loss and gradients of the penalised loss (inputs already
        checked)."""
        n = len(x)
        activations, logits = self._forward(x)
        # For sigmoid + binary cross-entropy and for softmax + cross-entropy
        # alike, the derivative of the mean loss with respect to the logits is
        # (p - y) / n.
        delta = (self._probabilities(logits) - self._targets(labels)) / n
        grad_weights: Params = [np.empty(0)] * len(self.weights)
        grad_biases: Params = [np.empty(0)] * len(self.biases)
        for layer in reversed(range(len(self.weights))):
            W = self.weights[layer]
            grad_weights[layer] = activations[layer].T @ delta + l1_l2_grad(
                W, l1, l2
            )
            grad_biases[layer] = delta.sum(axis=0)
            if layer > 0:
                # Back through the weights, then through the ReLU (slope 1 where
                # it fired).
                delta = (delta @ W.T) * (activations[layer] > 0)
        return self._cross_entropy(logits, labels), grad_weights, grad_biases

    def gradients(
        self, x: np.ndarray, y: np.ndarray, l1: float = 0.0, l2: float = 0.0
    ) -> tuple[Params, Params]:
        """Gradients of :meth:`loss` by backpropagation.

        Returns:
            ``(grad_weights, grad_biases)``, lists shaped like :attr:`weights`
            and :attr:`biases`. The L1 term contributes its subgradient
            :math:`\\lambda_1\\operatorname{sign}(w)` (0 at :math:`w = 0`).
        """
        x = _inputs(x, self.sizes[0], self.dtype)
        labels = _labels(y, len(x), self.n_classes)
        _, grad_weights, grad_biases = self._backprop(
            x, labels, _factor(l1, "l1"), _factor(l2, "l2")
        )
        return grad_weights, grad_biases

    # -- training --------------------------------------------------------------

    @_one_blas_thread()
    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int = 100,
        learning_rate: float = 0.1,
        batch_size: int | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        l1_method: str = "subgradient",
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        seed: int = 0,
    ) -> dict[str, list[float]]:
        """Train by (mini-batch) gradient descent on the penalised loss.

        Args:
            x: Inputs, shape ``(n, sizes[0])``.
            y: Class labels, shape ``(n,)`` or ``(n, 1)``.
            epochs: Passes over the training data.
            learning_rate: The step size :math:`\\eta > 0`.
            batch_size: Examples per step; ``None`` uses all of them (full-batch
                gradient descent, one step per epoch).
            l1: :math:`\\lambda_1 \\ge 0`, the L1 factor (Keras' ``L1(l1)``).
            l2: :math:`\\lambda_2 \\ge 0`, the L2 factor (Keras' ``L2(l2)``).
            l1_method: ``"subgradient"``: step along
                :math:`-\\eta\\lambda_1\\operatorname{sign}(w)` with the rest of
                the gradient; ``"proximal"``: step on the data loss and the L2
                term, then soft-threshold the weights by
                :math:`\\eta\\lambda_1`.
            validation_data: Optional ``(x_val, y_val)`` measured after every
                epoch.
            seed: Seed of the order in which mini-batches are drawn.

        Returns:
            The history, a dict of lists with one value per epoch like Keras'
            ``History.history``. ``data_loss`` is the mean over the epoch's
            batches, ``penalty`` the penalty at the end of the epoch, ``loss``
            their sum; with ``validation_data`` also ``val_data_loss`` and
            ``val_error``.
        """
        x = _inputs(x, self.sizes[0], self.dtype)
        labels = _labels(y, len(x), self.n_classes)
        epochs = _positive_int(epochs, "epochs")
        learning_rate = _positive_float(learning_rate, "learning_rate")
        batch_size = (
            len(x)
            if batch_size is None
            else _positive_int(batch_size, "batch_size")
        )
        l1, l2 = _factor(l1, "l1"), _factor(l2, "l2")
        proximal = _choice(l1_method, L1_METHODS, "l1_method") == "proximal"
        if validation_data is not None:
            if (
                not isinstance(validation_data, (tuple, list))
                or len(validation_data) != 2
            ):
                raise TypeError("validation_data must be a pair (x_val, y_val)")
            x_val = _inputs(
                validation_data[0],
                self.sizes[0],
                self.dtype,
                "validation_data[0]",
            )
            labels_val = _labels(
                validation_data[1],
                len(x_val),
                self.n_classes,
                "validation_data[1]",
            )

        rng = np.random.default_rng(seed)
        history: dict[str, list[float]] = {
            "loss": [],
            "data_loss": [],
            "penalty": [],
        }
        if validation_data is not None:
            history.update(val_data_loss=[], val_error=[])
        for _ in range(epochs):
            order = rng.permutation(len(x)) if batch_size < len(x) else None
            batch_losses = []
            for start in range(0, len(x), batch_size):
                if order is None:
                    xb, yb = x, labels
                else:
                    batch = order[start : start + batch_size]
                    xb, yb = x[batch], labels[batch]
                # With proximal steps the L1 term leaves the gradient ...
                data_loss, grad_weights, grad_biases = self._backprop(
                    xb, yb, 0.0 if proximal else l1, l2
                )
                batch_losses.append(data_loss)
                for W, g in zip(self.weights, grad_weights, strict=False):
                    W -= learning_rate * g
                for b, g in zip(self.biases, grad_biases, strict=False):
                    b -= learning_rate * g
                if proximal and l1 > 0:
                    # ... and acts here instead: shrink every weight by eta *
                    # l1, stop at 0.
                    self.weights = soft_threshold(
                        self.weights, learning_rate * l1
                    )
            history["data_loss"].append(float(np.mean(batch_losses)))
            history["penalty"].append(self.penalty(l1, l2))
            history["loss"].append(
                history["data_loss"][-1] + history["penalty"][-1]
            )
            if validation_data is not None:
                _, logits = self._forward(x_val)
                history["val_data_loss"].append(
                    self._cross_entropy(logits, labels_val)
                )
                predicted = (
                    (logits[:, 0] > 0)
                    if self.output == "sigmoid"
                    else logits.argmax(1)
                )
                history["val_error"].append(
                    float(np.mean(predicted != labels_val))
                )
        return history


# ------------------------------------------------------------------------------
# Checking the gradients.


def numerical_gradients(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    l1: float = 0.0,
    l2: float = 0.0,
    eps: float = 1e-6,
) -> tuple[Params, Params]:
    """Gradients of ``net.loss`` by central differences, one parameter at a
    time.

    Each parameter :math:`\\theta` is nudged to :math:`\\theta \\pm
    \\varepsilon` and the derivative estimated as
    :math:`(E(\\theta+\\varepsilon) - E(\\theta-\\varepsilon)) / 2\\varepsilon`.
    That takes two evaluations of the loss per parameter: fine for the small
    networks of a check, far too slow for training."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    eps = _positive_float(eps, "eps")
    grads = []
    for param in net.weights + net.biases:
        grad = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            saved = param[idx]
            param[idx] = saved + eps
            plus = net.loss(x, y, l1, l2)
            param[idx] = saved - eps
            minus = net.loss(x, y, l1, l2)
            param[idx] = saved
            grad[idx] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads[: len(net.weights)], grads[len(net.weights) :]


def gradient_check(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    l1: float = 0.0,
    l2: float = 0.0,
    eps: float = 1e-6,
) -> float:
    """Relative difference between backpropagated and numerical gradients.

    Returns :math:`\\lVert g_a - g_n\\rVert / (\\lVert g_a\\rVert + \\lVert
    g_n\\rVert)` over all parameters together, where :math:`g_a` comes from
    :meth:`Network.gradients` and :math:`g_n` from :func:`numerical_gradients`.
    In float64 a correct backward pass gives about ``1e-9`` or less; a wrong
    one, something near 1; NaN if a gradient is not finite (an overflow).

    Raises:
        TypeError: If ``net`` is not a :class:`Network`.
        ValueError: If the network is not float64 (float32 rounding swamps the
            finite differences).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network, got {type(net).__name__}")
    if net.dtype != np.float64:
        raise ValueError("net must be a float64 Network for a gradient check")
    grad_weights, grad_biases = net.gradients(x, y, l1, l2)
    analytic = np.concatenate([g.ravel() for g in grad_weights + grad_biases])
    num_weights, num_biases = numerical_gradients(net, x, y, l1, l2, eps)
    numeric = np.concatenate([g.ravel() for g in num_weights + num_biases])
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if scale == 0:  # both gradients exactly zero: they agree
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)  # NaN stays NaN


# ------------------------------------------------------------------------------
# Many logistic regressions at once.


def _strengths(value: object, name: str) -> np.ndarray:
    """Penalty factors as a 1-D float array: one number, or one per model."""
    if isinstance(value, (str, bytes, bool)):
        raise TypeError(
            f"{name} must be a number or a 1-D sequence of numbers, got "
            f"{value!r}"
        )
    a = np.atleast_1d(np.asarray(value))
    if a.dtype.kind not in "fiu" or a.ndim != 1 or a.size == 0:
        raise TypeError(f"{name} must be a number or a 1-D sequence of numbers")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must hold finite numbers >= 0")
    return a.astype(np.float64)


def _logistic_problem(
    x: object, y: object, l1: object, l2: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked inputs, 0/1 labels as floats, and one (l1, l2) pair per model."""
    if np.ndim(x) != 2:
        raise ValueError(
            f"x must have shape (n_examples, n_inputs), got {np.shape(x)}"
        )
    x = _inputs(x, np.shape(x)[1], np.dtype(np.float64))
    labels = _labels(y, len(x), 2).astype(np.float64)
    l1_arr, l2_arr = _strengths(l1, "l1"), _strengths(l2, "l2")
    try:
        l1_arr, l2_arr = np.broadcast_arrays(l1_arr, l2_arr)
    except ValueError:
        raise ValueError(
            "l1 and l2 must have the same length (or one be a number), got "
            f"{l1_arr.size} and {l2_arr.size}"
        ) from None
    return x, labels, l1_arr, l2_arr


def _smooth_gradient(
    x: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    logits: np.ndarray,
    l2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the mean cross-entropy plus the L2 term, one column per
    model: with respect to the weights ``(d, G)`` and the biases ``(G,)``."""
    residual = (sigmoid(logits) - labels[:, None]) / len(x)  # (n, G)
    return x.T @ residual + 2 * l2 * weights, residual.sum(axis=0)


def _residual(
    weights: np.ndarray,
    grad_weights: np.ndarray,
    grad_biases: np.ndarray,
    l1: np.ndarray,
) -> np.ndarray:
    """The optimality residual of each model (see :func:`logistic_residual`)
    from the gradients of the smooth part."""
    off_kink = np.abs(grad_weights + l1 * np.sign(weights))
    at_kink = np.maximum(np.abs(grad_weights) - l1, 0.0)
    per_weight = np.where(weights != 0, off_kink, at_kink)
    worst = per_weight.max(axis=0) if len(weights) else 0.0
    return np.maximum(worst, np.abs(grad_biases))


def _penalised_loss(
    labels: np.ndarray,
    weights: np.ndarray,
    logits: np.ndarray,
    l1: np.ndarray,
    l2: np.ndarray,
) -> np.ndarray:
    """The penalised loss of each model, shape ``(G,)``."""
    data = np.mean(np.logaddexp(0.0, logits) - labels[:, None] * logits, axis=0)
    return (
        data + l1 * np.abs(weights).sum(axis=0) + l2 * np.square(weights).sum(0)
    )


def logistic_residual(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    *,
    l1: float | Sequence[float] | np.ndarray = 0.0,
    l2: float | Sequence[float] | np.ndarray = 0.0,
) -> np.ndarray:
    r"""How far each penalised logistic regression is from its minimum.

    Model ``g`` (column ``g`` of ``weights``, as :func:`fit_logistic` returns
    them) minimises :math:`E(w, b) = L(w, b) + \lambda_1\sum_i |w_i| +
    \lambda_2\sum_i w_i^2`, with :math:`L` the mean binary cross-entropy. Its
    *optimality residual* is the largest entry, in magnitude, of the smallest
    (sub)gradient of :math:`E`:

    * :math:`|\partial L/\partial w_i + 2\lambda_2 w_i + \lambda_1
      \operatorname{sign}(w_i)|` for a weight :math:`w_i \ne 0`;
    * :math:`\max(|\partial L/\partial w_i| - \lambda_1,\ 0)` for a weight at
      zero, where :math:`|w_i|` has a kink: how much harder the data pull on
      it than the L1 penalty's constant pull can hold;
    * :math:`|\partial L/\partial b|` for the (unpenalised) bias.

    It is zero exactly at the minimum (the loss is convex), and it does not
    depend on a step size, so it measures convergence the same way for every
    strength and every training method.

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Labels 0/1, shape ``(n,)`` or ``(n, 1)``.
        weights: Shape ``(d, G)``, one column per model.
        biases: Shape ``(G,)``.
        l1: One L1 factor, or one per model.
        l2: One L2 factor, or one per model.

    Returns:
        The residuals, shape ``(G,)``.

    Raises:
        TypeError: If an array is not numeric or a factor is not a number or a
            1-D sequence of numbers.
        ValueError: If a shape does not match, or a factor is negative or not
            finite.

    Example:
        >>> x = np.array([[1.0], [-1.0]])
        >>> y = np.array([1, 0])
        >>> logistic_residual(x, y, np.zeros((1, 2)), np.zeros(2), l1=[0, 1])
        array([0.5, 0. ])
    """
    x, labels, l1_arr, l2_arr = _logistic_problem(x, y, l1, l2)
    w = np.asarray(weights)
    b = np.asarray(biases)
    for name, a in (("weights", w), ("biases", b)):
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{name} must be numeric, got dtype {a.dtype}")
    if w.ndim != 2 or w.shape[0] != x.shape[1]:
        raise ValueError(
            f"weights must have shape ({x.shape[1]}, n_models), got {w.shape}"
        )
    if b.shape != (w.shape[1],):
        raise ValueError(
            f"biases must have shape ({w.shape[1]},) to match weights, got "
            f"{b.shape}"
        )
    if l1_arr.size not in (1, w.shape[1]):
        raise ValueError(
            f"l1 and l2 must hold one factor or {w.shape[1]} (one per model), "
            f"got {l1_arr.size}"
        )
    w, b = w.astype(np.float64), b.astype(np.float64)
    with _one_blas_thread():
        grad_weights, grad_biases = _smooth_gradient(
            x, labels, w, x @ w + b, l2_arr
        )
    return _residual(w, grad_weights, grad_biases, l1_arr)


#: How :func:`fit_logistic` chooses the size of its steps.
STEP_RULES = ("fixed", "barzilai-borwein")


def _tolerance(value: object) -> float | None:
    if value is None:
        return None
    return _positive_float(value, "tol")


def _fixed_steps(
    x: np.ndarray,
    labels: np.ndarray,
    l1: np.ndarray,
    l2: np.ndarray,
    rate: np.ndarray,
    steps: int,
    tol: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Proximal gradient descent with one constant step size per model."""
    weights = np.zeros((x.shape[1], l1.size))
    biases = np.zeros(l1.size)
    for _ in range(steps):
        grad_weights, grad_biases = _smooth_gradient(
            x, labels, weights, x @ weights + biases, l2
        )
        if tol is not None and np.all(
            _residual(weights, grad_weights, grad_biases, l1) < tol
        ):
            break
        weights = soft_threshold(
            weights - rate * grad_weights, rate * l1
        )  # one threshold per column
        biases = biases - rate * grad_biases
    return weights, biases


def _barzilai_borwein_steps(
    x: np.ndarray,
    labels: np.ndarray,
    l1: np.ndarray,
    l2: np.ndarray,
    safe: np.ndarray,
    steps: int,
    tol: float | None,
    memory: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """Proximal gradient descent with Barzilai-Borwein step sizes and a
    non-monotone line search (SpaRSA), one step size per model.

    A model's next step size is :math:`s^\\top s / s^\\top g`, from the change
    :math:`s` of its parameters and :math:`g` of its gradient over the last
    step: the inverse of the curvature the loss showed along that step. A
    step is accepted when the penalised loss ends below the largest of the
    model's last ``memory`` values by a margin; otherwise the step size is
    divided by 4, down to ``safe``, the step that always succeeds. Models
    whose residual is below ``tol`` stop moving."""
    n_models = l1.size
    weights = np.zeros((x.shape[1], n_models))
    biases = np.zeros(n_models)
    logits = np.zeros((len(x), n_models))
    grad_weights, grad_biases = _smooth_gradient(x, labels, weights, logits, l2)
    loss = _penalised_loss(labels, weights, logits, l1, l2)
    recent = [loss.copy()]
    step_size = safe.copy()
    for _ in range(steps):
        if tol is None:
            active = np.arange(n_models)
        else:
            residual = _residual(weights, grad_weights, grad_biases, l1)
            active = np.flatnonzero(residual >= tol)
            if active.size == 0:
                break
        reference = np.max(recent, axis=0)
        old = (
            weights[:, active],
            biases[active],
            grad_weights[:, active],
            grad_biases[active],
        )
        pending = active
        while pending.size:
            t = step_size[pending]
            trial_w = soft_threshold(
                weights[:, pending] - t * grad_weights[:, pending],
                t * l1[pending],
            )
            trial_b = biases[pending] - t * grad_biases[pending]
            trial_logits = x @ trial_w + trial_b
            trial_loss = _penalised_loss(
                labels, trial_w, trial_logits, l1[pending], l2[pending]
            )
            moved = (
                np.square(trial_w - weights[:, pending]).sum(axis=0)
                + (trial_b - biases[pending]) ** 2
            )
            ok = (trial_loss <= reference[pending] - 1e-4 / (2 * t) * moved) | (
                t <= safe[pending]
            )
            done = pending[ok]
            weights[:, done] = trial_w[:, ok]
            biases[done] = trial_b[ok]
            loss[done] = trial_loss[ok]
            grad_weights[:, done], grad_biases[done] = _smooth_gradient(
                x, labels, trial_w[:, ok], trial_logits[:, ok], l2[done]
            )
            pending = pending[~ok]
            step_size[pending] = np.maximum(
                step_size[pending] / 4, safe[pending]
            )
        s_w, s_b = weights[:, active] - old[0], biases[active] - old[1]
        g_w, g_b = (
            grad_weights[:, active] - old[2],
            grad_biases[active] - old[3],
        )
        ss = np.square(s_w).sum(axis=0) + s_b**2
        sg = (s_w * g_w).sum(axis=0) + s_b * g_b  # >= 0: the loss is convex
        curved = sg > 0
        step_size[active[curved]] = np.clip(
            ss[curved] / sg[curved],
            safe[active[curved]],
            1e6 * safe[active[curved]],
        )
        recent = [*recent[-(memory - 1) :], loss.copy()]
    return weights, biases


@_one_blas_thread()
def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l1: float | Sequence[float] | np.ndarray = 0.0,
    l2: float | Sequence[float] | np.ndarray = 0.0,
    steps: int = 500,
    learning_rate: float | None = None,
    tol: float | None = None,
    step_rule: str = "fixed",
) -> tuple[np.ndarray, np.ndarray]:
    """Train penalised logistic regressions, one per penalty strength, all at
    once.

    Model ``g`` minimises the mean binary cross-entropy plus ``l1[g] * sum(|w|)
    + l2[g] * sum(w**2)`` (no penalty on the bias), starting from zero, by
    proximal gradient descent: a gradient step on the cross-entropy and the L2
    term, then soft-thresholding by the step size times ``l1[g]``. With the
    default fixed steps it is ``Network([d, 1])`` trained with
    ``l1_method="proximal"``, vectorised over models: the weights of model
    ``g`` are column ``g`` of one matrix, so a whole grid of strengths costs
    little more than one model.

    Args:
        x: Inputs, shape ``(n, d)``.
        y: Labels 0/1, shape ``(n,)`` or ``(n, 1)``.
        l1: One L1 factor, or one per model.
        l2: One L2 factor, or one per model (broadcast against ``l1``).
        steps: The number of full-batch steps; with ``tol``, the most.
        learning_rate: Step size; by default ``1 / L[g]`` for model ``g``, where
            ``L[g] = ||x||_2**2 / (4 n) + 2 l2[g]`` bounds the curvature of the
            smooth part of its loss: the largest step that never overshoots.
            With ``step_rule="barzilai-borwein"`` it is the first and the
            smallest step size.
        tol: Stop once every model's optimality residual
            (:func:`logistic_residual`) is below ``tol``; with
            ``step_rule="barzilai-borwein"`` each model stops on its own.
            ``None`` (the default) runs all ``steps``.
        step_rule: ``"fixed"``: every step has the size ``learning_rate``.
            ``"barzilai-borwein"``: each model adapts its step size to the
            curvature its loss showed over the last step
            :cite:p:`barzilai1988two`, with a line search that keeps the
            penalised loss going down over any ten steps
            :cite:p:`wright2009sparse`. Far fewer steps reach a small residual
            where the loss is flat (weak penalties on separable data).

    Returns:
        ``(weights, biases)`` of shapes ``(d, G)`` and ``(G,)`` for ``G``
        models.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``x`` has no column, a shape does not match, a factor
            is negative, ``steps``, ``learning_rate`` or ``tol`` is not
            positive, or ``step_rule`` is unknown.

    Example:
        >>> x = np.array([[2.0], [1.0], [-1.0], [-2.0]])
        >>> y = np.array([1, 0, 1, 0])
        >>> W, b = fit_logistic(x, y, l1=[0.0, 1.0], tol=1e-9, steps=10_000)
        >>> bool(logistic_residual(x, y, W, b, l1=[0.0, 1.0]).max() < 1e-9)
        True
        >>> W[0, 1]  # a strong L1 penalty leaves the weight exactly at zero
        np.float64(0.0)
    """
    x, labels, l1_arr, l2_arr = _logistic_problem(x, y, l1, l2)
    steps = _positive_int(steps, "steps")
    tol = _tolerance(tol)
    rule = _choice(step_rule, STEP_RULES, "step_rule")
    n, d = x.shape
    if d == 0:
        raise ValueError(
            f"x must have at least one input column, got shape {x.shape}"
        )
    if learning_rate is None:
        # ||x||_2**2 is the largest eigenvalue of x.T @ x, which x @ x.T shares:
        # use the smaller of the two.
        gram = x @ x.T if n < d else x.T @ x
        rate = 1.0 / (
            np.linalg.eigvalsh(gram)[-1] / (4 * n) + 2 * l2_arr
        )  # one per model
    else:
        rate = np.full(
            l1_arr.size, _positive_float(learning_rate, "learning_rate")
        )
    if rule == "fixed":
        return _fixed_steps(x, labels, l1_arr, l2_arr, rate, steps, tol)
    return _barzilai_borwein_steps(x, labels, l1_arr, l2_arr, rate, steps, tol)
