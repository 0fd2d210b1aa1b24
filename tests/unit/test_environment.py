"""The reader's environments kept in step: the lock made from the current
inputs, Binder's pins equal to the lock's, the oldest claimed versions no newer
than Colab's, and the Makefile installing what these files say."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location(
    "env_lock", ROOT / "tests" / "env" / "lock.py"
)
lock = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lock)

LOCK_TEXT = (ROOT / lock.LOCK).read_text()
LOCKED = lock.pins(LOCK_TEXT)
BINDER = ROOT / "binder"
BINDER_TEXT = (BINDER / "requirements.txt").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
#: Where the lock is made for and installed: Linux x86_64, runtime.txt's Python.
LOCK_PLATFORM = {"sys_platform": "linux", "platform_machine": "x86_64"}
#: What Google Colab's runtime ships (googlecolab/backend-info, pip-freeze.txt,
#: 2026-08-19). The book's lower bounds must not be newer, or installing
#: regbook there would replace Colab's libraries (and the book would claim
#: less than it runs on).
COLAB = {
    "tensorflow": "2.20.0",
    "keras": "3.13.2",
    "numpy": "2.1.3",
    "matplotlib": "3.10.0",
    "pandas": "2.2.3",
}


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def copy_inputs(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    shutil.copy(ROOT / lock.REQUIREMENTS, tmp_path / lock.REQUIREMENTS)
    shutil.copy(ROOT / lock.PYPROJECT, tmp_path / lock.PYPROJECT)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


# --- The lock ----------------------------------------------------------------


def test_lock_is_made_from_the_current_requirements_and_pyproject():
    recorded = lock.recorded_digest(LOCK_TEXT)
    assert recorded, f"{lock.LOCK} has no inputs line: run make lock"
    assert recorded == lock.inputs_digest(), (
        f"{lock.LOCK} is older than requirements.txt or code/pyproject.toml: "
        "run `make lock` and commit requirements-lock.txt and binder/"
    )


def test_digest_ignores_comments_and_notices_every_requirement(tmp_path):
    root = copy_inputs(tmp_path)
    before = lock.inputs_digest(root)
    requirements = root / lock.REQUIREMENTS
    requirements.write_text(
        "# a new explanation\n\n"
        + requirements.read_text().replace("\n", "   # and a comment\n", 1)
    )
    assert lock.inputs_digest(root) == before, "a comment made the lock stale"
    edit(requirements, "numpy>=", "numpy>=9")
    changed = lock.inputs_digest(root)
    assert changed != before, "a new bound in requirements.txt went unnoticed"
    edit(root / lock.PYPROJECT, '"threadpoolctl>=3.5"', '"threadpoolctl>=9"')
    assert lock.inputs_digest(root) != changed, "pyproject's bounds unnoticed"
    edit(root / lock.PYPROJECT, '">=3.10"', '">=3.11"')
    assert lock.inputs_digest(root) != changed, "requires-python unnoticed"


def test_stamp_writes_one_digest_line_after_uv_header(tmp_path):
    root = copy_inputs(tmp_path)
    path = root / "lock.txt"
    path.write_text("# made by uv\n#    make lock\nsix==1.0 \\\n    --hash=x\n")
    lock.stamp(path, root)
    lock.stamp(path, root)  # again: replaces, never adds a second line
    lines = path.read_text().splitlines()
    assert lines[:2] == ["# made by uv", "#    make lock"]
    assert lock.recorded_digest(path.read_text()) == lock.inputs_digest(root)
    assert sum(line.startswith("# inputs:") for line in lines) == 1
    assert lines[3] == "six==1.0 \\"


def test_lock_pins_every_package_with_hashes_and_no_local_path():
    entries = re.split(r"\n(?=[^\s#])", LOCK_TEXT.split("\n", 2)[2])
    entries = [e for e in entries if e.strip() and not e.startswith("#")]
    assert len(entries) == len(LOCKED) > 100, "one entry per pinned package"
    for entry in entries:
        assert re.match(r"[a-z0-9][a-z0-9._-]*==\S+ \\\n", entry), entry[:80]
        assert "--hash=sha256:" in entry, f"no hash: {entry[:60]}"
    assert not re.search(r"^-e |^\./|^file:", LOCK_TEXT, re.M)
    assert "regbook" not in LOCKED, "regbook is installed after the lock"


def test_lock_satisfies_requirements_txt_and_pyproject():
    """Every requirement that applies to Linux x86_64 is pinned within its
    range (the other platform's TensorFlow line does not apply)."""
    lines = lock.requirement_lines((ROOT / lock.REQUIREMENTS).read_text())
    lines = [line for line in lines if not line.startswith("-")]
    project = lock.tomllib.loads((ROOT / lock.PYPROJECT).read_text())
    lines += project["project"]["dependencies"]
    checked = 0
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(
            LOCK_PLATFORM
        ):
            assert requirement.name == "tensorflow", line
            continue
        pinned = LOCKED.get(lock.normalize(requirement.name))
        assert pinned, f"the lock does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned), f"{line}: {pinned}"
        checked += 1
    assert checked >= 15


def test_lock_is_made_for_the_python_and_platform_it_is_installed_on():
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    assert re.search(
        r"^LOCK_PYTHON := \$\(patsubst python-%,%,\$\(shell cat runtime\.txt"
        r"\)\)$",
        MAKEFILE,
        re.M,
    )
    target = re.search(r"^LOCK_TARGET := ((?:.*\\\n)*.*)$", MAKEFILE, re.M)
    flags = target.group(1).replace("\\", " ").split()
    assert flags[:2] == ["--python-version", "$(LOCK_PYTHON)"]
    assert "x86_64-manylinux_2_28" in flags
    assert "--no-emit-package" in flags and "regbook" in flags


def test_make_lock_uses_uv_with_hashes_and_writes_binder_too():
    body = re.search(r"^lock: \$\(UV\)\n((?:\t.*\n)*)", MAKEFILE, re.M)
    assert body, "no make lock target"
    body = body.group(1)
    assert re.search(r"^UV_VERSION := \d+\.\d+\.\d+$", MAKEFILE, re.M)
    assert "pip install --quiet uv==$(UV_VERSION)" in MAKEFILE
    assert "$(UV) pip compile --quiet requirements.txt -o $(LOCK)" in body
    assert "--generate-hashes" in body
    assert "$(ENV_TOOL) stamp $(LOCK)" in body
    assert "-c $(LOCK)" in body and "-o binder/requirements.txt" in body
    assert body.rstrip().endswith("$(PYTHON) $(ENV_TOOL) check")


def test_make_env_installs_the_lock_with_hashes_then_regbook_alone():
    assert re.search(r"^LOCK := requirements-lock\.txt$", MAKEFILE, re.M)
    install = re.search(
        r"^else\nENV_INPUTS := (.*)\nENV_INSTALL := ((?:.*\\\n)*.*)$",
        MAKEFILE,
        re.M,
    )
    assert install.group(1) == "$(LOCK) code/pyproject.toml"
    steps = install.group(2).replace("\\\n\t", "").split(" && ")
    assert steps == [
        "$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)",
        "$(BIN)/python -m pip install --quiet --no-deps -e ./code",
    ]
    # The stamp compares content, and a missing .venv is created.
    env = re.search(r"^env:\n((?:\t.*\n)*)", MAKEFILE, re.M).group(1)
    assert '"$$(cat $(STAMP) 2>/dev/null)" = "$$want"' in env
    assert "$(PYTHON) -m venv $(VENV)" in env
    assert re.search(
        r"^ENV_DIGEST = \{ echo \"\$\(ENV_SOURCE\)\"; cat \$\(ENV_INPUTS\); \}",
        MAKEFILE,
        re.M,
    )


def test_requirements_txt_keeps_the_editable_regbook_out_of_the_lock():
    text = (ROOT / lock.REQUIREMENTS).read_text()
    assert re.search(r"^-e \./code$", text, re.M)
    assert "requirements-lock.txt" in text and "make lock" in text


# --- Binder ------------------------------------------------------------------


def test_binder_pins_are_the_locks_and_cover_what_the_chapters_need():
    assert lock.problems() == []
    binder = lock.pins(BINDER_TEXT)
    for name in lock.BINDER_PACKAGES:
        assert binder[name] == LOCKED[name]
    # regbook's own dependencies too (postBuild installs it without them).
    project = lock.tomllib.loads((ROOT / lock.PYPROJECT).read_text())
    for line in project["project"]["dependencies"]:
        assert lock.normalize(Requirement(line).name) in binder, line


def test_problems_name_a_stale_lock_and_a_binder_pin_out_of_step(tmp_path):
    root = copy_inputs(tmp_path)
    (root / "binder").mkdir()
    shutil.copy(ROOT / lock.LOCK, root / lock.LOCK)
    shutil.copy(BINDER / "requirements.txt", root / lock.BINDER)
    assert lock.problems(root) == []
    edit(root / lock.BINDER, "\nkeras==", "\nkeras==0.")
    edit(root / lock.REQUIREMENTS, "numpy>=", "numpy>=0")
    found = lock.problems(root)
    assert len(found) == 2, found
    assert "older than" in found[0] and "keras==0." in found[1]


def test_binder_is_lean_pinned_and_names_no_local_path():
    entries = lock.requirement_lines(BINDER_TEXT)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*==\S+", e) for e in entries)
    assert len(entries) == len(lock.pins(BINDER_TEXT))
    binder = set(lock.pins(BINDER_TEXT))
    for tool in (
        "jupyter-book",
        "sphinx",
        "myst-nb",
        "pytest",
        "nbval",
        "playwright",
        "ruff",
        "django-static-mathjax",
        "regbook",
    ):
        assert tool not in binder, f"Binder does not need {tool}"


def test_binder_runtime_and_postbuild():
    runtime = (ROOT / "runtime.txt").read_text()
    assert (BINDER / "runtime.txt").read_text() == runtime
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "repo2docker runs postBuild: executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    commands = [
        re.sub(r"\s+#.*", "", line)
        for line in text.splitlines()
        if line and not line.startswith("#")
    ]
    assert commands[-2:] == [
        "python -m pip install --no-cache-dir --no-deps ./code",
        "rm -rf code/build",  # the tree stays as it was
    ]
    # Only the files repo2docker reads, and no environment.yml, which would
    # take precedence over requirements.txt.
    assert {p.name for p in BINDER.iterdir()} == {
        "requirements.txt",
        "runtime.txt",
        "postBuild",
    }


