"""Renderers for an assessment document: text (for the terminal), markdown, html and json.

Text, Markdown and HTML are drawn from one reading of the document (engine/report/view.py), so
they say the same thing: the answer first (placement, the standards and criteria table, pillar
grades, fragility, evidence still needed), then the detail. JSON is the document itself.
"""

from __future__ import annotations

from typing import Any

from engine.assessment import canonical_json
from engine.report.context import ReportContext
from engine.report.view import DETAILS

__all__ = ["DETAILS", "render"]


def render(
    doc: dict[str, Any],
    fmt: str,
    context: ReportContext | None = None,
    detail: str = "standard",
    color: bool = False,
) -> str:
    """The document in `fmt`; `detail` (summary|standard|full) applies to text and markdown."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail level {detail!r}")
    if fmt == "json":
        public = {k: v for k, v in doc.items() if not k.startswith("_")}
        return canonical_json(public, indent=2) + "\n"
    ctx = context or ReportContext()
    # Each renderer is imported when asked for: a command prints one format.
    if fmt == "markdown":
        from engine.report.markdown import render_markdown

        return render_markdown(doc, ctx, detail)
    if fmt == "html":
        from engine.report.html import render_html

        return render_html(doc, ctx)
    from engine.report.text import render_text

    return render_text(doc, ctx, detail, color)
