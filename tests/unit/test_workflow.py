"""The GitHub Actions workflow cannot run here: keep it in step with the
Makefile and CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_PATH = ROOT / ".github" / "workflows" / "book.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_PATH.read_text())
JOBS = WORKFLOW["jobs"]
MAKEFILE = (ROOT / "Makefile").read_text()
CI_RUN = (ROOT / ".ci" / "run").read_text()


def steps(job: str) -> list[dict]:
    return JOBS[job]["steps"]


def runs(job: str) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def uses(job: str, action: str) -> list[dict]:
    """The steps of `job` that use `action` (any version)."""
    return [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]


def job_running(command: str) -> str:
    found = [
        name
        for name in JOBS
        if re.search(rf"(^|\s){re.escape(command)}(\s|$)", runs(name), re.M)
    ]
    assert len(found) == 1, (
        f"expected one job running {command!r}, found {found}"
    )
    return found[0]


BUILD = job_running("make book")
TEST = job_running("bash .ci/run")
DEPLOY = next(name for name in JOBS if uses(name, "actions/deploy-pages"))


def test_triggers_include_pushes_to_main_and_pull_requests():
    on = WORKFLOW.get(
        "on", WORKFLOW.get(True)
    )  # YAML 1.1 reads a bare `on` as True
    assert "main" in on["push"]["branches"]
    assert "pull_request" in on


def test_book_is_built_with_warnings_as_errors_by_the_makefile():
    # The workflow calls `make book`; the Makefile's book target must keep -W.
    flags = (
        re.search(r"^JB_FLAGS\s*:?=\s*(.*)$", MAKEFILE, re.M).group(1).split()
    )
    assert "-W" in flags and "--keep-going" in flags
    assert re.search(
        r"^book:.*\n(?:\t.*\n)*\t\$\(BIN\)/jupyter-book build \. "
        r"\$\(JB_FLAGS\)",
        MAKEFILE,
        re.M,
    )


def test_pages_artifact_is_the_built_html_and_only_from_main():
    (upload,) = uses(BUILD, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_build/html"
    assert "refs/heads/main" in upload["if"] and "push" in upload["if"]


def test_deploy_job_has_pages_permissions_and_waits_for_build_and_tests():
    job = JOBS[DEPLOY]
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert set(job["needs"]) == {BUILD, TEST}
    assert "refs/heads/main" in job["if"] and "push" in job["if"]
    assert job["environment"]["name"] == "github-pages"
    assert WORKFLOW["permissions"] == {"contents": "read"}, (
        "least privilege outside the deploy job"
    )


def test_concurrency_never_cancels_a_deployment_on_main():
    concurrency = WORKFLOW["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert "refs/heads/main" in str(concurrency["cancel-in-progress"])


def test_test_job_runs_ci_script_with_ci_true():
    assert str(JOBS[TEST]["env"]["CI"]).lower() == "true"
    # Each step of .ci/run is a `step "<what>" <command>` line, timed.
    commands = re.findall(r'^step "[^"]*" (.+)$', CI_RUN, re.M)
    assert "make test" in commands, ".ci/run must run the README's make test"
    assert "make test-robust-quick" in commands, (
        ".ci/run must run the data conditions"
    )
    assert "make test-jax-quick" in commands, ".ci/run must run JAX"
    assert "apt-get install" in CI_RUN and "chromium" in CI_RUN, (
        ".ci/run must install chromium in CI"
    )


@pytest.mark.parametrize("job", [BUILD, TEST])
def test_python_version_matches_runtime_txt(job):
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    image = JOBS[job]["container"]
    image = image["image"] if isinstance(image, dict) else image
    assert re.fullmatch(rf"python:{re.escape(runtime)}(-[\w.]+)?", image), (
        f"{image} does not run Python {runtime} (runtime.txt)"
    )


@pytest.mark.parametrize("job", [BUILD, TEST])
def test_caches_pip_and_the_execution_cache_on_the_right_files(job):
    caches = uses(job, "actions/cache")
    by_path = {c["with"]["path"].strip(): c["with"] for c in caches}
    pip = by_path["~/.cache/pip"]
    # make env installs the lock: a new lock must not reuse old downloads.
    assert "'requirements-lock.txt'" in pip["key"]
    jupyter = next(
        c for path, c in by_path.items() if "_build/.jupyter_cache" in path
    )
    for pattern in ("requirements-lock.txt", "code/**", "book/**"):
        assert f"'{pattern}'" in jupyter["key"], (
            f"the execution cache key must cover {pattern}"
        )
    # The Makefile drops the execution cache unless _build/.cache-key matches:
    # keep both.
    assert (
        "_build/.cache-key" in MAKEFILE
        and "_build/.cache-key" in jupyter["path"]
    )
    assert "_build/.jupyter_cache" in MAKEFILE


# --- The weekly mutation testing (make mutation, benchmarks/mutation/) --------

MUTATION = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "mutation.yml").read_text()
)


def test_mutation_workflow_runs_weekly_and_on_demand_never_on_pushes():
    on = MUTATION.get("on", MUTATION.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert day == month == "*" and re.fullmatch(r"[0-6]", weekday), cron
    assert MUTATION["permissions"] == {"contents": "read"}


def test_mutation_workflow_runs_the_make_target_and_keeps_the_report():
    (job,) = MUTATION["jobs"].values()
    run = "\n".join(step.get("run", "") for step in job["steps"])
    assert re.search(r"^make mutation( |$)", run, re.M)
    assert "${{" not in run, "inputs must reach the shell as variables"
    (upload,) = [
        s
        for s in job["steps"]
        if s.get("uses", "").split("@")[0] == "actions/upload-artifact"
    ]
    assert "benchmarks/mutation/results.md" in upload["with"]["path"]
    assert upload["if"] == "always()"
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert job["container"].startswith(f"python:{runtime}")


def test_mutation_is_a_make_target_outside_make_test_and_ci():
    assert re.search(r"^mutation: env$", MAKEFILE, re.M)
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", MAKEFILE, re.M).group(1)
    assert "mutation" in phony.replace("\\", " ").split()
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)*)", MAKEFILE, re.M).group(1)
    steps = re.search(r"^TEST_STEPS\s*:?=(.*)$", MAKEFILE, re.M)
    assert "mutation" not in test_recipe + (steps.group(1) if steps else "")
    assert "make mutation" not in CI_RUN


# --- The PDF, published with the HTML (make pdf) -----------------------------


def recipe(target: str) -> str:
    found = re.search(
        rf"^{re.escape(target)}:.*\n((?:\t.*\n)*)", MAKEFILE, re.M
    )
    assert found, f"no make target {target}"
    return found.group(1)


def test_pdf_is_built_after_the_html_and_uploaded_with_it():
    names = [s.get("run", "").strip() for s in steps(BUILD)]
    upload = next(
        i
        for i, s in enumerate(steps(BUILD))
        if s.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    assert names.index("make book") < names.index("make pdf") < upload
    # The artifact is _build/html: make pdf must leave the PDF there.
    assert re.search(r"cp \$\(PDF\) _build/html/book\.pdf", recipe("pdf"))


def test_pdf_target_uses_the_latex_builder_the_cache_and_tex_live():
    assert re.search(r"^pdf: env tex$", MAKEFILE, re.M)
    body = recipe("pdf")
    assert "$(CACHE_GUARD)" in body, "the PDF reuses the execution cache"
    assert "jupyter-book build . $(JB_FLAGS) --builder pdflatex" in body
    assert re.search(r"^PDF := _build/latex/book\.pdf$", MAKEFILE, re.M)
    tex = recipe("tex")
    assert "apt-get install" in tex and "sudo" in tex and "id -u" in tex
    packages = re.search(r"^TEX_PACKAGES := ((?:.*\\\n)*.*)$", MAKEFILE, re.M)
    names = packages.group(1).replace("\\", " ").split()
    for needed in ("texlive-xetex", "latexmk", "poppler-utils"):
        assert needed in names, f"make tex must install {needed}"
    # make test-pdf builds the PDF and checks that PDF (the checks skip
    # without REGBOOK_PDF).
    test_pdf = recipe("test-pdf")
    assert re.search(r"\$\(MAKE\) .*\bpdf$", test_pdf.split("\n")[0])
    assert "REGBOOK_PDF=$(PDF)" in test_pdf and "tests/site/test_pdf.py" in (
        test_pdf
    )


def test_index_links_the_published_pdf():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    index = (ROOT / "book" / "index.md").read_text()
    assert f"{config['html']['baseurl']}book.pdf" in index


# --- The weekly link check (make linkcheck) ----------------------------------

LINKS = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "links.yml").read_text()
)


def test_link_check_runs_weekly_and_on_demand_never_on_pushes():
    on = LINKS.get("on", LINKS.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert day == month == "*" and re.fullmatch(r"[0-6]", weekday), cron
    assert LINKS["permissions"] == {"contents": "read"}


def test_link_check_runs_the_make_target_and_keeps_the_report():
    (job,) = LINKS["jobs"].values()
    run = "\n".join(step.get("run", "") for step in job["steps"])
    assert re.search(r"^make linkcheck$", run, re.M)
    (upload,) = [
        s
        for s in job["steps"]
        if s.get("uses", "").split("@")[0] == "actions/upload-artifact"
    ]
    assert "_build/linkcheck/" in upload["with"]["path"]
    assert upload["if"] == "always()"
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert job["container"].startswith(f"python:{runtime}")


def test_linkcheck_target_checks_the_theme_addresses_too():
    body = recipe("linkcheck")
    assert "--builder linkcheck" in body and "$(CACHE_GUARD)" in body
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    extensions = config["sphinx"]["local_extensions"]
    assert extensions.get("linkcheck_buttons") == "book/_ext"
    test_recipe = recipe("test")
    steps_line = re.search(r"^TEST_STEPS\s*:?=(.*)$", MAKEFILE, re.M).group(1)
    assert "linkcheck" not in test_recipe + steps_line, "CI has no network"
    assert "linkcheck" not in CI_RUN


# --- The weekly canary: make test on the newest versions (not the lock) ------

CANARY = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "canary.yml").read_text()
)


def test_canary_runs_weekly_and_on_demand_never_on_pushes():
    on = CANARY.get("on", CANARY.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert day == month == "*" and re.fullmatch(r"[0-6]", weekday), cron
    assert CANARY["permissions"] == {"contents": "read"}


def test_canary_tests_the_newest_versions_not_the_lock():
    (job,) = CANARY["jobs"].values()
    runs = [step.get("run", "").strip() for step in job["steps"]]
    install = runs.index("make env ENV_SOURCE=newest")
    assert runs.index("make test ENV_SOURCE=newest") > install
    assert str(job["env"]["CI"]).lower() == "true", "the browser test runs"
    assert any("apt-get install" in r and "chromium" in r for r in runs)
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert job["container"].startswith(f"python:{runtime}")
    # The Makefile's newest source is requirements.txt, upgraded eagerly.
    newest = re.search(
        r"^ifeq \(\$\(ENV_SOURCE\),newest\)\n((?:.*\n)*?)else\n", MAKEFILE, re.M
    ).group(1)
    assert "ENV_INPUTS := requirements.txt code/pyproject.toml" in newest
    assert "--upgrade" in newest and "-r requirements.txt" in newest
    assert "--upgrade-strategy eager" in newest.replace("\\\n\t", "")
    assert "LOCK" not in newest


def test_canary_fails_loudly_and_keeps_the_versions():
    (job,) = CANARY["jobs"].values()
    steps = job["steps"]
    (script,) = [
        s
        for s in steps
        if s.get("uses", "").startswith("actions/github-script")
    ]
    assert script["if"] == "failure() && github.event_name == 'schedule'"
    assert "issues.create" in script["with"]["script"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    (upload,) = [
        s
        for s in steps
        if s.get("uses", "").split("@")[0] == "actions/upload-artifact"
    ]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "newest-versions.txt"
    readme = (ROOT / "README.md").read_text()
    assert "When the canary goes red" in readme


def test_dependabot_updates_the_pip_lock_weekly_and_keeps_the_ranges():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    (pip,) = [u for u in config["updates"] if u["package-ecosystem"] == "pip"]
    assert pip["directory"] == "/" and pip["schedule"]["interval"] == "weekly"
    # Ranges stay (their lower bounds are claims make test-lowest checks).
    assert pip["versioning-strategy"] == "increase-if-necessary"
    # Dependabot's pip ecosystem reads requirements files ending in .txt.
    assert (ROOT / "requirements-lock.txt").is_file()
    ignored = {rule["dependency-name"] for rule in pip["ignore"]}
    assert "jupyter-book" in ignored


# --- The lowest versions and Binder's environment (environments.yml) ---------

ENVIRONMENTS = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "environments.yml").read_text()
)


def test_environments_run_weekly_and_when_the_environment_changes():
    on = ENVIRONMENTS.get("on", ENVIRONMENTS.get(True))
    assert set(on) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    for event in ("push", "pull_request"):
        paths = on[event]["paths"]
        for needed in (
            "requirements.txt",
            "requirements-lock.txt",
            "binder/**",
            "code/pyproject.toml",
        ):
            assert needed in paths, f"{event} must notice {needed}"
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert day == month == "*" and re.fullmatch(r"[0-6]", weekday), cron
    assert ENVIRONMENTS["permissions"] == {"contents": "read"}


def test_environments_run_the_make_targets_on_the_right_pythons():
    jobs = ENVIRONMENTS["jobs"]
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")

    def run(job: dict) -> list[str]:
        return [s.get("run", "").strip() for s in job["steps"] if "run" in s]

    assert run(jobs["lowest"]) == ["make test-lowest"]
    pythons = jobs["lowest"]["strategy"]["matrix"]["python"]
    assert runtime in pythons and "3.13" in pythons, "runtime.txt's and Colab's"
    assert jobs["lowest"]["container"] == "python:${{ matrix.python }}-bookworm"
    assert run(jobs["binder"]) == ["make test-binder"]
    assert jobs["binder"]["container"] == f"python:{runtime}-bookworm"
    for name in ("test-lowest", "test-binder"):
        assert re.search(rf"^{name}:$", MAKEFILE, re.M), f"no make {name}"


# --- What .ci/run leaves to the night (nightly.yml) ---------------------------

NIGHTLY = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "nightly.yml").read_text()
)


def _make_variable(name: str) -> list[str]:
    match = re.search(rf"^{name}\s*[:?]?=(.*)$", MAKEFILE, re.M)
    assert match, f"the Makefile sets no {name}"
    return match.group(1).split()


def test_ci_runs_some_conditions_and_the_night_runs_them_all():
    from regbook.data import CONDITIONS

    every = _make_variable("CONDITIONS")
    assert set(every) == set(CONDITIONS) - {"default"}, (
        "make test-robust runs every condition but make test's"
    )
    ci = _make_variable("CI_CONDITIONS")
    assert ci and set(ci) <= set(every) and len(ci) < len(every)
    recipe = re.search(
        r"^test-robust-quick:\n((?:\t.*\n)+)", MAKEFILE, re.M
    ).group(1)
    assert 'test-robust CONDITIONS="$(CI_CONDITIONS)"' in recipe
    jobs = NIGHTLY["jobs"]["checks"]
    targets = [
        entry["target"] for entry in jobs["strategy"]["matrix"]["include"]
    ]
    assert sorted(targets) == ["test-jax", "test-pdf", "test-robust"]
    runs = [step.get("run", "") for step in jobs["steps"]]
    assert "make ${{ matrix.target }}" in runs, "the targets with no overrides"


def test_nightly_runs_every_night_never_on_pushes_and_reports():
    on = NIGHTLY.get("on", NIGHTLY.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    assert cron.split()[2:] == ["*", "*", "*"], "every night"
    assert NIGHTLY["permissions"] == {"contents": "read"}
    report = NIGHTLY["jobs"]["report"]
    assert report["needs"] == ["checks"]
    assert report["if"] == "failure() && github.event_name == 'schedule'"
    assert "issues.create" in report["steps"][0]["with"]["script"]


def test_jax_quick_is_test_jax_on_chapter_3():
    recipe = re.search(
        r"^test-jax-quick:\n((?:\t.*\n)+)", MAKEFILE, re.M
    ).group(1)
    assert "test-jax" in recipe
    assert "JAX_NOTEBOOKS=book/03_keras_regularizers.ipynb" in recipe
    assert (ROOT / "book" / "03_keras_regularizers.ipynb").is_file()
    assert _make_variable("JAX_NOTEBOOKS") == ["book"], "all by default"
