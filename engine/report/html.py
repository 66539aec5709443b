"""The assessment as one self-contained HTML page (no network): a summary card, contents, the
standards table, pillar grades, fragility, why not the next placement, the explanation in
collapsible sections, the evidence, the rules with their statutory text, and the narrative with
every quote highlighted. Styles are inline, with a print stylesheet (page numbers, A4 or Letter).

`report_body` is also what `tip-assess serve` shows for one dossier, with its own links.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any

from engine.report.context import ReportContext, anchor
from engine.report.narrative import narrative_html
from engine.report.pieces import fragility_lines, missing_texts, weighing_summary, weighing_terms
from engine.report.view import (
    Node,
    Row,
    Summary,
    all_rows,
    explanation,
    summary,
    why_not_chain,
)


def e(text: Any) -> str:
    return html.escape(str(text))


def stylesheet() -> str:
    return resources.files("engine.report").joinpath("report.css").read_text(encoding="utf-8")


UNVERIFIED = '<span class="unverified" title="The legal basis of this rule is unconfirmed (verified: false)">[unverified]</span>'


def _plain_rule_link(ctx: ReportContext, rule: str) -> str:
    return f'<a class="rule-id" href="{e(ctx.links.to_rule(rule))}">{e(rule)}</a>'


def _rule_link(ctx: ReportContext, doc: dict[str, Any], rule: str) -> str:
    mark = "" if doc["rules"].get(rule, {}).get("verified", True) else " " + UNVERIFIED
    return f'<a class="rule-id" href="{e(ctx.links.to_rule(rule))}">{e(rule)}</a>{mark}'


def _rules_cell(ctx: ReportContext, doc: dict[str, Any], row: Row) -> str:
    """The rule of the reason shown, and how many more (each is in the explanation)."""
    if not row.rules:
        return "—"
    more = len(row.rules) - 1
    tail = (
        f'<br><a class="small" href="#finding-{e(anchor(row.subject))}">and {more} more</a>'
        if more
        else ""
    )
    return _rule_link(ctx, doc, row.rules[0]) + tail


def _shared_rows(ctx: ReportContext, doc: dict[str, Any], rows: list[Row]) -> str:
    """Rows the narrative or dossier is silent on, with the same value, share one table row
    (as in the text): the names, the value, the reason of the first and each one's rule."""
    first = rows[0]
    names = ", ".join(row.name for row in rows)
    anchors = "".join(f'<span id="row-{e(anchor(row.subject))}"></span>' for row in rows)
    rules = "<br>".join(_rule_link(ctx, doc, row.rules[0]) for row in rows if row.rules)
    return (
        f'<tr><th scope="row">{anchors}{e(names)}</th>'
        f'<td class="value tone-{e(first.label.tone)}">{e(first.label.text)}</td>'
        f"<td>{e(first.reason)}</td><td>{rules}</td></tr>"
    )


def _section_rows(ctx: ReportContext, doc: dict[str, Any], rows: list[Row]) -> str:
    by_value: dict[str, list[Row]] = {}
    for row in rows:
        if row.label.tone == "unknown" and not row.weighing:
            by_value.setdefault(row.label.text, []).append(row)
    shared = {value: group for value, group in by_value.items() if len(group) > 1}
    out, done = [], set()
    for row in rows:
        group = shared.get(row.label.text) if row.label.tone == "unknown" else None
        if group and not row.weighing:
            if row.label.text not in done:
                done.add(row.label.text)
                out.append(_shared_rows(ctx, doc, group))
            continue
        out.append(_row(ctx, doc, row))
    return "".join(out)


