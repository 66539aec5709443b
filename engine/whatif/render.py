"""What-if, sensitivity and consistency reports as text, markdown, html and json.

A what-if is drawn as outline lines (the summary and the flipped findings), followed by the
variant's own report as `assess` prints it, in the rulebook's words (a report context); in
HTML the what-if leads the variant's report page. Without a context, the explanation outline.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from engine.assessment import canonical_json
from engine.report.assessment import render
from engine.report.context import ReportContext
from engine.report.markdown_page import markdown_page
from engine.report.mdtext import md_cell
from engine.report.outline import Line, html_of, markdown_of, outline, text_of
from engine.whatif.consistency import Consistency
from engine.whatif.sensitivity import Sensitivity
from engine.whatif.variant import WhatIf


def _label(side: dict[str, Any]) -> str:
    return f"{side['tier'] or 'no placement'} ({side['status']})"


def _flip_text(flip: dict[str, Any], ctx: ReportContext | None) -> str:
    """'Criterion 7, action against complicit officials: Not met → Met' (codes without labels)."""
    if ctx is None:
        before = flip["before"] or "(not concluded)"
        after = flip["after"] or "(not concluded)"
        return f"{flip['subject']}: {before} → {after}  ({flip['title']})"
    if flip["subject"] == "placement":  # tiers are their own names
        return f"{flip['title']}: {flip['before'] or 'no placement'} → {flip['after'] or 'no placement'}"
    before_label = ctx.label(flip["subject"], flip["before"]).text
    after_label = ctx.label(flip["subject"], flip["after"]).text
    return f"{flip['title']}: {before_label} → {after_label}"


def whatif_lines(result: WhatIf, ctx: ReportContext | None = None) -> list[Line]:
    doc = result.to_dict()
    before, after = doc["before"], doc["after"]
    lines = [
        Line(0, "heading", f"What if: {doc['country']}, report year {doc['report_year']}"),
        Line(0, "key", f"Dossier: {doc['dossier']} (nothing is written to it)"),
        Line(0, "key", "Changes:"),
    ]
    lines += [Line(1, "evidence", f"[{c['kind']}] {c['change']}") for c in doc["changes"]]
    if not doc["changes"]:
        lines.append(Line(1, "note", "none: the dossier as it is"))
    moved = "moved" if doc["moved"] else "unchanged"
    lines.append(Line(0, "key", f"Placement: {_label(before)} → {_label(after)} [{moved}]"))
    if (
        before["rules_sha256"] != after["rules_sha256"]
        or before["assessed_year"] != after["assessed_year"]
    ):
        lines.append(
            Line(
                1,
                "note",
                f"rules: sha256 {before['rules_sha256'][:12]}, report year {before['assessed_year']} "
                f"→ sha256 {after['rules_sha256'][:12]}, report year {after['assessed_year']}",
            )
        )
    lines.append(Line(0, "heading", f"Findings that flipped: {len(doc['flipped'])}"))
    for flip in doc["flipped"]:
        lines.append(
            Line(
                1,
                "finding",
                _flip_text(flip, ctx),
            )
        )
        lines.append(
            Line(
                2,
                "note",
                f"concluded by: {', '.join(flip['rules_before']) or '-'} → "
                f"{', '.join(flip['rules_after']) or '-'}",
            )
        )
        if flip["changed_inputs"]:
            lines.append(
                Line(2, "note", f"changed evidence beneath it: {', '.join(flip['changed_inputs'])}")
            )
        if flip["changed_parameters"]:
            lines.append(
                Line(
                    2,
                    "note",
                    f"changed parameter read by its rules: {', '.join(flip['changed_parameters'])}",
                )
            )
        if flip["follows_from"]:
            causes = [ctx.title(subject) if ctx else subject for subject in flip["follows_from"]]
            lines.append(Line(2, "note", f"follows from: {', '.join(causes)}"))
    lines.append(Line(0, "heading", "The variant's assessment"))
    return lines


def render_whatif(result: WhatIf, fmt: str, ctx: ReportContext | None = None) -> str:
    """The what-if in `fmt`; `ctx` (the rulebook's labels) gives findings their plain names."""
    if fmt == "json":
        return canonical_json(result.to_dict(), indent=2) + "\n"
    lines = whatif_lines(result, ctx)
    variant = result.variant.document
    if fmt == "markdown":
        # The variant's report sits under "## The variant's assessment": its headings go two
        # levels down (its title becomes ###).
        report = re.sub(r"(?m)^(#{1,4}) ", r"##\1 ", render(variant, "markdown", ctx))
        return markdown_of(lines) + "\n" + report
    if fmt == "html":
        doc = result.base.document
        title = f"tip-assess what-if: {doc['country']} {doc['report_year']}"
        if ctx is None:  # no rulebook words: the explanation outline
            return html_of(lines + outline(variant), title)
        return _whatif_page(lines, render(variant, "html", ctx), title)
    return text_of(lines) + "\n" + render(variant, "text", ctx)


def _whatif_page(lines: list[Line], report: str, title: str) -> str:
    """The variant's HTML report, led by a section that says what changed and what flipped."""
    section = ['<section id="what-if" class="card">']
    pending: list[Line] = []  # the lines under the last paragraph, nested as lists

    def flush() -> None:
        if pending:
            section.append(_list(pending, pending[0].depth))
            pending.clear()

    for line in lines:
        if line.depth > 0:
            pending.append(line)
            continue
        flush()
        text = html.escape(line.text)
        if line.style == "heading":
            level = 1 if len(section) == 1 else 2
            section.append(f"<h{level}>{text}</h{level}>")
        else:
            section.append(f"<p><strong>{text}</strong></p>")
    flush()
    section.append("</section>")
    page = report.replace("<body>\n", "<body>\n" + "".join(section) + "\n", 1)
    return re.sub(r"<title>[^<]*</title>", f"<title>{html.escape(title)}</title>", page, count=1)


def _list(items: list[Line], depth: int) -> str:
    out = ["<ul>"]
    index = 0
    while index < len(items):
        line = items[index]
        below: list[Line] = []
        index += 1
        while index < len(items) and items[index].depth > depth:
            below.append(items[index])
            index += 1
        inner = _list(below, below[0].depth) if below else ""
        out.append(f'<li class="{line.style}">{html.escape(line.text)}{inner}</li>')
    out.append("</ul>")
    return "".join(out)


# --------------------------------------------------------------------------- sensitivity


def _placement(row: dict[str, Any]) -> str:
    return f"{row['tier'] or 'no placement'} ({row['status']})"


def _item(item: dict[str, Any]) -> str:
    return f"[{item['kind']}] {item['change']} → {item['placement']} ({item['status']})"


def _pair(pair: dict[str, Any]) -> str:
    changes = " + ".join(change["change"] for change in pair["changes"])
    return f"{changes} → {pair['placement']} ({pair['status']})"


def _summary_lines(summary: dict[str, Any], depth: int) -> list[str]:
    histogram = ", ".join(
        f"{count} with {items}" for items, count in summary["deciding_items_per_dossier"].items()
    )
    lines = [
        f"{summary['resting_on_one_item']} of {summary['dossiers']} placements rest on a single "
        f"item (one change moves them); {summary['robust']} are robust.",
        f"Deciding items per dossier: {histogram or 'none'}.",
        f"Changes tried: {summary['changes_tried']} ({summary['changes_skipped']} skipped: no rule "
        "in force reads them)"
        + (f"; pairs tried: {summary['pairs_tried']}" if depth > 1 else "")
        + ".",
    ]
    return lines


def render_sensitivity(report: Sensitivity, fmt: str) -> str:
    if fmt == "html":
        return markdown_page(render_sensitivity(report, "markdown"), "Sensitivity")
    doc = report.to_dict()
    summary = doc["summary"]
    if fmt == "json":
        return canonical_json(doc, indent=2) + "\n"
    if fmt == "markdown":
        return _sensitivity_markdown(report, doc)
    out = [
        f"Sensitivity (rules {doc['rulebook']}, sha256 {doc['rules_sha256'][:12]}, "
        f"engine tip-assess {doc['engine_version']}, depth {doc['depth']})",
        "",
    ]
    for row in doc["dossiers"]:
        verdict = (
            "robust" if row["robust"] else f"fragile ({len(row['deciding'])} deciding item(s))"
        )
        out.append(
            f"{row['dossier']}: {_placement(row)}: {verdict}; {row['tried']} change(s) tried"
        )
        out += [f"    {_item(item)}" for item in row["items"]]
        out += [f"    pair: {_pair(pair)}" for pair in row["pairs"]]
    out += ["", "SUMMARY", *_summary_lines(summary, doc["depth"])]
    if summary["deciding_most_often"]:
        out.append("Deciding most often (dossiers):")
        out += [f"  {e['dossiers']}  {e['category']}" for e in summary["deciding_most_often"]]
    if summary["deciding_pairs"]:
        out.append("Deciding pairs (dossiers):")
        out += [f"  {e['dossiers']}  {e['categories']}" for e in summary["deciding_pairs"]]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return md_cell(text)


def _sensitivity_markdown(report: Sensitivity, doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    out = [
        f"Sensitivity of every placement (rules {doc['rulebook']}, sha256 "
        f"`{doc['rules_sha256'][:12]}`, engine tip-assess {doc['engine_version']}, "
        f"depth {doc['depth']}):",
        "",
        "| Dossier | Placement | Robust | Single changes that move it |",
        "| --- | --- | --- | --- |",
    ]
    for row in doc["dossiers"]:
        moves = [_item(item) for item in row["items"]] + [f"pair: {_pair(p)}" for p in row["pairs"]]
        cells = [
            f"{row['country']} {row['report_year']}",
            _placement(row),
            "yes" if row["robust"] else "no",
            "; ".join(moves) or "-",
        ]
        out.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    out += ["", *_summary_lines(summary, doc["depth"]), ""]
    if summary["deciding_most_often"]:
        out += ["| Deciding change (any dossier's record) | Dossiers |", "| --- | --- |"]
        out += [
            f"| {_cell(e['category'])} | {e['dossiers']} |" for e in summary["deciding_most_often"]
        ]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- consistency


def render_consistency(report: Consistency, fmt: str) -> str:
    if fmt == "html":
        return markdown_page(render_consistency(report, "markdown"), "Consistency")
    doc = report.to_dict()
    if fmt == "json":
        return canonical_json(doc, indent=2) + "\n"
    md = fmt == "markdown"
    esc: Callable[[Any], str] = md_cell if md else str  # a dossier's text, never markup
    summary = doc["summary"]
    bullet = "- " if md else "  "
    out = [
        ("# " if md else "") + "Consistency: like findings, like placements?",
        "",
        f"Rules: {doc['rulebook']} (sha256 {doc['rules_sha256'][:12]}); "
        f"engine tip-assess {doc['engine_version']}.",
        f"Compared findings: {', '.join(doc['compared_findings'])}.",
        f"Official placements: {doc['expected'] or 'not given (--expected)'}.",
        "Equivalent dossiers (same report year, same compared findings): "
        + ("; ".join(" = ".join(map(esc, group)) for group in doc["equivalent_groups"]) or "none")
        + ".",
        "",
        ("## " if md else "")
        + f"Like findings, unlike placements: {summary['inconsistent_groups']} group(s) "
        f"(of {summary['equivalent_groups']} group(s) of equivalent dossiers)",
        "",
    ]
    for group in doc["like_findings_unlike_placements"]:
        shown = ", ".join(f"{k}={esc(v)}" for k, v in group["findings"].items())
        out.append(f"{bullet}report year {group['year']}, findings: {shown}")
        for case in group["dossiers"]:
            out.append(
                f"{'  ' if md else '    '}{'- ' if md else ''}{esc(case['country'])} {case['year']}: "
                f"engine {case['engine']} ({case['status']}), official {case['official'] or '-'}; "
                f"facts the others lack: {'; '.join(map(esc, case['differing_facts'])) or 'none'}"
            )
    out += [
        "",
        ("## " if md else "") + f"Like placements, unlike findings (distance ≥ {doc['far']}): "
        f"{summary['far_apart_pairs']} pair(s)",
        "",
    ]
    for pair in doc["like_placements_unlike_findings"]:
        a, b = pair["dossiers"]
        out.append(
            f"{bullet}{esc(a['country'])} and {esc(b['country'])} {pair['year']}: "
            f"both {pair['placement']} "
            f"({' and '.join(pair['same'])}), distance {pair['distance']}"
        )
        for finding in pair["differing_findings"]:
            left, right = (value or "(not concluded)" for value in finding["values"])
            out.append(
                f"{'  ' if md else '    '}{'- ' if md else ''}{finding['subject']}: "
                f"{esc(left)} ({esc(a['country'])}) vs {esc(right)} ({esc(b['country'])})"
            )
    return "\n".join(out).rstrip("\n") + "\n"
