"""Mutation testing of regbook with cosmic-ray: plant one small bug at a time
(a comparison flipped, ``+`` for ``-``, a constant changed by one, a loop that
never runs, a decorator removed) and check that the module's own unit tests
and doctests notice it.

Run with ``make mutation`` (all of ``default-modules`` in config.toml) or
``make mutation MODULE=penalties`` (one module, or several separated by
spaces); never part of ``make test``. It needs cosmic-ray (installed by the
make target in its own environment, ``_build/mutation/venv``) and runs the
tests with the project's ``.venv``.

The work tree is never mutated: each worker (``--jobs``, default 2) gets its
own copy of ``code/`` and ``tests/`` under ``_build/mutation/``, and its tests
import regbook from that copy (``PYTHONPATH``). For each module:

1. ``cosmic-ray init`` lists every mutant of ``code/regbook/<module>.py``;
2. mutants that cannot change behaviour by construction are skipped: those
   inside type annotations (never evaluated: every module has ``from
   __future__ import annotations``) and those of the operators excluded in
   config.toml (arithmetic swapped for a bitwise operator, see there);
3. the module's tests (config.toml, ``[modules.<name>]``) run once unmutated
   and must pass; their time sets the per-mutant timeout;
4. the mutants are split between the workers and run (``cosmic-ray exec``).
   A mutant is killed when a test fails, errors or times out;
5. surviving mutants that ``equivalent.toml`` lists (same function, same
   original and mutated line) are equivalent: no test can kill them. An entry
   that matches no survivor any more is reported as stale. This sorting is
   done again whenever the report is written, so ``--report-only`` after an
   edit of equivalent.toml updates the scores.

Score = killed / (mutants run - equivalent). Each module's result is stored in
``scores/<module>.json``; ``results.md`` is then rewritten from all of them (so
a one-module run updates its row and keeps the others), with the surviving
mutants listed for each module.

Options: --modules NAME... (default: config.toml's default-modules), --jobs N,
--python PATH (the interpreter that runs the tests, default .venv/bin/python),
--workdir DIR (default _build/mutation), --config PATH (default config.toml
beside this script), --scores DIR and --output PATH (where the per-module
results and the report go), --cold (plain `python -m pytest` for each run, no
warm server), --retest (run again only the mutants that survived the last run,
when the module's source has not changed since: a quick check of new tests;
the other counts carry over), --sample F (run a seeded random share F of the
mutants: an estimate, shown with its 95% interval, for a machine too busy for
the full run), --minutes M (stop each module's mutants after M minutes; those
that ran, in cosmic-ray's random order, count as a sample), --report-only
(rewrite results.md from scores/ without running anything)."""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: cosmic-ray brings `toml`
    import toml as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "config.toml"
EQUIVALENT = HERE / "equivalent.toml"
SCORES = HERE / "scores"
RESULTS = HERE / "results.md"


def load_toml(path: Path) -> dict:
    if getattr(tomllib, "__name__", "") == "toml":
        return tomllib.load(str(path))
    with open(path, "rb") as f:
        return tomllib.load(f)


# --- Which mutants are skipped without running -------------------------------


def annotation_spans(
    source: str,
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions, as (line, character column), of every type
    annotation in `source`: arguments, return values, annotated
    assignments."""
    import ast

    lines = source.splitlines()

    def char_col(line: int, byte_col: int) -> int:
        return len(lines[line - 1].encode()[:byte_col].decode())

    spans = []
    for node in ast.walk(ast.parse(source)):
        found = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        for a in found:
            spans.append(
                (
                    (a.lineno, char_col(a.lineno, a.col_offset)),
                    (a.end_lineno, char_col(a.end_lineno, a.end_col_offset)),
                )
            )
    return spans


def inside(pos: tuple[int, int], spans) -> bool:
    return any(start <= tuple(pos) < end for start, end in spans)


def skip_reason(spec, spans, excluded: list[re.Pattern]) -> str | None:
    if inside(spec.start_pos, spans):
        return "annotation"
    if any(p.fullmatch(spec.operator_name) for p in excluded):
        return "operator"
    return None


# --- Work directories and the test command -----------------------------------


def make_copies(workdir: Path, jobs: int, items: list[str]) -> list[Path]:
    """One copy of the files the tests need per worker, made afresh."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    copies = []
    for i in range(jobs):
        dest = workdir / f"worker{i}"
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for item in items:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, dest / item, ignore=ignore)
            else:
                shutil.copy2(src, dest / item)
        copies.append(dest)
    return copies


