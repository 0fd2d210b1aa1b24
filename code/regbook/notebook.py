"""One call at the top of every chapter: seeds, determinism and quiet logs.

Import this module (or :mod:`regbook`) *before* Keras: TensorFlow prints its
start-up notices (the oneDNN note, CPU feature hints, CUDA probing) from C++
while it is being imported, and only environment variables set beforehand can
stop them; the Keras backend, too, is fixed when Keras is first imported.

:func:`setup` works on every Keras 3 backend. It keeps the backend the reader
chose (the ``KERAS_BACKEND`` variable, or ``"backend"`` in Keras' config file
``~/.keras/keras.json``) and picks TensorFlow, the book's reference, only when
neither says anything. To run a chapter on JAX, start Jupyter with
``KERAS_BACKEND=jax`` or run ``import os; os.environ["KERAS_BACKEND"] = "jax"``
before ``regbook.setup``.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import json
import logging
import os
import random
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_BACKEND",
    "QUIET_ENV",
    "KerasVersionError",
    "SetupInfo",
    "glue",
    "keras_backend",
    "parse_version",
    "quiet_environment",
    "return_large_blocks",
    "setup",
]

#: Environment variables that keep TensorFlow's C++ start-up logging out of cell
#: outputs. ``TF_ENABLE_ONEDNN_OPTS=0`` also removes a source of run-to-run
#: numerical differences (oneDNN may reorder floating-point sums).
QUIET_ENV: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}

#: The backend :func:`setup` picks when the reader has not chosen one.
DEFAULT_BACKEND = "tensorflow"

#: The Python package each Keras backend needs, and its name for people.
_BACKENDS: dict[str, tuple[str, str]] = {
    "tensorflow": ("tensorflow", "TensorFlow"),
    "jax": ("jax", "JAX"),
    "torch": ("torch", "PyTorch"),
    "numpy": ("numpy", "NumPy"),
    "openvino": ("openvino", "OpenVINO"),
}

#: The XLA flag that makes JAX's GPU kernels deterministic (CPU ones are).
_XLA_DETERMINISM = "--xla_gpu_deterministic_ops=true"


class KerasVersionError(RuntimeError):
    """The installed Keras is older than a chapter needs."""


@dataclass(frozen=True)
class SetupInfo:
    """What :func:`setup` did, returned so that a notebook can show or assert
    it.

    Attributes:
        seed: The seed given to Python, NumPy and the Keras backend.
        keras: Keras' version, or ``None`` when Keras was not set up.
        backend: The Keras backend (``"tensorflow"``, ``"jax"``, ``"torch"``
            ...), or ``None`` when Keras was not set up.
        backend_version: The version of the backend's package, or ``None``.
        deterministic: Whether the backend runs deterministically: op
            determinism switched on (TensorFlow, PyTorch), or a JAX run on CPU
            or with XLA's deterministic GPU ops.

    Example:
        >>> print(SetupInfo(42, "3.15.1", "jax", "0.10.2", True))
        seed 42; Keras 3.15.1 on JAX 0.10.2; deterministic ops on
        >>> print(SetupInfo(7, None, None, None, False))
        seed 7; NumPy only (Keras not set up)
    """

    seed: int
    keras: str | None
    backend: str | None
    backend_version: str | None
    deterministic: bool

    @property
    def tensorflow(self) -> str | None:
        """TensorFlow's version when it is the backend, else ``None``."""
        return self.backend_version if self.backend == "tensorflow" else None

    def __str__(self) -> str:
        if self.keras is None:
            return f"seed {self.seed}; NumPy only (Keras not set up)"
        name = _BACKENDS.get(self.backend or "", ("", self.backend))[1]
        on = f"{name} {self.backend_version or ''}".rstrip()
        state = "on" if self.deterministic else "off"
        return (
            f"seed {self.seed}; Keras {self.keras} on {on}; "
            f"deterministic ops {state}"
        )


def quiet_environment() -> None:
    """Set the environment variables of :data:`QUIET_ENV`.

    Values the user has already set are kept, so a reader can opt back in to
    logging. Has no effect on a TensorFlow that is already imported."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


#: Blocks of at least this many bytes get memory pages of their own, which go
#: back to the operating system as soon as the block is freed (see
#: :func:`return_large_blocks`).
LARGE_BLOCK = 4 * 1024 * 1024

#: glibc's ``mallopt`` parameter for the size from which it maps blocks.
_M_MMAP_THRESHOLD = -3


def return_large_blocks(size: int = LARGE_BLOCK) -> bool:
    """Make the C library give large freed blocks back at once.

    glibc serves a large request with pages of its own and returns them when
    the block is freed, but after the first such block it raises that size
    limit (up to 32 MB). Later large blocks, such as 5,000 reviews cast to
    float32 for one prediction (20 MB), then come from the heap of whichever
    thread asked, and stay counted in the process's memory once freed: a
    chapter that scores a few dozen networks on its validation reviews grows
    by about 80 MB that way. Fixing the limit keeps every block of ``size``
    bytes or more on pages of its own. :func:`setup` calls it.

    Args:
        size: The smallest block, in bytes, that gets pages of its own.

    Returns:
        Whether the limit was set (``False`` where the C library is not
        glibc, e.g. on macOS or Windows, which manage memory their own way).

    Raises:
        TypeError: If ``size`` is not an int.
        ValueError: If ``size`` is not positive.

    Example:
        >>> import sys
        >>> return_large_blocks() or not sys.platform.startswith("linux")
        True
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"size must be an int, got {type(size).__name__}")
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(_M_MMAP_THRESHOLD, size) == 1


