"""The assessment as Markdown, with the structure of the HTML report: the summary, contents,
the standards table, pillar grades, fragility, why not, the explanation, the evidence, the rules
with their text and the narrative with the quotes in bold, linked both ways by anchors.
`--detail summary` stops after the summary."""

from __future__ import annotations

from typing import Any

from engine.report.context import ReportContext, anchor
from engine.report.mdtext import md_text as _text
from engine.report.narrative import lines as narrative_lines
from engine.report.pieces import fragility_lines, missing_texts, weighing_summary, weighing_terms
from engine.report.view import Node, Summary, all_rows, explanation, summary

UNVERIFIED = "**[unverified]**"


def _cell(text: Any) -> str:
    return _text(" ".join(str(text).split())).replace("|", "\\|")


def _rule(doc: dict[str, Any], ctx: ReportContext, rule: str) -> str:
    mark = "" if doc["rules"].get(rule, {}).get("verified", True) else " " + UNVERIFIED
    return f"[`{rule}`]({ctx.links.to_rule(rule)}){mark}"


def _tree(
    out: list[str], doc: dict[str, Any], ctx: ReportContext, nodes: list[Node], depth: int
) -> None:
    for node in nodes:
        text = _cell(node.text)
        if node.kind == "quote" and node.record:
            text = f"[“{text}”]({ctx.links.to_quote(node.record)})"
        elif node.kind == "record" and node.record:
            text = f"[{text}]({ctx.links.to_record(node.record)})"
        elif node.kind == "fails":
            text = f"✗ {text}"
        elif node.kind == "holds":
            text = f"✓ {text}"
        elif node.kind == "finding":
            text = f"**{text}**"
        if node.rule:
            text += " " + _rule(doc, ctx, node.rule)
        elif node.unverified:
            text += " " + UNVERIFIED
        out.append("  " * depth + f"- {text}")
        _tree(out, doc, ctx, node.children, depth + 1)


def _summary(out: list[str], doc: dict[str, Any], ctx: ReportContext, view: Summary) -> list[str]:
    """The summary sections; returns the (title) of each section for the contents."""
    titles = []

    def section(title: str) -> None:
        titles.append(title)
        out.extend(["", f"## {title}", ""])

    missing = [f"- {_cell(text)}" for text in missing_texts(view.missing)]
    if missing and view.needs_evidence_first:
        section("Evidence still needed")
        out.extend(missing)
    if view.conflicts:
        section("Conflicting conclusions")
        out.extend(f"- {_cell(c)}" for c in view.conflicts)
    section("Standards, criteria and tier tests")
    out.extend(["| Finding | Value | Reason | Rule |", "|---|---|---|---|"])
    for group in view.sections:
        out.append(f"| **{_cell(group.title)}** | | | |")
        for row in group.rows:
            rules = ", ".join(_rule(doc, ctx, r) for r in row.rules) or "—"
            out.append(
                f"| {_cell(row.title)} | **{_cell(row.label.text)}** | {_cell(row.reason)} | {rules} |"
            )
    if view.pillars:
        section("Pillar grades")
        for row in view.pillars:
            out.append(
                f"- **{_cell(row.title)}: {_cell(row.label.text)}** ({', '.join(_rule(doc, ctx, r) for r in row.rules)})"
            )
            out.append(f"  - {_cell(weighing_summary(row.weighing or {}, ctx, row.subject))}")
            out.extend(f"  - {_cell(t)}" for t in weighing_terms(row.weighing or {}, ctx))
    if view.fragility is not None:
        head, items = fragility_lines(view.fragility, ctx, view.outcome_subject)
        section(head)
        out.extend(f"- {_cell(i)}" for i in items)
    if missing and not view.needs_evidence_first:
        section("Evidence still needed")
        out.extend(missing)
    return titles