def test_script(
    python: Path, stages: list[list[str]], pytest_args, warm: bool
) -> str:
    """A bash script running each stage's pytest in turn, stopping at the
    first failure; run with the worker's copy as the current directory. With
    `warm`, pytest runs in a fork of the worker's warm server (warm.py)."""
    lines = [
        "#!/usr/bin/env bash",
        "# Written by benchmarks/mutation/run.py: one mutant's test run.",
        "set -e",
        f'export PYTHONPATH="$PWD/code:{HERE}" PYTHONDONTWRITEBYTECODE=1',
        "export REGBOOK_DATA=synthetic REGBOOK_CONDITION=default",
        "export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 MPLBACKEND=Agg",
    ]
    for stage in stages:
        if warm:
            start = [str(python), str(HERE / "warm.py"), "run", "SOCKET", "--"]
        else:
            start = [str(python), "-m", "pytest"]
        line = shlex.join([*start, *pytest_args, *stage])
        lines.append(line.replace(" SOCKET ", ' "$PWD/.warm.sock" '))
    return "\n".join(lines) + "\n"


def start_warm_servers(python: Path, copies: list[Path]) -> list:
    """One warm pytest server (warm.py) per worker, listening in its copy."""
    servers = []
    for copy in copies:
        sock = copy / ".warm.sock"
        env = {**os.environ, "PYTHONPATH": str(copy / "code")}
        env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        servers.append(
            subprocess.Popen(
                [str(python), str(HERE / "warm.py"), "serve", str(sock)],
                cwd=copy,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(copy.parent / f"{copy.name}.warm.log").open("w"),
            )
        )
    deadline = time.monotonic() + 120
    while not all((c / ".warm.sock").exists() for c in copies):
        if time.monotonic() > deadline or any(
            s.poll() is not None for s in servers
        ):
            stop_warm_servers(servers)
            raise RuntimeError("the warm pytest servers did not start")
        time.sleep(0.1)
    return servers


def stop_warm_servers(servers: list) -> None:
    for server in servers:
        server.kill()
        server.wait()


# --- One module --------------------------------------------------------------


def cosmic_ray(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "cosmic-ray"
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True
    )


