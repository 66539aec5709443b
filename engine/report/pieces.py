"""Sentences shared by every format: evidence still needed, pillar weighings, fragility."""

from __future__ import annotations

from typing import Any

from engine.report.context import ReportContext
from engine.report.model import Missing


def missing_texts(items: list[Missing]) -> list[str]:
    """One sentence per conclusion still open, each with the kinds of record that could settle
    it (the rules read them; a record of one kind may still leave it open, depending on its
    values and on the others); kinds already named for an earlier conclusion are referred to,
    not repeated."""
    named: set[str] = set()
    out = []
    for item in items:
        new = [k for k in item.settle_with if k not in named]
        seen = len(item.settle_with) - len(new)
        kinds = ", ".join(k.replace("_", " ") for k in new)
        if not item.settle_with:
            settle = "no rule in force reads evidence for it"
        elif not new:
            settle = "could be settled by records of the kinds named above"
        elif seen:
            settle = f"could be settled by records of the kinds named above, or of: {kinds}"
        else:
            settle = f"could be settled by a record of: {kinds}"
        named.update(item.settle_with)
        out.append(f"{item.title}: {item.value.text}; {settle}.")
    return out


def _num(value: Any) -> str:
    return str(value)


def weighing_summary(
    weighing: dict[str, Any], ctx: ReportContext, subject: str, silence: bool = True
) -> str:
    """'7 points (could be 5 to 9); bands: Minimal from 1, Partial from 5; groups: ...'.

    Without `silence` (the standard detail) a shorter line: the points, the nearest band above,
    and the points each group brings.
    """
    if not silence:
        return _short_weighing(weighing, ctx, subject)
    points = weighing.get("total")
    total = f"{_num(points)} point{'' if points == 1 else 's'}"
    span = weighing.get("range")
    if span:
        total += (
            f" (between {_num(span[0])} and {_num(span[1])} with what the narrative leaves open)"
        )
    bands = [
        f"{ctx.label(subject, band['value']).text} "
        + ("otherwise" if band.get("min") is None else f"from {_num(band['min'])}")
        for band in weighing.get("bands", [])
    ]
    parts = [total]
    if bands:
        parts.append("bands: " + ", ".join(bands))
    groups = weighing.get("groups") or {}
    if groups:
        parts.append(
            "by group: "
            + ", ".join(
                f"{k} {_num(v)}{_bound_note(weighing, k)}" for k, v in sorted(groups.items())
            )
        )
    if silence and weighing.get("silence"):
        parts.append(f"silence: {weighing['silence']}")
    return "; ".join(parts)


def _bound_note(weighing: dict[str, Any], group: str) -> str:
    """' (4 before its cap of 2)' for a group its cap or floor changed, else ''."""
    bounded = (weighing.get("bounded") or {}).get(group)
    if not bounded:
        return ""
    bound = "cap" if "cap" in bounded else "floor"
    return f" ({_num(bounded['before'])} before its {bound} of {_num(bounded[bound])})"


def _short_weighing(weighing: dict[str, Any], ctx: ReportContext, subject: str) -> str:
    points = weighing.get("total")
    text = f"{_num(points)} point{'' if points == 1 else 's'}"
    above = [
        band
        for band in weighing.get("bands", [])
        if band.get("min") is not None and points is not None and band["min"] > points
    ]
    if above:
        nearest = above[-1]
        text += f" ({ctx.label(subject, nearest['value']).text} from {_num(nearest['min'])})"
    groups = {k: v for k, v in (weighing.get("groups") or {}).items() if v}
    if groups:
        text += ": " + ", ".join(f"{k} {_num(v)}" for k, v in sorted(groups.items()))
    return text


def weighing_terms(weighing: dict[str, Any], ctx: ReportContext) -> list[str]:
    """Each term of a weighing: its points and what it rests on."""
    lines = []
    for term in weighing.get("terms", []):
        points = term.get("points")
        shown = (
            "not counted"
            if points is None
            else f"{_num(points):>3} point{'' if points in (1, -1) else 's'}"
        )
        if points is not None and term.get("possible"):
            low, high = term["possible"]
            shown += f" (could be {_num(low)} to {_num(high)})"
        counted = term.get("counted")
        matched = term.get("matched")
        what = f"{term.get('label')}"
        if term.get("group"):
            what += f" [{term['group']}]"
        if matched is False and not term.get("finding"):
            shown, what = "not counted", f"{what}: no record"
        elif matched and counted is False and points is not None:
            # A group that takes its highest (or lowest) term counts only one of its terms.
            shown = f"({_num(points)}, not counted)"
            what += ": the group counts another term"
        if term.get("finding"):
            subject = str(term["finding"])
            what += (
                f"; {ctx.title(subject)} is {ctx.label(subject, term.get('finding_value')).text}"
            )
        premises = [str(p).split(":", 1)[-1] for p in term.get("premises", [])]
        if premises:
            what += f" ({', '.join(premises)})"
        lines.append(f"{shown}  {what}")
    return lines


def fragility_lines(
    fragility: dict[str, Any], ctx: ReportContext, outcome: str
) -> tuple[str, list[str]]:
    """The heading and one line per single change that would move the placement."""
    items = fragility.get("items") or []
    if fragility.get("robust") or not items:
        return "Fragility: robust", [
            "No single change of a judgment, record, contested reading or parameter moves the "
            "placement."
        ]
    head = f"Fragility: {len(items)} single change{'s' if len(items) != 1 else ''} would move the placement"
    lines = []
    for item in items:
        placement = str(item.get("placement", ""))
        lines.append(
            f"{item.get('change', '')} → "
            f"{ctx.label(outcome, placement).text if placement else 'no placement'}"
            + (f" ({item['status']})" if item.get("status") else "")
        )
    return head, lines
