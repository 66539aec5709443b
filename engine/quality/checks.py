"""Lint's static checks: blank legal texts, gaps and overlaps in parameters, placements outside
the years their list exists, rule examples (each rule needs one that fires, one that does not),
placement histories that cannot be true (in rule examples and in the evidence directory), and a
plain-English label for every conclusion value.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from engine.errors import InputError, Problem
from engine.load.history import is_history_file, load_history
from engine.load.history_checks import Entry, impossible_entries
from engine.load.labels import missing_labels
from engine.load.rulebook import Rulebook
from engine.quality.examples import (
    ExampleOutcome,
    all_examples,
    example_problem,
    missing_expectations,
    run_example,
)
from engine.quality.locator import Locator


def check_texts(book: Rulebook, locate: Locator) -> list[Problem]:
    problems = []
    for rule in book.items():
        for name in ("citation", "text", "title"):
            if not getattr(rule, name).strip():
                problems.append(
                    locate.rule_problem(rule.id, name, f"the rule's {name} is blank", name)
                )
    return problems


def check_parameters(book: Rulebook) -> list[Problem]:
    """A parameter's dated values must neither leave a gap nor overlap between their years."""
    problems = []
    for name, param in book.parameters.items():
        origin = book.origins.get(f"parameter:{name}")
        file = origin.file if origin else book.root
        line = origin.line if origin else None
        steps = sorted(param.values, key=lambda step: step.start)
        for previous, following in itertools.pairwise(steps):
            if previous.end is None or following.start <= previous.end:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"parameters.{name}.values",
                        f"values from {previous.start} and from {following.start} overlap: "
                        "which one applies is ambiguous",
                    )
                )
            elif following.start > previous.end + 1:
                gap = (
                    str(previous.end + 1)
                    if following.start == previous.end + 2
                    else f"{previous.end + 1}–{following.start - 1}"
                )
                problems.append(
                    Problem(
                        file,
                        line,
                        f"parameters.{name}.values",
                        f"no value for report year(s) {gap}, between the values from "
                        f"{previous.start} and from {following.start}",
                    )
                )
    return problems


def check_outcome(book: Rulebook, locate: Locator) -> list[Problem]:
    outcome = book.info.outcome
    problems = [
        locate.rulebook_problem(
            ("outcome", "in_force"),
            f"'{value}' is not a value of the ladder ({', '.join(outcome.ladder)})",
        )
        for value in outcome.in_force
        if value not in outcome.ladder
    ]
    for rule in book.rules:
        if rule.then.conclude != outcome.conclusion:
            continue
        exists = outcome.in_force.get(rule.then.value)
        if exists is None:
            continue
        years = rule.in_force
        early = years.start < exists.start
        late = exists.end is not None and (years.end is None or years.end > exists.end)
        if early or late:
            problems.append(
                locate.rule_problem(
                    rule.id,
                    "then.value",
                    f"places a country on '{rule.then.value}' in report years {years.label()}, "
                    f"but that list exists only in {exists.label()}",
                    "then",
                )
            )
    return problems


def check_examples(book: Rulebook, locate: Locator) -> tuple[list[Problem], list[ExampleOutcome]]:
    problems: list[Problem] = []
    outcomes = [run_example(book, ref) for ref in all_examples(book)]
    for outcome in outcomes:
        if not outcome.passed:
            line = locate.rule_line(outcome.ref.rule.id, "examples", outcome.ref.index)
            problems.append(example_problem(book, outcome, line))
    for rule in book.items():
        for expect in missing_expectations(rule):
            what = {
                "fires": "no example where the rule fires",
                "does_not_fire": "no example where the rule does not fire",
            }.get(expect, f"no examples reaching {expect}")
            problems.append(
                locate.rule_problem(
                    rule.id,
                    "examples",
                    f"{what} (add one with expect: {expect})",
                    "examples" if rule.examples else "id",
                )
            )
    return problems, outcomes


def check_example_histories(book: Rulebook, locate: Locator) -> list[Problem]:
    """Rule examples whose placement history (prior placements, a waiver) cannot be true."""
    settings = book.info.history
    if settings is None:
        return []
    problems: list[Problem] = []
    for ref in all_examples(book):
        entries: list[Entry] = []
        for index, item in enumerate(ref.example.evidence):
            values = item.get("values")
            if not isinstance(values, dict):
                continue
            if item.get("kind") == settings.placement_kind:
                year = values.get("year")
                before = values.get(settings.offset_field)
                if not isinstance(year, int) and isinstance(before, int):
                    year = ref.year - before
                if isinstance(year, int) and not isinstance(year, bool):
                    entries.append(Entry("placements", index, year, values))
            elif item.get("kind") == settings.waiver_kind:
                entries.append(Entry("waivers", index, ref.year, values))
        for found in impossible_entries(entries, book, settings):
            problems.append(
                locate.rule_problem(
                    ref.rule.id,
                    f"examples[{ref.index}].evidence[{found.entry.index}]",
                    f"example '{ref.example.name}': the history cannot be true: {found.message}",
                    "examples",
                    ref.index,
                    "evidence",
                    found.entry.index,
                )
            )
    return problems


def check_history_files(book: Rulebook, evidence: Path | None) -> list[Problem]:
    """Placement histories under `evidence` (told by content) that are invalid or cannot be true."""
    if evidence is None or not evidence.is_dir():
        return []
    problems: list[Problem] = []
    for path in sorted(evidence.rglob("*.yaml")):
        if not is_history_file(path):
            continue
        try:
            load_history(path, book)
        except InputError as exc:
            problems.extend(exc.problems)
    return problems


def check_labels(book: Rulebook) -> list[Problem]:
    """Every value of every conclusion needs plain-English words in the `labels` section."""
    problems = []
    where = ", ".join(book.labels.files) if book.labels and book.labels.files else "a labels file"
    for name, value in missing_labels(book.labels, book.conclusions):
        origin = book.origins.get(f"conclusion:{name}")
        problems.append(
            Problem(
                origin.file if origin else book.root,
                origin.line_of("values") if origin else None,
                f"vocabulary.conclusions.{name}.values",
                f"value '{value}' of conclusion '{name}' has no label: add it to labels.values "
                f"or labels.conclusions.{name} ({where})",
            )
        )
    return problems
