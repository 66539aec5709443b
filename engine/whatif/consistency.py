"""Consistency: do like cases get like tiers?

Dossiers are compared on their *findings*: by default every conclusion of the vocabulary except
the placement itself and the conclusions that rules derive from the placement (directly or
through other findings), e.g. pillar grades, standards, criteria, compliance, significant
efforts. Two dossiers of the same report year are *equivalent* when they reach the same value
(or none) on every compared finding.

- **Like findings, unlike tiers**: a group of equivalent dossiers whose official placements (from
  the expected CSV) or engine placements differ, with the facts that differ between them (the
  records and judgments, by kind and values, that not every member of the group has).
- **Like tiers, unlike findings**: two dossiers of the same report year with the same engine (or
  official) placement whose findings are far apart. The distance is the share of compared
  findings, concluded in at least one of the two, on which they differ (0: equivalent, 1: no
  finding in common); pairs at `far` or more (default 0.5) are listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from engine import __version__
from engine.assessment import assess_with_history
from engine.corpus.expected import OfficialPlacements
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.models import FindingPattern
from engine.reason.describe import shown_value
from engine.whatif.params import concludes, law_items, models_in

SCHEMA = "tip-assess/consistency/1"
DEFAULT_FAR = 0.5


def downstream_of(book: Rulebook, subject: str) -> set[str]:
    """Conclusions that law items derive from `subject`, directly or through other conclusions."""
    readers: dict[str, set[str]] = {}
    for item in law_items(book):
        concluded = concludes(item)
        if concluded is None:
            continue
        for pattern in models_in(item, FindingPattern):
            readers.setdefault(pattern.finding, set()).add(concluded)
    found: set[str] = set()
    stack = [subject]
    while stack:
        for reader in readers.get(stack.pop(), set()):
            if reader not in found:
                found.add(reader)
                stack.append(reader)
    return found - {subject}


def compared_subjects(book: Rulebook) -> list[str]:
    outcome = book.info.outcome.conclusion
    excluded = {outcome} | downstream_of(book, outcome)
    return [subject for subject in book.conclusions if subject not in excluded]


@dataclass
class Case:
    """One dossier: its placements and the values of the compared findings."""

    path: str
    country: str
    year: int
    tier: str | None
    status: str
    official: str | None
    findings: dict[str, str | None]
    facts: set[str]

    def key(self) -> tuple[int, str]:
        return (self.year, json.dumps(self.findings, sort_keys=True))

    def name(self) -> str:
        return f"{self.country} {self.year}"

    def summary(self) -> dict[str, Any]:
        return {
            "dossier": self.path,
            "country": self.country,
            "year": self.year,
            "engine": self.tier,
            "status": self.status,
            "official": self.official,
        }


def _fact(kind: str, values: dict[str, Any]) -> str:
    shown = ", ".join(f"{name}={shown_value(value)}" for name, value in sorted(values.items()))
    return f"{kind}({shown})"


def case_of(
    book: Rulebook,
    loaded: LoadedDossier,
    subjects: list[str],
    expected: OfficialPlacements | None,
    use_history: bool = True,
) -> Case:
    result = assess_with_history(book, loaded, Path(loaded.path), use_history=use_history)
    values = {f["subject"]: f["value"] for f in result.document["findings"]}
    dossier = loaded.dossier
    official = expected.lookup(dossier.country, dossier.report_year) if expected else None
    facts = {_fact(r.kind, dict(r.values)) for r in dossier.records}
    facts |= {_fact(j.kind, dict(j.values)) for j in dossier.judgments}
    return Case(
        path=loaded.path,
        country=dossier.country,
        year=dossier.report_year,
        tier=result.tier,
        status=result.status,
        official=official.tier if official else None,
        findings={subject: values.get(subject) for subject in subjects},
        facts=facts,
    )


def distance(a: Case, b: Case) -> tuple[float, list[str]]:
    """The share of compared findings (concluded in either) on which two cases differ."""
    considered = [
        s for s in a.findings if a.findings[s] is not None or b.findings.get(s) is not None
    ]
    differing = [s for s in considered if a.findings[s] != b.findings.get(s)]
    return (len(differing) / len(considered) if considered else 0.0), differing


@dataclass
class Consistency:
    subjects: list[str]
    far: float
    expected_path: str | None
    cases: list[Case] = field(default_factory=list)
    rulebook_label: str = ""
    rules_sha256: str = ""

    def groups(self) -> list[list[Case]]:
        by_key: dict[tuple[int, str], list[Case]] = {}
        for case in self.cases:
            by_key.setdefault(case.key(), []).append(case)
        return [group for group in by_key.values() if len(group) > 1]

    def unlike_tiers(self) -> list[dict[str, Any]]:
        out = []
        for group in self.groups():
            engine = sorted({str(c.tier) for c in group})
            official = sorted({c.official for c in group if c.official is not None})
            if len(engine) < 2 and len(official) < 2:
                continue
            shared = set.intersection(*(c.facts for c in group))
            out.append(
                {
                    "year": group[0].year,
                    "findings": {s: v for s, v in group[0].findings.items() if v is not None},
                    "engine_placements_differ": len(engine) > 1,
                    "official_placements_differ": len(official) > 1,
                    "dossiers": [
                        {**case.summary(), "differing_facts": sorted(case.facts - shared)}
                        for case in group
                    ],
                }
            )
        return out

    def unlike_findings(self) -> list[dict[str, Any]]:
        out = []
        for a, b in combinations(self.cases, 2):
            if a.year != b.year:
                continue
            same = [
                basis
                for basis, left, right in (
                    ("engine", a.tier, b.tier),
                    ("official", a.official, b.official),
                )
                if left is not None and left == right
            ]
            if not same:
                continue
            share, differing = distance(a, b)
            if share < self.far:
                continue
            out.append(
                {
                    "year": a.year,
                    "same": same,
                    "placement": a.tier if "engine" in same else a.official,
                    "distance": round(share, 4),
                    "dossiers": [a.summary(), b.summary()],
                    "differing_findings": [
                        {"subject": s, "values": [a.findings[s], b.findings.get(s)]}
                        for s in differing
                    ],
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        unlike = self.unlike_tiers()
        far = self.unlike_findings()
        return {
            "schema": SCHEMA,
            "rulebook": self.rulebook_label,
            "rules_sha256": self.rules_sha256,
            "engine_version": __version__,
            "compared_findings": self.subjects,
            "far": self.far,
            "expected": self.expected_path,
            "dossiers": [case.summary() for case in self.cases],
            "equivalent_groups": [[c.path for c in group] for group in self.groups()],
            "like_findings_unlike_placements": unlike,
            "like_placements_unlike_findings": far,
            "summary": {
                "dossiers": len(self.cases),
                "equivalent_groups": len(self.groups()),
                "inconsistent_groups": len(unlike),
                "far_apart_pairs": len(far),
            },
        }


def consistency(
    book: Rulebook,
    dossiers: list[LoadedDossier],
    expected: OfficialPlacements | None = None,
    subjects: list[str] | None = None,
    far: float = DEFAULT_FAR,
    use_history: bool = True,
) -> Consistency:
    chosen = subjects if subjects else compared_subjects(book)
    result = Consistency(
        chosen,
        far,
        expected.path if expected else None,
        rulebook_label=f"{book.info.name} {book.info.version}",
        rules_sha256=book.sha256,
    )
    result.cases = [case_of(book, loaded, chosen, expected, use_history) for loaded in dossiers]
    return result


__all__ = ["Consistency", "compared_subjects", "consistency", "distance"]
