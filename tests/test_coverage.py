"""`tip-assess coverage`: the legal coverage matrix and its threshold."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import support

import engine.quality.coverage as coverage
from engine.load.rulebook import Rulebook
from engine.quality.coverage import Coverage, measure

FEATURES = support.ROOT / "features" / "amendments"

Measure = Callable[[Rulebook, Path, float | None], Coverage]


@pytest.fixture(scope="module")
def measured() -> Measure:
    """`measure`, run once per rulebook, scenario directory and threshold in this module: it
    runs every example and scenario, and is a pure function of those."""
    done: dict[tuple[str, Path, float | None], Coverage] = {}

    def once(book: Rulebook, features: Path, threshold: float | None = None) -> Coverage:
        key = (book.sha256, features.resolve(), threshold)
        if key not in done:
            done[key] = measure(book, features, threshold)
        return done[key]

    return once


@pytest.fixture
def memoized(measured: Measure, monkeypatch: pytest.MonkeyPatch) -> None:
    """The coverage command runs `measure` through the module's memo."""
    monkeypatch.setattr(coverage, "measure", measured)


@pytest.fixture(scope="module")
def result(measured: Measure) -> Coverage:
    """The matrix of the real rulebook and scenarios, for the tests that read it."""
    return measured(support.rulebook(), FEATURES, None)


def test_coverage_meets_the_rulebook_threshold(result: Coverage) -> None:
    book = support.rulebook()
    assert book.info.coverage_threshold == 0.95
    assert not result.failures
    assert result.ratio >= result.threshold, [
        key for key, cell in result.cells.items() if not cell.covered
    ]


def test_cells_exist_only_where_a_rule_in_force_concludes_the_value(result: Coverage) -> None:
    assert ("placement", "Tier 2 Watch List", "2001–2003") not in result.cells
    assert ("criterion_12", "met", "2006–2008") not in result.cells
    downgrade = result.cells[("automatic_downgrade", "due", "2011–2012")]
    assert downgrade.rules == [
        "automatic-downgrade.two-years",
        "automatic-downgrade.waivers-exhausted",
    ]
    assert any("automatic_downgrade_2008.feature" in label for label in downgrade.scenarios)
    assert "automatic-downgrade.two-years: two years on the watch list, no waiver" in (
        downgrade.examples
    )


def test_given_findings_do_not_count_as_coverage(result: Coverage) -> None:
    # placement.not-ranked's examples give applicability as a fact: they cover the placement
    # they derive, never the applicability they were given.
    given = result.cells[("applicability", "not_applicable", "2001–2003")].examples
    assert not any(label.startswith("placement.not-ranked:") for label in given), given
    derived = result.cells[("placement", "Not ranked", "2001–2003")].examples
    assert any(label.startswith("placement.not-ranked:") for label in derived), derived


def test_coverage_command_prints_the_matrix(memoized: None) -> None:
    run = support.run_cli("coverage")
    assert run.returncode == 0, run.stderr
    assert "E covered by a rule example, S by an amendment scenario" in run.stdout
    assert "automatic_downgrade = due" in run.stdout
    assert "(threshold 95%)" in run.stdout


def test_coverage_below_the_threshold_fails(memoized: None, tmp_path: Path) -> None:
    # Without the amendment scenarios, rule examples alone leave cells uncovered.
    run = support.run_cli("coverage", "--threshold", "1", "--features", str(tmp_path))
    assert run.returncode == 1
    assert "is below the threshold 100%" in run.stderr


def test_coverage_json(memoized: None) -> None:
    run = support.run_cli("coverage", "--format", "json")
    data = json.loads(run.stdout)
    assert data["ok"] is True and data["ratio"] >= 0.95
    assert {"subject", "value", "era", "rules", "examples", "scenarios"} <= set(data["cells"][0])


def test_a_failing_scenario_fails_coverage(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    shutil.copy(FEATURES / "profiles.yaml", features)
    (features / "wrong.feature").write_text(
        "Feature: wrong\n"
        "  Scenario: a wrong expectation\n"
        "    Given a country that makes no significant efforts\n"
        "    When it is assessed under the rules for report year 2007\n"
        "    Then it is placed on Tier 1\n"
    )
    run = support.run_cli("coverage", "--features", str(features))
    assert run.returncode == 1
    assert (
        "failed: scenario wrong.feature: a wrong expectation: line 5: under the rules for 2007: "
        "'placement' is 'Tier 3', expected 'Tier 1'" in run.stdout
    )


def test_an_unknown_step_is_reported_with_the_step_language(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    (features / "odd.feature").write_text(
        "Feature: odd\n  Scenario: odd\n    Given a government that is odd\n"
    )
    run = support.run_cli("coverage", "--features", str(features))
    assert run.returncode == 1
    assert "unknown given step: 'a government that is odd'" in run.stdout


def test_coverage_markdown_and_html_show_the_text_matrix(memoized: None) -> None:
    text = support.run_cli("coverage")
    markdown = support.run_cli("coverage", "--format", "markdown")
    page = support.run_cli("coverage", "--format", "html")
    assert text.returncode == markdown.returncode == page.returncode == 0, markdown.stderr
    header = next(line for line in markdown.stdout.splitlines() if line.startswith("| conclusion"))
    eras = header.count("|") - 2
    text_rows = [
        (" ".join(line.split()[:-eras]), line.split()[-eras:])
        for line in text.stdout.splitlines()
        if " = " in line and not line.startswith(("Legal", "  "))
    ]
    table = [line for line in markdown.stdout.splitlines() if line.startswith("| `")]
    assert len(table) == len(text_rows) > 50
    for (name, marks), row in zip(text_rows, table, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells == [f"`{name}`", *marks]
    assert page.stdout.startswith("<!DOCTYPE html>")
    assert page.stdout.count("<td><code>") == len(table)


def test_coverage_markdown_lists_what_is_not_covered(tmp_path: Path) -> None:
    broken = support.ROOT / "tests" / "broken_rulebooks" / "base"
    done = support.run_cli(
        "coverage", "--rules", str(broken), "--features", str(tmp_path), "--format", "markdown"
    )
    assert done.returncode == 1
    assert "6 of 9 cells covered: 66.7% (threshold 90%)" in done.stdout
    tail = done.stdout.split("Not covered:\n\n", 1)[1].splitlines()
    assert tail == [
        "- compliance = full in 2004 onwards (rules: compliance.full)",
        "- compliance = partial in 2004 onwards (rules: compliance.partial)",
        "- placement = High in 2004 onwards (rules: placement.high)",
    ]
