"""Versions (docs/versioning.md): the engine's is defined once and recorded in CHANGELOG.md; the
rulebook's moves as far as the graded diff of the rules requires, which `tip-assess lint --base`
enforces; both appear in every assessment, decision-log entry and report."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import support
from audit_support import edit, git, make_workspace, run, set_parameter

from engine import __version__
from engine.assessment import assess
from engine.audit.diff import check_against_base, semantic_diff
from engine.audit.diff_model import parameters_read
from engine.audit.record import decision_record
from engine.audit.versioning import Version, bump_level, dossier_breaking, version_verdict
from engine.corpus.render import render_json, render_text
from engine.corpus.validation import Validation
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook
from engine.report.assessment import render
from engine.report.context import report_context

CHANGELOG = support.ROOT / "CHANGELOG.md"
RELEASE = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$")
CHANGE_TYPES = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
MINI = Path(__file__).resolve().parent / "broken_rulebooks" / "base"


@pytest.fixture(scope="module")
def peru() -> support.LoadedDossier:
    return support.dossier("Peru", 2007)


# --------------------------------------------------------------------------- the engine version


def test_the_engine_version_is_defined_once_and_read_by_pyproject() -> None:
    data = tomllib.loads((support.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in data["project"], "pyproject.toml must not repeat the version"
    assert "version" in data["project"]["dynamic"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "engine.__version__"}
    assert Version.parse(__version__) is not None, __version__


def test_the_installed_metadata_carries_the_engine_version() -> None:
    installed = importlib.metadata.version("tip-assess")
    assert installed == __version__, (
        f"installed metadata says {installed}, engine/__init__.py says {__version__}: "
        "reinstall with pip install -e '.[dev]'"
    )


def test_the_changelog_keeps_a_changelog_and_its_latest_release_is_the_engine_version() -> None:
    lines = CHANGELOG.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Changelog"
    headings = [line for line in lines if line.startswith("## ")]
    releases = [RELEASE.match(line) for line in headings]
    assert all(releases), [h for h, m in zip(headings, releases, strict=True) if not m]
    names = [m["name"] for m in releases if m]
    assert names[0] == "Unreleased"
    versions = [Version.parse(name) for name in names[1:]]
    assert all(versions), names
    assert all(m["date"] for m in releases[1:] if m), "every release has a date"
    assert versions == sorted(versions, reverse=True), "newest release first"
    assert len(set(versions)) == len(versions)
    assert str(versions[0]) == __version__, (
        f"engine/__init__.py says {__version__} but the latest release in CHANGELOG.md is "
        f"{versions[0]}: move the Unreleased entries under a heading for the new version"
    )
    sections = {line[4:] for line in lines if line.startswith("### ")}
    assert sections <= CHANGE_TYPES, sections - CHANGE_TYPES


# --------------------------------------------------------------------------- the policy


def test_versions_and_bumps() -> None:
    assert Version.parse("0.2.0") == Version(0, 2, 0)
    for bad in ("1", "1.0", "01.2.3", "1.2.3-rc1", "v1.2.3", ""):
        assert Version.parse(bad) is None, bad
    old = Version(0, 2, 0)
    assert bump_level(old, Version(0, 2, 0)) == "none"
    assert bump_level(old, Version(0, 2, 1)) == "patch"
    assert bump_level(old, Version(0, 3, 0)) == "minor"
    assert bump_level(old, Version(1, 0, 0)) == "major"
    assert bump_level(old, Version(0, 1, 9)) == "lower"
    assert str(old.bumped("minor")) == "0.3.0" and str(old.bumped("major")) == "1.0.0"


def with_version(book: Rulebook, version: str) -> Rulebook:
    return dataclasses.replace(book, info=book.info.model_copy(update={"version": version}))


def without_a_kind(book: Rulebook) -> tuple[Rulebook, str]:
    """The rulebook with its first evidence kind removed: dossiers using it no longer load."""
    name = next(iter(book.kinds))
    kinds = {k: v for k, v in book.kinds.items() if k != name}
    return dataclasses.replace(book, kinds=kinds), name


def test_a_change_that_invalidates_dossiers_needs_a_major_bump() -> None:
    base = with_version(support.rulebook(), "1.2.0")
    head, name = without_a_kind(base)
    assert f"evidence kind {name} removed" in dossier_breaking(base, head)
    changes = semantic_diff(base, head).changes
    minor = version_verdict(changes, base, with_version(head, "1.3.0"))
    assert (minor.required, minor.grade, minor.ok) == ("major", "breaking", False)
    assert version_verdict(changes, base, with_version(head, "2.0.0")).ok


def test_below_1_0_0_a_minor_bump_stands_for_a_breaking_change() -> None:
    """The lead's rewrite: new vocabulary, rulebook 0.2.0 -> 0.3.0."""
    base = with_version(support.rulebook(), "0.2.0")
    head, _ = without_a_kind(base)
    verdict = version_verdict(semantic_diff(base, head).changes, base, with_version(head, "0.3.0"))
    assert verdict.grade == "breaking" and verdict.required == "minor" and verdict.ok
    assert "major version zero" in verdict.sentence()


