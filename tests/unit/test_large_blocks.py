"""regbook.notebook.return_large_blocks: large freed blocks go back to the
operating system at once (glibc's fixed mmap threshold)."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from regbook import notebook
from regbook.notebook import LARGE_BLOCK, return_large_blocks


class _FakeLibc:
    def __init__(self, answer=1):
        self.calls, self.answer = [], answer

    def mallopt(self, parameter, value):
        self.calls.append((parameter, value))
        return self.answer


def test_the_default_is_four_mebibytes():
    assert LARGE_BLOCK == 4 * 1024 * 1024


def test_it_sets_glibcs_mmap_threshold(monkeypatch):
    libc = _FakeLibc()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    assert return_large_blocks() is True
    assert libc.calls == [(-3, 4 * 1024 * 1024)]  # M_MMAP_THRESHOLD
    assert return_large_blocks(1 << 20) is True
    assert libc.calls[-1] == (-3, 1 << 20)


def test_a_refusal_of_the_c_library_is_reported(monkeypatch):
    monkeypatch.setattr(ctypes, "CDLL", lambda name: _FakeLibc(answer=0))
    assert return_large_blocks() is False


@pytest.mark.parametrize("problem", [OSError, AttributeError])
def test_without_glibc_nothing_is_set(monkeypatch, problem):
    def missing(name):
        raise problem(name)

    monkeypatch.setattr(ctypes, "CDLL", missing)
    assert return_large_blocks() is False


@pytest.mark.parametrize(
    ("size", "error"),
    [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)],
)
def test_bad_sizes_are_refused_by_name(size, error):
    with pytest.raises(error, match="size"):
        return_large_blocks(size)


def test_setup_calls_it(monkeypatch):
    calls = []
    monkeypatch.setattr(
        notebook, "return_large_blocks", lambda: calls.append(1) or True
    )
    notebook.setup(seed=1, keras=False)
    assert calls == [1]


_PROBE = """
import sys
import numpy as np
from regbook.notebook import return_large_blocks

def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

if sys.argv[1] == "on":
    assert return_large_blocks()
before, kept = rss(), []
for _ in range(3):
    block = np.ones(5_000_000, dtype=np.float32)  # 20 MB, then freed
    kept.append(np.ones(1000))  # a small block after it on the heap
    del block
print(rss() - before)
"""


def _growth(mode):
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's allocator only"
)
def test_freed_large_blocks_leave_the_process_at_once():
    # glibc on its own keeps a freed 20 MB block after the first one ...
    assert _growth("off") > 15
    # ... and with the fixed threshold hands every one back
    assert _growth("on") < 5