def _row(ctx: ReportContext, doc: dict[str, Any], row: Row) -> str:
    rules = _rules_cell(ctx, doc, row)
    short = weighing_summary(row.weighing, ctx, row.subject, False) if row.weighing else ""
    points = (
        f'<br><span class="small">{e(short)}</span>'
        if short and short.split(":")[0].split(" (")[0] not in row.reason
        else ""
    )
    return (
        f'<tr id="row-{e(anchor(row.subject))}"><th scope="row">{e(row.title)}</th>'
        f'<td class="value tone-{e(row.label.tone)}">{e(row.label.text)}</td>'
        f"<td>{e(row.reason)}{points}</td><td>{rules}</td></tr>"
    )


def _table(ctx: ReportContext, doc: dict[str, Any], view: Summary) -> str:
    parts = [
        '<table class="summary"><colgroup><col class="c-name"><col class="c-value">'
        '<col class="c-reason"><col class="c-rule"></colgroup>'
        "<thead><tr><th>Finding</th><th>Value</th><th>Reason</th><th>Rule</th></tr></thead>"
    ]
    for section in view.sections:
        parts.append(
            f'<tbody><tr><th scope="colgroup" colspan="4">{e(section.title)}</th></tr>'
            + _section_rows(ctx, doc, section.rows)
            + "</tbody>"
        )
    parts.append("</table>")
    return "".join(parts)


def _tree(
    ctx: ReportContext, doc: dict[str, Any], nodes: list[Node], ids: set[str] | None = None
) -> str:
    """Nested lists; a record's anchor goes on its first appearance with its quote (`ids`
    holds the anchors already placed on the page)."""
    ids = set() if ids is None else ids
    if not nodes:
        return ""
    items = []
    for node in nodes:
        if node.kind == "quote" and node.record:
            body = f'<blockquote><a href="{e(ctx.links.to_quote(node.record))}">“{e(node.text)}”</a></blockquote>'
        elif node.kind == "record" and node.record:
            target = f"record-{anchor(node.record)}"
            if node.children and target not in ids:  # first shown with its quote: anchor here
                ids.add(target)
                items.append(
                    f'<li class="record" id="{e(target)}">{e(node.text)}'
                    f"{_tree(ctx, doc, node.children, ids)}</li>"
                )
                continue
            if node.children:
                items.append(
                    f'<li class="record">{e(node.text)}{_tree(ctx, doc, node.children, ids)}</li>'
                )
                continue
            if target not in ids and not _has_quote(doc, node.record):
                # A record with no quote (a generated fact): anchored where it first appears.
                ids.add(target)
                items.append(f'<li class="record" id="{e(target)}">{e(node.text)}</li>')
                continue
            body = f'<a href="{e(ctx.links.to_record(node.record))}">{e(node.text)}</a>'
        elif node.kind == "miss" and node.record:
            body = f'<a href="{e(ctx.links.to_quote(node.record))}">{e(node.text)}</a>'
        elif node.kind == "ref" and node.subject:
            body = f'rests on <a href="#finding-{e(anchor(node.subject))}">{e(node.text)}</a>'
        else:
            body = e(node.text)
        if node.rule:
            body += " " + _rule_link(ctx, doc, node.rule)
        elif node.unverified:
            body += " " + UNVERIFIED
        items.append(f'<li class="{e(node.kind)}">{body}{_tree(ctx, doc, node.children, ids)}</li>')
    return f'<ul class="tree">{"".join(items)}</ul>'


def _pillars(ctx: ReportContext, doc: dict[str, Any], view: Summary) -> str:
    parts = []
    for row in view.pillars:
        terms = weighing_terms(row.weighing or {}, ctx)
        parts.append(
            f'<div class="pillar" id="pillar-{e(anchor(row.subject))}"><h3>{e(row.title)}: '
            f'<span class="tone-{e(row.label.tone)}">{e(row.label.text)}</span></h3>'
            f"<p>{e(weighing_summary(row.weighing or {}, ctx, row.subject))}. "
            f"Rule: {', '.join(_rule_link(ctx, doc, r) for r in row.rules)}</p>"
            + (
                '<details class="terms"><summary>Points, term by term</summary><ul>'
                + "".join(f"<li>{e(t)}</li>" for t in terms)
                + "</ul></details>"
                if terms
                else ""
            )
            + "</div>"
        )
    return "".join(parts)