def test_a_change_of_the_history_settings_is_outcome_affecting() -> None:
    """They decide which facts a placement history becomes (the downgrade rules read them)."""
    base = support.rulebook()
    assert base.info.history is not None
    history = base.info.history.model_copy(update={"offset_field": "years_earlier"})
    head = dataclasses.replace(base, info=base.info.model_copy(update={"history": history}))
    changes = semantic_diff(base, head).changes
    details = [d for c in changes if c.kind == "rulebook" for d in c.details]
    assert [(d.aspect, d.grade) for d in details] == [("history settings", "outcome-affecting")]
    assert version_verdict(changes, base, head).required == "minor"


def test_dossier_breaking_changes_field_by_field() -> None:
    base = support.rulebook()
    kind_name, kind = next((n, k) for n, k in base.kinds.items() if k.fields)
    field_name, spec = next(iter(kind.fields.items()))

    def head_with(**changes: object) -> Rulebook:
        fields = {**kind.fields, field_name: spec.model_copy(update=changes)}
        kinds = {**base.kinds, kind_name: kind.model_copy(update={"fields": fields})}
        return dataclasses.replace(base, kinds=kinds)

    where = f"{kind_name}.{field_name}"
    assert dossier_breaking(base, base) == []
    assert dossier_breaking(base, head_with(required=True)) == (
        [] if spec.required else [f"field {where} became required"]
    )
    retyped = "string" if spec.type != "string" else "integer"
    assert dossier_breaking(base, head_with(type=retyped, values=None)) == [
        f"field {where} retyped ({spec.type} → {retyped})"
    ]
    # Loosening is not breaking: a field that becomes optional keeps every dossier valid.
    assert dossier_breaking(head_with(required=True), head_with(required=False)) == []


# --------------------------------------------------------------------------- lint --base


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A scratch repository holding a copy of the project's rules, committed."""
    shutil.copytree(support.RULES, tmp_path / "rules")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "rules as in the project")
    return tmp_path


def a_parameter_a_rule_reads(book: Rulebook) -> tuple[str, float]:
    """A numeric parameter that some rule reads, and a new first value for it."""
    read = {name for rule in book.rules for name in parameters_read(rule)}
    for name, param in book.parameters.items():
        value = param.values[0].value
        if name in read and param.type in ("integer", "number") and not isinstance(value, bool):
            assert isinstance(value, int | float)
            return name, value + 1
    raise AssertionError("no rule reads a numeric parameter")


def set_version(workspace: Path, version: str) -> None:
    path = workspace / "rules" / "rulebook.yaml"
    text, count = re.subn(r'(?m)^(  version: )"[^"]*"', rf'\g<1>"{version}"', path.read_text())
    assert count == 1, path
    path.write_text(text)