def write_config(path: Path, module: str, script: Path, timeout: float):
    path.write_text(
        "[cosmic-ray]\n"
        f'module-path = "code/regbook/{module}.py"\n'
        f"timeout = {timeout:.1f}\n"
        "excluded-modules = []\n"
        f'test-command = "bash {script}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def shard(session: Path, n: int) -> list[Path]:
    """Split the pending work items of `session` between `n` sessions (the
    skipped ones, which have results already, stay with the first)."""
    con = sqlite3.connect(session)
    pending = [
        r[0]
        for r in con.execute(
            "SELECT job_id FROM work_items WHERE job_id NOT IN "
            "(SELECT job_id FROM work_results) ORDER BY job_id"
        )
    ]
    done = [r[0] for r in con.execute("SELECT job_id FROM work_results")]
    con.close()
    shards = []
    for i in range(n):
        path = session.with_name(f"{session.stem}.shard{i}.sqlite")
        shutil.copy(session, path)
        keep = set(pending[i::n]) | (set(done) if i == 0 else set())
        drop = [(j,) for j in pending + done if j not in keep]
        con = sqlite3.connect(path)
        for table in ("work_results", "mutation_specs", "work_items"):
            con.executemany(f"DELETE FROM {table} WHERE job_id = ?", drop)
        con.commit()
        con.close()
        shards.append(path)
    return shards


def changed_lines(diff: str) -> tuple[str, str]:
    """The original and mutated lines of a unified diff, whitespace-stripped
    and joined with newlines."""
    old, new = [], []
    for line in (diff or "").splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            old.append(line[1:].strip())
        elif line.startswith("+"):
            new.append(line[1:].strip())
    return "\n".join(old).strip(), "\n".join(new).strip()


def run_module(module: str, args, config: dict, copies: list[Path]) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spec = config["modules"][module]
    started = time.perf_counter()
    mdir = args.workdir / module
    if mdir.exists():
        shutil.rmtree(mdir)
    mdir.mkdir(parents=True)
    script = mdir / "tests.sh"
    script.write_text(
        test_script(
            args.python, spec["tests"], config["pytest-args"], not args.cold
        )
    )
    cfg = mdir / "cosmic-ray.toml"
    write_config(cfg, module, script, timeout=600)
    session = mdir / "session.sqlite"

    # 1. Every mutant.
    out = cosmic_ray("init", str(cfg), str(session), cwd=copies[0])
    if out.returncode != 0:
        raise RuntimeError(f"cosmic-ray init failed:\n{out.stderr}")

    # 2. Skip the mutants that cannot change behaviour by construction.
    source_path = copies[0] / "code" / "regbook" / f"{module}.py"
    source_sha1 = git_blob(source_path)
    source_text = source_path.read_text()
    spans = annotation_spans(source_path.read_text())
    excluded = [re.compile(p) for p in config["exclude-operators"]]
    skipped = {"annotation": 0, "operator": 0}
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in db.work_items:
            reason = skip_reason(item.mutations[0], spans, excluded)
            if reason:
                skipped[reason] += 1
                db.set_result(
                    item.job_id,
                    WorkResult(
                        worker_outcome=WorkerOutcome.SKIPPED, output=reason
                    ),
                )
        total = db.num_work_items
        if args.sample < 1 and not args.retest:
            # A seeded random share of the mutants: the same share every time
            # for the same source. The others are left out of the score.
            rnd = random.Random(f"{module}:{source_sha1}")
            items = sorted(
                db.pending_work_items,
                key=lambda i: (
                    i.mutations[0].operator_name,
                    i.mutations[0].occurrence,
                ),
            )
            for item in items:
                if rnd.random() >= args.sample:
                    skipped["not sampled"] = skipped.get("not sampled", 0) + 1
                    db.set_result(
                        item.job_id,
                        WorkResult(
                            worker_outcome=WorkerOutcome.SKIPPED,
                            output="not sampled",
                        ),
                    )
        previous = (
            retest_base(args, module, source_sha1) if args.retest else None
        )
        if previous is not None:
            # Only the mutants that survived last time run again: tests were
            # only added since, so a mutant killed then is killed now.
            wanted = {
                (r["operator"], r["line"], r["mutant"].strip())
                for r in previous["survivors"]
            }
            kept = 0
            where = {(w[0], w[1]) for w in wanted}
            for item in db.pending_work_items:
                m = item.mutations[0]
                here = (op_name(m), m.start_pos[0])
                if (
                    here in where
                    and (*here, mutated_line(m, source_path)) in wanted
                ):
                    kept += 1
                    continue
                db.set_result(
                    item.job_id,
                    WorkResult(
                        worker_outcome=WorkerOutcome.SKIPPED,
                        output="killed before",
                    ),
                )
            if kept != len(previous["survivors"]):
                raise RuntimeError(
                    f"--retest: found {kept} of the "
                    f"{len(previous['survivors'])} survivors of the last run"
                )

    # 3. The unmutated tests must pass; their time sets the timeout.
    t = time.perf_counter()
    base = subprocess.run(
        ["bash", str(script)], cwd=copies[0], capture_output=True, text=True
    )
    baseline = time.perf_counter() - t
    if base.returncode != 0:
        raise RuntimeError(
            f"the tests of {module} fail without any mutation:\n"
            + base.stdout[-3000:]
            + base.stderr[-2000:]
        )
    timeout = max(60.0, 4 * baseline)
    write_config(cfg, module, script, timeout)

    # 4. Run the mutants, split between the workers.
    shards = shard(session, len(copies))
    procs = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "cosmic-ray"),
                "exec",
                str(cfg),
                str(s),
            ],
            cwd=c,
            stdout=subprocess.DEVNULL,
            stderr=(mdir / f"exec{i}.log").open("w"),
        )
        for i, (s, c) in enumerate(zip(shards, copies, strict=True))
    ]
    deadline = started + 60 * args.minutes if args.minutes else None
    out_of_time = False
    for p in procs:
        try:
            timeout = (
                None if deadline is None else deadline - time.perf_counter()
            )
            code = p.wait(
                timeout=max(timeout, 0) if timeout is not None else None
            )
        except subprocess.TimeoutExpired:
            out_of_time = True
            for q in procs:
                q.kill()
                q.wait()
            break
        if code != 0:
            raise RuntimeError(
                f"cosmic-ray exec failed for {module}: see {mdir}/exec*.log"
            )
    if out_of_time:
        # cosmic-ray takes the mutants in random order, so the ones it ran are
        # a random sample of them. Put the source back where a mutant was
        # cut short, and leave the rest out.
        for copy in copies:
            (copy / "code" / "regbook" / f"{module}.py").write_text(source_text)
        left = 0
        for s_path in shards:
            with use_db(str(s_path), WorkDB.Mode.open) as db:
                for item in db.pending_work_items:
                    left += 1
                    db.set_result(
                        item.job_id,
                        WorkResult(
                            worker_outcome=WorkerOutcome.SKIPPED,
                            output="out of time",
                        ),
                    )
        skipped["out of time"] = left

    # 5. Collect what survived (classify() sorts out the equivalent ones).
    killed, survived, errors, timeouts, survivors = collect(shards)
    seconds = time.perf_counter() - started
    retested = None
    sample = sample_share(args.sample, skipped, killed + survived + errors)
    if previous is not None:
        # The same mutants as last time: its sample, its skipped ones.
        retested = len(previous["survivors"])
        killed += previous["killed"]
        timeouts += previous["timeouts"]
        seconds += previous["seconds"]
        skipped = previous["skipped"]
        sample = previous.get("sample", 1.0)
    return {
        "module": module,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "source_sha1": source_sha1,
        "tests": spec["tests"],
        "mutants": total,
        "skipped": skipped,
        "ran": killed + survived + errors,
        "killed": killed,
        "timeouts": timeouts,
        "errors": errors,
        "survived": survived,
        "baseline_seconds": round(baseline, 1),
        "seconds": round(seconds, 1),
        "jobs": len(copies),
        "retested": retested,
        "sample": sample,
        "survivors": sorted(survivors, key=lambda r: (r["line"], r["mutant"])),
    }


