"""The agreement table as text, markdown (for the README) or JSON."""

from __future__ import annotations

from collections.abc import Callable

from engine.assessment import canonical_json
from engine.corpus.validation import Row, Validation
from engine.report.markdown_page import markdown_page
from engine.report.mdtext import md_cell, md_text

SCHEMA = "tip-assess/validation/1"


def _pivot_text(row: Row) -> str:
    return "; ".join([pivot.label for pivot in row.pivots] + row.deciding()) or "-"


def _missing_text(row: Row) -> str:
    parts = []
    for item in row.missing:
        settle = ", ".join(item["settle_with"]) or "no evidence kind settles it directly"
        value = item["value"] if item["value"] is not None else "not concluded"
        parts.append(f"{item['subject']}={value} (settle with: {settle})")
    return "; ".join(parts)


def _summary_line(validation: Validation) -> str:
    summary = validation.summary()
    rate = validation.rate()
    if rate is None:
        head = "Agreement: no complete dossier has an official placement"
    else:
        head = (
            f"Agreement: {summary['agree']} of {summary['counted']} complete dossiers ({rate:.0%})"
        )
    tail = [f"{summary['disagree']} disagree"]
    if summary["stated_exceptions"]:
        tail.append(f"{summary['stated_exceptions']} stated exception(s)")
    if summary["not_counted"]:
        uncounted = [
            f"{row.country} {row.year} {row.status}" for row in validation.rows if not row.counted
        ]
        tail.append(f"not counted: {', '.join(uncounted)}")
    return f"{head}; {'; '.join(tail)}."


def render_text(validation: Validation) -> str:
    out = [
        f"Validation against {validation.expected_path} "
        f"(rules {validation.rulebook_label}, sha256 {validation.rules_sha256[:12]}; "
        f"engine tip-assess {validation.engine_version})",
        "",
    ]
    header = ("DOSSIER", "COMPLETENESS", "OFFICIAL", "ENGINE", "STATUS", "VERDICT")
    table = [
        (
            row.path,
            row.completeness,
            row.official.tier if row.official else "-",
            row.tier or "-",
            row.status,
            row.shown_verdict(),
        )
        for row in validation.rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    out.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row, cells in zip(validation.rows, table, strict=True):
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        out.append(f"    pivotal: {_pivot_text(row)}")
        if row.missing:
            out.append(f"    missing: {_missing_text(row)}")
        if row.official and row.official.exception and row.verdict != "agree":
            out.append(f"    exception: {row.official.exception}")
    out += ["", md_text(_summary_line(validation))]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return md_cell(text)


def render_markdown(validation: Validation) -> str:
    out = [
        f"Validation against `{validation.expected_path}` (rules {validation.rulebook_label}, "
        f"sha256 `{validation.rules_sha256[:12]}`; engine tip-assess {validation.engine_version})",
        "",
        "| Dossier | Completeness | Official | Engine | Status | Verdict | Pivotal findings "
        "| Missing evidence |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in validation.rows:
        cells = [
            f"{row.country} {row.year}",
            row.completeness,
            row.official.tier if row.official else "-",
            row.tier or "-",
            row.status,
            row.shown_verdict(),
            _pivot_text(row),
            _missing_text(row) or "-",
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", md_text(_summary_line(validation))]
    return "\n".join(out) + "\n"


def render_json(validation: Validation) -> str:
    document = {
        "schema": SCHEMA,
        "rulebook": validation.rulebook_label,
        "rules_version": validation.rules_version,
        "rules_sha256": validation.rules_sha256,
        "engine_version": validation.engine_version,
        "expected": validation.expected_path,
        "rows": [row.to_dict() for row in validation.rows],
        "summary": validation.summary(),
    }
    return canonical_json(document, indent=2) + "\n"


def render_html(validation: Validation) -> str:
    return markdown_page(render_markdown(validation), "Validation against official placements")


RENDERERS: dict[str, Callable[[Validation], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
}