def render_markdown(doc: dict[str, Any], ctx: ReportContext, detail: str = "standard") -> str:
    view = summary(doc, ctx)
    head = [
        f"# {_text(doc['country'])}, report year {doc['report_year']}: {view.placement.text} ({view.status})",
        "",
        f"The placement is {view.status}: {view.status_note}.",
    ]
    if view.placement_rule:
        head += [
            "",
            f"Placed by {_rule(doc, ctx, view.placement_rule)}: {_cell(view.placement_title)} ({_cell(view.placement_citation)}).",
        ]
    head += [
        "",
        f"Rules: {view.rulebook}, {view.rules_in_force} rules in force; engine tip-assess "
        f"{view.engine}.",
    ]
    used = list(dict.fromkeys(r for row in all_rows(view) for r in row.unverified))
    if used:
        head += [
            "",
            f"> {UNVERIFIED} {len(used)} rule(s) behind these findings rest on law the project could not confirm: {', '.join(_rule(doc, ctx, r) for r in used)}",
        ]
    body: list[str] = []
    titles = _summary(body, doc, ctx, view)
    if detail != "summary":
        if view.why_not:
            title = f"Why not {view.why_not_target}" if view.why_not_target else "Why no placement"
            titles.append(title)
            body += ["", f"## {title}", ""]
            _tree(body, doc, ctx, view.why_not, 0)
        titles.append("Explanation, finding by finding")
        body += ["", "## Explanation, finding by finding", ""]
        for node in explanation(doc, ctx, all_rows(view)):
            body.append(f'<a id="finding-{anchor(node.subject or "")}"></a>')
            _tree(body, doc, ctx, [node], 0)
        titles.append("Evidence the findings rest on")
        body += ["", "## Evidence the findings rest on", ""]
        for record in (r for r in doc["evidence"] if r.get("used")):
            name = record["record"]
            line = (
                f", narrative [line {record['source_line']}]({ctx.links.to_quote(name)})"
                if record.get("source_line")
                else ""
            )
            body.append(f'- <a id="record-{anchor(name)}"></a>**{name}** ({record["kind"]}{line})')
            if record.get("quote"):
                body.append(f"  > “{_cell(record['quote'])}”")
            if record.get("rationale"):
                body.append(f"  - rationale: {_cell(record['rationale'])}")
        titles.append("Rules referenced")
        body += ["", "## Rules referenced", ""]
        for rule_id, rule in sorted(doc["rules"].items()):
            refs = " ".join(f"<{url}>" for url in ctx.references.get(rule_id, []))
            mark = "" if rule["verified"] else " " + UNVERIFIED
            body.append(
                f'- <a id="rule-{anchor(rule_id)}"></a>`{rule_id}` **{_cell(rule["title"])}**{mark}: {_cell(rule["citation"])}; in force {rule["in_force"]}; {rule["defined_at"]}'
            )
            if rule.get("note"):
                body.append(f"  - note: {_cell(rule['note'])}")
            body.append(f"  > “{_cell(rule['text'])}”")
            if refs:
                body.append(f"  - reference: {refs}")
        if ctx.narrative is not None:
            titles.append("Narrative")
            body += [
                "",
                "## Narrative",
                "",
                f"{_text(doc['source']['title'])}; quotes the dossier records are in bold.",
                "",
            ]
            quotes = {r["record"]: r["quote"] for r in doc["evidence"] if r.get("quote")}
            for number, pieces in narrative_lines(ctx.narrative, quotes):
                text = "".join(p.text for p in pieces)
                if not text.strip():
                    continue
                parts = []
                for piece in pieces:
                    anchors = "".join(f'<a id="quote-{anchor(r)}"></a>' for r in piece.starts)
                    chunk = _text(piece.text)
                    parts.append(f"{anchors}**{chunk.strip()}** " if piece.records else chunk)
                body.append(f'<a id="line-{number}"></a>{number}. ' + "".join(parts).strip())
                body.append("")
        prov = doc["provenance"]
        titles.append("Provenance")
        body += ["", "## Provenance", ""] + [f"- {k}: `{prov[k]}`" for k in sorted(prov)]
    toc = ["", "## Contents", ""] + [f"{n}. [{t}](#{_slug(t)})" for n, t in enumerate(titles, 1)]
    return "\n".join(head + toc + body).rstrip() + "\n"


def _slug(title: str) -> str:
    """The anchor a Markdown renderer (GitHub's rule) gives a heading."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")
