"""Sensitivity over a corpus: every single change per dossier (pairs with depth 2), and which of
them move the placement; a summary per dossier and over the corpus.

Each dossier is one task, run by an executor (:mod:`engine.whatif.executor`) with the rulebook as
the shared object. A task's result is plain data, so the report is the same wherever it ran.

Counting over the corpus: a dossier's *deciding items* are the distinct records, judgments,
readings and parameters with at least one change that moves its placement; a placement *rests
on one item* when it has at least one. Items are counted across dossiers by *category*: the
change without the dossier's record id ("complicity_extent.extent = 'isolated'", "without
victim_shelter", "<parameter> = <value>").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import __version__
from engine.assessment import assess, history_inputs
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.models import InputFact
from engine.whatif.executor import Executor, InProcess, Progress
from engine.whatif.sweep import fragility

SCHEMA = "tip-assess/sensitivity/1"


@dataclass(frozen=True)
class SweepTask:
    """One dossier to sweep, with the history facts it is assessed with."""

    loaded: LoadedDossier
    extra: tuple[InputFact, ...]
    extra_sha256: str | None
    depth: int


def task_for(
    book: Rulebook, loaded: LoadedDossier, depth: int = 1, use_history: bool = True
) -> SweepTask:
    """The task for a dossier, with the placement history beside it read here, in the driver
    (workers need no file system)."""
    dossier = loaded.dossier
    extra, sha = history_inputs(
        book, Path(loaded.path), dossier.country, dossier.report_year, None, use_history
    )
    return SweepTask(loaded, tuple(extra), sha, depth)


def sweep_one(book: Rulebook, task: SweepTask) -> dict[str, Any]:
    """Assess one dossier and try every change (run in a worker: plain data out)."""
    extra = list(task.extra)
    base = assess(book, task.loaded, None, extra, task.extra_sha256)
    found = fragility(book, task.loaded, base, extra, task.extra_sha256, depth=task.depth)
    dossier = task.loaded.dossier
    items = []
    for item in found.items:
        entry = item.to_dict()
        entry["category"] = item.change.category
        items.append(entry)
    return {
        "dossier": task.loaded.path,
        "country": dossier.country,
        "report_year": dossier.report_year,
        "completeness": dossier.completeness,
        "tier": base.tier,
        "status": base.status,
        "robust": found.robust,
        "tried": found.tried,
        "skipped": found.skipped,
        "deciding": [
            {"kind": kind, "id": target}
            for kind, target in sorted({(i["kind"], i["id"]) for i in items}, key=lambda p: p[::-1])
        ],
        "items": items,
        "depth": task.depth,
        "pairs_tried": found.pairs_tried,
        "pairs": [pair.to_dict() for pair in found.pairs],
    }


@dataclass
class Sensitivity:
    """Every dossier's sweep, and the rulebook it ran under."""

    rulebook_label: str
    rules_sha256: str
    depth: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        fragile = [row for row in self.rows if not row["robust"]]
        histogram = Counter(len(row["deciding"]) for row in self.rows)
        by_category: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        for row in self.rows:
            by_category.update({item["category"] for item in row["items"]})
            by_kind.update({item["kind"] for item in row["deciding"]})
        pair_categories: Counter[str] = Counter()
        for row in self.rows:
            pair_categories.update({" + ".join(pair["categories"]) for pair in row["pairs"]})
        return {
            "dossiers": len(self.rows),
            "robust": len(self.rows) - len(fragile),
            "resting_on_one_item": len(fragile),
            "deciding_items_per_dossier": {str(k): histogram[k] for k in sorted(histogram)},
            "changes_tried": sum(row["tried"] for row in self.rows),
            "changes_skipped": sum(row["skipped"] for row in self.rows),
            "pairs_tried": sum(row["pairs_tried"] for row in self.rows),
            "deciding_kinds": dict(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
            "deciding_most_often": [
                {"category": category, "dossiers": count}
                for category, count in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "deciding_pairs": [
                {"categories": category, "dossiers": count}
                for category, count in sorted(
                    pair_categories.items(), key=lambda kv: (-kv[1], kv[0])
                )
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "rulebook": self.rulebook_label,
            "rules_sha256": self.rules_sha256,
            "engine_version": __version__,
            "depth": self.depth,
            "dossiers": self.rows,
            "summary": self.summary(),
        }


def sensitivity(
    book: Rulebook,
    dossiers: Sequence[LoadedDossier],
    depth: int = 1,
    executor: Executor | None = None,
    progress: Progress | None = None,
    use_history: bool = True,
) -> Sensitivity:
    """Sweep every dossier with `executor` (default: this process)."""
    tasks = [task_for(book, loaded, depth, use_history) for loaded in dossiers]
    runner = executor or InProcess()
    rows = runner.map(sweep_one, book, tasks, progress)
    return Sensitivity(
        rulebook_label=f"{book.info.name} {book.info.version}",
        rules_sha256=book.sha256,
        depth=depth,
        rows=rows,
    )
