"""The explanation as an outline of lines (depth, style, text), drawn as text, markdown or html.

The what-if reports (engine/whatif/render.py) append an assessment's outline to theirs; the
assessment reports themselves are drawn by text.py, markdown.py and html.py from view.py.

All three human formats are drawn from one outline (depth, style, text), so they always say the
same thing; only the typography differs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from engine.report.mdtext import md_text

MAX_JUSTIFICATIONS = 1
QUOTE_WIDTH = 220


@dataclass(frozen=True)
class Line:
    depth: int
    style: str  # heading | key | finding | text | evidence | obstacle | note
    text: str


def _short(text: str | None, width: int = QUOTE_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class _Outline:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.findings = {f["subject"]: f for f in doc["findings"]}
        self.evidence = {e["id"]: e for e in doc["evidence"]}
        self.shown: set[str] = set()
        self.lines: list[Line] = []

    def add(self, depth: int, style: str, text: str) -> None:
        self.lines.append(Line(depth, style, text))

    def build(self) -> list[Line]:
        doc = self.doc
        self.add(0, "heading", f"{doc['country']}, report year {doc['report_year']}")
        self.add(
            0,
            "key",
            f"Rules: {doc['rulebook']['label']}, {doc['rulebook']['rules_in_force']} rules in force",
        )
        self.add(0, "key", f"Engine: tip-assess {doc['provenance']['engine_version']}")
        tier = doc["tier"] or "no placement derived"
        self.add(0, "key", f"Placement: {tier} ({doc['status']})")
        placement_rule = doc.get("placement_rule")
        if placement_rule:
            rule = doc["rules"][placement_rule]
            self.add(1, "text", f'{rule["citation"]}: "{_short(rule["text"], 300)}"')
        self.add(0, "heading", "Why")
        outcome = next(
            (f for f in doc["findings"] if f["id"] == f"finding:{self.outcome_subject()}"), None
        )
        if outcome is not None:
            self.finding(outcome["subject"], 1)
        if doc["why_not"]:
            target = doc["why_not"]["target"]
            title = f"Why not {target}" if target else "What no placement rule found"
            self.add(0, "heading", title)
            if not doc["why_not"]["rules"]:
                self.add(1, "text", "No rule in force for this year concludes it.")
            for gap in doc["why_not"]["rules"]:
                self.gap(gap, 1)
        if doc.get("fragility") is not None:
            self.fragility(doc["fragility"])
        if doc["missing_evidence"]:
            self.add(0, "heading", "Evidence still needed")
            for item in doc["missing_evidence"]:
                kinds = ", ".join(item["settle_with"]) or "(no rule in force reads evidence for it)"
                state = item["value"] if item["value"] is not None else "not concluded"
                self.add(
                    1,
                    "obstacle",
                    f"{item['title']} ({item['subject']}) is {state}: could be settled by evidence of kind {kinds}",
                )
        if doc["conflicts"]:
            self.add(0, "heading", "Conflicting conclusions")
            for conflict in doc["conflicts"]:
                self.add(
                    1,
                    "obstacle",
                    f"{conflict['subject']}: {', '.join(conflict['values'])} (rules {', '.join(conflict['rules'])})",
                )
        self.add(0, "heading", "Provenance")
        prov = doc["provenance"]
        for key in sorted(prov):
            self.add(1, "note", f"{key}: {prov[key]}")
        return self.lines

    def fragility(self, fragility: dict[str, Any]) -> None:
        """The single changes that would move the placement (computed by the what-if layer)."""
        self.add(0, "heading", "Fragility")
        if fragility["robust"]:
            self.add(
                1,
                "text",
                "Robust: no single change of a judgment, record, contested reading or parameter "
                "moves the placement.",
            )
            return
        items = fragility["items"]
        self.add(
            1,
            "text",
            f"Fragile: {len(items)} single change(s) would move the placement on their own.",
        )
        for item in items:
            self.add(
                1,
                "obstacle",
                f"[{item['kind']}] {item['change']} → {item['placement']} ({item['status']})",
            )

    def outcome_subject(self) -> str:
        placement_rule = self.doc.get("placement_rule")
        for finding in self.doc["findings"]:
            if any(j["rule"] == placement_rule for j in finding["justifications"]):
                return str(finding["subject"])
        return ""

    def finding(self, subject: str, depth: int) -> None:
        finding = self.findings[subject]
        node = finding["id"]
        if node in self.shown:
            self.add(depth, "finding", f"{finding['title']}: {finding['value']} (shown above)")
            return
        self.shown.add(node)
        justifications = finding["justifications"]
        first = justifications[0]
        self.add(
            depth,
            "finding",
            f"{finding['title']}: {finding['value']}  [{first['rule']}] {first['citation']}",
        )
        for number, justification in enumerate(justifications[:MAX_JUSTIFICATIONS]):
            if number:
                self.add(depth + 1, "note", f"also by [{justification['rule']}]:")
            if justification["explanation"] and (
                number == 0 or justification["explanation"] != first["explanation"]
            ):
                self.add(depth + 1, "text", justification["explanation"])
            for premise in justification["premises"]:
                if premise.startswith("finding:"):
                    self.finding(premise.split(":", 1)[1], depth + 1)
                else:
                    self.record(premise, depth + 1)
            if not justification["default"]:
                for absent in justification["absent"]:
                    self.add(depth + 1, "note", f"holds because there is {absent}")
        rest = justifications[MAX_JUSTIFICATIONS:]
        if rest:
            others = sorted({p.split(":", 1)[1] for j in rest for p in j["premises"]})
            self.add(
                depth + 1,
                "note",
                f"also supported by: {', '.join(others)} ({len(rest)} more justifications in the JSON output)",
            )
        if any(j["default"] for j in justifications):
            self.default_reason(subject, finding["value"], depth + 1)

    def default_reason(self, subject: str, value: str, depth: int) -> None:
        """A default conclusion holds because no rule for another value applied: say which failed."""
        self.add(depth, "note", "this is the default: no rule for another value applied")
        for gap in self.doc.get("default_reasons", {}).get(subject, []):
            self.gap(gap, depth + 1, expand_met=True)

    def record(self, node: str, depth: int) -> None:
        record = self.evidence.get(node)
        if record is None:
            self.add(depth, "evidence", node)
            return
        label = "judgment" if record["judgment"] else "evidence"
        where = f", source line {record['source_line']}" if record.get("source_line") else ""
        if record.get("section") == "history":
            where = ", placement history"
        self.add(depth, "evidence", f"{label} {record['record']} ({record['kind']}{where})")
        if record.get("quote"):
            self.add(depth + 1, "quote", f'"{_short(record["quote"])}"')
        if record.get("rationale"):
            self.add(depth + 1, "text", f"rationale: {_short(record['rationale'])}")

    def gap(self, gap: dict[str, Any], depth: int, expand_met: bool = False) -> None:
        """A rule that did not apply: the conditions that held, and those that failed."""
        alternative = f" (alternative {gap['alternative'] + 1})" if gap["alternative"] else ""
        self.add(depth, "key", f"[{gap['rule']}]{alternative} {gap['title']} ({gap['citation']}):")
        for held in gap.get("satisfied", []):
            self.add(depth + 1, "note", f"holds: {held['condition']}")
            if expand_met and held["finding"]:
                self.finding(held["finding"], depth + 2)
        for obstacle in gap["obstacles"]:
            self.add(
                depth + 1, "obstacle", f"fails: {obstacle['condition']} ({obstacle['detail']})"
            )
            for miss in obstacle["near_misses"]:
                self.add(
                    depth + 2, "evidence", f"{miss['record']} fails {'; '.join(miss['failed'])}"
                )
            for blocker in obstacle["blocking"]:
                if not blocker.startswith("finding:"):
                    self.record(f"evidence:{blocker}", depth + 2)
            for deeper in obstacle["deeper"]:
                self.gap(deeper, depth + 2, expand_met)


def outline(doc: dict[str, Any]) -> list[Line]:
    return _Outline(doc).build()


def text_of(lines: list[Line]) -> str:
    """Outline lines as terminal text."""
    out: list[str] = []
    for line in lines:
        if line.style == "heading":
            out.append("")
            out.append(
                line.text.upper()
                if line.depth == 0 and out[-1] == "" and len(out) > 1
                else line.text
            )
            continue
        out.append(
            "  " * line.depth
            + ("- " if line.depth and line.style not in ("quote", "text", "note") else "")
            + line.text
        )
    return "\n".join(out).strip() + "\n"


def markdown_of(lines: list[Line]) -> str:
    """Outline lines as markdown."""
    out: list[str] = []
    for line in lines:
        if line.style == "heading":
            out.append(f"\n{'#' if not out else '##'} {md_text(line.text)}\n")
        elif line.depth == 0:
            if out and out[-1].lstrip().startswith("- "):
                out.append("")  # end the list, or the line would continue its last item
            out.append(f"**{md_text(line.text)}**  ")
        else:
            text = md_text(line.text).replace("|", "\\|")
            if line.style == "quote":
                text = f"*{text}*"
            elif line.style == "finding":
                text = f"**{text}**"
            out.append("  " * (line.depth - 1) + f"- {text}")
    return "\n".join(out).strip() + "\n"


def html_of(lines: list[Line], title: str) -> str:
    """Outline lines as a standalone HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}"
        "ul{margin:.2rem 0}.quote{font-style:italic;color:#333}.obstacle{color:#8a1c1c}"
        ".finding{font-weight:600}.note{color:#555}</style></head><body>",
    ]
    depth = 0
    for line in lines:
        target = line.depth
        while depth > target:
            parts.append("</ul>")
            depth -= 1
        while depth < target:
            parts.append("<ul>")
            depth += 1
        text = html.escape(line.text)
        if line.style == "heading":
            level = 1 if not any(part.startswith("<h1>") for part in parts) else 2
            parts.append(f"<h{level}>{text}</h{level}>")
        elif target == 0:
            parts.append(f"<p><strong>{text}</strong></p>")
        else:
            parts.append(f'<li class="{line.style}">{text}</li>')
    while depth > 0:
        parts.append("</ul>")
        depth -= 1
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