def _rules(ctx: ReportContext, doc: dict[str, Any]) -> str:
    """Each rule referenced, collapsed to its id and title; open: citation, years, note,
    statutory text and references. A link to `#rule-<id>` opens it (browsers open a closed
    <details> to show a fragment's target: no script is needed)."""
    parts = []
    for rule_id, rule in sorted(doc["rules"].items()):
        refs = ctx.references.get(rule_id, [])
        links = " ".join(f'<a href="{e(url)}">{e(url)}</a>' for url in refs)
        note = (
            f"<p><strong>Note:</strong> {e(' '.join(str(rule['note']).split()))}</p>"
            if rule.get("note")
            else ""
        )
        parts.append(
            f'<details class="rule"><summary><code>{e(rule_id)}</code> {e(rule["title"])}'
            f"{' ' + UNVERIFIED if not rule['verified'] else ''}</summary>"
            f'<div id="rule-{e(anchor(rule_id))}">'
            f'<p class="small">{e(rule["citation"])}; in force {e(rule["in_force"])}; '
            f"defined at {e(rule['defined_at'])}</p>{note}"
            f'<p class="text">“{e(" ".join(str(rule["text"]).split()))}”</p>'
            + (f'<p class="small">Reference: {links}</p>' if links else "")
            + "</div></details>"
        )
    return "".join(parts)


def _has_quote(doc: dict[str, Any], record: str) -> bool:
    return any(r["record"] == record and r.get("quote") for r in doc["evidence"])


def _quoted(nodes: list[Node]) -> list[str]:
    """Records shown with their quote in a tree (where their anchor is)."""
    out = []
    for node in nodes:
        if node.kind == "record" and node.record and node.children:
            out.append(node.record)
        out.extend(_quoted(node.children))
    return out