def parse_version(version: str) -> tuple[int, ...]:
    """The leading numbers of a version string, for comparisons.

    Example:
        >>> parse_version("3.13.2"), parse_version("3.15.0rc1")
        ((3, 13, 2), (3, 15, 0))
        >>> parse_version("3.14") < parse_version("3.13.2")
        False
    """
    if not isinstance(version, str):
        raise TypeError(
            f"version must be a str such as '3.14', got "
            f"{type(version).__name__}"
        )
    match = re.match(r"\d+(\.\d+)*", version.strip())
    if match is None:
        raise ValueError(
            f"version must start with a number such as '3.14', got {version!r}"
        )
    return tuple(int(part) for part in match.group(0).split("."))


def _keras_config_dir() -> str:
    """Where Keras reads ``keras.json``, found the way Keras finds it."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        home = "/tmp"
    return os.path.join(home, ".keras")


def keras_backend() -> tuple[str, str]:
    """The backend Keras will use, and who chose it, without importing Keras
    (unless it is imported already).

    Keras reads the ``KERAS_BACKEND`` variable first, then ``"backend"`` in
    ``keras.json`` in its config folder (``$KERAS_HOME`` or ``~/.keras``), and
    falls back to TensorFlow.

    Returns:
        ``(backend, source)``, the source being ``"imported"`` (Keras is
        already imported and fixed to it), ``"KERAS_BACKEND"``,
        ``"keras.json"`` or ``"default"``.
    """
    if "keras" in sys.modules:
        keras = sys.modules["keras"]
        try:
            return keras.config.backend(), "imported"
        except AttributeError:  # a half-imported Keras
            pass
    chosen = os.environ.get("KERAS_BACKEND", "")
    if chosen:
        return chosen, "KERAS_BACKEND"
    path = os.path.join(_keras_config_dir(), "keras.json")
    try:
        with open(path, encoding="utf-8") as file:
            chosen = json.load(file).get("backend", "")
    except (OSError, ValueError, AttributeError):
        chosen = ""
    if isinstance(chosen, str) and chosen:
        return chosen, "keras.json"
    return DEFAULT_BACKEND, "default"


def _installed_version(package: str) -> str | None:
    """The version of an installed distribution, or ``None``."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _check_keras(min_keras: str | None) -> None:
    """One clear sentence instead of a traceback from deep inside Keras."""
    if importlib.util.find_spec("keras") is None:
        raise ModuleNotFoundError(
            "Keras is not installed in this Python environment: install it "
            "with `pip install keras tensorflow` (in a notebook, `%pip "
            "install keras tensorflow`, then restart the kernel), or pass "
            "keras=False to regbook.setup for the NumPy-only chapters."
        )
    installed = _installed_version("keras")
    if min_keras is None or installed is None:
        return
    if parse_version(installed) < parse_version(min_keras):
        raise KerasVersionError(
            f"This chapter needs Keras {min_keras} or newer, but Keras "
            f"{installed} is installed: run `%pip install -U "
            f'"keras>={min_keras}"` and restart the kernel.'
        )


def _check_backend_package(backend: str, source: str) -> None:
    module = _BACKENDS.get(backend, (backend, backend))[0]
    if module in sys.modules or importlib.util.find_spec(module) is not None:
        return
    how = {
        "KERAS_BACKEND": "the KERAS_BACKEND variable",
        "keras.json": f"{_keras_config_dir()}/keras.json",
    }.get(source, "Keras' default")
    raise ModuleNotFoundError(
        f"Keras is set to the {backend!r} backend by {how}, but the "
        f"{module!r} package is not installed: install it (`pip install "
        f"{module}`) or choose an installed backend by setting "
        "KERAS_BACKEND before importing Keras."
    )


def _seed_keras(keras: Any, seed: int, backend: str) -> None:
    """``keras.utils.set_random_seed``, without importing TensorFlow under
    another backend.

    Keras' function also seeds TensorFlow whenever TensorFlow is installed
    (for ``tf.data`` pipelines), and importing it costs about half a gigabyte.
    Under another backend, and while TensorFlow is not imported, its lazy
    module is marked unavailable for the call. Should that private detail
    change, the plain call still seeds correctly.
    """
    if backend == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    try:
        from keras.src.utils import module_utils

        lazy = module_utils.tensorflow
        saved = lazy._available
    except (ImportError, AttributeError):
        keras.utils.set_random_seed(seed)
        return
    lazy._available = False
    try:
        keras.utils.set_random_seed(seed)
    finally:
        lazy._available = saved


