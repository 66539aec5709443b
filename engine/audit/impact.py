"""Impact of a rule change: every dossier assessed under both rulebooks, and what moved.

A reviewer gating a rule change needs the placements that would change, the findings that
flipped on the way, the changed rules responsible, and the Gherkin scenarios that encode the old
answer. Scenarios are found by a plain text scan (:mod:`engine.audit.scenario_scan`), not by
running them; the report is rendered by :mod:`engine.audit.impact_render`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.assessment import Assessment, assess_with_history
from engine.audit.diff_model import AFFECTING, EDITORIAL, RulesDiff
from engine.audit.gitsource import RulebookSide
from engine.audit.scenario_scan import Scenario, scan_features, scenarios_expecting
from engine.batch.pool import run
from engine.errors import InputError
from engine.load.dossier import LoadedDossier, loads_alike
from engine.load.dossier_cache import load_dossier_cached
from engine.load.history import is_history_file
from engine.load.rulebook import Rulebook

Progress = Callable[[int, int, str], None]


@dataclass
class Outcome:
    """One side's result for a dossier: placement and findings, or why it could not run."""

    tier: str | None = None
    status: str | None = None
    placement_rule: str | None = None
    findings: dict[str, str] = field(default_factory=dict)
    by_rule: dict[str, list[str]] = field(default_factory=dict)
    premises: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] | None = None

    @classmethod
    def of(cls, result: Assessment) -> Outcome:
        """Read from the inference itself: the findings, the rules that drew each and the
        findings each rests on (what the document's findings would say, without building them;
        a test holds the two together)."""
        conclusions = result.result.conclusions
        return cls(
            tier=result.tier,
            status=result.status,
            placement_rule=result.document["placement_rule"],
            findings={subject: derived.value for subject, derived in conclusions.items()},
            by_rule={
                subject: sorted({j.rule_id for j in derived.justifications})
                for subject, derived in conclusions.items()
            },
            premises={
                subject: sorted(
                    {
                        premise.removeprefix("finding:")
                        for j in derived.justifications
                        for premise in j.premises
                        if premise.startswith("finding:")
                    }
                )
                for subject, derived in conclusions.items()
            },
        )

    @property
    def error(self) -> str | None:
        """The first problem that kept the dossier from being assessed, and how many more."""
        if self.problems is None:
            return None
        more = len(self.problems) - 1
        return self.problems[0] + (f" (and {more} more problem(s))" if more > 0 else "")

    def placement(self) -> tuple[str | None, bool]:
        return (self.tier, self.problems is None)

    def to_dict(self) -> dict[str, Any]:
        if self.problems is not None:
            return {"problems": self.problems}
        return {"tier": self.tier, "status": self.status, "placement_rule": self.placement_rule}

    def label(self) -> str:
        if self.error is not None:
            return "not assessable"
        return f"{self.tier or 'no placement'} ({self.status})"


@dataclass
class Flip:
    """A finding whose value differs between the rulebooks, and why."""

    subject: str
    title: str
    before: str | None
    after: str | None
    rules_before: list[str]
    rules_after: list[str]
    changed_rules: dict[str, list[str]]
    follows_from: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "title": self.title,
            "before": self.before,
            "after": self.after,
            "rules_before": self.rules_before,
            "rules_after": self.rules_after,
            "changed_rules": self.changed_rules,
            "follows_from": self.follows_from,
        }


@dataclass
class DossierImpact:
    dossier: str
    country: str | None
    report_year: int | None
    before: Outcome
    after: Outcome
    flips: list[Flip] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    # Everything that decides an assessment for its report year is the same in both rulebooks,
    # so it was assessed once (`ImpactJob`).
    rules_identical: bool = False

    @property
    def moved(self) -> bool:
        """The placement changed, or the dossier became (un)assessable."""
        if self.before.error is not None and self.after.error is not None:
            return False
        return self.before.placement() != self.after.placement()

    @property
    def broken(self) -> bool:
        return self.before.error is not None and self.after.error is not None

    @property
    def name(self) -> str:
        if self.country is None:
            return self.dossier
        return f"{self.country} {self.report_year}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.dossier,
            "country": self.country,
            "report_year": self.report_year,
            "moved": self.moved,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "flipped": [flip.to_dict() for flip in self.flips],
            "scenarios_that_would_fail": [s.to_dict() for s in self.scenarios],
        }


