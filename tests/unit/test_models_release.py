"""regbook.models.release_memory: Keras' session cleared, the heap trimmed
where the C library is glibc, nothing trimmed (and no error) elsewhere."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from regbook import models  # noqa: E402


class FakeLibc:
    def __init__(self, calls):
        self.calls = calls

    def malloc_trim(self, pad):
        self.calls.append(pad)
        return 1


def test_release_memory_clears_the_session_and_trims_the_heap(monkeypatch):
    opened, calls = [], []

    def cdll(name):
        opened.append(name)
        return FakeLibc(calls)

    monkeypatch.setattr(models.ctypes, "CDLL", cdll)
    keras.layers.Dense(1)
    keras.layers.Dense(1)
    assert models.release_memory() is True
    assert opened == ["libc.so.6"] and calls == [0]
    assert keras.layers.Dense(1).name == "dense"  # the session was cleared


@pytest.mark.parametrize("problem", [OSError, AttributeError])
def test_release_memory_without_glibc_only_clears(monkeypatch, problem):
    def cdll(name):
        raise problem(name)

    monkeypatch.setattr(models.ctypes, "CDLL", cdll)
    keras.layers.Dense(1)
    assert models.release_memory() is False
    assert keras.layers.Dense(1).name == "dense"


def test_release_memory_on_this_machine_trims():
    assert models.LIBC == "libc.so.6"
    assert models.release_memory() is True  # the book's machines run glibc