def test_glue_does_nothing_quietly_without_myst_nb(monkeypatch):
    """Binder has no MyST-NB (only the book's build needs it)."""
    import regbook

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import fails
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert regbook.glue("ch0_answer", 42) == 42
        assert regbook.glue("ch0_words", "within", display=True) == "within"


# --- The oldest versions the book claims (make test-lowest) ------------------


def test_lower_bounds_are_colabs_versions_or_older():
    bounds = lock.lower_bounds(
        lock.requirement_lines((ROOT / lock.REQUIREMENTS).read_text())
    )
    bounds["tensorflow"] = bounds.pop("tensorflow-cpu")
    for name, colab in COLAB.items():
        assert version(bounds[name]) <= version(colab), (
            f"requirements.txt asks for {name}>={bounds[name]}, but Colab "
            f"ships {colab}: the book would not claim what Colab runs"
        )


def test_pyproject_and_requirements_state_the_same_lower_bounds():
    from_requirements = lock.lower_bounds(
        lock.requirement_lines((ROOT / lock.REQUIREMENTS).read_text())
    )
    from_project = lock.project_bounds()
    shared = set(from_requirements) & set(from_project)
    assert {"numpy", "matplotlib", "keras"} <= shared
    for name in shared:
        assert from_requirements[name] == from_project[name], name


