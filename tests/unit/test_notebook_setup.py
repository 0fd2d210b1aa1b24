"""Tests of regbook.setup and regbook.glue, and that importing regbook stays
light.

They run under whichever Keras backend the environment selects
(``KERAS_BACKEND``): ``make test`` runs them on TensorFlow, ``make test-jax``
on JAX. Subprocesses inherit the backend choice; only TensorFlow's logging
variables are removed, so that ``setup`` has to silence TensorFlow itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import regbook
from regbook import notebook
from regbook.notebook import (
    DEFAULT_BACKEND,
    QUIET_ENV,
    KerasVersionError,
    SetupInfo,
    keras_backend,
    parse_version,
    setup,
)

#: The backend of this test run, as Keras will see it in a subprocess.
BACKEND = os.environ.get("KERAS_BACKEND") or keras_backend()[0]
BACKEND_NAME = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
HAS_KERAS = importlib.util.find_spec("keras") is not None
needs_keras = pytest.mark.skipif(not HAS_KERAS, reason="Keras not installed")


def run_python(
    code: str, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python, without TensorFlow's logging variables
    (and without the variables named in ``drop``)."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TF_") and k not in drop
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_import_regbook_does_not_import_keras_or_tensorflow():
    result = run_python(
        "import sys, regbook, regbook.data, regbook.penalties, regbook.plots, "
        "regbook.notebook, regbook.toy, regbook.conventions\n"
        "import regbook.numpy_net, regbook.experiments\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch')"
        " if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@needs_keras
def test_setup_reports_the_backend_and_keeps_stderr_clean():
    result = run_python(
        "import importlib, sys, regbook\n"
        "info = regbook.setup(seed=1)\n"
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "m.compile('sgd', 'mse'); m.fit(np.ones((4, 3)), np.ones((4, 2)), "
        "verbose=0)\n"
        "print(info)\n"
        "backend = keras.config.backend()\n"
        "version = importlib.import_module(backend).__version__\n"
        "print(keras.__version__, version, info.backend, backend,"
        " 'tensorflow' in sys.modules)\n"
        "if backend == 'tensorflow':\n"
        "    from tensorflow.python.framework import config\n"
        "    print('op determinism', config.is_op_determinism_enabled())"
    )
    assert result.returncode == 0, result.stderr
    report, facts, *tensorflow = result.stdout.strip().splitlines()
    keras_version, version, reported, backend, imported_tf = facts.split()
    assert (reported, backend) == (BACKEND, BACKEND)
    assert report == (
        f"seed 1; Keras {keras_version} on {BACKEND_NAME[BACKEND]} {version}; "
        "deterministic ops on"
    )
    assert imported_tf == str(BACKEND == "tensorflow")
    if BACKEND == "tensorflow":  # what "deterministic ops on" means there
        assert tensorflow == ["op determinism True"]
    assert result.stderr == "", f"the backend wrote to stderr:\n{result.stderr}"


def test_setup_without_keras_seeds_numpy_only():
    result = run_python(
        "import sys, regbook\n"
        "info = regbook.setup(seed=3, keras=False)\n"
        "old = regbook.setup(seed=3, tensorflow=False)\n"
        "import numpy as np\n"
        "print(np.random.rand() == np.random.RandomState(3).rand(),"
        " sorted(m for m in ('tensorflow', 'keras') if m in sys.modules),"
        " info == old, info.backend, info.deterministic)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True [] True None False"


@needs_keras
def test_setup_makes_training_reproducible():
    code = (
        "import regbook\n"
        "regbook.setup(seed=5)\n"
        "import keras, numpy as np\n"
        "x = np.random.rand(64, 8).astype('float32')\n"
        "y = (x.sum(1) > 4).astype('float32')\n"
        "m = keras.Sequential([keras.Input((8,)),"
        " keras.layers.Dense(4, activation='relu'),"
        " keras.layers.Dropout(0.3),"
        " keras.layers.Dense(1, activation='sigmoid')])\n"
        "m.compile('adam', 'binary_crossentropy')\n"
        "h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)\n"
        "k = keras.ops.convert_to_numpy(m.layers[0].kernel)\n"
        "print(repr(h.history['loss'][-1]), repr(float(k.sum())))"
    )
    first, second = run_python(code), run_python(code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    other = run_python(code.replace("seed=5", "seed=6"))
    assert other.returncode == 0, other.stderr
    assert other.stdout != first.stdout  # the seed is what fixes them


@pytest.mark.skipif(not HAS_TENSORFLOW, reason="TensorFlow not installed")
def test_setup_picks_tensorflow_when_nobody_chose(tmp_path):
    result = run_python(
        "import os, regbook\n"
        "info = regbook.setup(seed=2)\n"
        "print(info.backend, os.environ['KERAS_BACKEND'], info.tensorflow"
        " is not None)",
        env={"KERAS_HOME": str(tmp_path)},  # no keras.json there
        drop=("KERAS_BACKEND",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "tensorflow tensorflow True"


@needs_keras
def test_setup_keeps_the_backend_of_keras_json(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": BACKEND}))
    result = run_python(
        "import os, regbook\n"
        "info = regbook.setup(seed=2)\n"
        "print(info.backend, os.environ.get('KERAS_BACKEND'))",
        env={"KERAS_HOME": str(tmp_path)},
        drop=("KERAS_BACKEND",),
    )
    assert result.returncode == 0, result.stderr
    # The file decided, and setup did not override it with the variable.
    assert result.stdout.strip() == f"{BACKEND} None"


@pytest.mark.skipif(
    BACKEND != "tensorflow", reason="TensorFlow's own start-up logs"
)
def test_setup_warns_when_tensorflow_was_imported_loudly_before():
    result = run_python(
        "import warnings, tensorflow, regbook\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    regbook.setup(seed=1)\n"
        "print([str(w.message)[:40] for w in caught])",
        env={"TF_CPP_MIN_LOG_LEVEL": "0"},
    )
    assert result.returncode == 0, result.stderr
    assert "TensorFlow was imported before regbook" in result.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX not installed"
)
def test_setup_on_jax_requests_deterministic_gpu_ops_and_leaves_tf_alone():
    result = run_python(
        "import os, sys, regbook\n"
        "info = regbook.setup(seed=4)\n"
        "print(info.backend, os.environ['XLA_FLAGS'],"
        " 'tensorflow' in sys.modules, info.deterministic)",
        env={"KERAS_BACKEND": "jax"},
        drop=("XLA_FLAGS",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "jax",
        "--xla_gpu_deterministic_ops=true",
        "False",
        "True",
    ]


def test_setup_reseeds_numpy_and_python():
    import random

    setup(seed=11, keras=False)
    a = (random.random(), np.random.rand())  # noqa: NPY002 (what it seeds)
    setup(seed=11, keras=False)
    b = (random.random(), np.random.rand())  # noqa: NPY002
    assert b == a
    setup(seed=12, keras=False)
    assert (random.random(), np.random.rand()) != a  # noqa: NPY002


@pytest.mark.parametrize(
    "seed, error",
    [
        (1.5, TypeError),
        ("1", TypeError),
        (True, TypeError),
        (-1, ValueError),
        (2**32, ValueError),
    ],
)
def test_setup_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        setup(seed=seed, keras=False)


def test_setup_accepts_the_extreme_seeds():
    assert setup(seed=0, keras=False).seed == 0
    assert setup(seed=np.int64(2**32 - 1), keras=False).seed == 2**32 - 1


def test_setup_rejects_contradicting_keras_and_tensorflow():
    with pytest.raises(ValueError, match="tensorflow is the older name"):
        setup(seed=1, keras=False, tensorflow=True)
    assert setup(seed=1, keras=False, tensorflow=False).keras is None


@pytest.mark.parametrize(
    "bad, error", [(3.14, TypeError), ("three", ValueError)]
)
def test_setup_rejects_a_bad_min_keras_before_importing(bad, error):
    with pytest.raises(error, match="version"):
        setup(seed=1, keras=False, min_keras=bad)


# --- one sentence for a missing or too old Keras ------------------------------


def test_an_old_keras_is_named_in_one_sentence(monkeypatch):
    monkeypatch.setattr(notebook, "_installed_version", lambda _: "3.13.2")
    monkeypatch.setattr(importlib.util, "find_spec", lambda _: object())
    with pytest.raises(KerasVersionError) as info:
        notebook._check_keras("3.14")
    assert str(info.value) == (
        "This chapter needs Keras 3.14 or newer, but Keras 3.13.2 is "
        'installed: run `%pip install -U "keras>=3.14"` and restart the '
        "kernel."
    )
    notebook._check_keras("3.13.2")  # the same release is new enough
    notebook._check_keras("3.13")
    notebook._check_keras(None)


def test_a_missing_keras_is_named_in_one_sentence(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda _: None)
    with pytest.raises(ModuleNotFoundError) as info:
        notebook._check_keras(None)
    message = str(info.value)
    assert message.startswith("Keras is not installed in this Python")
    assert "pip install keras" in message and message.count(". ") == 0


def test_a_missing_backend_package_is_named_in_one_sentence(monkeypatch):
    for module in ("jax", "tensorflow"):  # as if they were not imported yet
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda _: None)
    with pytest.raises(ModuleNotFoundError) as info:
        notebook._check_backend_package("jax", "KERAS_BACKEND")
    assert str(info.value).startswith(
        "Keras is set to the 'jax' backend by the KERAS_BACKEND variable, "
        "but the 'jax' package is not installed"
    )
    with pytest.raises(ModuleNotFoundError, match=r"keras\.json"):
        notebook._check_backend_package("jax", "keras.json")
    with pytest.raises(ModuleNotFoundError, match="'tensorflow' package"):
        notebook._check_backend_package("tensorflow", "default")
    monkeypatch.setattr(importlib.util, "find_spec", lambda _: object())
    assert notebook._check_backend_package("jax", "KERAS_BACKEND") is None


# --- the reader's backend choice ----------------------------------------------


def test_keras_backend_reads_variable_then_file_then_default(
    monkeypatch, tmp_path
):
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert keras_backend() == (DEFAULT_BACKEND, "default")
    assert DEFAULT_BACKEND == "tensorflow"
    (tmp_path / "keras.json").write_text("not json")
    assert keras_backend() == ("tensorflow", "default")
    (tmp_path / "keras.json").write_text(json.dumps({"floatx": "float32"}))
    assert keras_backend() == ("tensorflow", "default")
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    assert keras_backend() == ("torch", "keras.json")
    monkeypatch.setenv("KERAS_BACKEND", "")  # Keras ignores an empty one
    assert keras_backend() == ("torch", "keras.json")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert keras_backend() == ("jax", "KERAS_BACKEND")


def test_keras_backend_of_an_imported_keras_wins(monkeypatch):
    fake = types.SimpleNamespace(
        config=types.SimpleNamespace(backend=lambda: "numpy")
    )
    monkeypatch.setitem(sys.modules, "keras", fake)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert keras_backend() == ("numpy", "imported")


def test_keras_config_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert notebook._keras_config_dir() == str(tmp_path)
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert notebook._keras_config_dir() == str(tmp_path / ".keras")


# --- seeding and determinism, branch by branch --------------------------------


@needs_keras
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_seeding_hides_tensorflow_under_another_backend(monkeypatch, backend):
    import keras
    from keras.src.utils import module_utils

    lazy = module_utils.tensorflow
    seen = []
    monkeypatch.setattr(
        keras.utils,
        "set_random_seed",
        lambda seed: seen.append((seed, lazy._available)),
    )
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(lazy, "_available", None)
    notebook._seed_keras(keras, 9, backend)
    hidden = backend != "tensorflow"
    assert seen == [(9, False if hidden else None)]
    assert lazy._available is None  # restored


def test_determinism_of_each_backend(monkeypatch):
    calls = []
    torch = types.SimpleNamespace(
        use_deterministic_algorithms=lambda on, warn_only: calls.append(
            (on, warn_only)
        )
    )
    monkeypatch.setitem(sys.modules, "torch", torch)
    assert notebook._make_deterministic("torch") is True
    assert calls == [(True, True)]

    def fake_jax(platform):
        device = types.SimpleNamespace(platform=platform)
        return types.SimpleNamespace(devices=lambda: [device])

    monkeypatch.setitem(sys.modules, "jax", fake_jax("cpu"))
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    assert notebook._make_deterministic("jax") is True
    monkeypatch.setitem(sys.modules, "jax", fake_jax("gpu"))
    assert notebook._make_deterministic("jax") is False
    monkeypatch.setenv("XLA_FLAGS", "--xla_gpu_deterministic_ops=true")
    assert notebook._make_deterministic("jax") is True
    assert notebook._make_deterministic("numpy") is True
    assert notebook._make_deterministic("openvino") is False


# --- small pieces -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3.13.2", (3, 13, 2)),
        ("3.15.0rc1", (3, 15, 0)),
        (" 2.20 ", (2, 20)),
        ("3", (3,)),
        ("3.14.0.dev2025", (3, 14, 0)),
    ],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_what_is_not_a_version():
    with pytest.raises(ValueError, match="version"):
        parse_version("v3")
    with pytest.raises(TypeError, match="version"):
        parse_version((3, 14))


def test_quiet_environment_keeps_user_choices(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    regbook.notebook.quiet_environment()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert QUIET_ENV == {
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }


@pytest.mark.parametrize(
    "info, text",
    [
        (
            SetupInfo(42, "3.15.1", "jax", "0.10.2", True),
            "seed 42; Keras 3.15.1 on JAX 0.10.2; deterministic ops on",
        ),
        (
            SetupInfo(1, "3.13.2", "tensorflow", "2.20.0", False),
            "seed 1; Keras 3.13.2 on TensorFlow 2.20.0; deterministic ops off",
        ),
        (
            SetupInfo(1, "3.15.1", "torch", None, True),
            "seed 1; Keras 3.15.1 on PyTorch; deterministic ops on",
        ),
        (
            SetupInfo(1, "3.15.1", "mlx", "0.1", False),
            "seed 1; Keras 3.15.1 on mlx 0.1; deterministic ops off",
        ),
        (
            SetupInfo(3, None, None, None, False),
            "seed 3; NumPy only (Keras not set up)",
        ),
    ],
)
def test_setup_info_str(info, text):
    assert str(info) == text


def test_setup_info_tensorflow_is_the_backend_version_on_tensorflow_only():
    assert (
        SetupInfo(1, "3", "tensorflow", "2.21.0", True).tensorflow == "2.21.0"
    )
    assert SetupInfo(1, "3", "jax", "0.10.2", True).tensorflow is None


def test_glue_returns_the_value_and_checks_the_name():
    assert regbook.glue("answer", 42) == 42
    with pytest.raises(TypeError, match="name"):
        regbook.glue("", 1)
    with pytest.raises(TypeError, match="name"):
        regbook.glue(3, 1)