def _make_deterministic(backend: str) -> bool:
    """Switch on the backend's determinism where it has one.

    * TensorFlow: ``tf.config.experimental.enable_op_determinism()``.
    * JAX: no switch is needed on CPU, where XLA's kernels are deterministic;
      on GPU, :func:`setup` adds ``--xla_gpu_deterministic_ops=true`` to
      ``XLA_FLAGS`` before JAX starts.
    * PyTorch: ``torch.use_deterministic_algorithms(True, warn_only=True)``
      (an operation without a deterministic kernel warns instead of failing).

    Returns:
        Whether the backend now runs deterministically.
    """
    if backend == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel(logging.ERROR)
        logging.getLogger("absl").setLevel(logging.ERROR)
        tf.config.experimental.enable_op_determinism()
        return True
    if backend == "jax":
        import jax

        on_cpu = all(d.platform == "cpu" for d in jax.devices())
        return on_cpu or _XLA_DETERMINISM in os.environ.get("XLA_FLAGS", "")
    if backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True, warn_only=True)
        return True
    return backend == "numpy"  # plain NumPy arithmetic is deterministic


def setup(
    seed: int = 42,
    *,
    keras: bool = True,
    min_keras: str | None = None,
    tensorflow: bool | None = None,
) -> SetupInfo:
    """Prepare a notebook: seed everything, make the Keras backend
    deterministic and quiet.

    Call it once, in the first code cell, before importing Keras::

        import regbook

        info = regbook.setup(seed=42)

    It seeds Python's :mod:`random`, NumPy's global generator and (when
    ``keras`` is true) the Keras backend through
    :func:`keras.utils.set_random_seed`, switches on the backend's
    deterministic operations where it has them (TensorFlow's op determinism;
    on JAX, CPU runs are deterministic and XLA's deterministic GPU ops are
    requested; PyTorch's deterministic algorithms), silences TensorFlow's
    loggers and makes the C library return large freed blocks at once
    (:func:`return_large_blocks`). It keeps the backend the reader chose
    (``KERAS_BACKEND`` or ``keras.json``), uses TensorFlow when nobody chose
    one, and never imports TensorFlow under another backend. Calling it again
    re-seeds, which is how a chapter resets the random state before an
    experiment.

    Args:
        seed: A non-negative integer below ``2**32``.
        keras: Also set up Keras and its backend (imports them). Pass
            ``False`` in chapters that only use NumPy.
        min_keras: The oldest Keras the chapter runs on, e.g. ``"3.14"``; an
            older one stops the chapter with one sentence that says so.
        tensorflow: The older name of ``keras``, kept so that notebooks
            written with ``tensorflow=False`` still run.

    Returns:
        A :class:`SetupInfo` describing what was set.

    Raises:
        TypeError: If ``seed`` is not an integer, or ``min_keras`` not a str.
        ValueError: If ``seed`` is out of range, ``min_keras`` is not a
            version, or ``keras`` and ``tensorflow`` contradict each other.
        ModuleNotFoundError: If Keras, or the package of the chosen backend,
            is not installed (with one sentence saying what to install).
        KerasVersionError: If Keras is older than ``min_keras``.
    """
    seed = _check_seed(seed)
    if tensorflow is not None:
        if not keras and tensorflow:
            raise ValueError(
                "keras=False and tensorflow=True contradict each other; "
                "tensorflow is the older name of keras: pass only keras"
            )
        keras = bool(tensorflow)
    if min_keras is not None:
        parse_version(min_keras)  # a clear error for a bad argument, now
    already = "tensorflow" in sys.modules
    if not already:
        quiet_environment()
    return_large_blocks()
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator, on purpose
    if not keras:
        return SetupInfo(seed, None, None, None, deterministic=False)

    backend, source = keras_backend()
    _check_keras(min_keras)
    _check_backend_package(backend, source)
    if source == "default":
        os.environ["KERAS_BACKEND"] = DEFAULT_BACKEND
    loud = os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3"
    if backend == "tensorflow" and already and loud:
        warnings.warn(
            "TensorFlow was imported before regbook.setup(); its start-up "
            "log lines could not be silenced. Call regbook.setup() first.",
            RuntimeWarning,
            stacklevel=2,
        )
    if backend == "jax" and "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if _XLA_DETERMINISM not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {_XLA_DETERMINISM}".strip()

    import keras as keras_module

    backend = keras_module.config.backend()
    _seed_keras(keras_module, seed, backend)
    deterministic = _make_deterministic(backend)
    package = _BACKENDS.get(backend, (backend, backend))[0]
    return SetupInfo(
        seed=seed,
        keras=keras_module.__version__,
        backend=backend,
        backend_version=_backend_version(package),
        deterministic=deterministic,
    )


def _backend_version(package: str) -> str | None:
    module = sys.modules.get(package)
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    return _installed_version(package)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


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