def collect(shards: list[Path]):
    """Killed, survived, errors, timeouts and the records of the survivors
    (and errors) in the sessions `shards`."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    killed = survived = errors = timeouts = 0
    survivors = []
    for s in shards:
        with use_db(str(s), WorkDB.Mode.open) as db:
            for item, result in db.completed_work_items:
                if result.worker_outcome == WorkerOutcome.SKIPPED:
                    continue
                m = item.mutations[0]
                if result.worker_outcome != WorkerOutcome.NORMAL:
                    errors += 1
                    status = "error: " + result.worker_outcome
                elif result.test_outcome == TestOutcome.KILLED:
                    killed += 1
                    timeouts += result.output == "timeout"
                    continue
                elif result.test_outcome != TestOutcome.SURVIVED:
                    errors += 1
                    status = "error: incompetent"
                else:
                    survived += 1
                    status = "survived"
                survivors.append(mutant_record(m, result, status))
    return killed, survived, errors, timeouts, survivors


def sample_share(sample: float, skipped: dict, ran: int) -> float:
    """The share of the runnable mutants that ran: --sample, times the share
    that --minutes left time for."""
    late = skipped.get("out of time", 0)
    return sample * ran / (ran + late) if late else sample


def op_name(m) -> str:
    return m.operator_name.removeprefix("core/")


def mutated_line(m, source_path: Path) -> str:
    """The changed line(s) of mutant `m`, as mutant_record stores them."""
    import difflib

    import cosmic_ray.plugins
    from cosmic_ray.mutating import mutate_code

    code = source_path.read_text()
    operator = cosmic_ray.plugins.get_operator(m.operator_name)(
        **(m.operator_args or {})
    )
    mutated = mutate_code(code, operator, m.occurrence)
    if mutated is None:
        return ""
    diff = "\n".join(
        difflib.unified_diff(
            code.splitlines(), mutated.splitlines(), lineterm=""
        )
    )
    return changed_lines(diff)[1]


def retest_base(args, module: str, source_sha1: str) -> dict | None:
    """The last result of `module`, if its source is the same as now."""
    path = args.scores / f"{module}.json"
    if not path.exists():
        raise RuntimeError(f"--retest: no earlier result in {path}")
    previous = json.loads(path.read_text())
    if previous["source_sha1"] != source_sha1:
        raise RuntimeError(
            f"--retest: {module}.py changed since the last run: run it in full"
        )
    if previous["errors"]:
        raise RuntimeError("--retest: the last run had errors: run it in full")
    return previous


def classify(result: dict, equivalent: list[dict]) -> dict:
    """Sort a module's survivors into equivalent (listed in equivalent.toml)
    and not; the score counts only the latter against the tests."""
    mine = [e for e in equivalent if e["module"] == result["module"]]
    used = [0] * len(mine)
    equivalents, surviving = [], []
    for record in result["survivors"]:
        match = [
            k
            for k, e in enumerate(mine)
            if record["status"] == "survived"
            and e["function"] == record["function"]
            and e["original"].strip() == record["original"].strip()
            and e["mutant"].strip() == record["mutant"].strip()
        ]
        if match:
            used[match[0]] += 1
            equivalents.append({**record, "reason": mine[match[0]]["reason"]})
        else:
            surviving.append(record)
    scored = result["ran"] - len(equivalents)
    return {
        "equivalent": equivalents,
        "surviving": surviving,
        # In a sample, a listed mutant may simply not have run.
        "stale": [e for e, n in zip(mine, used, strict=True) if n == 0]
        if result.get("sample", 1.0) >= 1
        else [],
        "score": result["killed"] / scored if scored else 1.0,
    }


def mutant_record(m, result, status: str) -> dict:
    original, mutant = changed_lines(result.diff)
    return {
        "line": m.start_pos[0],
        "function": m.definition_name or "<module>",
        "operator": m.operator_name.removeprefix("core/"),
        "original": original,
        "mutant": mutant,
        "status": status,
    }


def git_blob(path: Path) -> str:
    out = subprocess.run(
        ["git", "hash-object", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


# --- The report --------------------------------------------------------------


def report(config: dict, scores_dir: Path) -> str:
    scores = {
        p.stem: json.loads(p.read_text())
        for p in sorted(scores_dir.glob("*.json"))
    }
    equivalent = load_toml(EQUIVALENT).get("equivalent", [])
    sorted_out = {m: classify(s, equivalent) for m, s in scores.items()}
    order = [m for m in config["default-modules"] if m in scores]
    order += sorted(set(scores) - set(order))
    lines = [
        "# Mutation scores of regbook",
        "",
        "Written by `make mutation` (benchmarks/mutation/run.py, cosmic-ray); "
        "do not edit by hand. Score = killed / (mutants run - equivalent). "
        "A mutant is killed when one of the module's tests fails or times "
        "out; *skipped* mutants are inside type annotations or of an excluded "
        "operator (config.toml) and never run; *equivalent* ones survive and "
        "cannot be killed (equivalent.toml says why, one by one). *Current* "
        "says whether the module's source is still the one that was mutated.",
        "",
        "| module | mutants | skipped | run | killed | survived | equivalent "
        "| score | minimum | time (s) | jobs | current |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in order:
        s, c = scores[m], sorted_out[m]
        current = git_blob(ROOT / "code" / "regbook" / f"{m}.py")
        minimum = config["modules"].get(m, {}).get("minimum")
        lines.append(
            f"| {m} | {s['mutants']} | {sum(s['skipped'].values())} "
            f"| {s['ran']} | {s['killed']} | {len(c['surviving'])}"
            f" | {len(c['equivalent'])} | {score_text(s, c)} "
            f"| {f'{100 * minimum:.0f}%' if minimum else '-'} "
            f"| {s['seconds']:.0f} | {s['jobs']} "
            f"| {'yes' if current == s['source_sha1'] else 'no'} |"
        )
    total = sum(scores[m]["seconds"] for m in order)
    retested = [
        f"{m} ({scores[m]['retested']} survivors)"
        for m in order
        if scores[m].get("retested") is not None
    ]
    if retested:
        lines += [
            "",
            "Completed with `--retest` (only the last run's survivors run "
            "again, against added tests; the module's source unchanged): "
            + ", ".join(retested)
            + ". Their times add up both runs.",
        ]
    lines += [
        "",
        f"Total time {total / 60:.1f} min. Each module ran on {date_of(scores)}"
        f" ({platform.machine()}, {os.cpu_count()} cores; the times are wall "
        "times with the jobs running in parallel, on a machine that may "
        "have been busy).",
        "",
        "## Tests run for each mutant",
        "",
        "Stages run in order and stop at the first failure (`pytest -x`).",
        "",
    ]
    for m in order:
        stages = "; then ".join(
            "`" + " ".join(stage) + "`" for stage in scores[m]["tests"]
        )
        lines.append(f"- **{m}**: {stages}")
    lines += ["", "## Surviving mutants (not equivalent)", ""]
    for m in order:
        c = sorted_out[m]
        if not c["surviving"] and not c["stale"]:
            continue
        lines += [f"### {m}", ""]
        for r in c["surviving"]:
            status = "" if r["status"] == "survived" else f", {r['status']}"
            lines.append(
                f"- line {r['line']} (`{r['function']}`, {r['operator']}"
                f"{status}): `{one_line(r['original'])}` -> "
                f"`{one_line(r['mutant'])}`"
            )
        for e in c["stale"]:
            lines.append(
                f"- stale entry of equivalent.toml (matched no survivor): "
                f"`{e['function']}`: `{one_line(e['original'])}` -> "
                f"`{one_line(e['mutant'])}`"
            )
        lines.append("")
    lines += [
        "## Equivalent mutants",
        "",
        "Listed, with the reason, in equivalent.toml.",
        "",
    ]
    for m in order:
        for r in sorted_out[m]["equivalent"]:
            lines.append(
                f"- {m}, line {r['line']} (`{r['function']}`): "
                f"`{one_line(r['original'])}` -> `{one_line(r['mutant'])}`: "
                f"{r['reason']}"
            )
    return "\n".join(lines).rstrip() + "\n"


def score_text(result: dict, c: dict) -> str:
    """The score; for a sample, with its 95% (Wilson) interval."""
    text = f"{100 * c['score']:.1f}%"
    sample = result.get("sample", 1.0)
    if sample >= 1:
        return text
    n = result["ran"] - len(c["equivalent"])
    z = 1.96
    p = c["score"]
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = (
        z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    )
    return (
        f"{text} ({100 * (centre - half):.0f}-{100 * (centre + half):.0f}%, "
        f"{100 * sample:.0f}% sample)"
    )


def one_line(text: str) -> str:
    return " / ".join(text.splitlines()).replace("`", "'").replace("|", "\\|")


def date_of(scores: dict) -> str:
    days = sorted({s["date"][:10] for s in scores.values()})
    return days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


# --- Main --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--python", type=Path, default=ROOT / ".venv" / "bin" / "python"
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "_build" / "mutation"
    )
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--retest", action="store_true")
    parser.add_argument("--sample", type=float, default=1.0)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--scores", type=Path, default=SCORES)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    config = load_toml(args.config)
    args.python = args.python.absolute()
    args.workdir = args.workdir.absolute()
    modules = args.modules or config["default-modules"]
    unknown = sorted(set(modules) - set(config["modules"]))
    if unknown:
        parser.error(
            f"no [modules.NAME] in config.toml for {unknown}; known: "
            + ", ".join(sorted(config["modules"]))
        )
    if not args.report_only:
        args.scores.mkdir(parents=True, exist_ok=True)
        copies = make_copies(args.workdir, args.jobs, config["copy"])
        started = time.perf_counter()
        failed = []
        servers = [] if args.cold else start_warm_servers(args.python, copies)
        try:
            run_modules(modules, args, config, copies, failed)
        finally:
            stop_warm_servers(servers)
        print(f"== total: {time.perf_counter() - started:.0f} s")
        if failed:
            print(f"== FAILED: {' '.join(failed)}")
    args.output.write_text(report(config, args.scores))
    print(f"== wrote {args.output}")
    return 1 if not args.report_only and failed else 0


def run_modules(modules, args, config: dict, copies, failed: list) -> None:
    for module in modules:
        print(f"== {module}: mutating and testing", flush=True)
        try:
            result = run_module(module, args, config, copies)
        except RuntimeError as err:
            print(f"== {module}: FAILED: {err}", flush=True)
            failed.append(module)
            continue
        (args.scores / f"{module}.json").write_text(
            json.dumps(result, indent=1) + "\n"
        )
        c = classify(result, load_toml(EQUIVALENT).get("equivalent", []))
        print(
            f"== {module}: {100 * c['score']:.1f}% "
            f"({result['killed']} killed of {result['ran']} run, "
            f"{len(c['equivalent'])} equivalent, "
            f"{len(c['surviving'])} surviving, "
            f"{result['errors']} errors) in {result['seconds']:.0f} s",
            flush=True,
        )
        minimum = config["modules"][module].get("minimum")
        if minimum is not None and c["score"] < minimum:
            print(
                f"== {module}: the score is below its minimum "
                f"({100 * minimum:.0f}%, config.toml)",
                flush=True,
            )
            failed.append(module)


if __name__ == "__main__":
    sys.exit(main())