def test_lowest_pins_each_library_at_its_lower_bound():
    found = lock.lowest()
    names = [pin.split("==")[0] for pin in found]
    assert names == [
        "tensorflow-cpu",  # this machine: Linux x86_64
        "keras",
        "numpy",
        "matplotlib",
        "pandas",
        "threadpoolctl",
    ]
    bounds = lock.project_bounds()
    bounds.update(
        lock.lower_bounds(
            lock.requirement_lines((ROOT / lock.REQUIREMENTS).read_text())
        )
    )
    assert found == [f"{name}=={bounds[name]}" for name in names]


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [("linux", "x86_64", "tensorflow-cpu"), ("darwin", "arm64", "tensorflow")],
)
def test_lower_bounds_follow_the_platform_markers(
    monkeypatch, system, machine, expected
):
    monkeypatch.setattr(lock.sys, "platform", system)
    monkeypatch.setattr(lock.platform, "machine", lambda: machine)
    lines = lock.requirement_lines((ROOT / lock.REQUIREMENTS).read_text())
    bounds = lock.lower_bounds(lines)
    assert expected in bounds
    other = {"tensorflow-cpu", "tensorflow"} - {expected}
    assert not other & set(bounds)
    with pytest.raises(ValueError, match="unexpected marker"):
        lock.lower_bounds(['six>=1; python_version < "3"'])


def test_test_lowest_installs_the_bounds_and_reuses_nbval_without_cache():
    body = re.search(r"^test-lowest:\n((?:\t.*\n)*)", MAKEFILE, re.M)
    assert body, "no make test-lowest target"
    body = body.group(1)
    assert '$(PYTHON) $(ENV_TOOL) lowest)"' in body
    assert "pip install --quiet $$pins" in body
    assert "$(TEST_ENV) $(LOWEST_NBVAL) book" in body
    nbval = re.search(r"^LOWEST_NBVAL = (.*)$", MAKEFILE, re.M).group(1)
    assert nbval == (
        "$(subst $(PYTEST),$(LOWEST_VENV)/bin/python -m pytest,$(NBVAL))"
    )
    assert "--nbval-cache" not in re.search(
        r"^NBVAL := ((?:.*\\\n)*.*)$", MAKEFILE, re.M
    ).group(1)
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".venv-lowest/" in ignored and ".venv-binder/" in ignored


def test_test_binder_installs_binder_alone_then_runs_every_chapter():
    body = re.search(r"^test-binder:\n((?:\t.*\n)*)", MAKEFILE, re.M)
    assert body, "no make test-binder target"
    body = body.group(1)
    install = body.index("-r binder/requirements.txt")
    post = body.index("bash binder/postBuild")
    extra = body.index("pip install --quiet nbval pytest")
    assert install < post < extra, "nbval goes on top, after the size"
    assert "du -sm $(BINDER_VENV)" in body[post:extra]
    assert "$(TEST_ENV) $(BINDER_NBVAL) book" in body
