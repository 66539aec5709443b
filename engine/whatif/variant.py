"""A what-if: the dossier assessed as it is and with the changes, side by side, and why the
findings that flipped did.

A finding's flip is explained by what changed beneath it: the changed records among its premises
or among the records that blocked a rule for it (before or after), the changed parameters read by
the rules that concluded it, and the flipped findings it rests on (`follows from`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.assessment import Assessment, assess, assess_with_history, history_inputs
from engine.audit.impact import Outcome
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.whatif.changes import Change, SetParameter, check_combinable
from engine.whatif.extra import AddRecords
from engine.whatif.params import law_item, parameters_in

SCHEMA = "tip-assess/whatif/1"


@dataclass
class FindingFlip:
    """A finding whose value differs in the variant, and what changed beneath it."""

    subject: str
    title: str
    before: str | None
    after: str | None
    rules_before: list[str]
    rules_after: list[str]
    follows_from: list[str]
    inputs: list[str]
    parameters: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "title": self.title,
            "before": self.before,
            "after": self.after,
            "rules_before": self.rules_before,
            "rules_after": self.rules_after,
            "follows_from": self.follows_from,
            "changed_inputs": self.inputs,
            "changed_parameters": self.parameters,
        }


@dataclass
class WhatIf:
    """The base assessment, the variant's, the changes between them and the findings that flipped."""

    dossier: str
    changes: list[Change]
    base: Assessment
    variant: Assessment
    year_changed: bool
    flips: list[FindingFlip] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return self.base.tier != self.variant.tier

    def change_list(self) -> list[dict[str, Any]]:
        out = [change.to_dict() for change in self.changes]
        if self.year_changed:
            year = self.variant.document["assessed_year"]
            out.append(
                {
                    "kind": "year",
                    "id": str(year),
                    "change": f"assessed under the rules for report year {year}",
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        doc = self.base.document
        return {
            "schema": SCHEMA,
            "dossier": self.dossier,
            "country": doc["country"],
            "report_year": doc["report_year"],
            "changes": self.change_list(),
            "before": summary(self.base),
            "after": summary(self.variant),
            "moved": self.moved,
            "flipped": [flip.to_dict() for flip in self.flips],
            "assessment": self.variant.document,
        }


def summary(result: Assessment) -> dict[str, Any]:
    doc = result.document
    return {
        "tier": doc["tier"],
        "status": doc["status"],
        "assessed_year": doc["assessed_year"],
        "placement_rule": doc["placement_rule"],
        "rules_sha256": doc["provenance"]["rules_sha256"],
        "evidence_sha256": doc["provenance"]["evidence_sha256"],
        "compiled_ruleset": doc["provenance"]["compiled_ruleset"],
    }


def apply_all(
    book: Rulebook, loaded: LoadedDossier, changes: list[Change]
) -> tuple[Rulebook, LoadedDossier]:
    for change in changes:
        book = change.apply_book(book)
        loaded = change.apply_dossier(loaded)
    return book, loaded


def what_if(
    book: Rulebook,
    loaded: LoadedDossier,
    dossier_path: Path,
    changes: list[Change],
    year: int | None = None,
    history_path: Path | None = None,
    use_history: bool = True,
) -> WhatIf:
    """Assess the dossier as it is (its own report year) and with `changes` (in `year`)."""
    check_combinable(changes)
    base = assess_with_history(book, loaded, dossier_path, None, history_path, use_history)
    changed_book, changed = apply_all(book, loaded, changes)
    assessed_year = loaded.dossier.report_year if year is None else year
    extra, extra_sha = history_inputs(
        changed_book, dossier_path, loaded.dossier.country, assessed_year, history_path, use_history
    )
    variant = assess(changed_book, changed, assessed_year, extra, extra_sha)
    result = WhatIf(
        dossier=loaded.path,
        changes=changes,
        base=base,
        variant=variant,
        year_changed=assessed_year != loaded.dossier.report_year,
    )
    result.flips = flips(book, base, variant, changes)
    return result


def _evidence_under(document: dict[str, Any], subject: str) -> set[str]:
    """Record ids a finding rests on, or that blocked a rule for one of its other values."""
    found: set[str] = set()
    for finding in document["findings"]:
        if finding["subject"] != subject:
            continue
        for justification in finding["justifications"]:
            found |= {
                p.removeprefix("evidence:")
                for p in justification["premises"]
                if p.startswith("evidence:")
            }
    stack = list(document["default_reasons"].get(subject, []))
    while stack:
        gap = stack.pop()
        for obstacle in gap["obstacles"]:
            found |= {b for b in obstacle["blocking"] if not b.startswith("finding:")}
            found |= {miss["record"] for miss in obstacle.get("near_misses", [])}
            stack.extend(obstacle["deeper"])
    return found


def changed_records(changes: list[Change]) -> set[str]:
    ids: set[str] = set()
    for change in changes:
        if isinstance(change, AddRecords):
            ids |= {r.id for r in change.records} | {j.id for j in change.judgments}
        elif not isinstance(change, SetParameter):
            ids.add(change.target)
    return ids


def flips(
    book: Rulebook, base: Assessment, variant: Assessment, changes: list[Change]
) -> list[FindingFlip]:
    before, after = Outcome.of(base), Outcome.of(variant)
    order = {subject: index for index, subject in enumerate(book.conclusions)}
    subjects = sorted(
        {*before.findings, *after.findings}, key=lambda s: (order.get(s, len(order)), s)
    )
    flipped = {s for s in subjects if before.findings.get(s) != after.findings.get(s)}
    records = changed_records(changes)
    parameters = {c.target for c in changes if isinstance(c, SetParameter)}
    out: list[FindingFlip] = []
    for subject in subjects:
        if subject not in flipped:
            continue
        rules = [*before.by_rule.get(subject, []), *after.by_rule.get(subject, [])]
        read = parameters_in([law_item(book, rule_id) for rule_id in dict.fromkeys(rules)])
        under = _evidence_under(base.document, subject) | _evidence_under(variant.document, subject)
        premises = {*before.premises.get(subject, []), *after.premises.get(subject, [])}
        spec = book.conclusions.get(subject)
        out.append(
            FindingFlip(
                subject=subject,
                title=spec.title if spec else subject,
                before=before.findings.get(subject),
                after=after.findings.get(subject),
                rules_before=before.by_rule.get(subject, []),
                rules_after=after.by_rule.get(subject, []),
                follows_from=sorted(premises & flipped, key=lambda s: order.get(s, len(order))),
                inputs=sorted(under & records),
                parameters=sorted(read & parameters),
            )
        )
    return out
