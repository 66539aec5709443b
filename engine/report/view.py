"""One reading of an assessment document for every format: the summary, then the detail.

Text, Markdown and HTML all render what this module builds, so they always say the same thing:
- the headline (placement, status, the rule that placed it);
- the summary table: each group of labels.yaml (standards, criteria, tier tests) with every
  concluded finding (plain-English value, the one-line reason, rule ids, unverified rules);
- the pillar grades (findings reached by a weighing: points and bands) and the fragility list,
  when the document has them;
- the evidence still needed, and conflicts;
- why not the next placement up, as a tree in which no subtree is shown twice;
- the explanation of every finding (justifications, records, quotes), for the full detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.load.labels import Label
from engine.report.context import ReportContext, natural_key
from engine.report.model import Missing, Node, Row, Section
from engine.report.trees import explanation, gap_nodes, why_not_chain

__all__ = [
    "Node",
    "Row",
    "Section",
    "Summary",
    "all_rows",
    "explanation",
    "summary",
    "why_not_chain",
]

DETAILS = ("summary", "standard", "full")
STATUS_NOTES = {
    "determined": "every finding it rests on is settled",
    "provisional": "it rests on findings the dossier cannot settle yet (evidence still needed below)",
    "undetermined": "the evidence does not settle it (evidence still needed below)",
    "conflict": "rules reached conflicting conclusions (below)",
}


@dataclass
class Summary:
    country: str
    year: int
    assessed_year: int
    placement: Label
    status: str
    status_note: str
    rulebook: str
    rules_in_force: int
    engine: str  # the engine version
    rulebook_short: str  # name, version and content hash, for the one-screen text
    placement_rule: str | None
    placement_title: str | None
    placement_citation: str | None
    sections: list[Section]
    pillars: list[Row]
    fragility: dict[str, Any] | None
    missing: list[Missing]
    conflicts: list[str]
    unverified: list[str]
    why_not_target: str | None
    why_not: list[Node]
    why_not_chain: list[Node] = field(default_factory=list)
    outcome: Row | None = None
    outcome_subject: str = ""

    @property
    def needs_evidence_first(self) -> bool:
        return self.status in ("undetermined", "provisional") and bool(self.missing)


def _row(doc: dict[str, Any], ctx: ReportContext, finding: dict[str, Any]) -> Row:
    justifications = finding["justifications"]
    first = justifications[0]
    rules = list(dict.fromkeys(j["rule"] for j in justifications))
    unverified = list(dict.fromkeys(j["rule"] for j in justifications if not j["verified"]))
    weighing = next((j["weighing"] for j in justifications if j.get("weighing")), None)
    reason = first["explanation"] or first["title"]
    return Row(
        finding["subject"],
        finding["title"],
        finding["value"],
        ctx.label(finding["subject"], finding["value"]),
        " ".join(str(reason).split()),
        rules,
        unverified,
        len(justifications),
        bool(first["default"]),
        weighing,
    )


def outcome_subject(doc: dict[str, Any]) -> str | None:
    rule = doc.get("placement_rule")
    for finding in doc["findings"]:
        if any(j["rule"] == rule for j in finding["justifications"]):
            return str(finding["subject"])
    return None


def summary(doc: dict[str, Any], ctx: ReportContext) -> Summary:
    outcome = outcome_subject(doc)
    rows = [_row(doc, ctx, f) for f in doc["findings"] if f["subject"] != outcome]
    outcome_row = next(
        (_row(doc, ctx, f) for f in doc["findings"] if f["subject"] == outcome), None
    )
    groups = ctx.groups

    def group_of(row: Row) -> int | None:
        return ctx.labels.group_of(row.subject) if ctx.labels else None

    # Pillar grades: findings reached by a weighing that no group of the table claims (a
    # weighed tier test stays in its group, with its points shown under it).
    pillars = [row for row in rows if row.weighing is not None and group_of(row) is None]
    concluded = {row.subject for row in rows}
    # A required conclusion no rule reached stays in the table, as "not concluded".
    for item in doc["missing_evidence"]:
        if item["subject"] not in concluded and item["subject"] != outcome:
            rows.append(
                Row(
                    item["subject"],
                    item["title"],
                    None,
                    ctx.label(item["subject"], None),
                    "No rule in force reached a conclusion.",
                    [],
                    [],
                    0,
                )
            )
    buckets: list[list[Row]] = [[] for _ in groups]
    others: list[Row] = []
    for row in rows:
        index = group_of(row)
        if index is None and row.weighing is not None:
            continue
        (buckets[index] if index is not None else others).append(row)
    sections = [
        Section(group.title, sorted(bucket, key=lambda r: natural_key(r.subject)))
        for group, bucket in zip(groups, buckets, strict=True)
        if bucket
    ]
    if others:
        sections.append(Section("Other findings", others))
    placement_rule = doc.get("placement_rule")
    rule = doc["rules"].get(placement_rule) if placement_rule else None
    unverified = sorted(rule_id for rule_id, r in doc["rules"].items() if not r["verified"])
    why = doc.get("why_not") or {}
    return Summary(
        country=str(doc["country"]),
        year=int(doc["report_year"]),
        assessed_year=int(doc.get("assessed_year") or doc["report_year"]),
        placement=ctx.label(outcome or "placement", doc["tier"])
        if doc["tier"]
        else Label("No placement derived", "unknown"),
        status=str(doc["status"]),
        status_note=STATUS_NOTES.get(str(doc["status"]), ""),
        rulebook=str(doc["rulebook"]["label"]),
        rules_in_force=int(doc["rulebook"]["rules_in_force"]),
        engine=str(doc["provenance"]["engine_version"]),
        rulebook_short=f"{doc['rulebook']['name']} {doc['rulebook']['version']} "
        f"(sha256 {str(doc['provenance']['rules_sha256'])[:12]})",
        placement_rule=placement_rule,
        placement_title=rule["title"] if rule else None,
        placement_citation=rule["citation"] if rule else None,
        sections=sections,
        pillars=sorted(pillars, key=lambda r: natural_key(r.subject)),
        fragility=doc.get("fragility"),
        missing=[
            Missing(
                item["subject"],
                item["title"],
                ctx.label(item["subject"], item["value"]),
                list(item["settle_with"]),
            )
            for item in doc["missing_evidence"]
        ],
        conflicts=[
            f"{ctx.title(c['subject'], doc)}: "
            f"{' / '.join(ctx.label(c['subject'], v).text for v in c['values'])} "
            f"(rules {', '.join(dict.fromkeys(c['rules']))})"
            for c in doc["conflicts"]
        ],
        unverified=unverified,
        why_not_target=why.get("target"),
        why_not=gap_nodes(doc, ctx, why.get("rules", []), set()) if why else [],
        outcome=outcome_row,
        outcome_subject=outcome or "",
        why_not_chain=why_not_chain(
            doc, ctx, why.get("rules", []), max_depth=1 if doc["status"] == "determined" else 0
        )
        if why
        else [],
    )


def all_rows(view: Summary) -> list[Row]:
    """The placement, then every row of the table and every pillar grade."""
    head = [view.outcome] if view.outcome is not None else []
    return head + [row for section in view.sections for row in section.rows] + view.pillars
