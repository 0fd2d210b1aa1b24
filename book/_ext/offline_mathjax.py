"""Sphinx extension: MathJax served from the built site, not from a CDN.

Sphinx loads MathJax 3 from a CDN by default, so a book built and opened
without internet shows raw TeX. This extension copies a local MathJax 3 (the
``django-static-mathjax`` wheel of requirements.txt) into the HTML output as
``_static/mathjax/`` and points ``mathjax_path`` at it, unless the book's
configuration names a ``mathjax_path`` other than Sphinx's CDN default.

Only what the ``tex-mml-chtml`` component loads is copied: the component itself,
its CommonHTML fonts and the parts it may fetch later (TeX extensions loaded on
demand, the accessibility and menu code, the speech-rule engine); the other
combined components and the SVG output are left out (about 8 of 24 MB). The
MathJax licence (Apache 2.0) is copied with it."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.ext.mathjax import MATHJAX_URL

#: Where the copy goes, relative to the HTML output's ``_static``.
TARGET = "mathjax"
#: The component the pages load (the one Sphinx's CDN default names).
COMPONENT = "tex-mml-chtml.js"
#: What the component may load at run time, relative to MathJax's ``es5``.
PARTS = (
    "a11y",
    "adaptors",
    "input",
    "output/chtml",
    "output/chtml.js",
    "sre",
    "ui",
)
DISTRIBUTION = "django-static-mathjax"


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax 3 distribution.

    Raises:
        ExtensionError: If the distribution is not installed.
    """
    try:
        files = importlib.metadata.files(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if str(file).endswith(f"es5/{COMPONENT}"):
            return Path(file.locate()).parent
    raise ExtensionError(
        f"offline_mathjax: no local MathJax 3: pip install {DISTRIBUTION} "
        "(requirements.txt lists it)"
    )


def licence_file() -> Path | None:
    """MathJax's licence as shipped in the wheel's metadata, if present."""
    dist = importlib.metadata.distribution(DISTRIBUTION)
    for file in dist.files or []:
        if file.name in {"LICENSE", "LICENSE.txt"}:
            return Path(file.locate())
    return None


def _set_path(app: Sphinx, config) -> None:
    # Relative to _static; only Sphinx's CDN default is replaced.
    if config.mathjax_path == MATHJAX_URL:
        config.mathjax_path = f"{TARGET}/{COMPONENT}"


def _check_source(app: Sphinx) -> None:
    if app.builder.format == "html":
        mathjax_source()  # fail early, before hours of execution


def _copy(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if app.config.mathjax_path != f"{TARGET}/{COMPONENT}":
        return  # the book chose another MathJax
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / COMPONENT, target / COMPONENT)
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    licence = licence_file()
    if licence is not None:
        shutil.copy2(licence, target / "LICENSE")


def setup(app: Sphinx) -> dict:
    # After sphinx.ext.mathjax has declared mathjax_path.
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", _set_path, priority=800)
    app.connect("builder-inited", _check_source)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
