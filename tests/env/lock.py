"""The book's environment files, kept in step: the lock, Binder's pins and the
oldest versions the book claims.

* ``requirements.txt`` says what the book needs, in ranges: its lower bounds
  are the oldest versions the book claims to run on (``make test-lowest``
  installs exactly those and runs every chapter).
* ``requirements-lock.txt``, made from it by ``make lock`` (``uv pip
  compile``), pins every package, with hashes, for Linux x86_64 and the Python
  of ``runtime.txt``; ``make env`` installs ``.venv`` from it. Its header
  records a digest of the inputs it was made from (:func:`inputs_digest`), so
  a test notices a lock older than ``requirements.txt`` or
  ``code/pyproject.toml``.
* ``binder/requirements.txt``, also written by ``make lock``: only what
  running the chapters needs (:data:`BINDER_PACKAGES` and what they need), at
  the lock's versions.

Standard library only: the Makefile runs it before any environment exists.
Used as ``python tests/env/lock.py COMMAND`` (``digest``, ``stamp``,
``binder-in``, ``binder-header``, ``lowest``, ``check``) and by
``tests/unit/test_environment.py``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = "requirements.txt"
PYPROJECT = "code/pyproject.toml"
LOCK = "requirements-lock.txt"
BINDER = "binder/requirements.txt"

#: What Binder installs besides regbook (postBuild installs regbook itself,
#: without dependencies): the chapters' libraries, JupyterLab and a kernel.
#: ``regbook.glue`` does nothing there without MyST-NB, which only the book's
#: build needs. regbook's own dependencies come in through ``./code``.
BINDER_PACKAGES = (
    "tensorflow-cpu",
    "keras",
    "numpy",
    "matplotlib",
    "pandas",
    "jupyterlab",
    "ipykernel",
)

#: The libraries whose oldest versions the book claims (the lower bounds in
#: requirements.txt, else in code/pyproject.toml); TensorFlow's package is
#: tensorflow-cpu on Linux x86_64 and tensorflow elsewhere.
LOWEST_PACKAGES = (
    "tensorflow",
    "keras",
    "numpy",
    "matplotlib",
    "pandas",
    "threadpoolctl",
)

_DIGEST = re.compile(r"^# inputs: sha256 ([0-9a-f]{64}) ", re.M)
_DIGEST_LINE = (
    "# inputs: sha256 {} of requirements.txt and code/pyproject.toml "
    "(python tests/env/lock.py digest)\n"
)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)
_REQUIREMENT = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(?:;\s*(.*))?$"
)


def normalize(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503).

    Example:
        >>> normalize("Jupyter_Book"), normalize("ruamel.yaml")
        ('jupyter-book', 'ruamel-yaml')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(text: str) -> list[str]:
    """The requirement lines of a requirements file: comments, blank lines
    and surrounding space removed (what pip reads)."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            lines.append(line)
    return lines


