"""The findings a placement rests on, read generically from the assessment's justification graph.

This module knows no tier, criterion or country: it follows the graph of the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.load.rulebook import Rulebook
from engine.models import FindingPattern
from engine.reason.describe import shown_value

DEFAULT_DEPTH = 2


@dataclass(frozen=True)
class Pivot:
    """A node on the placement's justification path, or evidence that blocked an alternative."""

    node: str
    label: str
    depth: int
    role: str  # "premise" | "blocker" | "open"
    via: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "label": self.label,
            "depth": self.depth,
            "role": self.role,
            "via": self.via,
        }


LABEL_VALUE_WIDTH = 24


def _evidence_label(entry: dict[str, Any]) -> str:
    """`judgment <id> (<kind>: field=value, ...)`, long free text cut short."""
    shown = []
    for name, value in sorted(entry["values"].items()):
        text = shown_value(value)
        if len(text) > LABEL_VALUE_WIDTH:
            text = text[: LABEL_VALUE_WIDTH - 1].rstrip() + "…"
        shown.append(f"{name}={text}")
    what = "judgment" if entry["judgment"] else "evidence"
    detail = f"{entry['kind']}: {', '.join(shown)}" if shown else entry["kind"]
    return f"{what} {entry['record']} ({detail})"


def _open_findings(
    book: Rulebook,
    year: int,
    values: dict[str, str],
    subject: str,
    depth: int,
    seen: set[str],
) -> list[Pivot]:
    """Findings that rules for `subject` read and that are unknown or not concluded at all."""
    unknown = set(book.info.outcome.unknown_values) | set(book.info.outcome.undetermined)
    pivots: list[Pivot] = []
    for rule in book.rules_in_force(year):
        if rule.then.conclude != subject or rule.then.value in unknown:
            continue
        for patterns in rule.alternatives():
            for pattern in patterns:
                if not isinstance(pattern, FindingPattern) or pattern.finding in seen:
                    continue
                value = values.get(pattern.finding)
                if value is not None and value not in unknown:
                    continue
                seen.add(pattern.finding)
                label = (
                    f"{pattern.finding} not concluded"
                    if value is None
                    else f"{pattern.finding}={value}"
                )
                pivots.append(Pivot(f"finding:{pattern.finding}", label, 1, "open", subject))
                if depth > 1:
                    deeper = _open_findings(book, year, values, pattern.finding, depth - 1, seen)
                    pivots += [Pivot(p.node, p.label, p.depth + 1, p.role, p.via) for p in deeper]
    return pivots


def pivotal_findings(
    document: dict[str, Any], book: Rulebook, depth: int = DEFAULT_DEPTH
) -> list[Pivot]:
    """The findings the placement rests on, read from the justification graph up to `depth`.

    Premise findings are followed breadth-first from the placement. Judgment records reached on
    the way are pivotal (they are the analyst's choices), as is any evidence that blocked a
    non-default value of a finding on the path (e.g. a judgment that rules out significant
    efforts): a default conclusion rests on what stopped the alternatives. When the placement
    itself is a default (nothing better could be derived), the pivotal findings are those the
    placement rules needed and found unknown or not concluded.
    """
    outcome = book.info.outcome.conclusion
    findings = {f["id"]: f for f in document["findings"]}
    evidence = {e["id"]: e for e in document["evidence"]}
    edges: dict[str, list[str]] = {}
    for edge in document["graph"]["edges"]:
        targets = edges.setdefault(edge["from"], [])
        if edge["to"] not in targets:
            targets.append(edge["to"])
    start = f"finding:{outcome}"
    if start not in findings:
        return []
    pivots: list[Pivot] = []
    seen = {start}
    path = [start]  # findings whose default reasons count: the placement and its premises
    frontier = [start]
    for level in range(1, depth + 1):
        following: list[str] = []
        for node in frontier:
            for target in edges.get(node, []):
                if target in seen:
                    continue
                if target in findings:
                    seen.add(target)
                    following.append(target)
                    if level == 1:
                        path.append(target)
                    finding = findings[target]
                    label = f"{finding['subject']}={finding['value']}"
                    pivots.append(Pivot(target, label, level, "premise", node))
                elif target in evidence and evidence[target]["judgment"]:
                    seen.add(target)
                    label = _evidence_label(evidence[target])
                    pivots.append(Pivot(target, label, level, "premise", node))
        frontier = following
    for node in path:
        subject = findings[node]["subject"]
        for gap in document["default_reasons"].get(subject, []):
            for obstacle in gap["obstacles"]:
                if obstacle["kind"] != "absence":
                    continue
                for blocking in obstacle["blocking"]:
                    # Absent findings are named "finding:<subject>"; records by their bare id.
                    blocker = blocking if ":" in blocking else f"evidence:{blocking}"
                    if blocker in seen or blocker not in evidence:
                        continue
                    seen.add(blocker)
                    label = f"{_evidence_label(evidence[blocker])} rules out {gap['rule']}"
                    pivots.append(Pivot(blocker, label, 1, "blocker", node))
    justifications = findings[start]["justifications"]
    if justifications and all(j["default"] for j in justifications):
        values = {f["subject"]: f["value"] for f in document["findings"]}
        year = int(document["assessed_year"])
        pivots += _open_findings(book, year, values, outcome, depth, {outcome})
    return pivots
