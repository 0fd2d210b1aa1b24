"""One call at the top of every chapter: seeds, determinism and quiet logs.

Import this module (or :mod:`regbook`) *before* TensorFlow: TensorFlow prints
its start-up notices (the oneDNN note, CPU feature hints, CUDA probing) from C++
while it is being imported, and only environment variables set beforehand can
stop them."""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["QUIET_ENV", "SetupInfo", "glue", "quiet_environment", "setup"]

#: Environment variables that keep TensorFlow's C++ start-up logging out of cell
#: outputs. ``TF_ENABLE_ONEDNN_OPTS=0`` also removes a source of run-to-run
#: numerical differences (oneDNN may reorder floating-point sums).
QUIET_ENV: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}


@dataclass(frozen=True)
class SetupInfo:
    """What :func:`setup` did, returned so that a notebook can show or assert
    it.

    Attributes:
        seed: The seed given to Python, NumPy and TensorFlow.
        tensorflow: TensorFlow's version, or ``None`` when TensorFlow was not
            set up.
        keras: Keras' version, or ``None`` when Keras was not set up.
        deterministic: Whether TensorFlow's op determinism is switched on.
    """

    seed: int
    tensorflow: str | None
    keras: str | None
    deterministic: bool

    def __str__(self) -> str:
        if self.tensorflow is None:
            return f"seed {self.seed}; NumPy only (TensorFlow not set up)"
        return (
            f"seed {self.seed}; TensorFlow {self.tensorflow}, Keras "
            f"{self.keras}; "
            f"op determinism {'on' if self.deterministic else 'off'}"
        )


def quiet_environment() -> None:
    """Set the environment variables of :data:`QUIET_ENV`.

    Values the user has already set are kept, so a reader can opt back in to
    logging. Has no effect on a TensorFlow that is already imported."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def setup(seed: int = 42, *, tensorflow: bool = True) -> SetupInfo:
    """Prepare a notebook: seed everything, make TensorFlow deterministic and
    quiet.

    Call it once, in the first code cell, before importing TensorFlow or Keras::

        import regbook

        info = regbook.setup(seed=42)

    It seeds Python's :mod:`random`, NumPy's global generator and (when
    ``tensorflow`` is true) TensorFlow through
    :func:`keras.utils.set_random_seed`, switches on
    ``tf.config.experimental.enable_op_determinism`` and silences TensorFlow's
    Python and C++ loggers. Calling it again re-seeds, which is how a chapter
    resets the random state before an experiment.

    Args:
        seed: A non-negative integer below ``2**32``.
        tensorflow: Also set up TensorFlow and Keras (imports them). Pass
            ``False`` in chapters that only use NumPy.

    Returns:
        A :class:`SetupInfo` describing what was set.

    Raises:
        TypeError: If ``seed`` is not an integer.
        ValueError: If ``seed`` is out of range.
    """
    seed = _check_seed(seed)
    if "tensorflow" in sys.modules and tensorflow:
        already = True
    else:
        already = False
        quiet_environment()
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator, on purpose
    if not tensorflow:
        return SetupInfo(
            seed=seed, tensorflow=None, keras=None, deterministic=False
        )

    if already and os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3":
        warnings.warn(
            "TensorFlow was imported before regbook.setup(); its start-up log "
            "lines "
            "could not be silenced. Call regbook.setup() first.",
            RuntimeWarning,
            stacklevel=2,
        )
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return SetupInfo(
        seed=seed,
        tensorflow=tf.__version__,
        keras=keras.__version__,
        deterministic=True,
    )


def glue(name: str, value: Any, display: bool = False) -> Any:
    """Store ``value`` under ``name`` for the book's prose, and return it.

    In the book build this is :func:`myst_nb.glue`, so that
    ``{glue:text}`name``` in a Markdown cell shows the computed number. Where
    MyST-NB is not installed (Colab) it does nothing but return the value, so
    the notebook still runs.

    Args:
        name: The key the prose refers to.
        value: The value to store (a number, a string, a figure ...).
        display: Also show the value in the cell output.
    """
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty str")
    try:
        from myst_nb import glue as _glue
    except ImportError:  # pragma: no cover - exercised on Colab only
        return value
    _glue(name, value, display=display)
    return value
