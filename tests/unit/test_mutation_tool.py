"""The mutation-testing tool (benchmarks/mutation/, `make mutation`) runs
weekly, not in make test: check here, cheaply, that its configuration still
matches the repository and that its own logic is right."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "benchmarks" / "mutation"
spec = importlib.util.spec_from_file_location("mutation_run", TOOL / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)
CONFIG = run.load_toml(TOOL / "config.toml")
EQUIVALENT = run.load_toml(TOOL / "equivalent.toml")

#: The scores issue 17 asks for.
MINIMUM = {
    "penalties": 0.95,
    "numpy_net": 0.95,
    "experiments": 0.95,
    "callbacks": 0.95,
    "conventions": 0.95,
    "toy": 0.95,
    "data": 0.85,
}


def test_every_module_of_the_config_exists_and_the_targets_are_kept():
    modules = CONFIG["modules"]
    for name in modules:
        assert (ROOT / "code" / "regbook" / f"{name}.py").is_file(), name
    assert set(CONFIG["default-modules"]) <= set(modules)
    for name, minimum in MINIMUM.items():
        assert name in CONFIG["default-modules"]
        assert modules[name]["minimum"] >= minimum, name


@pytest.mark.parametrize("module", sorted(CONFIG["modules"]))
def test_the_tests_of_each_module_exist(module):
    stages = CONFIG["modules"][module]["tests"]
    assert stages and all(stages)
    for stage in stages:
        paths = [a for a in stage if a.startswith("tests/")]
        assert paths, f"{module}: a stage without test files: {stage}"
        for path in paths:
            assert (ROOT / path.split("::")[0]).is_file(), path
        for arg in stage:
            if "::test_docstring_examples[" in arg:
                assert arg.endswith(f"[regbook.{module}]"), arg


def test_equivalent_mutants_have_a_reason_each():
    entries = EQUIVALENT.get("equivalent", [])
    keys = set()
    for e in entries:
        assert set(e) == {"module", "function", "original", "mutant", "reason"}
        assert e["module"] in CONFIG["modules"]
        assert e["original"] != e["mutant"]
        assert e["reason"].strip() and "\n" not in e["reason"].strip(), e
        key = (e["module"], e["function"], e["original"], e["mutant"])
        assert key not in keys, f"listed twice: {key}"
        keys.add(key)


def test_annotations_are_found_and_defaults_are_not():
    source = (
        "def f(a: int | None = 1 + 2, *, b: dict[str, float] = {}) -> "
        "list[int]:\n"
        "    c: float | int = a - 1\n"
        "    return [c]\n"
    )
    spans = run.annotation_spans(source)
    line1 = source.splitlines()[0]
    inside = [line1.index("|"), line1.index("str"), line1.index("list")]
    for col in inside:
        assert run.inside((1, col), spans), line1[col:]
    for col in (line1.index("+"), line1.index("{}")):
        assert not run.inside((1, col), spans), line1[col:]
    line2 = source.splitlines()[1]
    assert run.inside((2, line2.index("|")), spans)
    assert not run.inside((2, line2.index("-")), spans)


def test_annotation_columns_count_characters_not_bytes():
    source = 'x = "λλ"; y: int | str = 1\n'
    (span,) = run.annotation_spans(source)
    assert span == ((1, source.index("int")), (1, source.index(" = 1")))


def test_changed_lines_of_a_diff():
    diff = (
        "--- mutation diff ---\n"
        "--- acode/regbook/toy.py\n"
        "+++ bcode/regbook/toy.py\n"
        "@@ -1,3 +1,3 @@\n"
        " def f(x):\n"
        "-    return x + 1\n"
        "+    return x - 1\n"
    )
    assert run.changed_lines(diff) == ("return x + 1", "return x - 1")
    assert run.changed_lines("") == ("", "")


def test_excluded_operators_are_only_the_arithmetic_bitwise_swaps():
    excluded = [re.compile(p) for p in CONFIG["exclude-operators"]]

    def out(name):
        return any(p.fullmatch(f"core/{name}") for p in excluded)

    assert out("ReplaceBinaryOperator_Add_BitOr")
    assert out("ReplaceBinaryOperator_LShift_Mul")
    for kept in (
        "ReplaceBinaryOperator_Add_Sub",
        "ReplaceBinaryOperator_Mul_Pow",
        "ReplaceBinaryOperator_BitOr_BitAnd",
        "ReplaceComparisonOperator_Lt_LtE",
        "NumberReplacer",
        "RemoveDecorator",
        "ZeroIterationForLoop",
    ):
        assert not out(kept), kept


def test_classify_counts_listed_survivors_as_equivalent_and_reports_stale():
    def record(line, original, mutant, status="survived"):
        return {
            "line": line,
            "function": "f",
            "operator": "NumberReplacer",
            "original": original,
            "mutant": mutant,
            "status": status,
        }

    result = {
        "module": "toy",
        "ran": 10,
        "killed": 7,
        "survivors": [
            record(1, "a = 0", "a = 1"),
            record(2, "b = 0", "b = 1"),
            record(3, "a = 0", "a = 1", status="error: exception"),
        ],
    }
    listed = [
        {
            "module": m,
            "function": "f",
            "original": o,
            "mutant": n,
            "reason": "r",
        }
        for m, o, n in (
            ("toy", " a = 0", "a = 1"),
            ("toy", "c = 0", "c = 1"),
            ("data", "b = 0", "b = 1"),
        )
    ]
    out = run.classify(result, listed)
    assert [r["line"] for r in out["equivalent"]] == [1]
    assert [r["line"] for r in out["surviving"]] == [2, 3]  # errors never are
    assert [e["original"] for e in out["stale"]] == ["c = 0"]
    assert out["score"] == 7 / 9


def test_a_sampled_score_comes_with_its_interval():
    result = {"ran": 100, "killed": 95, "sample": 0.3}
    c = {"score": 0.95, "equivalent": []}
    assert run.score_text(result, c) == "95.0% (89-98%, 30% sample)"
    assert run.score_text({**result, "sample": 1.0}, c) == "95.0%"
