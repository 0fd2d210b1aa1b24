"""Sphinx extension: write each <script> of a page once.

sphinx-thebe and sphinx-togglebutton (both loaded by Jupyter Book) add inline
scripts with app.add_js_file(None, body=...) from the env-before-read-docs
event. With the Sphinx of Jupyter Book 1 each such script then reaches the page
twice, once with filename None and once with '' (the form in which the HTML
builder reads scripts from Sphinx's registry), which Sphinx's own de-duplication
treats as different. For sphinx-thebe the second `const THEBE_JS_URL = ...` is a
SyntaxError in every reader's console (tests/site/test_browser.py fails on
console errors). Keep the first copy of each script, in order."""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files") or []:
        key = script.filename or ("body", script.attributes.get("body", ""))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
