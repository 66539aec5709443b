"""Bad input never crashes the tool: one clear message naming file, line and field, exit 2."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import support


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private copy of the rules, the Peru dossier and its source, to break at will."""
    shutil.copytree(support.RULES, tmp_path / "rules")
    (tmp_path / "evidence" / "peru").mkdir(parents=True)
    (tmp_path / "evidence" / "sources").mkdir()
    shutil.copy(
        support.EVIDENCE / "peru" / "2007.yaml", tmp_path / "evidence" / "peru" / "2007.yaml"
    )
    shutil.copy(
        support.EVIDENCE / "sources" / "tip-2007-peru.txt",
        tmp_path / "evidence" / "sources" / "tip-2007-peru.txt",
    )
    return tmp_path


def assess(workspace: Path) -> support.subprocess.CompletedProcess[str]:
    return support.run_cli("assess", "evidence/peru/2007.yaml", "--rules", "rules", cwd=workspace)


def replace_in(path: Path, old: str, new: str, count: int = 1) -> int:
    """Edit a file and return the 1-based line number where the edit landed."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count))
    return line


def assert_one_located_error(
    result: support.subprocess.CompletedProcess[str], where: str, *fragments: str
) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert where in errors[0], errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def test_the_intact_workspace_assesses(workspace: Path) -> None:
    result = assess(workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Peru, report year 2007: Tier 2 (determined)\n")


def test_malformed_yaml_in_a_dossier(workspace: Path) -> None:
    dossier = workspace / "evidence/peru/2007.yaml"
    line = replace_in(dossier, "report_year: 2007", "report_year: [2007")
    result = assess(workspace)
    assert result.returncode == 2
    assert (
        f"evidence/peru/2007.yaml:{line + 1}" in result.stderr
        or f"evidence/peru/2007.yaml:{line}" in result.stderr
    )
    assert "malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_key_in_a_rule(workspace: Path) -> None:
    line = replace_in(
        workspace / "rules/standards.yaml",
        "    in_force: {from: 2001}\n    when:\n      any:",
        "    in_force: {from: 2001}\n    wehn: {}\n    when:\n      any:",
    )
    result = assess(workspace)
    assert_one_located_error(
        result, f"rules/standards.yaml:{line + 1}", "field 'rules.", "wehn", "unknown key"
    )


def test_wrong_type_in_a_record(workspace: Path) -> None:
    line = replace_in(
        workspace / "evidence/peru/2007.yaml", "      count: 11\n", "      count: eleven\n"
    )
    result = assess(workspace)
    assert_one_located_error(
        result, f"evidence/peru/2007.yaml:{line}", ".values.count", "expected a whole number"
    )


@pytest.mark.parametrize("written", [".inf", "-.inf", ".nan"])
def test_a_number_that_is_not_finite_is_refused_where_it_is_written(
    workspace: Path, written: str
) -> None:
    """YAML reads .inf and .nan as numbers: in a record, a parameter or a weighing each is
    refused with its file, line and field (a record's once crashed inference, exit 3; a
    weighing's once reached the JSON document as NaN)."""
    dossier = workspace / "evidence/peru/2007.yaml"
    line = replace_in(dossier, "min_years: 20\n", f"min_years: {written}\n")
    assert_one_located_error(
        assess(workspace), f"evidence/peru/2007.yaml:{line}", ".values.min_years", "finite number"
    )
    replace_in(dossier, f"min_years: {written}\n", "min_years: 20\n")
    for file, old, new, field in (
        ("rules/parameters.yaml", "value: 4,", f"value: {written},", ".values.0.value"),
        ("rules/weighing.yaml", "points: 2\n", f"points: {written}\n", ".terms.0.points"),
    ):
        line = replace_in(workspace / file, old, new)
        assert_one_located_error(assess(workspace), f"{file}:{line}", field, "finite number")
        replace_in(workspace / file, new, old)
    assert assess(workspace).returncode == 0


def test_numbers_python_writes_with_an_exponent_are_assessed(workspace: Path) -> None:
    """1e+17 in a record and 1e-05 in a parameter are numbers like any other: the assessment
    runs (durable_rules once refused both: exit 3, an internal error)."""
    replace_in(workspace / "evidence/peru/2007.yaml", "max_years: 15\n", "max_years: 1.0e+17\n")
    replace_in(workspace / "rules/parameters.yaml", "value: 4,", "value: 1.0e-05,")
    result = assess(workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Peru, report year 2007: ")


def test_a_control_character_is_refused_where_it_is_written(workspace: Path) -> None:
    """An escape or a bell written into a quoted YAML string, or a control byte in the source
    narrative, would reach a terminal or a viewer through the reports: refused, located (a tab
    or a newline in a quoted string is text)."""
    dossier = workspace / "evidence/peru/2007.yaml"
    line = replace_in(dossier, "country: Peru\n", 'country: "Peru\\e[2J\\tx\\n"\n')
    assert_one_located_error(
        assess(workspace), f"evidence/peru/2007.yaml:{line}", "U+001B, escape", "quoted string"
    )
    replace_in(dossier, 'country: "Peru\\e[2J\\tx\\n"\n', 'country: "Peru\\tx\\n"\n')
    assert assess(workspace).returncode == 0
    rules = workspace / "rules/tiers.yaml"
    text = rules.read_text()
    title = re.search(r"(?m)^    title: (.*)$", text)
    assert title is not None
    line = text[: title.start()].count("\n") + 1
    rules.write_text(text.replace(title.group(0), '    title: "Ring\\a"', 1))
    assert_one_located_error(assess(workspace), f"rules/tiers.yaml:{line}", "U+0007, bell")
    rules.write_text(text)
    narrative = workspace / "evidence/sources/tip-2007-peru.txt"
    lines = narrative.read_text(encoding="utf-8").split("\n")
    original = list(lines)
    lines[4] += "\x1b]0;title\x07"
    narrative.write_text("\n".join(lines), encoding="utf-8")
    assert_one_located_error(
        assess(workspace), "evidence/sources/tip-2007-peru.txt:5", "U+001B, escape", "source text"
    )
    original[7] += "\u0090"  # a C1 control, two bytes in UTF-8
    narrative.write_text("\n".join(original), encoding="utf-8")
    assert_one_located_error(assess(workspace), "evidence/sources/tip-2007-peru.txt:8", "U+0090")


def test_a_bidirectional_override_is_refused_where_it_is_written(workspace: Path) -> None:
    """U+202E and its kin make text display other than it reads (a value, a quote, even a
    comment): refused with the line in a YAML file or a narrative."""
    dossier = workspace / "evidence/peru/2007.yaml"
    line = replace_in(dossier, "country: Peru\n", "country: Peru \u202e1 reiT\n")
    assert_one_located_error(assess(workspace), f"evidence/peru/2007.yaml:{line}", "U+202E")
    replace_in(dossier, "country: Peru \u202e1 reiT\n", "country: Peru # \u2067\n")
    assert_one_located_error(assess(workspace), f"evidence/peru/2007.yaml:{line}", "U+2067")
    replace_in(dossier, "country: Peru # \u2067\n", "country: Peru\n")
    narrative = workspace / "evidence/sources/tip-2007-peru.txt"
    lines = narrative.read_text(encoding="utf-8").split("\n")
    lines[2] += " \u202d"
    narrative.write_text("\n".join(lines), encoding="utf-8")
    assert_one_located_error(
        assess(workspace), "evidence/sources/tip-2007-peru.txt:3", "U+202D", "display other"
    )


def test_wrong_type_in_a_rule(workspace: Path) -> None:
    line = replace_in(workspace / "rules/parameters.yaml", "value: 100,", "value: a hundred,")
    result = assess(workspace)
    assert result.returncode == 2
    assert f"rules/parameters.yaml:{line}" in result.stderr
    assert "significant_victims_min" in result.stderr


def test_duplicate_rule_id(workspace: Path) -> None:
    line = replace_in(
        workspace / "rules/standards.yaml", "  - id: standard-1.not-met", "  - id: standard-1.met"
    )
    result = assess(workspace)
    assert_one_located_error(
        result,
        f"rules/standards.yaml:{line}",
        "rule standard-1.met",
        "duplicate rule id",
        "first defined at rules/standards.yaml:",
    )


def test_duplicate_record_id(workspace: Path) -> None:
    line = replace_in(
        workspace / "evidence/peru/2007.yaml",
        "  - id: flow-rural-to-urban-sex",
        "  - id: flow-internal-sex",
    )
    result = assess(workspace)
    assert_one_located_error(
        result, f"evidence/peru/2007.yaml:{line}", "duplicate record id 'flow-internal-sex'"
    )


def test_duplicate_yaml_key(workspace: Path) -> None:
    line = replace_in(
        workspace / "evidence/peru/2007.yaml",
        "report_year: 2007\n",
        "report_year: 2007\nreport_year: 2008\n",
    )
    result = assess(workspace)
    assert_one_located_error(
        result, f"evidence/peru/2007.yaml:{line + 1}", "duplicate key 'report_year'"
    )


def test_quote_missing_from_the_source(workspace: Path) -> None:
    line = replace_in(
        workspace / "evidence/peru/2007.yaml",
        "passed Law 28950",
        "passed Law 99999",
    )
    result = assess(workspace)
    assert_one_located_error(
        result,
        f"evidence/peru/2007.yaml:{line}",
        ".quote",
        "quote does not occur in the source text",
    )


def test_rule_reads_an_undeclared_field(workspace: Path) -> None:
    line = replace_in(
        workspace / "rules/standards.yaml",
        "where: {criminal: true, prohibits_all_forms: true}",
        "where: {criminal: true, prohibits_everything: true}",
    )
    result = assess(workspace)
    assert_one_located_error(
        result,
        f"rules/standards.yaml:{line}",
        "rule standard-1.met",
        "field 'when.any[0].all[0].where.prohibits_everything'",
        "which evidence kind 'anti_trafficking_law' does not declare",
    )


def test_unknown_evidence_kind_in_a_dossier(workspace: Path) -> None:
    line = replace_in(
        workspace / "evidence/peru/2007.yaml", "kind: sex_tourism_presence", "kind: sex_tourism"
    )
    result = assess(workspace)
    assert_one_located_error(
        result, f"evidence/peru/2007.yaml:{line}", "unknown evidence kind 'sex_tourism'"
    )


def test_missing_dossier_file(workspace: Path) -> None:
    result = support.run_cli("assess", "evidence/peru/1999.yaml", "--rules", "rules", cwd=workspace)
    assert_one_located_error(result, "evidence/peru/1999.yaml", "file not found")


def test_missing_rules_directory(workspace: Path) -> None:
    result = support.run_cli(
        "assess", "evidence/peru/2007.yaml", "--rules", "no-such-rules", cwd=workspace
    )
    assert_one_located_error(result, "no-such-rules", "rules directory not found")


def test_negation_cycle_is_refused(workspace: Path) -> None:
    rules = workspace / "rules" / "cycle.yaml"
    rules.write_text(
        """rules:
  - id: cycle.a
    title: A holds when B is absent
    citation: test
    text: test
    in_force: {from: 2001}
    when: {all: [{none: {finding: standard_2}}]}
    then: {conclude: standard_1, value: met}
  - id: cycle.b
    title: B holds when A is absent
    citation: test
    text: test
    in_force: {from: 2001}
    when: {all: [{none: {finding: standard_1}}]}
    then: {conclude: standard_2, value: met}
"""
    )
    result = assess(workspace)
    assert result.returncode == 2
    assert "negation cycle" in result.stderr
    assert "cycle.a" in result.stderr and "cycle.b" in result.stderr


def test_nothing_is_written_on_bad_input(workspace: Path) -> None:
    replace_in(workspace / "evidence/peru/2007.yaml", "      count: 11\n", "      count: eleven\n")
    out = workspace / "out.json"
    result = support.run_cli(
        "assess",
        "evidence/peru/2007.yaml",
        "--rules",
        "rules",
        "--format",
        "json",
        "-o",
        str(out),
        cwd=workspace,
    )
    assert result.returncode == 2
    assert not out.exists()
    assert not list(workspace.glob(".out.json.*"))


def test_usage_error_exits_2() -> None:
    result = support.run_process("assess")  # the exit status a shell sees
    assert result.returncode == 2
    assert "Missing argument 'PATH...'" in result.stderr
