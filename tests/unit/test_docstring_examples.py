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

#: Modules whose docstrings hold no example that runs, by name, and why. A
#: module not listed here must run at least one example: a doctest run of zero
#: examples passes whatever the code does. (Every module runs examples today.)
NO_EXAMPLES: dict[str, str] = {}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, (
        f"{result.failed} docstring example(s) of {name} failed"
    )
    if name in NO_EXAMPLES:
        assert result.attempted == 0, (
            f"{name} now runs {result.attempted} example(s): remove it from "
            "NO_EXAMPLES"
        )
    else:
        assert result.attempted > 0, (
            f"{name} runs no docstring example: add one (an Example: section "
            "that runs) or list the module in NO_EXAMPLES with the reason"
        )


def test_no_examples_lists_only_modules_of_regbook():
    assert set(NO_EXAMPLES) <= set(MODULES), set(NO_EXAMPLES) - set(MODULES)