@dataclass
class ImpactReport:
    base: RulebookSide
    head: RulebookSide
    diff: RulesDiff
    results: list[DossierImpact]
    scenario_scan: str

    @property
    def moved(self) -> list[DossierImpact]:
        return [r for r in self.results if r.moved]

    @property
    def findings_only(self) -> list[DossierImpact]:
        return [r for r in self.results if not r.moved and not r.broken and r.flips]

    @property
    def not_assessed(self) -> list[DossierImpact]:
        return [r for r in self.results if r.broken]

    @property
    def unchanged(self) -> list[DossierImpact]:
        return [r for r in self.results if not r.moved and not r.broken and not r.flips]

    @property
    def identical_years(self) -> list[int]:
        """Report years whose deciding rules are identical in both rulebooks (among the
        dossiers assessed): their dossiers were assessed once, and cannot move."""
        return sorted({r.report_year for r in self.results if r.rules_identical and r.report_year})

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "tip-assess/impact/1",
            "engine_version": self.diff.engine_version,
            "base": self.base.describe(),
            "head": self.head.describe(),
            "versioning": None if self.diff.versioning is None else self.diff.versioning.to_dict(),
            "rule_changes": {
                "outcome_affecting": self.diff.count(AFFECTING),
                "editorial": self.diff.count(EDITORIAL),
                "responsible": self.diff.responsible,
            },
            "dossiers": len(self.results),
            "placements_changed": [r.to_dict() for r in self.moved],
            "findings_changed": [r.to_dict() for r in self.findings_only],
            "not_assessed": [
                {
                    "dossier": r.dossier,
                    "base_problems": r.before.problems,
                    "head_problems": r.after.problems,
                }
                for r in self.not_assessed
            ],
            "unchanged": [r.dossier for r in self.unchanged],
            "rules_identical_for_years": self.identical_years,
            "scenario_scan": self.scenario_scan,
        }


def _outcome(book: Rulebook, loaded: LoadedDossier, path: Path, use_history: bool) -> Outcome:
    """Assess as `tip-assess assess` would: with the placement history beside the dossier."""
    try:
        # An impact compares placements, findings, their rules and premises, not explanations
        # or how a weighing added up.
        result = assess_with_history(
            book, loaded, path, use_history=use_history, explain=False, findings=False, traces=False
        )
        return Outcome.of(result)
    except InputError as exc:
        return Outcome(problems=[p.render() for p in exc.problems])


def _load(book: Rulebook, path: Path, shown: str) -> LoadedDossier | Outcome:
    try:
        return load_dossier_cached(path, book, display=shown)
    except InputError as exc:
        return Outcome(problems=[p.render() for p in exc.problems])


@dataclass(frozen=True)
class ImpactJob:
    """One dossier under both rulebooks. It is loaded once when both read it the same way (the
    usual case: a rule change that leaves the evidence vocabulary alone), else once for each.

    It is also assessed once when, besides, everything that decides an assessment for its
    report year is identical in both rulebooks (`Rulebook.decisive_digest`): a change in force
    for some years only cannot move the others, and their placements are the base's.
    `reuse_identical_years` false assesses every dossier twice (the tests compare both ways).
    """

    base: Rulebook
    head: Rulebook
    use_history: bool = True
    reuse_identical_years: bool = True

    @cached_property
    def _alike(self) -> bool:
        return loads_alike(self.base, self.head)

    def __call__(self, shown: str) -> JobResult:
        path = Path(shown)
        first = _load(self.base, path, shown)
        alike = self._alike
        second = first if alike else _load(self.head, path, shown)
        if isinstance(first, Outcome):
            before = first
        else:
            before = _outcome(self.base, first, path, self.use_history)
        identical = (
            self.reuse_identical_years
            and alike
            and not isinstance(first, Outcome)
            and self.base.decisive_digest(first.dossier.report_year)
            == self.head.decisive_digest(first.dossier.report_year)
        )
        if identical:
            after = before
        elif isinstance(second, Outcome):
            after = second
        else:
            after = _outcome(self.head, second, path, self.use_history)
        for loaded, outcome in ((first, before), (second, after)):
            if not isinstance(loaded, Outcome) and outcome.problems is None:
                dossier = loaded.dossier
                return before, after, dossier.country, dossier.report_year, identical
        return before, after, None, None, identical


