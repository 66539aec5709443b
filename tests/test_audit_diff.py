"""`tip-assess diff` and engine.audit.diff: what changed in legal terms, graded, by rule id."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from audit_support import edit, git, make_workspace, run, set_parameter

from engine.audit import AFFECTING, EDITORIAL, changelog_warnings, semantic_diff
from engine.audit.diff_model import RulesDiff
from engine.audit.diff_render import render_diff
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def book(path: Path) -> Rulebook:
    return load_rulebook(path, display_root=path.name)


def diff_after(ws: Path) -> RulesDiff:
    """Diff the committed rules (copied aside before any edit) against the working rules."""
    base = ws.parent / "base-rules"
    if not base.exists():
        git(ws, "archive", "-o", str(ws.parent / "base.tar"), "HEAD", "rules")
        shutil.unpack_archive(ws.parent / "base.tar", ws.parent / "base", "tar", filter="data")
        (ws.parent / "base" / "rules").rename(base)
    return semantic_diff(book(base), book(ws / "rules"))


def only(diff: RulesDiff, kind: str, change_id: str):  # type: ignore[no-untyped-def]
    found = [c for c in diff.changes if c.kind == kind and c.id == change_id]
    assert len(found) == 1, [c.to_dict() for c in diff.changes]
    return found[0]


def test_identical_rulebooks_have_no_changes(ws: Path) -> None:
    diff = diff_after(ws)
    assert diff.changes == [] and diff.responsible == {}
    assert "0 change(s)" in render_diff(diff, "text")


def test_parameter_value_change_is_outcome_affecting_and_names_its_readers(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 10)
    diff = diff_after(ws)
    change = only(diff, "parameter", "incarceration_min_years")
    assert change.grade == AFFECTING and change.action == "changed"
    assert change.used_by == ["prosecution.met"]
    [value] = change.details
    assert (value.aspect, value.before, value.after, value.years) == (
        "value",
        1,
        10,
        "2001 onwards",
    )
    assert diff.responsible == {
        "prosecution.met": [
            "reads parameter incarceration_min_years (1 → 10 for report years 2001 onwards)"
        ]
    }
    text = render_diff(diff, "text")
    assert "value for report years 2001 onwards: 1 → 10" in text
    assert "read by: prosecution.met" in text


def test_parameter_change_is_reported_only_for_the_years_it_affects(ws: Path) -> None:
    edit(
        ws / "rules" / "parameters.yaml",
        "      - {from: 2001, value: 1}",
        "      - {from: 2001, to: 2009, value: 1}\n      - {from: 2010, to: 2012, value: 3}\n"
        "      - {from: 2013, value: 1}",
    )
    change = only(diff_after(ws), "parameter", "incarceration_min_years")
    assert [(d.years, d.before, d.after) for d in change.details] == [("2010–2012", 1, 3)]


def test_a_parameter_no_rule_reads_is_editorial(ws: Path) -> None:
    edit(
        ws / "rules" / "parameters.yaml",
        "parameters:\n",
        "parameters:\n  unused_threshold:\n    title: Not read by any rule\n    type: integer\n"
        "    values: [{from: 2001, value: 7}]\n",
    )
    change = only(diff_after(ws), "parameter", "unused_threshold")
    assert change.action == "added" and change.grade == EDITORIAL and change.used_by == []


def test_condition_change_shows_before_and_after_and_wants_a_changelog_entry(ws: Path) -> None:
    rules = ws / "rules" / "rules.yaml"
    edit(rules, "where: {count: {gte: 1}}", "where: {count: {gte: 2}}")
    diff = diff_after(ws)
    change = only(diff, "rule", "prosecution.met")
    assert change.grade == AFFECTING
    [condition] = change.details
    assert condition.aspect == "condition"
    assert condition.before[0] == "evidence 'conviction_count' with count ≥ 1"
    assert condition.after[0] == "evidence 'conviction_count' with count ≥ 2"
    assert change.warnings == ["its logic changed but its changelog has no new entry"]
    text = render_diff(diff, "text")
    assert "  - evidence 'conviction_count' with count ≥ 1" in text
    assert "  + evidence 'conviction_count' with count ≥ 2" in text
    assert "2024-01-15 fixture: First version" in text

    [problem] = changelog_warnings(book(ws.parent / "base-rules"), book(ws / "rules"))
    assert problem.rule_id == "prosecution.met" and problem.field == "changelog"
    assert problem.file == "rules/rules.yaml" and problem.line == 2
    assert problem.message.startswith("condition changed against base-rules")

    edit(
        rules,
        '      - {date: "2024-01-15", author: fixture, reason: First version}',
        '      - {date: "2024-01-15", author: fixture, reason: First version}\n'
        '      - {date: "2025-03-01", author: reviewer, reason: Two convictions needed}',
    )
    diff = diff_after(ws)
    change = only(diff, "rule", "prosecution.met")
    assert change.warnings == []
    assert [e["new"] for e in change.changelog] == [False, True]
    assert "2025-03-01 reviewer: Two convictions needed  (new)" in render_diff(diff, "text")
    assert changelog_warnings(book(ws.parent / "base-rules"), book(ws / "rules")) == []


def test_rename_is_recognised_and_editorial(ws: Path) -> None:
    edit(ws / "rules" / "rules.yaml", "id: protection.met", "id: protection.specialised-shelter")
    diff = diff_after(ws)
    [change] = diff.changes
    assert (change.action, change.id, change.old_id) == (
        "renamed",
        "protection.specialised-shelter",
        "protection.met",
    )
    assert change.grade == EDITORIAL
    assert changelog_warnings(book(ws.parent / "base-rules"), book(ws / "rules")) == []


def test_added_and_removed_rules(ws: Path) -> None:
    rules = ws / "rules" / "rules.yaml"
    text = rules.read_text()
    start = text.index("  - id: sentencing.severe")
    end = text.index("  - id: sentencing.lenient")
    removed = text[start:end]
    added = removed.replace("sentencing.severe", "sentencing.very-severe").replace(
        "{param: severe_sentence_min_years}", "10"
    )
    rules.write_text(text[:start] + added + text[end:])
    diff = diff_after(ws)
    assert {(c.action, c.id) for c in diff.changes if c.kind == "rule"} == {
        ("added", "sentencing.very-severe"),
        ("removed", "sentencing.severe"),
    }
    assert all(c.grade == AFFECTING for c in diff.changes if c.kind == "rule")
    # The parameter the removed rule read is now read by nothing in the head, but was in the base.
    assert diff.responsible["sentencing.severe"] == ["removed"]


def test_citation_and_text_changes_are_editorial(ws: Path) -> None:
    rules = ws / "rules" / "rules.yaml"
    edit(rules, "citation: Toy Act §2\n", "citation: Toy Act §2(a), as amended\n")
    edit(
        rules,
        "text: The government protects victims of trafficking.\n",
        "text: The government protects and assists victims of trafficking.\n",
    )
    change = only(diff_after(ws), "rule", "protection.met")
    assert change.grade == EDITORIAL
    assert {d.aspect: (d.before, d.after) for d in change.details} == {
        "citation": ("Toy Act §2", "Toy Act §2(a), as amended"),
        "statutory text": (
            "The government protects victims of trafficking.",
            "The government protects and assists victims of trafficking.",
        ),
    }


def test_marking_a_term_a_circumstance_is_editorial(tmp_path: Path) -> None:
    # Which terms a why-not may offer as a way up changes no total and so no placement.
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    weighing = tmp_path / "rules" / "weighing.yaml"
    text = weighing.read_text()
    marker = "circumstance: true   # a fact about the country: never offered as a way up\n"
    assert text.count(marker) == 4
    weighing.write_text(text.replace(" " * 10 + marker, ""))
    diff = semantic_diff(book(tmp_path / "rules"), book(ROOT / "rules"))
    change = only(diff, "rule", "significant-efforts.weighing")
    assert change.grade == EDITORIAL
    assert [(d.aspect, d.before, d.after) for d in change.details] == [
        (
            "circumstances",
            [],
            ["law enforcement beyond the government's reach (armed conflict, lost territory)"],
        )
    ]


def test_years_in_force_are_outcome_affecting(ws: Path) -> None:
    rules = ws / "rules" / "rules.yaml"
    text = rules.read_text()
    at = text.index("id: protection.met")
    rules.write_text(
        text[:at] + text[at:].replace("in_force: {from: 2001}", "in_force: {from: 2008}", 1)
    )
    change = only(diff_after(ws), "rule", "protection.met")
    assert [(d.aspect, d.before, d.after, d.grade) for d in change.details] == [
        ("in force", "2001 onwards", "2008 onwards", AFFECTING)
    ]


def test_vocabulary_and_outcome_changes_are_graded(ws: Path) -> None:
    vocab = ws / "rules" / "vocabulary.yaml"
    edit(
        vocab,
        "        specialized: {type: boolean, required: true}\n",
        "        specialized: {type: boolean, required: true}\n        capacity: {type: integer}\n",
    )
    diff = diff_after(ws)
    kind = only(diff, "evidence kind", "victim_shelter")
    assert [(d.aspect, d.grade) for d in kind.details] == [("field capacity", EDITORIAL)]

    edit(ws / "rules" / "rulebook.yaml", "unknown_values: [no_evidence]", "unknown_values: []")
    change = only(diff_after(ws), "rulebook", "toy")
    assert [(d.aspect, d.before, d.after, d.grade) for d in change.details] == [
        ("outcome unknown_values", ["no_evidence"], [], AFFECTING)
    ]


# --------------------------------------------------------------------------- the command


def test_cli_diff_against_a_git_revision(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 10)
    result = run(ws, "diff", "git:HEAD")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Rules diff: git:HEAD/rules (toy 1.0.0, sha256 ")
    assert "1 change(s): 1 outcome-affecting, 0 editorial" in result.stdout
    assert "parameter incarceration_min_years (changed)" in result.stdout
    assert "defined at rules/parameters.yaml:2" in result.stdout

    assert run(ws, "diff", "git:HEAD", "--exit-code").exit_code == 1
    same = run(ws, "diff", "git:HEAD", "git:HEAD", "--exit-code")
    assert same.exit_code == 0 and "0 change(s)" in same.stdout


def test_cli_diff_between_two_revisions_and_formats(ws: Path) -> None:
    edit(ws / "rules" / "rules.yaml", "citation: Toy Act §2\n", "citation: Toy Act §2(a)\n")
    git(ws, "commit", "-qam", "cite §2(a)")
    result = run(ws, "diff", "git:HEAD~1", "git:HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "tip-assess/rules-diff/1"
    assert doc["base"]["label"] == "git:HEAD~1/rules" and doc["head"]["label"] == "git:HEAD/rules"
    assert doc["summary"] == {"changes": 1, "outcome_affecting": 0, "editorial": 1}
    assert [c["id"] for c in doc["changes"]] == ["protection.met"]

    markdown = run(ws, "diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.stderr
    assert "## Editorial" in markdown.stdout
    assert "### rule `protection.met` — changed" in markdown.stdout
    assert "- citation: Toy Act §2 → Toy Act §2(a)" in markdown.stdout


def test_cli_diff_reads_another_path_of_a_revision(ws: Path) -> None:
    shutil.copytree(ws / "rules", ws / "rules-draft")
    set_parameter(ws, "incarceration_min_years", 3)
    git(ws, "add", "rules-draft")
    git(ws, "commit", "-qm", "draft")
    result = run(ws, "diff", "git:HEAD:rules-draft", "rules")
    assert result.exit_code == 0, result.stderr
    assert "git:HEAD/rules-draft" in result.stdout
    assert "value for report years 2001 onwards: 1 → 3" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["git:no-such-rev"], "git:no-such-rev: 'no-such-rev' is not a revision of the repository"),
        (["no-such-dir"], "no-such-dir: neither a rules directory nor a git revision"),
        (["git:"], "git:: name a revision after 'git:'"),
        (["git:HEAD:nowhere"], "cannot extract nowhere"),
    ],
)
def test_cli_diff_bad_sides(ws: Path, args: list[str], message: str) -> None:
    result = run(ws, "diff", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr, result.stderr
    assert result.stderr.startswith("error: ")


def test_cli_diff_outside_git(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "plain", commit=False)
    result = run(ws, "diff", "git:HEAD")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr


def test_cli_diff_reports_invalid_rules_at_a_revision_with_their_location(ws: Path) -> None:
    edit(
        ws / "rules" / "rules.yaml",
        "    then: {conclude: prosecution, value: met}",
        "    then: {conclude: prosecution, value: maybe}",
    )
    git(ws, "commit", "-qam", "broken")
    result = run(ws, "diff", "git:HEAD", "git:HEAD~1")
    assert result.exit_code == 2
    assert "error: git:HEAD/rules/rules.yaml:" in result.stderr
    assert "maybe" in result.stderr


def test_lint_with_a_base_warns_about_logic_changed_without_a_changelog_entry(ws: Path) -> None:
    pytest.importorskip("engine.quality.lint")
    edit(ws / "rules" / "rules.yaml", "where: {count: {gte: 1}}", "where: {count: {gte: 2}}")
    warning = (
        "warning: rules/rules.yaml:2: rule prosecution.met: field 'changelog': condition changed "
        "against git:HEAD/rules but the changelog has no new entry"
    )
    assert warning in run(ws, "lint", "--base", "git:HEAD").stderr
    assert "warning:" not in run(ws, "lint").stderr
