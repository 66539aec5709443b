"""Readable renderings of rule constructs shared by rules views, diffs and reports."""

from __future__ import annotations

from engine.models import ParamRef, Weighing, alternatives
from engine.reason.inference import describe_pattern


def _words(text: str) -> str:
    return " ".join(text.split())


def weighing_lines(weighing: Weighing) -> list[str]:
    """A weighing as readable lines: each term with its points and condition, then the bands."""
    spec = weighing.weigh
    lines: list[str] = []
    for term in spec.terms:
        group = f" [{term.group}]" if term.group else ""
        if term.finding is not None and isinstance(term.points, dict):
            mapped = ", ".join(f"{value} {points:+g}" for value, points in term.points.items())
            lines.append(f"term{group} {term.label}: finding '{term.finding}' ({mapped})")
            continue
        conditions = (
            " or ".join(
                " and ".join(describe_pattern(p) for p in alt) for alt in alternatives(term.when)
            )
            if term.when is not None
            else ""
        )
        worth = term.points if not isinstance(term.points, dict) else 0
        lines.append(f"term{group} {term.label}: {float(worth):+g} when {conditions}")
    for name, combine in sorted(spec.groups.items()):
        bounds = "".join(
            f", {label} {value:g}"
            for label, value in (("cap", combine.cap), ("floor", combine.floor))
            if value is not None
        )
        lines.append(f"group {name}: {combine.combine}{bounds}")
    for band in spec.bands:
        minimum = band.min
        shown = (
            f"parameter {minimum.param}"
            if isinstance(minimum, ParamRef)
            else ("the rest" if minimum is None else f"{minimum:g}")
        )
        lines.append(f"band {band.value}: from {shown}")
    for case in spec.silent:
        lines.append(
            f"when silent: {case.value or 'the band for the total'} ({_words(case.reason)})"
        )
    return lines
