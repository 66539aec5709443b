"""Agreement with official placements: assess every dossier and compare with the published tier.

Calibration needs one table: per dossier the official placement, the engine's, whether they
agree, and the findings the engine's placement rests on. A partial dossier is shown but never
counted: its silence is not evidence, so a disagreement there says nothing about the rules.
The pivotal findings are read generically from the assessment document's justification graph
(:mod:`engine.corpus.pivotal`), so this package knows no tier, criterion or country.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import __version__
from engine.batch.dossiers import DOSSIER_NAME, find_dossiers
from engine.batch.pool import run
from engine.corpus.expected import Official, OfficialPlacements
from engine.corpus.pivotal import DEFAULT_DEPTH, Pivot, pivotal_findings
from engine.errors import InputError, Problem
from engine.load.dossier import LoadedDossier
from engine.load.dossier_cache import load_dossier_cached
from engine.load.rulebook import Rulebook
from engine.whatif.fragility import assess_with_fragility

Progress = Callable[[int, int, str], None]

__all__ = ["DOSSIER_NAME", "Row", "ValidateJob", "Validation", "find_dossiers", "validate"]


def load_all(book: Rulebook, files: Sequence[Path]) -> list[LoadedDossier]:
    """Load every dossier before assessing any: one report of every bad file, not the first."""
    problems: list[Problem] = []
    loaded: list[LoadedDossier] = []
    for file in files:
        try:
            loaded.append(load_dossier_cached(file, book))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return loaded


# --------------------------------------------------------------------------- the table


@dataclass
class Row:
    """One dossier: the official placement, the engine's, and why."""

    path: str
    country: str
    year: int
    completeness: str
    official: Official | None
    tier: str | None
    status: str
    pivots: list[Pivot]
    missing: list[dict[str, Any]]
    fragility: dict[str, Any] | None = None

    @property
    def counted(self) -> bool:
        """Only complete dossiers with a published placement count towards agreement."""
        return self.completeness == "complete" and self.official is not None

    @property
    def verdict(self) -> str:
        if self.official is None:
            return "no official placement"
        if self.tier == self.official.tier:
            return "agree"
        if self.official.exception:
            return "stated exception"
        return "disagree"

    @property
    def failing(self) -> bool:
        return self.counted and self.verdict == "disagree"

    def shown_verdict(self) -> str:
        """The verdict, marked when the row does not count towards agreement."""
        if self.counted or self.official is None:
            return self.verdict
        return f"{self.verdict} (not counted: {self.completeness})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.path,
            "country": self.country,
            "year": self.year,
            "completeness": self.completeness,
            "official": None if self.official is None else self.official.tier,
            "official_source": None if self.official is None else self.official.source,
            "exception": None if self.official is None else self.official.exception,
            "engine": self.tier,
            "status": self.status,
            "verdict": self.verdict,
            "counted": self.counted,
            "pivotal": [pivot.to_dict() for pivot in self.pivots],
            "missing_evidence": self.missing,
            "fragility": self.fragility,
        }

    def deciding(self) -> list[str]:
        """The single changes that would move the placement, as the pivotal column shows them."""
        if self.fragility is None:
            return []
        return [
            f"decides: {item['change']} → {item['placement']}" for item in self.fragility["items"]
        ]


@dataclass
class Validation:
    """Every row, with the rulebook that produced them."""

    rulebook_label: str
    rules_sha256: str
    expected_path: str
    rows: list[Row] = field(default_factory=list)
    rules_version: str = ""
    engine_version: str = __version__

    @property
    def counted(self) -> list[Row]:
        return [row for row in self.rows if row.counted]

    @property
    def agreeing(self) -> list[Row]:
        return [row for row in self.counted if row.verdict == "agree"]

    @property
    def failing(self) -> list[Row]:
        return [row for row in self.rows if row.failing]

    def rate(self) -> float | None:
        counted = self.counted
        return None if not counted else len(self.agreeing) / len(counted)

    def summary(self) -> dict[str, Any]:
        rate = self.rate()
        return {
            "dossiers": len(self.rows),
            "counted": len(self.counted),
            "agree": len(self.agreeing),
            "disagree": len(self.failing),
            "stated_exceptions": sum(1 for r in self.counted if r.verdict == "stated exception"),
            "not_counted": len(self.rows) - len(self.counted),
            "agreement_rate": None if rate is None else round(rate, 4),
        }


@dataclass(frozen=True)
class Assessed:
    """What a worker sends back for one dossier: the row, less the official placement."""

    path: str
    country: str
    year: int
    completeness: str
    tier: str | None
    status: str
    pivots: list[Pivot]
    missing: list[dict[str, Any]]
    fragility: dict[str, Any] | None


@dataclass(frozen=True)
class ValidateJob:
    """Load and assess one dossier, as `tip-assess assess` would, and find its pivotal findings.

    Bad input comes back as the list of its problems, so the batch goes on and every bad file
    is reported, not the first.
    """

    book: Rulebook
    depth: int = DEFAULT_DEPTH
    use_history: bool = True
    with_fragility: bool = True

    def __call__(self, shown: str) -> Assessed | list[Problem]:
        path = Path(shown)
        try:
            loaded = load_dossier_cached(path, self.book, display=shown, defer=self.with_fragility)
            document = assess_with_fragility(
                self.book,
                loaded,
                path,
                use_history=self.use_history,
                with_fragility=self.with_fragility,
            ).document
        except InputError as exc:
            return exc.problems
        dossier = loaded.dossier
        return Assessed(
            path=loaded.path,
            country=dossier.country,
            year=dossier.report_year,
            completeness=dossier.completeness,
            tier=document["tier"],
            status=document["status"],
            pivots=pivotal_findings(document, self.book, self.depth),
            missing=list(document["missing_evidence"]),
            fragility=document.get("fragility"),
        )


def validate(
    book: Rulebook,
    files: Sequence[Path],
    expected: OfficialPlacements,
    depth: int = DEFAULT_DEPTH,
    progress: Progress | None = None,
    use_history: bool = True,
    jobs: int = 1,
    with_fragility: bool = True,
) -> Validation:
    """Assess each dossier under the rules for its report year and compare with `expected`.

    Like `tip-assess assess`, a placement history beside a dossier (earlier years only) is read
    unless `use_history` is false, so the table shows what `assess` would say. With
    `with_fragility`, each row also holds the single changes that would move its placement
    (deciding records and judgments, whether they support or block a rule). Dossiers are
    assessed on `jobs` processes; rows keep the order of `files`. Any bad dossier makes the
    whole validation an InputError listing every problem (no table is half right).
    """
    result = Validation(
        rulebook_label=f"{book.info.name} {book.info.version}",
        rules_sha256=book.sha256,
        expected_path=expected.path,
        rules_version=book.info.version,
    )
    problems: list[Problem] = []
    shown = [str(file) for file in files]

    def on_result(index: int, path: str, out: Assessed | list[Problem]) -> None:
        if progress is not None:
            progress(index + 1, len(shown), path)
        if isinstance(out, list):
            problems.extend(out)
            return
        result.rows.append(
            Row(
                path=out.path,
                country=out.country,
                year=out.year,
                completeness=out.completeness,
                official=expected.lookup(out.country, out.year),
                tier=out.tier,
                status=out.status,
                pivots=out.pivots,
                missing=out.missing,
                fragility=out.fragility,
            )
        )

    run(ValidateJob(book, depth, use_history, with_fragility), shown, jobs, on_result)
    if problems:
        raise InputError(problems)
    return result