def version_line(workspace: Path) -> int:
    lines = (workspace / "rules" / "rulebook.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("  version: "))


def test_changing_a_parameter_without_bumping_the_version_fails_lint_against_head(
    scratch: Path,
) -> None:
    book = support.rulebook()
    name, value = a_parameter_a_rule_reads(book)
    defined = book.defined_at(f"parameter:{name}")
    assert defined is not None and defined.startswith("rules/"), defined
    set_parameter(scratch, name, value, file=defined.split(":")[0].removeprefix("rules/"))
    assert git(scratch, "status", "--porcelain").strip(), f"{name} was not changed"
    done = support.run_cli("lint", "--base", "HEAD", cwd=scratch)
    assert done.returncode == 1, done.stdout + done.stderr
    required = Version.parse(book.info.version)
    assert required is not None
    expected = (
        f"error: rules/rulebook.yaml:{version_line(scratch)}: field 'rulebook.version': "
        f"version {book.info.version} is unchanged against git:HEAD/rules, but the changes "
        f"require at least a minor bump (outcome-affecting: parameter {name}): set it to "
        f"{required.bumped('minor')} or higher (see docs/versioning.md)"
    )
    assert expected in done.stderr.splitlines(), done.stderr
    assert "NOT as docs/versioning.md requires" in done.stdout


def test_the_bump_the_scratch_rules_need(scratch: Path) -> None:
    book = support.rulebook()
    name, value = a_parameter_a_rule_reads(book)
    old = Version.parse(book.info.version)
    assert old is not None

    def verdict_for(version: Version) -> tuple[bool, str]:
        set_version(scratch, str(version))
        head = load_rulebook(scratch / "rules", display_root="rules")
        check = check_against_base("HEAD", scratch / "rules", head, scratch)
        return check.verdict.ok, check.verdict.problem_message(check.label)

    assert verdict_for(old)[0]  # nothing changed yet
    defined = book.defined_at(f"parameter:{name}") or ""
    set_parameter(scratch, name, value, file=defined.split(":")[0].removeprefix("rules/"))
    ok, message = verdict_for(old.bumped("patch"))
    assert not ok and f"is a patch bump from {old}" in message
    assert verdict_for(old.bumped("minor"))[0]
    assert verdict_for(old.bumped("major"))[0]
    git(scratch, "checkout", "-q", "--", "rules")
    edit(scratch / "rules" / "rulebook.yaml", "  title: ", "  title: (retitled) ")
    ok, message = verdict_for(old)
    assert not ok and "require at least a patch bump (editorial: rulebook" in message
    assert verdict_for(old.bumped("patch"))[0]
    lowered = Version(old.major, old.minor, 0) if old.patch else Version(0, 0, 1)
    if lowered < old:
        ok, message = verdict_for(lowered)
        assert not ok and f"version {lowered} is lower than {old}" in message


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A git workspace with the tiny valid rulebook of the lint tests (lint takes a second)."""
    shutil.copytree(MINI, tmp_path / "rules")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "mini rulebook 1.0.0")
    return tmp_path


def test_lint_against_a_base_passes_once_the_version_moves_as_required(mini: Path) -> None:
    set_parameter(mini, "min_count", 4)
    failing = run(mini, "lint", "--base", "HEAD")
    assert failing.exit_code == 1
    assert (
        f"error: rules/rulebook.yaml:{version_line(mini)}: field 'rulebook.version': version "
        "1.0.0 is unchanged against git:HEAD/rules, but the changes require at least a minor "
        "bump (outcome-affecting: parameter min_count): set it to 1.1.0 or higher"
    ) in failing.stderr
    set_version(mini, "1.0.1")
    assert "is a patch bump from 1.0.0" in run(mini, "lint", "--base", "HEAD").stderr
    set_version(mini, "1.1.0")
    passing = run(mini, "lint", "--base", "HEAD")
    assert passing.exit_code == 0, passing.stderr
    assert passing.stdout.startswith(
        "against git:HEAD/rules: rulebook version 1.0.0 → 1.1.0 (minor); the changes require "
        "at least a minor bump (outcome-affecting: parameter min_count): as the policy requires"
    )
    assert "ok: mini 1.1.0" in passing.stdout


def test_a_base_this_engine_cannot_load_is_a_change_of_the_rule_language(mini: Path) -> None:
    old = mini / "old-rules"
    shutil.copytree(mini / "rules", old)
    edit(old / "rules.yaml", "    then: {conclude: compliance, value: full}", "    then: {x: 1}")
    head = load_rulebook(mini / "rules", display_root="rules")
    check = check_against_base(str(old), mini / "rules", head, mini)
    verdict = check.verdict
    assert (verdict.base, verdict.grade, verdict.required, verdict.ok) == (
        "1.0.0",
        "breaking",
        "major",
        False,
    )
    assert verdict.reasons[0].startswith("the base rulebook does not load under this engine: ")
    set_version(mini, "2.0.0")
    head = load_rulebook(mini / "rules", display_root="rules")
    assert check_against_base(str(old), mini / "rules", head, mini).verdict.ok


def test_lint_against_a_base_that_does_not_exist_is_an_input_error(mini: Path) -> None:
    result = run(mini, "lint", "--base", "no-such-revision")
    assert result.exit_code == 2
    assert "neither a rules directory nor a git revision" in result.stderr


# --------------------------------------------------------------------------- versions in outputs


def test_an_assessment_names_both_versions(peru: support.LoadedDossier) -> None:
    book = support.rulebook()
    document = assess(book, peru).document
    assert document["provenance"]["engine_version"] == __version__
    assert document["provenance"]["rules_version"] == book.info.version
    for fmt in ("text", "markdown", "html"):
        head = render(document, fmt, report_context(book, peru))
        assert f"{book.info.name} {book.info.version} " in head, fmt
        assert f"engine tip-assess {__version__}" in head, fmt
    first = render(document, "text", report_context(book, peru)).splitlines()[:6]
    assert any(
        line.startswith("Rules: ") and line.endswith(f"; engine tip-assess {__version__}")
        for line in first
    ), first


def test_a_decision_record_names_both_versions(peru: support.LoadedDossier) -> None:
    book = support.rulebook()
    result = assess(book, peru)
    record = decision_record(
        result,
        book,
        peru,
        render(result.document, "text"),
        dossier=support.dossier_path("Peru", 2007),
        rules_dir=support.RULES,
        year=None,
        fmt="text",
        by="tester",
    )
    assert (record["engine_version"], record["rules_version"]) == (__version__, book.info.version)


def test_diff_and_impact_reports_name_both_versions_and_the_bump(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    set_parameter(ws, "incarceration_min_years", 10)
    set_version(ws, "1.1.0")
    diff = json.loads(run(ws, "diff", "HEAD", "--format", "json").stdout)
    assert diff["engine_version"] == __version__
    assert (diff["base"]["version"], diff["head"]["version"]) == ("1.0.0", "1.1.0")
    assert diff["versioning"]["bump"] == "minor" and diff["versioning"]["ok"] is True
    text = run(ws, "diff", "HEAD").stdout.splitlines()
    assert text[1] == f"engine: tip-assess {__version__}"
    assert text[3].startswith("rulebook version 1.0.0 → 1.1.0 (minor); the changes require at")
    impact = run(ws, "impact", "--base", "HEAD", "--format", "json")
    document = json.loads(impact.stdout)
    assert document["engine_version"] == __version__
    assert (document["base"]["version"], document["head"]["version"]) == ("1.0.0", "1.1.0")
    assert document["versioning"]["grade"] == "outcome-affecting"
    lines = run(ws, "impact", "--base", "HEAD").stdout.splitlines()
    assert lines[0].startswith("Impact of rules (toy 1.1.0, sha256 ")
    assert "against git:HEAD/rules (toy 1.0.0, sha256 " in lines[0]
    assert lines[1] == f"engine: tip-assess {__version__}"
    assert lines[3].startswith("rulebook version 1.0.0 → 1.1.0 (minor)")


def test_the_validation_report_names_both_versions() -> None:
    validation = Validation("tvpa 9.8.7", "ab" * 32, "expected.csv", rules_version="9.8.7")
    document = json.loads(render_json(validation))
    assert (document["rules_version"], document["engine_version"]) == ("9.8.7", __version__)
    first = render_text(validation).splitlines()[0]
    assert first.endswith(
        f"(rules tvpa 9.8.7, sha256 abababababab; engine tip-assess {__version__})"
    )


# --------------------------------------------------------------------------- the engine underneath


def test_a_durable_rules_that_does_not_import_is_named_with_the_fix() -> None:
    """On Python 3.13 a stock build of durable-rules 2.0.28 fails to import; say what to run."""
    code = (
        "import sys; sys.modules['durable_rules_engine'] = None\n"
        "from engine.errors import EngineFault\n"
        "try:\n"
        "    import engine.durable_host\n"
        "except EngineFault as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "durable_rules cannot be imported" in done.stdout
    assert "python tools/install_durable_rules.py" in done.stdout