def inputs_digest(root: Path = ROOT) -> str:
    """A digest of what the lock is made from: the requirement lines of
    requirements.txt and the dependency tables of code/pyproject.toml.

    Comments and formatting do not count, so editing an explanation does not
    make the lock stale; any change to a requirement, a bound, a marker or
    the Python range does.
    """
    project = tomllib.loads((root / PYPROJECT).read_text())
    payload = {
        "requirements": requirement_lines((root / REQUIREMENTS).read_text()),
        "dependencies": project["project"].get("dependencies", []),
        "optional": project["project"].get("optional-dependencies", {}),
        "requires-python": project["project"].get("requires-python"),
        "build": project.get("build-system", {}).get("requires", []),
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    """The inputs' digest written in a lock's header, or ``None``."""
    found = _DIGEST.search(lock_text)
    return found.group(1) if found else None


def stamp(path: Path, root: Path = ROOT) -> None:
    """Write the inputs' digest into the header of the lock at ``path``,
    after uv's two lines (replacing an older digest)."""
    lines = [
        line
        for line in path.read_text().splitlines(keepends=True)
        if not _DIGEST.match(line)
    ]
    at = 0
    while at < len(lines) and lines[at].startswith("#"):
        at += 1
    lines.insert(at, _DIGEST_LINE.format(inputs_digest(root)))
    path.write_text("".join(lines))


def pins(text: str) -> dict[str, str]:
    """``{name: version}`` of every ``name==version`` line."""
    return {normalize(name): version for name, version in _PIN.findall(text)}


def lower_bounds(lines: list[str]) -> dict[str, str]:
    """``{name: version}`` of every requirement with a ``>=`` bound whose
    marker (if any) holds on this machine's platform."""
    found = {}
    for line in lines:
        match = _REQUIREMENT.match(line)
        if not match or line.startswith("-"):
            continue
        name, spec, marker = match.groups()
        if marker and not _marker_holds(marker):
            continue
        bound = re.search(r">=\s*([^,\s]+)", spec)
        if bound:
            found[normalize(name)] = bound.group(1)
    return found


def _marker_holds(marker: str) -> bool:
    """The two markers requirements.txt uses: Linux x86_64 or not."""
    linux_x86 = sys.platform == "linux" and platform.machine() == "x86_64"
    if marker == 'sys_platform == "linux" and platform_machine == "x86_64"':
        return linux_x86
    if marker == 'sys_platform != "linux" or platform_machine != "x86_64"':
        return not linux_x86
    raise ValueError(f"unexpected marker in requirements.txt: {marker}")


def project_bounds(root: Path = ROOT) -> dict[str, str]:
    """The ``>=`` bounds of regbook's dependencies, the optional ones too."""
    project = tomllib.loads((root / PYPROJECT).read_text())["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return lower_bounds(lines)


def lowest(root: Path = ROOT) -> list[str]:
    """``name==version`` for each library of :data:`LOWEST_PACKAGES` at its
    lower bound (requirements.txt first, then code/pyproject.toml)."""
    bounds = project_bounds(root)
    bounds.update(
        lower_bounds(requirement_lines((root / REQUIREMENTS).read_text()))
    )
    found = []
    for name in LOWEST_PACKAGES:
        key = name
        if name == "tensorflow" and "tensorflow-cpu" in bounds:
            key = "tensorflow-cpu"
        if key not in bounds:
            raise ValueError(f"no lower bound for {name} in {REQUIREMENTS}")
        found.append(f"{key}=={bounds[key]}")
    return found


def binder_header() -> str:
    """The comment that opens binder/requirements.txt."""
    names = ", ".join(BINDER_PACKAGES)
    return (
        "# Binder's environment (repo2docker reads binder/ and ignores the\n"
        "# root files): only what running the chapters needs, at the lock's\n"
        "# versions. Written by `make lock` from requirements-lock.txt; do\n"
        "# not edit. binder/postBuild installs regbook itself. The packages\n"
        "# (BINDER_PACKAGES in tests/env/lock.py):\n"
        f"#   {names},\n"
        "# regbook's dependencies, and what they all need.\n"
    )


def problems(root: Path = ROOT) -> list[str]:
    """What is out of step between the lock, its inputs and Binder's pins."""
    found = []
    lock_text = (root / LOCK).read_text()
    if recorded_digest(lock_text) != inputs_digest(root):
        found.append(
            f"{LOCK} is older than {REQUIREMENTS} or {PYPROJECT}: run make lock"
        )
    locked = pins(lock_text)
    binder = pins((root / BINDER).read_text())
    for name, version in sorted(binder.items()):
        if locked.get(name) != version:
            found.append(
                f"{BINDER} pins {name}=={version}, the lock "
                f"{locked.get(name, 'does not list it')}: run make lock"
            )
    for name in BINDER_PACKAGES:
        if normalize(name) not in binder:
            found.append(f"{BINDER} does not pin {name}: run make lock")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "digest":
        print(inputs_digest())
    elif command == "stamp" and len(argv) == 2:
        stamp(Path(argv[1]))
    elif command == "binder-in":
        print("\n".join([*BINDER_PACKAGES, "./code"]))
    elif command == "binder-header" and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(binder_header() + path.read_text())
    elif command == "lowest":
        print(" ".join(lowest()))
    elif command == "check":
        found = problems()
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    else:
        print(
            "usage: lock.py digest | stamp LOCK | binder-in | "
            "binder-header FILE | lowest | check",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
