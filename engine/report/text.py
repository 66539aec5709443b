"""The assessment as text for a terminal: the answer on the first screen, then the detail.

`detail` is summary (headline, table, pillars, fragility, evidence still needed), standard
(adds the one-line reasons and why not the next placement up) or full (adds the explanation of
every finding, with records and quotes, the rules' texts and the provenance in full). Lines are
wrapped at a fixed width, so the output is the same wherever it is produced; colour (ANSI) only
when asked for (the CLI asks on a terminal, unless NO_COLOR is set).
"""

from __future__ import annotations

import textwrap
from typing import Any

from engine.report.context import ReportContext
from engine.report.pieces import fragility_lines, missing_texts, weighing_summary, weighing_terms
from engine.report.view import Node, Row, Summary, all_rows, explanation, summary
from engine.report.wrap import wrap

WIDTH = 100
UNVERIFIED = "[unverified]"
MARKS = {"fails": "✗ ", "holds": "✓ ", "miss": "· ", "record": "", "quote": "", "rule": ""}

_ANSI = {
    "bold": "1",
    "dim": "2",
    "good": "32",
    "mixed": "33",
    "bad": "31",
    "unknown": "35",
    "warn": "1;33",
}


class _Out:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def paint(self, text: str, style: str) -> str:
        code = _ANSI.get(style)
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code and text else text

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def heading(self, text: str, gap: bool = True) -> None:
        if gap:
            self.blank()
        self.lines.append(self.paint(text, "bold"))

    def para(
        self, text: str, indent: int = 0, hang: int = 2, paint: dict[str, str] | None = None
    ) -> None:
        """Wrap `text` at WIDTH; `paint` colours the given substrings (after wrapping)."""
        lines = wrap(text, WIDTH, " " * indent, " " * (indent + hang)) or [" " * indent]
        for line in lines:
            for part, style in (paint or {}).items():
                if part and part in line:
                    line = line.replace(part, self.paint(part, style))
            if UNVERIFIED in line:
                line = line.replace(UNVERIFIED, self.paint(UNVERIFIED, "warn"))
            self.lines.append(line)


def _rules(row: Row) -> str:
    """The rule of the reason shown, how many others, and [unverified] if any is."""
    if not row.rules:
        return ""
    more = len(row.rules) - 1
    text = f"[{row.rules[0]}{f'; {more} more rule' + ('s' if more > 1 else '') if more else ''}]"
    return text + (f" {UNVERIFIED}" if row.unverified else "")


def _row(out: _Out, row: Row, with_reason: bool, ctx: ReportContext | None = None) -> None:
    """Title and value, then the reason; the rule goes where it fits without a new line. A
    weighed finding whose points fit after its value takes one line: its reason only restates
    the points."""
    value, rules = row.label.text, _rules(row)
    title = row.title
    if row.topic and len(f"  {title}: {value}") > WIDTH:  # the short name where the title overflows
        title = row.name
    if with_reason and row.weighing and ctx is not None:
        points = weighing_summary(row.weighing, ctx, row.subject, False).split(":")[0]
        line = f"{title}: {value}, {points} {rules}"
        if len(line) + 2 > WIDTH and row.topic:
            line = f"{row.name}: {value}, {points} {rules}"
        if len(line) + 2 <= WIDTH:
            out.para(line, 2, 4, {value: row.label.tone, rules: "dim"})
            return
    paint = {value: row.label.tone, rules: "dim"}
    head = f"  {title}: {value}"
    if row.unverified and with_reason and len(f"{head} {UNVERIFIED}") <= WIDTH:
        # The mark goes with the value when it fits, so that the reason keeps its line.
        head, rules = f"{head} {UNVERIFIED}", rules.removesuffix(f" {UNVERIFIED}")
        paint = {value: row.label.tone, rules: "dim"}
    if not with_reason:
        out.para(f"{head.strip()} {rules}".rstrip(), 2, 4, paint)
        return
    flowing = f"{head.strip()} — {row.reason} {rules}".rstrip()
    # Counted as `para` will print it (no break inside a word or at a hyphen).
    lines = len(wrap(flowing, WIDTH, "  ", "      "))
    if lines == 1 or (lines == 2 and len(f"      {row.reason} {rules}") > WIDTH):
        # The whole row on one line; or a reason that would take two lines of its own starts
        # after the value instead.
        out.para(flowing, 2, 4, paint)
        return
    reason = f"      {row.reason}"
    if len(reason) + 1 + len(rules) <= WIDTH:
        out.para(head.strip(), 2, 4, paint)
        out.para(f"{row.reason} {rules}".rstrip(), 6, 0, paint)
    elif len(head) + 1 + len(rules) <= WIDTH:
        out.para(f"{head.strip()} {rules}", 2, 4, paint)
        out.para(row.reason, 6, 0, paint)
    else:
        out.para(head.strip(), 2, 4, paint)
        out.para(f"{row.reason} {rules}".rstrip(), 6, 0, paint)


