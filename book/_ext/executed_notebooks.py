"""Sphinx extension: each chapter's executed notebook, to download.

The chapters are stored without outputs, so the theme's download button gives a
notebook without a single result. This extension publishes, with the HTML, each
notebook page as it was rendered: its source with the outputs that MyST-NB took
from the execution cache (jupyter-cache; the book executes in ``cache`` mode),
as ``executed/<docname>.ipynb`` (e.g. ``executed/book/01_overfitting.ipynb``).
It links it on each notebook page, first in the theme's download menu
("executed .ipynb"); the theme's own ".ipynb" entry, the clean source, stays.

(MyST-NB's own copies in ``jupyter_execute/`` are of no use here: when the
outputs come from the cache, MyST-NB writes the notebook there without them.)

A notebook page whose outputs are not in the cache fails the build (a warning,
fatal with -W) rather than publishing a dead link."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The folder of the HTML output that holds the executed notebooks.
TARGET = "executed"
#: The download menu entry's label, as the tests look for it.
LABEL = "download-executed-notebook-button"


def is_notebook(app: Sphinx, docname: str) -> bool:
    return Path(app.env.doc2path(docname)).suffix == ".ipynb"


def _add_button(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if doctree is None or pagename not in app.env.all_docs:
        return
    if not is_notebook(app, pagename):
        return
    button = {
        "type": "link",
        "url": context["pathto"](f"{TARGET}/{pagename}.ipynb", 1),
        "text": "executed .ipynb",
        "tooltip": "Download the notebook with its outputs",
        "icon": "fas fa-file-arrow-down",
        "label": LABEL,
    }
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, button)
            return
    logger.warning(
        f"executed_notebooks: {pagename} has no download menu to link its "
        "executed notebook from (html_theme_options.use_download_button?)",
        location=pagename,
    )


def executed_notebook(app: Sphinx, docname: str):
    """The notebook of ``docname`` with its outputs from the execution cache,
    or ``None`` if the cache holds no run of its current code."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    notebook = nbformat.read(app.env.doc2path(docname), as_version=4)
    try:
        _, executed = cache.merge_match_into_notebook(notebook)
    except KeyError:
        return None
    return executed


def _publish(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    mode = app.env.mystnb_config.execution_mode
    for docname in sorted(app.env.found_docs):
        if not is_notebook(app, docname):
            continue
        executed = executed_notebook(app, docname) if mode == "cache" else None
        if executed is None:
            logger.warning(
                f"executed_notebooks: no executed copy of {docname} in the "
                f"execution cache (execute_notebooks: {mode}; needs cache)",
                location=docname,
            )
            continue
        target = Path(app.outdir) / TARGET / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(executed, target)


def setup(app: Sphinx) -> dict:
    # After sphinx-book-theme's header buttons (priority 501).
    app.connect("html-page-context", _add_button, priority=600)
    app.connect("build-finished", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
