"""Explanation trees: why not the next placement up, and every finding with its justifications.

No subtree is shown twice: a rule (and alternative) already explained, or a record already
quoted, is named and not repeated.
"""

from __future__ import annotations

import re
from typing import Any

from engine.report.context import ReportContext, condition_text, detail_text, split_title
from engine.report.model import Node, Row


def _unverified(doc: dict[str, Any], rule: str | None) -> bool:
    entry = doc["rules"].get(rule) if rule else None
    return bool(entry is not None and not entry["verified"])


def gap_nodes(
    doc: dict[str, Any],
    ctx: ReportContext,
    gaps: list[dict[str, Any]],
    seen: set[tuple[str, int]],
    with_holds: bool = False,
) -> list[Node]:
    """Rules that did not apply: what failed (and, with_holds, what held); each rule once."""
    nodes = []
    for gap in gaps:
        key = (str(gap["rule"]), int(gap["alternative"]))
        alternative = f" (alternative {gap['alternative'] + 1})" if gap["alternative"] else ""
        node = Node(
            "rule",
            f"{gap['title']}{alternative}",
            rule=gap["rule"],
            unverified=_unverified(doc, gap["rule"]),
        )
        nodes.append(node)
        if key in seen:
            node.children.append(Node("note", "shown above"))
            continue
        seen.add(key)
        if with_holds:
            for held in gap.get("satisfied", []):
                node.children.append(Node("holds", condition_text(ctx, held["condition"], doc)))
        else:
            held = len(gap.get("satisfied", []))
            if held:
                node.children.append(
                    Node("holds", f"{held} other condition{'s hold' if held > 1 else ' holds'}")
                )
        for obstacle in gap["obstacles"]:
            fails = Node(
                "fails",
                f"{condition_text(ctx, obstacle['condition'], doc)}: "
                f"{detail_text(ctx, obstacle['detail'], doc)}"
                if obstacle["detail"]
                else condition_text(ctx, obstacle["condition"], doc),
            )
            node.children.append(fails)
            fails.children.extend(_evidence_nodes(doc, obstacle))
            fails.children.extend(gap_nodes(doc, ctx, obstacle["deeper"], seen, with_holds))
    return nodes


def _evidence_nodes(doc: dict[str, Any], obstacle: dict[str, Any]) -> list[Node]:
    """The records behind a failed condition: each near miss with the tests it fails, then
    each record that blocks an absence."""
    nodes = [
        Node("miss", f"{miss['record']}: {'; '.join(miss['failed'])}", record=miss["record"])
        for miss in obstacle["near_misses"]
    ]
    nodes += [
        record_node(doc, f"evidence:{blocker}")
        for blocker in obstacle["blocking"]
        if not str(blocker).startswith("finding:")
    ]
    return nodes


def record_node(doc: dict[str, Any], node_id: str, shown: set[str] | None = None) -> Node:
    """A record with its quote (and a judgment's rationale); once per tree when `shown` is given."""
    record = next((e for e in doc["evidence"] if e["id"] == node_id), None)
    if record is None:
        return Node("record", node_id.split(":", 1)[-1])
    label = "judgment" if record["judgment"] else "record"
    where = f", narrative line {record['source_line']}" if record.get("source_line") else ""
    if record.get("section") in ("history", "generated"):
        where = ", placement history"
    text = f"{label} {record['record']} ({record['kind']}{where})"
    if shown is not None:
        if record["record"] in shown:
            return Node("record", f"{text}, quoted above", record=record["record"])
        shown.add(record["record"])
    node = Node("record", text, record=record["record"])
    if record.get("quote"):
        node.children.append(Node("quote", str(record["quote"]), record=record["record"]))
    if record.get("rationale"):
        node.children.append(
            Node("text", f"rationale: {' '.join(str(record['rationale']).split())}")
        )
    return node


def explanation(doc: dict[str, Any], ctx: ReportContext, rows: list[Row]) -> list[Node]:
    """Every finding with each of its distinct justifications; a finding it rests on is named,
    not repeated (its own entry explains it)."""
    seen: set[tuple[str, int]] = set()
    shown: set[str] = set()
    findings = {f["subject"]: f for f in doc["findings"]}
    nodes = []
    for row in rows:
        finding = findings.get(row.subject)
        node = Node(
            "finding",
            f"{row.title}: {row.label.text}",
            subject=row.subject,
            unverified=bool(row.unverified),
        )
        nodes.append(node)
        if finding is None:
            node.children.append(Node("note", row.reason))
            continue
        distinct: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for j in finding["justifications"]:
            key = (j["rule"], j["explanation"], tuple(j["premises"]), tuple(j["absent"]))
            distinct.setdefault(key, []).append(j)
        total = len(finding["justifications"])
        if total > 1:
            node.children.append(
                Node(
                    "note",
                    f"{total} justifications ({len(distinct)} distinct) by {', '.join(row.rules)}",
                )
            )
        for group in distinct.values():
            j = group[0]
            child = Node(
                "justification",
                " ".join(str(j["explanation"] or j["title"]).split()),
                rule=j["rule"],
                unverified=not j["verified"],
            )
            node.children.append(child)
            for premise in j["premises"]:
                if str(premise).startswith("finding:"):
                    subject = str(premise).split(":", 1)[1]
                    value = findings[subject]["value"] if subject in findings else None
                    child.children.append(
                        Node(
                            "ref",
                            f"{ctx.title(subject, doc)}: {ctx.label(subject, value).text}",
                            subject=subject,
                        )
                    )
                else:
                    child.children.append(record_node(doc, str(premise), shown))
            if not j["default"]:
                for absent in j["absent"]:
                    child.children.append(
                        Node("note", f"holds because there is {condition_text(ctx, absent, doc)}")
                    )
        if row.default:
            reasons = doc.get("default_reasons", {}).get(row.subject, [])
            if reasons:
                why = Node("note", "the default value: no rule for another value applied")
                why.children = gap_nodes(doc, ctx, reasons, seen, with_holds=True)
                node.children.append(why)
    return nodes