def _points(out: _Out, row: Row, ctx: ReportContext, detail: str, pillar: bool = False) -> None:
    """A weighed finding's points and bands (and, in full, each term)."""
    if not row.weighing:
        return
    if detail != "full" and not pillar:
        return  # the reason line already gives the points and the line
    out.para(weighing_summary(row.weighing, ctx, row.subject, detail == "full"), 6, 2)
    if detail == "full":
        for line in weighing_terms(row.weighing, ctx):
            out.para(line, 8, 4)


def _collapse_open(out: _Out, rows: list[Row]) -> list[Row]:
    """Rows whose value says the narrative is silent or the dossier holds nothing (tone
    unknown), two or more with the same value, share one line: the value, then each finding's
    name with its rule. The rest are returned to be shown one by one (--detail full: all)."""
    by_value: dict[str, list[Row]] = {}
    for row in rows:
        if row.label.tone == "unknown" and not row.weighing:
            by_value.setdefault(row.label.text, []).append(row)
    shared = {value: group for value, group in by_value.items() if len(group) > 1}
    for value, group in shared.items():
        every = all(row.unverified for row in group)
        mark = f" {UNVERIFIED}" if every else ""
        names = ", ".join(
            f"{row.name} {_rules(row).removesuffix(mark) if every else _rules(row)}"
            for row in group
        )
        text = f"{value}{mark}: {names}"
        if len(textwrap.wrap(text, WIDTH - 4)) > 2:  # the rules in --detail full
            text = f"{value}{mark}: {_names(group)} (rules: --detail full)"
        out.para(text, 2, 4, {value: "unknown"})
    collapsed = {id(row) for group in shared.values() for row in group}
    return [row for row in rows if id(row) not in collapsed]


def _names(rows: list[Row]) -> str:
    """'Criterion 4, 5, 6, 10' for names that differ only in their last word."""
    names = [row.name.rsplit(" ", 1) for row in rows]
    stems = {parts[0] for parts in names if len(parts) == 2}
    if len(stems) == 1 and all(len(parts) == 2 for parts in names):
        return f"{stems.pop()} {', '.join(parts[1] for parts in names)}"
    return ", ".join(row.name for row in rows)


def _tree(out: _Out, nodes: list[Node], depth: int, doc: dict[str, Any]) -> None:
    for node in nodes:
        indent = 2 + 2 * depth
        text = node.text
        if node.kind == "quote":
            text = f'"{text}"'
        if node.rule and node.kind in ("rule", "justification", "fails"):
            text = (
                f"{text} [{node.rule}]" if node.kind == "justification" else f"[{node.rule}] {text}"
            )
        if node.unverified:
            text = f"{text} {UNVERIFIED}"
        mark = MARKS.get(node.kind, "")
        style = {"fails": "bad", "holds": "good"}.get(node.kind, "")
        out.para(mark + text, indent, 2 + len(mark), {mark.strip(): style} if style else None)
        _tree(out, node.children, depth + 1, doc)


def _headline(out: _Out, view: Summary) -> None:
    out.lines.append(
        out.paint(f"{view.country}, report year {view.year}: ", "bold")
        + out.paint(view.placement.text, view.placement.tone)
        + f" ({view.status})"
    )
    if view.status != "determined" and view.status_note:
        out.para(f"The placement is {view.status}: {view.status_note}.", 2, 2)
    if view.placement_rule:
        rule = f"[{view.placement_rule}]"
        out.para(f"{view.placement_title} {rule}", 2, 2, {rule: "dim"})
    if view.assessed_year != view.year:
        out.para(f"Assessed under the rules for report year {view.assessed_year}.", 2, 2)
    out.para(
        f"Rules: {view.rulebook_short}, {view.rules_in_force} rules in force in "
        f"{view.assessed_year}; engine tip-assess {view.engine}",
        0,
        2,
    )
    used = list(dict.fromkeys(r for row in all_rows(view) for r in row.unverified))
    if len(used) == 1:
        out.para(f"{UNVERIFIED} rests on law the project could not confirm: {used[0]}", 0, 2)
    elif used:
        out.para(
            f"{UNVERIFIED} {len(used)} rules behind these findings rest on law the project could "
            "not confirm (marked below)",
            0,
            2,
        )


