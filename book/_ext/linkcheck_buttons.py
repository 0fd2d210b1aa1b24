"""Sphinx extension: ``linkcheck`` also checks the addresses the theme makes.

Sphinx's ``linkcheck`` builder checks the links written in the pages' text. The
addresses readers use most are not in the text: the theme builds them from
``_config.yml`` (the Binder and Colab launch buttons, the repository and issues
buttons), Thebe's "Live Code" asks Binder for the repository's branch, and the
footer links the licence. For the ``linkcheck`` builder only, this extension
adds those addresses to each page's document just before the links are
collected, so one ``jupyter-book build . --builder linkcheck`` checks them all
(nothing changes in the HTML).

Binder and Colab answer any address with a page of their own, found or not, so
each notebook's file on GitHub at the configured branch is checked as well: that
is the address that fails when the repository, the branch or the path is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


def theme_addresses(app: Sphinx, docname: str) -> list[str]:
    """The addresses the theme, Thebe and the footer give page ``docname``."""
    options = app.config.html_theme_options or {}
    repository = (options.get("repository_url") or "").rstrip("/")
    if not repository:
        return []
    branch = options.get("repository_branch") or "master"
    book = (options.get("path_to_docs") or "").strip("/")
    urls = []
    if docname == app.config.root_doc:  # the site-wide ones, once
        urls += [
            repository,
            f"{repository}/issues",
            f"{repository}/tree/{branch}",  # what Thebe and Binder build
            f"{repository}/tree/{branch}/binder",  # the Binder environment
        ]
        urls += re.findall(r'href="([^"]+)"', options.get("extra_footer", ""))
        if app.config.html_baseurl:
            urls.append(app.config.html_baseurl)
    source = Path(app.env.doc2path(docname, base=False))
    if source.suffix == ".ipynb":
        path = "/".join(filter(None, [book, source.as_posix()]))
        org_repo = repository.split("github.com/")[-1]
        launch = options.get("launch_buttons") or {}
        urls.append(f"{repository}/blob/{branch}/{quote(path)}")
        if binder := (launch.get("binderhub_url") or "").rstrip("/"):
            ui = (
                "lab/tree"
                if launch.get("notebook_interface") == ("jupyterlab")
                else "tree"
            )
            urls.append(
                f"{binder}/v2/gh/{org_repo}/{branch}?urlpath={ui}/{quote(path)}"
            )
        if colab := (launch.get("colab_url") or "").rstrip("/"):
            urls.append(
                f"{colab}/github/{org_repo}/blob/{branch}/{quote(path)}"
            )
    return urls


class AddThemeAddresses(SphinxPostTransform):
    """Append the theme's addresses as links, for linkcheck to collect."""

    builders = ("linkcheck",)
    default_priority = 700  # before linkcheck's HyperlinkCollector (800)

    def run(self, **kwargs) -> None:
        docname = self.env.path2doc(self.document["source"])
        if docname is None:
            return
        urls = theme_addresses(self.app, docname)
        if not urls:
            return
        paragraph = nodes.paragraph()
        for url in urls:
            paragraph += nodes.reference(url, url, refuri=url)
        self.document += paragraph


def setup(app: Sphinx) -> dict:
    app.add_post_transform(AddThemeAddresses)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