JobResult = tuple[Outcome, Outcome, str | None, int | None, bool]


def _flips(
    base: RulebookSide, head: RulebookSide, before: Outcome, after: Outcome, diff: RulesDiff
) -> list[Flip]:
    if before.findings == after.findings:
        return []  # nothing flipped (always so when the dossier was assessed once)
    order = {subject: i for i, subject in enumerate(head.book.conclusions)}
    subjects = sorted(
        {*before.findings, *after.findings}, key=lambda s: (order.get(s, len(order)), s)
    )
    flipped = {s for s in subjects if before.findings.get(s) != after.findings.get(s)}
    flips: list[Flip] = []
    for subject in subjects:
        if subject not in flipped:
            continue
        concluding = [
            rule.id for book in (base.book, head.book) for rule in book.producers(subject)
        ]
        changed = {
            rule_id: diff.responsible[rule_id]
            for rule_id in dict.fromkeys(concluding)
            if rule_id in diff.responsible
        }
        premises = {*before.premises.get(subject, []), *after.premises.get(subject, [])}
        spec = head.book.conclusions.get(subject) or base.book.conclusions.get(subject)
        flips.append(
            Flip(
                subject=subject,
                title=spec.title if spec else subject,
                before=before.findings.get(subject),
                after=after.findings.get(subject),
                rules_before=before.by_rule.get(subject, []),
                rules_after=after.by_rule.get(subject, []),
                changed_rules=changed,
                follows_from=sorted(premises & flipped, key=lambda s: order.get(s, len(order))),
            )
        )
    return flips


def dossier_files(paths: Iterable[Path]) -> list[Path]:
    """The dossiers named: files as given, directories searched for ``*.yaml`` (not histories)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*.yaml"))
                if not is_history_file(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputError.single(str(path), None, None, "no such dossier file or directory")
    return files


def impact(
    base: RulebookSide,
    head: RulebookSide,
    diff: RulesDiff,
    dossiers: list[Path],
    features: Path | None = None,
    progress: Progress | None = None,
    use_history: bool = True,
    jobs: int = 1,
    reuse_identical_years: bool = True,
) -> ImpactReport:
    """Assess every dossier under both rulebooks (on `jobs` processes) and collect what changed.

    Results keep the order of `dossiers`, whatever the number of jobs.
    """
    scenarios = scan_features(features) if features is not None else []
    results: list[DossierImpact] = []
    shown = [str(path) for path in dossiers]

    def on_result(index: int, name: str, out: JobResult) -> None:
        if progress:
            progress(index + 1, len(shown), name)
        before, after, country, year, identical = out
        entry = DossierImpact(name, country, year, before, after, rules_identical=identical)
        if before.error is None and after.error is None:
            entry.flips = _flips(base, head, before, after, diff)
        if entry.moved and before.tier and country and year:
            entry.scenarios = scenarios_expecting(scenarios, country, year, before.tier, name)
        results.append(entry)

    run(ImpactJob(base.book, head.book, use_history, reuse_identical_years), shown, jobs, on_result)
    scan = (
        f"text scan of {features}/**/*.feature: {len(scenarios)} scenario(s); a scenario is "
        "listed when it mentions the country and year (or the dossier path) and has a step "
        "'the tier is \"<old tier>\"'"
        if features is not None
        else "no feature files scanned"
    )
    return ImpactReport(base, head, diff, results, scan)


__all__ = [
    "DossierImpact",
    "Flip",
    "ImpactJob",
    "ImpactReport",
    "Outcome",
    "dossier_files",
    "impact",
]
