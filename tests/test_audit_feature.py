"""Runs features/audit.feature against the fixture rulebook in tests/fixtures/audit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from audit_support import make_workspace, run, set_parameter
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("audit.feature")

DOSSIERS = {
    "Ruritania 2007": "evidence/ruritania/2007.yaml",
    "Freedonia 2007": "evidence/freedonia/2007.yaml",
}


@pytest.fixture
def audit(tmp_path: Path) -> dict[str, Any]:
    """Scenario state: the workspace, the decision log, and the last command's result."""
    return {"log": tmp_path / "decisions.jsonl"}


def _tip(audit: dict[str, Any], *args: str) -> None:
    audit["result"] = run(audit["ws"], *args)


@given("the fixture rules and dossiers, committed to git")
def given_workspace(audit: dict[str, Any], tmp_path: Path) -> None:
    audit["ws"] = make_workspace(tmp_path / "ws")


@given(parsers.parse('the parameter "{name}" is set to {value:g} in the working rules'))
def given_parameter(audit: dict[str, Any], name: str, value: float) -> None:
    set_parameter(audit["ws"], name, value)


@given(parsers.parse('the citation "{old}" of rule "{rule}" is reworded as "{new}"'))
def given_citation(audit: dict[str, Any], old: str, rule: str, new: str) -> None:
    path = audit["ws"] / "rules" / "rules.yaml"
    text = path.read_text()
    at = text.index(f"id: {rule}\n")
    path.write_text(text[:at] + text[at:].replace(f"citation: {old}\n", f"citation: {new}\n", 1))


@given(parsers.re(r"decisions recorded for (?P<names>.+)$"))
def given_decisions(audit: dict[str, Any], names: str) -> None:
    for name in [part.strip('" ') for part in names.replace(" and ", ", ").split(",")]:
        _tip(audit, "assess", DOSSIERS[name], "--record", "--log", str(audit["log"]))
        assert audit["result"].exit_code == 0, audit["result"].stderr


@when(parsers.parse('the impact of the working rules is assessed against "{base}"'))
def when_impact(audit: dict[str, Any], base: str) -> None:
    _tip(audit, "impact", "--base", base)


@when(parsers.parse('the working rules are compared with "{base}"'))
def when_diff(audit: dict[str, Any], base: str) -> None:
    _tip(audit, "diff", base)


@when(parsers.parse('someone changes the tier recorded in entry {seq:d} to "{tier}"'))
def when_tier_edited(audit: dict[str, Any], seq: int, tier: str) -> None:
    log: Path = audit["log"]
    lines = log.read_text().splitlines(keepends=True)
    before = lines[seq - 1]
    lines[seq - 1] = re.sub(r'"tier":"[^"]*"', f'"tier":"{tier}"', before, count=1)
    assert lines[seq - 1] != before
    log.write_text("".join(lines))


@when(parsers.parse("someone deletes entry {seq:d}"))
def when_entry_deleted(audit: dict[str, Any], seq: int) -> None:
    log: Path = audit["log"]
    lines = log.read_text().splitlines(keepends=True)
    del lines[seq - 1]
    log.write_text("".join(lines))


@when("the decision log is verified")
def when_verified(audit: dict[str, Any]) -> None:
    _tip(audit, "log", "verify", "--log", str(audit["log"]))


@when(parsers.parse("entry {seq:d} is replayed"))
def when_replayed(audit: dict[str, Any], seq: int) -> None:
    _tip(audit, "log", "replay", str(seq), "--log", str(audit["log"]))


@then(parsers.parse("the command exits with status {code:d}"))
def then_exit(audit: dict[str, Any], code: int) -> None:
    result = audit["result"]
    assert result.exit_code == code, result.stdout + result.stderr


@then(parsers.parse('the report says "{text}"'))
def then_says(audit: dict[str, Any], text: str) -> None:
    assert text in audit["result"].stdout, audit["result"].stdout


@then(parsers.parse('"{name}" moves from "{before}" to "{after}"'))
def then_moves(audit: dict[str, Any], name: str, before: str, after: str) -> None:
    moved = audit["result"].stdout.split("FINDINGS THAT CHANGE")[0]
    assert f"  {name} ({DOSSIERS[name]}): {before} → {after}\n" in moved, moved


@then(parsers.parse('"{name}" does not move'))
def then_stays(audit: dict[str, Any], name: str) -> None:
    moved = audit["result"].stdout.split("FINDINGS THAT CHANGE")[0]
    assert name not in moved


@then(
    parsers.parse(
        'the finding "{subject}" flipped from "{before}" to "{after}" because of the changed rule "{rule}"'
    )
)
def then_flipped(audit: dict[str, Any], subject: str, before: str, after: str, rule: str) -> None:
    out = audit["result"].stdout
    block = out[out.index(f"      {subject}: {before} → {after}  (") :]
    assert block.splitlines()[2].startswith(f"        changed rule {rule}: "), block


@then(parsers.parse('the scenario "{name}" is named as one that would now fail'))
def then_scenario_named(audit: dict[str, Any], name: str) -> None:
    out = audit["result"].stdout
    assert "Gherkin scenarios that would now fail (text scan):" in out
    assert any(line.strip().endswith(f"  {name}") for line in out.splitlines()), out


@then(parsers.parse('the diff reports "{text}" under "{grade}"'))
def then_diff_reports(audit: dict[str, Any], text: str, grade: str) -> None:
    out = audit["result"].stdout
    assert text in out.split(f"\n{grade}\n", 1)[1], out