def _missing(out: _Out, view: Summary) -> None:
    if not view.missing:
        return
    out.heading("Evidence still needed")
    for text in missing_texts(view.missing):
        out.para("- " + text, 2, 2)


def render_text(
    doc: dict[str, Any], ctx: ReportContext, detail: str = "standard", color: bool = False
) -> str:
    view = summary(doc, ctx)
    out = _Out(color)
    _headline(out, view)
    if view.needs_evidence_first:
        _missing(out, view)
    if view.conflicts:
        out.heading("Conflicting conclusions")
        for conflict in view.conflicts:
            out.para("- " + conflict, 2, 2)
    with_reason = detail != "summary"
    for number, section in enumerate(view.sections):
        out.heading(section.title, gap=number == 0)
        rows = section.rows if detail == "full" else _collapse_open(out, section.rows)
        for row in rows:
            _row(out, row, with_reason, ctx if detail == "standard" else None)
            _points(out, row, ctx, detail)
    if view.pillars:
        out.heading("Pillar grades", gap=detail == "full")
        for row in view.pillars:
            if detail == "full" or not row.weighing:
                _row(out, row, False)
                _points(out, row, ctx, detail, pillar=True)
                continue
            # One line a pillar: the grade, its points and where they come from.
            value, rules = row.label.text, _rules(row)
            points = weighing_summary(row.weighing, ctx, row.subject, False)
            line = f"{row.name}: {value}, {points} {rules}"
            if len(line) + 2 > WIDTH:  # the points of each group only where they fit
                line = f"{row.name}: {value}, {points.split(':')[0]} {rules}"
            out.para(line, 2, 4, {value: row.label.tone, rules: "dim"})
    if view.fragility is not None:  # part of the summary: no blank line before it
        head, items = fragility_lines(view.fragility, ctx, view.outcome_subject)
        fragile = not view.fragility.get("robust") and len(items) == 1
        if fragile and len(f"Fragile: {items[0]}") <= WIDTH:
            out.lines.append(out.paint("Fragile:", "bold") + f" {items[0]}")
        else:
            out.heading(head, gap=False)
            robust = bool(view.fragility.get("robust"))
            for line in items:
                out.para(line if robust else "- " + line, 2, 2)
    if not view.needs_evidence_first:
        _missing(out, view)
    if detail == "standard" and view.why_not_chain:
        target = view.why_not_target
        heading = f"Why not {target}" if target else "Why no placement"
        chain = view.why_not_chain
        first = chain[0]
        inline = f"{heading}: [{first.rule}] {first.text}"
        if first.kind == "fails" and not first.children and len(inline) <= WIDTH:
            # The first failing condition (the placement rule's own) goes on the heading's line.
            out.lines.append(out.paint(f"{heading}:", "bold") + inline.removeprefix(f"{heading}:"))
            chain = chain[1:]
        else:
            out.heading(heading, gap=False)
        _tree(out, chain, 0, doc)
    if detail == "full" and view.why_not:
        out.heading(f"Why not {view.why_not_target}" if view.why_not_target else "Why no placement")
        _tree(out, view.why_not, 0, doc)
    if detail == "full":
        out.heading("Explanation")
        _tree(out, explanation(doc, ctx, all_rows(view)), 0, doc)
        out.heading("Rules referenced")
        for rule_id, rule in sorted(doc["rules"].items()):
            mark = "" if rule["verified"] else f" {UNVERIFIED}"
            out.para(f"[{rule_id}] {rule['title']}{mark}", 2, 4)
            out.para(f"{rule['citation']}; in force {rule['in_force']}; {rule['defined_at']}", 6, 0)
            if rule.get("note"):
                out.para(f"note: {' '.join(str(rule['note']).split())}", 6, 6)
            out.para(f'"{" ".join(str(rule["text"]).split())}"', 6, 1)
    prov = doc["provenance"]
    if detail == "full":
        out.heading("Provenance")
        for key in sorted(prov):
            out.para(f"{key}: {prov[key]}", 2, 4)
    return "\n".join(out.lines).rstrip() + "\n"