def why_not_chain(
    doc: dict[str, Any],
    ctx: ReportContext,
    gaps: list[dict[str, Any]],
    seen: set[tuple[str, int]] | None = None,
    depth: int = 0,
    max_depth: int | None = None,
) -> list[Node]:
    """Why not, one line per failing condition: "[rule] X: needs A, is B". A rule with a single
    way forward continues on the same level, so a chain of one failure reads top to bottom.
    Below `max_depth` levels of nesting, a note counts what --detail full shows."""
    seen = set() if seen is None else seen
    out: list[Node] = []
    repeated: list[str] = []
    for gap in gaps:
        key = (str(gap["rule"]), int(gap["alternative"]))
        if key in seen:
            repeated.append(str(gap["rule"]))
            continue
        seen.add(key)
        obstacles = list(gap["obstacles"])
        if obstacles and obstacles[0]["kind"] == "weighing":
            obstacles = _weighing_obstacles(doc, ctx, gap, obstacles, out)
        for obstacle in obstacles:
            node = Node(
                "fails",
                _failure(doc, ctx, obstacle),
                rule=gap["rule"],
                unverified=_unverified(doc, gap["rule"]),
            )
            out.append(node)
            node.children.extend(_evidence_nodes(doc, obstacle))
            flat = len(gap["obstacles"]) == 1 and len(gaps) == 1
            if not flat and max_depth is not None and depth >= max_depth:
                hidden = _count_failures(obstacle["deeper"])
                if hidden:
                    node.children.append(
                        Node("note", f"{hidden} further failing condition(s) below: --detail full")
                    )
                continue
            deeper = why_not_chain(
                doc, ctx, obstacle["deeper"], seen, depth if flat else depth + 1, max_depth
            )
            (out if flat else node.children).extend(deeper)
    if repeated:
        rules = ", ".join(dict.fromkeys(repeated))
        out.append(Node("note", f"also failing, as shown above: {rules}"))
    return out


def _weighing_obstacles(
    doc: dict[str, Any],
    ctx: ReportContext,
    gap: dict[str, Any],
    obstacles: list[dict[str, Any]],
    out: list[Node],
) -> list[dict[str, Any]]:
    """A weighing short of a band: the points short on one line, the evidence that would add
    points on the next (`tip-assess rules show` gives each term's conditions); findings worth
    more are returned to be followed like any other failing condition."""
    head, *options = obstacles
    out.append(
        Node(
            "fails",
            _failure(doc, ctx, head),
            rule=gap["rule"],
            unverified=_unverified(doc, gap["rule"]),
        )
    )
    evidence = [o for o in options if o["kind"] == "evidence" and not o["near_misses"]]
    ways = [condition_text(ctx, str(o["condition"]), doc) for o in evidence]
    while len(ways) > 1 and len("; ".join(ways)) > 60:  # one line; all in --detail full
        ways.pop()
    if ways:
        more = len(evidence) - len(ways)
        tail = f"; {more} more in --detail full" if more else ""
        if len(f"would add points: {'; '.join(ways)}{tail}") > 90:
            tail = ""  # the others are in --detail full
        out[-1].children.append(Node("note", f"would add points: {'; '.join(ways)}{tail}"))
    return [o for o in options if o not in evidence]


def _count_failures(
    gaps: list[dict[str, Any]], seen: set[tuple[str, int, str]] | None = None
) -> int:
    """Distinct failing conditions below (a rule's condition met twice is counted once)."""
    seen = set() if seen is None else seen
    count = 0
    for gap in gaps:
        for obstacle in gap["obstacles"]:
            key = (str(gap["rule"]), int(gap["alternative"]), str(obstacle["condition"]))
            if key in seen:
                continue
            seen.add(key)
            count += 1 + _count_failures(obstacle["deeper"], seen)
    return count


def _failure(doc: dict[str, Any], ctx: ReportContext, obstacle: dict[str, Any]) -> str:
    condition = str(obstacle["condition"])
    detail = str(obstacle["detail"] or "")
    found = _FINDING_CONDITION.match(condition)
    if obstacle["kind"] == "finding" and found:
        subject = found.group(1)
        wanted = " or ".join(
            ctx.label(subject, v.strip().strip("'")).text for v in found.group(2).split(" or ")
        )
        actual = detail_text(ctx, detail, doc).removeprefix("it is ") if detail else "not concluded"
        return f"{split_title(ctx.title(subject, doc))[0]}: needs {wanted}, is {actual}"
    text = f"needs {condition_text(ctx, condition, doc)}"
    if obstacle["near_misses"] or not detail:
        return text  # the records that came close follow, one a line
    return f"{text}: {detail_text(ctx, detail, doc)}"


_FINDING_CONDITION = re.compile(r"^finding '([^']+)' is (.+)$")
