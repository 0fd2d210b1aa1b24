"""The examples in regbook's docstrings (shown on the API page) must run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import regbook

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(regbook.__path__, "regbook.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, (
        f"{result.failed} docstring example(s) of {name} failed"
    )
