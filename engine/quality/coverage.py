"""`tip-assess coverage`: which legal outcomes, in which era, does some test exercise?

The matrix has one cell per conclusion (minimum standard, criterion, finding, placement), per
value it can take (met, partly_met, not_met, no_evidence, ...), per era (a run of report years
with the same rules). A cell exists only where some rule in force in that era concludes that
value; it is covered when a passing rule example or amendment scenario derives that value under
the rules of a year in that era (a finding an example only *gives* does not count). Coverage is
the share of existing cells covered; the command fails below the rulebook's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import __version__
from engine.load.rulebook import Rulebook
from engine.quality.eras import Era, era_of, eras
from engine.quality.examples import all_examples, run_example
from engine.quality.scenarios import run_features

DEFAULT_THRESHOLD = 0.9


@dataclass
class Cell:
    subject: str
    value: str
    era: Era
    rules: list[str]
    examples: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.examples or self.scenarios)

    @property
    def mark(self) -> str:
        return ("E" if self.examples else "") + ("S" if self.scenarios else "") or "."


@dataclass
class Coverage:
    eras: list[Era]
    cells: dict[tuple[str, str, str], Cell]
    threshold: float
    failures: list[str]
    examples_run: int
    scenarios_run: int

    @property
    def ratio(self) -> float:
        return sum(cell.covered for cell in self.cells.values()) / max(1, len(self.cells))

    @property
    def ok(self) -> bool:
        return self.ratio >= self.threshold and not self.failures


def measure(book: Rulebook, features: Path, threshold: float | None = None) -> Coverage:
    """Run every rule example and every scenario under `features`, and fill the matrix."""
    periods = eras(book)
    cells: dict[tuple[str, str, str], Cell] = {}
    for era in periods:
        for rule in book.rules_in_force(era.start):
            key = (rule.then.conclude, rule.then.value, era.label)
            cell = cells.setdefault(key, Cell(rule.then.conclude, rule.then.value, era, []))
            cell.rules.append(rule.id)
        for weighing in book.weighings_in_force(era.start):
            for value in weighing.values():
                key = (weighing.concludes, value, era.label)
                cell = cells.setdefault(key, Cell(weighing.concludes, value, era, []))
                cell.rules.append(weighing.id)
    failures: list[str] = []
    refs = all_examples(book)
    for ref in refs:
        outcome = run_example(book, ref)
        if not outcome.passed or outcome.case is None:
            failures.append(f"example {ref.test_id}: {outcome.message}")
            continue
        label = era_of(book, ref.year).label
        for subject, value in outcome.case.derived().items():
            if (subject, value, label) in cells:
                cells[(subject, value, label)].examples.append(ref.test_id)
    outcomes = run_features(book, features)
    for scenario in outcomes:
        if not scenario.passed:
            failures.append(f"scenario {scenario.scenario.label}: {scenario.message}")
            continue
        for year, case in scenario.state.results.items():
            label = era_of(book, year).label
            for subject, value in case.derived().items():
                key = (subject, value, label)
                if key in cells and scenario.scenario.label not in cells[key].scenarios:
                    cells[key].scenarios.append(scenario.scenario.label)
    chosen = threshold
    if chosen is None:
        chosen = book.info.coverage_threshold
    if chosen is None:
        chosen = DEFAULT_THRESHOLD
    return Coverage(periods, cells, chosen, failures, len(refs), len(outcomes))


LEGEND = "E covered by a rule example, S by an amendment scenario, . not covered, - no rule"


def _rows(book: Rulebook, coverage: Coverage) -> list[tuple[str, list[str]]]:
    """The matrix's rows: `conclusion = value` and its mark in each era."""
    labels = [era.label for era in coverage.eras]
    rows: list[tuple[str, list[str]]] = []
    for subject, spec in book.conclusions.items():
        for value in spec.values:
            marks = []
            for label in labels:
                cell = coverage.cells.get((subject, value, label))
                marks.append("-" if cell is None else cell.mark)
            if any(mark != "-" for mark in marks):
                rows.append((f"{subject} = {value}", marks))
    return rows


def _title(book: Rulebook) -> str:
    return (
        f"Legal coverage of {book.info.name} {book.info.version} (engine tip-assess "
        f"{__version__}): conclusion = value x era"
    )


def _tail(coverage: Coverage, bullet: str) -> list[str]:
    """The count against the threshold, the cells not covered and the failures."""
    covered = sum(cell.covered for cell in coverage.cells.values())
    lines = [
        f"{covered} of {len(coverage.cells)} cells covered: {coverage.ratio:.1%} "
        f"(threshold {coverage.threshold:.0%}); {coverage.examples_run} rule examples, "
        f"{coverage.scenarios_run} scenarios",
    ]
    uncovered = [cell for cell in coverage.cells.values() if not cell.covered]
    if uncovered:
        lines.append("not covered:")
        lines += [
            f"{bullet}{cell.subject} = {cell.value} in {cell.era.label} "
            f"(rules: {', '.join(cell.rules)})"
            for cell in uncovered
        ]
    for failure in coverage.failures:
        lines.append(f"failed: {failure}")
    return lines


def render_text(book: Rulebook, coverage: Coverage) -> str:
    """The matrix: rows conclusion = value, columns eras; E example, S scenario, . uncovered."""
    labels = [era.label for era in coverage.eras]
    width = max(len(label) for label in labels)
    rows = _rows(book, coverage)
    name_width = max(len(name) for name, _ in rows)
    lines = [
        _title(book),
        f"  {LEGEND}",
        "",
        " " * (name_width + 2) + "  ".join(label.rjust(width) for label in labels),
    ]
    for name, marks in rows:
        lines.append(f"{name:<{name_width}}  " + "  ".join(mark.rjust(width) for mark in marks))
    return "\n".join([*lines, "", *_tail(coverage, "  ")]) + "\n"


def render_markdown(book: Rulebook, coverage: Coverage) -> str:
    """The matrix as a Markdown table (`--format markdown`; `html` puts it on a page)."""
    labels = [era.label for era in coverage.eras]
    lines = [
        f"# {_title(book)}",
        "",
        f"{LEGEND}.",
        "",
        "| conclusion = value | " + " | ".join(labels) + " |",
        "| --- | " + " | ".join("---" for _ in labels) + " |",
    ]
    for name, marks in _rows(book, coverage):
        lines.append(f"| `{name}` | " + " | ".join(marks) + " |")
    tail = _tail(coverage, "- ")
    lines += ["", tail[0], ""]
    rest = tail[1:]
    if rest and rest[0] == "not covered:":
        lines += ["Not covered:", "", *[line for line in rest if line.startswith("- ")], ""]
        rest = [line for line in rest if not line.startswith("- ")][1:]
    lines += [f"- {line}" for line in rest]
    return "\n".join(lines).rstrip("\n") + "\n"


def to_json(coverage: Coverage, book: Rulebook) -> dict[str, Any]:
    return {
        "rulebook": book.info.name,
        "rules_version": book.info.version,
        "engine_version": __version__,
        "ratio": round(coverage.ratio, 4),
        "threshold": coverage.threshold,
        "ok": coverage.ok,
        "eras": [era.label for era in coverage.eras],
        "cells": [
            {
                "subject": cell.subject,
                "value": cell.value,
                "era": cell.era.label,
                "rules": cell.rules,
                "examples": cell.examples,
                "scenarios": cell.scenarios,
                "covered": cell.covered,
            }
            for cell in coverage.cells.values()
        ],
        "failures": coverage.failures,
    }
