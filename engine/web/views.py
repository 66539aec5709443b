"""What the web app's pages list: dossier rows, rules in force, decision-log entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.audit.decision_log import VerifyReport
from engine.load.rulebook import Rulebook
from engine.models import LawItem, Rule
from engine.web.catalogue import Snapshot


@dataclass(frozen=True)
class DossierRow:
    key: str
    path: str
    country: str
    year: int | None
    tier: str | None
    tone: str
    status: str | None
    fragility: str
    problems: list[str]


def fragility_text(doc: dict[str, Any]) -> str:
    fragility = doc.get("fragility")
    if fragility is None:
        return "not computed"
    items = fragility.get("items") or []
    if fragility.get("robust") or not items:
        return "robust"
    return f"{len(items)} single change{'s' if len(items) != 1 else ''} would move it"


def dossier_rows(snap: Snapshot) -> list[DossierRow]:
    rows = []
    for entry in snap.entries.values():
        doc = entry.document
        if doc is None:
            rows.append(
                DossierRow(
                    entry.key,
                    str(entry.path),
                    entry.key.split("/")[0],
                    None,
                    None,
                    "unknown",
                    None,
                    "",
                    [p.render() for p in entry.problems],
                )
            )
            continue
        tone = "unknown"
        if snap.book is not None and snap.book.labels is not None and doc["tier"]:
            label = snap.book.labels.label(snap.book.info.outcome.conclusion, doc["tier"])
            tone = label.tone if label else "unknown"
        rows.append(
            DossierRow(
                entry.key,
                str(entry.path),
                str(doc["country"]),
                int(doc["report_year"]),
                doc["tier"],
                tone,
                str(doc["status"]),
                fragility_text(doc),
                [],
            )
        )
    return sorted(rows, key=lambda r: (r.country, r.year or 0))


def filter_rows(rows: list[DossierRow], chosen: dict[str, str]) -> list[DossierRow]:
    def keep(row: DossierRow) -> bool:
        if chosen.get("year") and str(row.year) != chosen["year"]:
            return False
        if chosen.get("tier") and (row.tier or "") != chosen["tier"]:
            return False
        return not (chosen.get("status") and (row.status or "") != chosen["status"])

    return [row for row in rows if keep(row)]


def rule_rows(book: Rulebook, year: int) -> list[dict[str, Any]]:
    """The rules and weighings in force, in the order of the rulebook's files."""
    rows = []
    items: list[LawItem] = [*book.rules_in_force(year), *book.weighings_in_force(year)]
    for rule in items:
        end = rule.in_force.end
        rows.append(
            {
                "id": rule.id,
                "title": rule.title,
                "citation": rule.citation,
                "text": " ".join(rule.text.split()),
                "in_force": f"{rule.in_force.start}–{end}"
                if end
                else f"{rule.in_force.start} onwards",
                "verified": rule.verified,
                "note": " ".join((rule.note or "").split()),
                "references": list(rule.references),
                "defined_at": book.defined_at(rule.id),
                "concludes": f"{rule.then.conclude} = {rule.then.value}"
                if isinstance(rule, Rule)
                else f"{rule.concludes}, weighed into bands",
            }
        )
    return rows


def log_rows(entries: list[dict[str, Any]], report: VerifyReport) -> list[dict[str, Any]]:
    """Each entry with its verification status: verified, the first broken link, or after it."""
    rows = []
    for line, entry in enumerate(entries, start=1):
        if report.ok or report.first_bad_line is None or line < report.first_bad_line:
            state = "verified"
        elif line == report.first_bad_line:
            state = f"broken: {report.problem}"
        else:
            state = "not verified (after the broken link)"
        rows.append({"line": line, "entry": entry, "state": state})
    return rows
