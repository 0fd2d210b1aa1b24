"""Sphinx extension: the PDF builds with Debian's lean TeX Live (make tex).

sphinx-jupyterbook-latex's document class asks for the ``bbm`` package (for
its ``\\RR``-style shortcuts, which this book does not use). In Debian ``bbm``
comes only with ``texlive-fonts-extra``: 509 MB to download, 1.4 GB
installed, for one font. When TeX cannot find ``bbm.sty``, this extension puts
a two-line stand-in beside the LaTeX sources that maps ``\\mathbbm`` to
amssymb's ``\\mathbb``; where the real package is installed, it is used."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sphinx.application import Sphinx

STAND_IN = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2026/01/01 stand-in: mathbbm as amssymb's mathbb]
\RequirePackage{amssymb}
\providecommand{\mathbbm}[1]{\mathbb{#1}}
"""


def tex_has(package: str) -> bool:
    """Whether TeX finds ``package.sty`` (kpsewhich; False without TeX)."""
    if shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(
        ["kpsewhich", f"{package}.sty"], capture_output=True, text=True
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def _stand_in(app: Sphinx) -> None:
    if app.builder.name != "latex":
        return
    target = Path(app.outdir) / "bbm.sty"
    if tex_has("bbm"):
        target.unlink(missing_ok=True)
    else:
        target.write_text(STAND_IN)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _stand_in)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
