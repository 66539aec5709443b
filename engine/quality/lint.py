"""`tip-assess lint`: is the rulebook well-formed, complete over the years, and consistent?

Checks, each reported with file, line and rule id:
- the schema and the vocabulary (the loader's own problems, reused as they are);
- the rulebook version is MAJOR.MINOR.PATCH (docs/versioning.md; `lint --base` checks the bump);
- every rule has a citation, a statutory text and years in force (not just present: not blank);
- parameters: no gap and no overlap between the dated values of a parameter;
- the outcome: `in_force` names ladder values, and no rule places a country on a value in a year
  when that value does not exist;
- every value of every conclusion has plain-English words in a `labels` section;
- every rule carries an example that fires and one that does not, and all examples pass;
- no placement history can be untrue: none in a rule example, none in the evidence directory;
- per era (a run of years with the same rules and parameters), every placement on the ladder, and
  every "not applicable" placement (Not ranked) a rule in force concludes, is
  reachable by some dossier, and no generated dossier gets two placements.

Reachability and conflicts are searched with generated dossiers: witnesses built backwards from
each rule's conditions (and from the rules' own examples), then random dossiers and mixtures of
witnesses drawn from a seeded generator (one per era), so lint is deterministic. Each era's check
is cached on disk (:mod:`engine.quality.era_cache`): lint after a rule change checks again only
the eras the change touches.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

from engine.audit.versioning import version_format_message
from engine.batch.pool import run
from engine.errors import InputError, Problem
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook
from engine.quality.checks import (
    check_example_histories,
    check_examples,
    check_history_files,
    check_labels,
    check_outcome,
    check_parameters,
    check_texts,
)
from engine.quality.era_cache import era_key, recall, remember
from engine.quality.eras import Era, eras
from engine.quality.examples import CaseRecord
from engine.quality.locator import Locator
from engine.quality.search import Search, describe_case, run_records, unique_sets
from engine.reason.compiler import compile_year

RANDOM_DOSSIERS = 120  # per era; together with witness mixtures, enough to meet every rule
SEED = 20001028  # the TVPA's enactment date: lint's generated dossiers never change


@dataclass
class EraReport:
    era: Era
    witnesses: dict[str, list[CaseRecord] | None]
    dossiers: int = 0
    conflicting_findings: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EraFinding:
    """A problem of an era's check, not yet located: at a field of a rule (`rule_id`), or at a
    key of the `rulebook` section (`rulebook_path`)."""

    message: str
    rule_id: str | None = None
    field: str = ""
    path: tuple[str | int, ...] = ()
    rulebook_path: tuple[str, ...] = ()

    def located(self, locate: Locator) -> Problem:
        if self.rule_id is None:
            return locate.rulebook_problem(self.rulebook_path, self.message)
        return locate.rule_problem(self.rule_id, self.field, self.message, *self.path)


def era_random(seed: int, era: Era) -> random.Random:
    """The era's own generator: its draws do not depend on the other eras (each era's check is
    cached apart, `engine.quality.era_cache`)."""
    return random.Random(f"{seed}:{era.start}")


EraCheck = tuple[list[EraFinding], EraReport]


@dataclass(frozen=True)
class _EraJob:
    """The check of one era (by index), as a job for worker processes (`engine.batch.pool`)."""

    book: Rulebook
    seed: int
    eras: list[Era]

    def __call__(self, index: int) -> EraCheck:
        era = self.eras[index]
        return check_era(self.book, era, era_random(self.seed, era))


def checked_eras(book: Rulebook, seed: int, jobs: int = 1) -> list[EraCheck]:
    """`check_era` for every era, in order: from lint's cache when these rules were checked
    before for an era, the others on up to `jobs` worker processes (eras are independent)."""
    all_eras = eras(book)
    keys = [era_key(book, era, seed) for era in all_eras]
    found: list[EraCheck | None] = [recall(key) for key in keys]

    def keep(_: int, index: int, check: EraCheck) -> None:
        remember(keys[index], check)
        found[index] = check

    missing = [index for index, check in enumerate(found) if check is None]
    run(_EraJob(book, seed, all_eras), missing, jobs, keep)
    return [check for check in found if check is not None]


def check_era(book: Rulebook, era: Era, rng: random.Random) -> EraCheck:
    """Reachability of every placement in force, and conflicting placements, in one era."""
    year = era.start
    outcome = book.info.outcome
    search = Search(book, year)
    problems: list[EraFinding] = []
    report = EraReport(era, {})
    tried: list[list[CaseRecord]] = []
    # Every placement of the ladder that exists this year, and every "not applicable" placement
    # some rule in force can conclude (Not ranked exists only while a threshold applies).
    concluded = {
        rule.then.value
        for rule in book.rules_in_force(year)
        if rule.then.conclude == outcome.conclusion
    }
    targets = [*outcome.ladder, *(v for v in outcome.not_applicable if v in concluded)]
    for value in targets:
        exists = outcome.in_force.get(value)
        if exists is not None and not exists.covers(year):
            continue
        witness = None
        contested = False  # reached, but only together with another placement
        candidates = search.reach(outcome.conclusion, value)
        for records in candidates:
            result = run_records(book, year, records)
            tried.append(records)
            clashes = [c for c in result.result.conflicts if c.subject == outcome.conclusion]
            if any(value in clash.values for clash in clashes):
                contested = True
            elif result.value(outcome.conclusion) == value and not result.result.conflicts:
                witness = records
                break
        report.witnesses[value] = witness
        if witness is None and not contested:  # a contested value is reported as a conflict
            producers = search.producers(outcome.conclusion, value)
            message = (
                f"no dossier reaches '{value}' under the rules for report years {era.label} "
                f"({len(candidates)} generated dossiers tried)"
            )
            if producers:
                problems.append(
                    EraFinding(
                        message + f"; rules that conclude it: {', '.join(r.id for r in producers)}",
                        producers[0].id,
                        "when",
                    )
                )
            else:
                problems.append(
                    EraFinding(
                        message + "; no rule in force concludes it",
                        rulebook_path=("outcome", "ladder"),
                    )
                )
    # Conflicts: witnesses, their pairwise mixtures, and random dossiers over the era's alphabet.
    alphabet = search.alphabet()
    found = [records for records in report.witnesses.values() if records is not None]
    pool: list[list[CaseRecord]] = [*found, *tried]
    pool += [a + b for a, b in itertools.combinations(found, 2)]
    for _ in range(RANDOM_DOSSIERS):
        size = rng.randint(1, min(14, len(alphabet))) if alphabet else 0
        base = rng.choice(found) if found and rng.random() < 0.5 else []
        pool.append(base + rng.sample(alphabet, size))
    seen: set[frozenset[str]] = set()
    for records in unique_sets(pool):
        result = run_records(book, year, records)
        report.dossiers += 1
        for conflict in result.result.conflicts:
            if conflict.subject != outcome.conclusion:
                report.conflicting_findings[conflict.subject] = (
                    report.conflicting_findings.get(conflict.subject, 0) + 1
                )
                continue
            key = frozenset(conflict.rules)
            if key in seen:
                continue
            seen.add(key)
            problems.append(
                EraFinding(
                    f"two placements for one dossier under the rules for report years {era.label}: "
                    f"{' and '.join(repr(v) for v in conflict.values)} by rules {', '.join(dict.fromkeys(conflict.rules))}; "
                    f"dossier: {describe_case(records)}",
                    conflict.rules[-1],
                    "then",
                    ("then",),
                )
            )
    return problems, report


# --------------------------------------------------------------------------- the whole lint


@dataclass
class LintResult:
    problems: list[Problem]
    book: Rulebook | None = None
    examples: int = 0
    eras: list[EraReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def lint(
    root: Path,
    display: str | None = None,
    seed: int = SEED,
    evidence: Path | None = None,
    jobs: int = 1,
) -> LintResult:
    """Lint a rules directory; loading problems are reported as they are, then nothing else runs.

    `evidence`: a directory whose placement histories must be possible under the rulebook.
    `jobs`: worker processes for the eras' checks (1: in this process).
    """
    try:
        book = load_rulebook(root, display)
    except InputError as exc:
        return LintResult(list(exc.problems))
    locate = Locator(book, root)
    problems = check_texts(book, locate) + check_parameters(book) + check_outcome(book, locate)
    problems += check_example_histories(book, locate) + check_history_files(book, evidence)
    problems += check_labels(book)
    version_problem = version_format_message(book.info.version)
    if version_problem:
        problems.append(locate.rulebook_problem(("version",), version_problem))
    for era in eras(book):
        try:
            compile_year(book, era.start)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        return LintResult(problems, book)
    example_problems, outcomes = check_examples(book, locate)
    problems.extend(example_problems)
    reports = []
    for findings, report in checked_eras(book, seed, jobs):
        problems.extend(finding.located(locate) for finding in findings)
        reports.append(report)
    return LintResult(problems, book, len(outcomes), reports)
