"""Tests of regbook.setup and regbook.glue, and that importing regbook stays
light."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import regbook
from regbook.notebook import QUIET_ENV, setup


def run_python(
    code: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TF_", "KERAS"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_import_regbook_does_not_import_tensorflow():
    result = run_python(
        "import sys, regbook, regbook.data, regbook.penalties, regbook.plots, "
        "regbook.notebook, regbook.toy\n"
        "import regbook.numpy_net\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_setup_silences_tensorflow_start_up_logs():
    result = run_python(
        "import regbook\n"
        "info = regbook.setup(seed=1)\n"
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "m.compile('sgd', 'mse'); m.fit(np.ones((4, 3)), np.ones((4, 2)), "
        "verbose=0)\n"
        "print(info)"
    )
    assert result.returncode == 0, result.stderr
    assert "op determinism on" in result.stdout
    assert result.stderr == "", f"TensorFlow wrote to stderr:\n{result.stderr}"


def test_setup_without_tensorflow_seeds_numpy_only():
    result = run_python(
        "import sys, regbook\n"
        "info = regbook.setup(seed=3, tensorflow=False)\n"
        "import numpy as np\n"
        "print(np.random.rand() == np.random.RandomState(3).rand(),"
        " 'tensorflow' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False"


def test_setup_makes_training_reproducible():
    code = (
        "import regbook\n"
        "regbook.setup(seed=5)\n"
        "import keras, numpy as np\n"
        "x = np.random.rand(64, 8).astype('float32'); y = (x.sum(1) > "
        "4).astype('float32')\n"
        "m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, "
        "activation='relu'),"
        " keras.layers.Dropout(0.3), keras.layers.Dense(1, "
        "activation='sigmoid')])\n"
        "m.compile('adam', 'binary_crossentropy')\n"
        "h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)\n"
        "print(repr(h.history['loss'][-1]), "
        "repr(float(m.layers[0].kernel.numpy().sum())))"
    )
    first, second = run_python(code), run_python(code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_setup_reseeds_numpy_and_python(monkeypatch):
    import random

    setup(seed=11, tensorflow=False)
    a = (random.random(), np.random.rand())  # noqa: NPY002 (what it seeds)
    setup(seed=11, tensorflow=False)
    b = (random.random(), np.random.rand())  # noqa: NPY002
    assert b == a


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
        setup(seed=seed, tensorflow=False)


def test_quiet_environment_keeps_user_choices(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    regbook.notebook.quiet_environment()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert set(QUIET_ENV) >= {"TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"}


def test_setup_info_str():
    info = regbook.notebook.SetupInfo(
        seed=1, tensorflow=None, keras=None, deterministic=False
    )
    assert "NumPy only" in str(info)


def test_glue_returns_the_value_and_checks_the_name():
    assert regbook.glue("answer", 42) == 42
    with pytest.raises(TypeError, match="name"):
        regbook.glue("", 1)