def report_body(doc: dict[str, Any], ctx: ReportContext, narrative: bool = True) -> str:
    """The report without <html>/<head>: header card, contents and sections."""
    view = summary(doc, ctx)
    sections: list[tuple[str, str, str]] = []  # (id, title, html)
    missing = "<ul>" + "".join(f"<li>{e(t)}</li>" for t in missing_texts(view.missing)) + "</ul>"
    if view.missing and view.needs_evidence_first:
        sections.append(("evidence-needed", "Evidence still needed", missing))
    if view.conflicts:
        sections.append(
            (
                "conflicts",
                "Conflicting conclusions",
                "<ul>" + "".join(f"<li>{e(c)}</li>" for c in view.conflicts) + "</ul>",
            )
        )
    sections.append(("standards", "Standards, criteria and tier tests", _table(ctx, doc, view)))
    if view.pillars:
        sections.append(("pillars", "Pillar grades", _pillars(ctx, doc, view)))
    if view.fragility is not None:
        head, items = fragility_lines(view.fragility, ctx, view.outcome_subject)
        sections.append(
            ("fragility", head, "<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
        )
    if view.missing and not view.needs_evidence_first:
        sections.append(("evidence-needed", "Evidence still needed", missing))
    ids: set[str] = set()  # record anchors placed so far
    if view.why_not:
        title = f"Why not {view.why_not_target}" if view.why_not_target else "Why no placement"
        gaps = (doc.get("why_not") or {}).get("rules", [])
        chain = _tree(ctx, doc, why_not_chain(doc, ctx, gaps), ids)
        if view.status != "determined":
            chain = f"<details><summary>Each condition that fails, rule by rule</summary>{chain}</details>"
        sections.append(("why-not", title, chain))
    details = []
    explained = explanation(doc, ctx, all_rows(view))
    for node in explained:
        mark = " " + UNVERIFIED if node.unverified else ""
        details.append(
            f'<details id="finding-{e(anchor(node.subject or ""))}"><summary>{e(node.text)}{mark}</summary>'
            f"{_tree(ctx, doc, node.children, ids)}</details>"
        )
    sections.append(
        (
            "explanation",
            "Explanation, finding by finding",
            '<p class="small">Open a finding for its justifications, the records and quotes it '
            "rests on and, for a default value, why no other value applied.</p>"
            '<p class="small print-only">On paper the findings are those of the table above; '
            "their justifications, records and quotes are in the report on screen, and in "
            "<code>tip-assess assess --detail full</code>.</p>" + "".join(details),
        )
    )
    sections.append(("rules", "Rules referenced", _rules(ctx, doc)))
    if narrative and ctx.narrative is not None:
        quotes = {r["record"]: r["quote"] for r in doc["evidence"] if r.get("quote")}
        hrefs = {
            r: ctx.links.to_record(r) for r in _quoted(explained) if f"record-{anchor(r)}" in ids
        }
        sections.append(
            (
                "narrative",
                "Narrative",
                f'<p class="small">{e(doc["source"]["title"])} ({e(ctx.narrative_name or doc["source"]["file"])}). '
                "Highlighted: the quotes the dossier records.</p>"
                f'<div class="narrative">{narrative_html(ctx.narrative, quotes, hrefs)}</div>',
            )
        )
    prov = doc["provenance"]
    sections.append(
        (
            "provenance",
            "Provenance",
            '<ul class="prov small">'
            + "".join(f"<li>{e(k)}: <code>{e(prov[k])}</code></li>" for k in sorted(prov))
            + "</ul>",
        )
    )
    return (
        _card(ctx, doc, view)
        + _toc(sections)
        + "".join(
            f'<section id="{sid}"><h2>{e(title)}</h2>{body}</section>'
            for sid, title, body in sections
        )
    )


def _card(ctx: ReportContext, doc: dict[str, Any], view: Summary) -> str:
    used = list(dict.fromkeys(r for row in all_rows(view) for r in row.unverified))
    warn = (
        f'<p class="warn">{UNVERIFIED} {len(used)} rule{"s" if len(used) > 1 else ""} behind these '
        "findings rest on law the project could not confirm: "
        + ", ".join(_plain_rule_link(ctx, r) for r in used)
        + "</p>"
        if used
        else ""
    )
    placed = (
        f"<p>Placed by {_rule_link(ctx, doc, view.placement_rule)}: {e(view.placement_title)} "
        f"({e(view.placement_citation)})</p>"
        if view.placement_rule
        else ""
    )
    counts = [f"{len(s.rows)} {s.title.split(' (')[0].lower()}" for s in view.sections]
    return (
        f'<header class="card tone-{e(view.placement.tone)}" id="summary">'
        f'<p class="kicker">Trafficking in Persons assessment · report year {e(view.year)}</p>'
        f'<h1>{e(view.country)}: <span class="tone-{e(view.placement.tone)}">{e(view.placement.text)}</span> '
        f'<span class="status">({e(view.status)})</span></h1>'
        f"<p>The placement is {e(view.status)}: {e(view.status_note)}.</p>{placed}"
        f"<p>Rules: {e(view.rulebook)}, {e(view.rules_in_force)} rules in force; engine "
        f"tip-assess {e(view.engine)}. "
        f"Findings: {e(', '.join(counts))}.</p>{warn}</header>"
    )


def _toc(sections: list[tuple[str, str, str]]) -> str:
    items = "".join(f'<li><a href="#{sid}">{e(title)}</a></li>' for sid, title, _ in sections)
    return f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'


def render_html(doc: dict[str, Any], ctx: ReportContext) -> str:
    title = f"tip-assess: {doc['country']} {doc['report_year']}: {doc['tier'] or 'no placement'}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{stylesheet()}</style></head>\n<body>\n"
        f"{report_body(doc, ctx)}\n</body></html>\n"
    )
