"""The job of `tip-assess assess PATH...`: each dossier loaded, assessed and summed up in a row.

A row is what a batch reports per dossier: country, report year, placement, status and
fragility, or the problems that kept the dossier from being assessed. Rows are small and plain,
so that they travel cheaply from worker processes; the full assessment document stays in the
worker. Bad input in one dossier is a row with status `error` (the batch goes on); an internal
fault in one dossier is a row with status `fault`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import EngineFault, InputError
from engine.load.dossier_cache import load_dossier_cached
from engine.load.rulebook import Rulebook
from engine.whatif.fragility import assess_with_fragility

ERROR = "error"  # bad input: exit 2
FAULT = "fault"  # an internal fault: exit 3
ATTENTION = ("undetermined", "conflict")  # exit 1, as for a single assessment


@dataclass(frozen=True)
class Fragility:
    """The what-if summary of an assessment, when its document has one."""

    robust: bool
    changes: int

    @classmethod
    def of(cls, document: dict[str, Any]) -> Fragility | None:
        value = document.get("fragility")
        if not isinstance(value, dict) or not isinstance(value.get("robust"), bool):
            return None
        items = value.get("items")
        return cls(value["robust"], len(items) if isinstance(items, list) else 0)

    def label(self) -> str:
        return "robust" if self.robust else f"fragile ({self.changes})"

    def to_dict(self) -> dict[str, Any]:
        return {"robust": self.robust, "changes": self.changes}


@dataclass(frozen=True)
class Row:
    """One dossier of a batch."""

    dossier: str
    status: str
    country: str | None = None
    report_year: int | None = None
    assessed_year: int | None = None
    tier: str | None = None
    fragility: Fragility | None = None
    problems: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in (ERROR, FAULT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.dossier,
            "country": self.country,
            "report_year": self.report_year,
            "assessed_year": self.assessed_year,
            "tier": self.tier,
            "status": self.status,
            "fragility": None if self.fragility is None else self.fragility.to_dict(),
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class AssessJob:
    """Load and assess one dossier (a path as the user gave it) under one rulebook."""

    book: Rulebook
    year: int | None = None
    use_history: bool = True
    with_fragility: bool = True

    def __call__(self, dossier: str) -> Row:
        path = Path(dossier)
        try:
            # A fresh load is written to the cache with its sweep, in one file.
            loaded = load_dossier_cached(
                path, self.book, display=dossier, defer=self.with_fragility
            )
            result = assess_with_fragility(
                self.book,
                loaded,
                path,
                self.year,
                None,
                self.use_history,
                self.with_fragility,
                explain=False,  # a row reads placement, status and fragility only
                findings=False,
            )
        except InputError as exc:
            return Row(dossier, ERROR, problems=tuple(p.render() for p in exc.problems))
        except EngineFault as exc:
            return Row(dossier, FAULT, problems=(f"internal error in the inference engine: {exc}",))
        except Exception as exc:
            if os.environ.get("TIP_ASSESS_DEBUG"):
                raise
            return Row(dossier, FAULT, problems=(f"internal error: {type(exc).__name__}: {exc}",))
        document = result.document
        return Row(
            dossier,
            result.status,
            country=document["country"],
            report_year=document["report_year"],
            assessed_year=document["assessed_year"],
            tier=result.tier,
            fragility=Fragility.of(document),
        )


@dataclass
class Summary:
    """Counts over a batch, and the exit status they call for."""

    dossiers: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    tiers: Counter[str] = field(default_factory=Counter)
    fragile: int = 0

    @classmethod
    def of(cls, rows: Iterable[Row]) -> Summary:
        summary = cls()
        for row in rows:
            summary.add(row)
        return summary

    def add(self, row: Row) -> None:
        self.dossiers += 1
        self.statuses[row.status] += 1
        if not row.failed:
            self.tiers[row.tier or "no placement"] += 1
        if row.fragility is not None and not row.fragility.robust:
            self.fragile += 1

    @property
    def errors(self) -> int:
        return self.statuses[ERROR]

    @property
    def faults(self) -> int:
        return self.statuses[FAULT]

    @property
    def attention(self) -> int:
        return sum(self.statuses[status] for status in ATTENTION)

    def exit_code(self) -> int:
        """3 on an internal fault, else 2 on bad input, else 1 if any placement is undetermined
        (or in conflict), else 0."""
        if self.faults:
            return 3
        if self.errors:
            return 2
        return 1 if self.attention else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossiers": self.dossiers,
            "statuses": dict(sorted(self.statuses.items())),
            "tiers": dict(sorted(self.tiers.items())),
            "fragile": self.fragile,
            "errors": self.errors,
            "faults": self.faults,
        }

    def line(self) -> str:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(self.statuses.items()))
        tiers = ", ".join(f"{tier}: {count}" for tier, count in sorted(self.tiers.items()))
        text = f"{self.dossiers} dossier(s): {statuses or 'none'}"
        if tiers:
            text += f"; placements: {tiers}"
        if self.fragile:
            text += f"; {self.fragile} fragile"
        return text + "."
