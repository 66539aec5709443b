"""Readable renderings of rule constructs shared by rules views, diffs and reports."""

from __future__ import annotations

from typing import Any

from engine.models import AbsencePattern, EvidencePattern, ParamRef, Pattern, Weighing, alternatives


def shown_value(value: Any) -> str:
    """Values as a policy officer writes them in YAML: true/false, plain numbers, quoted text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown_value(item) for item in value) + "]"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


_DESCRIBED: dict[int, tuple[Pattern, str]] = {}


def describe_pattern(pattern: Pattern) -> str:
    """A readable rendering of one condition, for explanations and diffs (made once per
    pattern: explanations describe the rulebook's same patterns again and again)."""
    found = _DESCRIBED.get(id(pattern))
    if found is not None and found[0] is pattern:
        return found[1]
    if len(_DESCRIBED) > 8192:
        _DESCRIBED.clear()
    text = _describe(pattern)
    _DESCRIBED[id(pattern)] = (pattern, text)
    return text


def _describe(pattern: Pattern) -> str:
    if isinstance(pattern, AbsencePattern):
        inner = describe_pattern(pattern.none)
        return "no " + inner.removeprefix("any ")
    if isinstance(pattern, EvidencePattern):
        tests = []
        for name in sorted(pattern.where):
            test = pattern.where[name]
            if isinstance(test, bool | int | float | str):
                tests.append(f"{name} = {shown_value(test)}")
                continue
            for op, operand in test.operators():
                if hasattr(operand, "param"):
                    shown = f"parameter {operand.param}"
                elif hasattr(operand, "field"):
                    shown = f"its {operand.field}"
                else:
                    shown = shown_value(operand)
                if op == "exists":
                    tests.append(f"{name} {'recorded' if operand else 'not recorded'}")
                elif op == "in":
                    tests.append(f"{name} in {shown_value(list(operand))}")
                else:
                    tests.append(f"{name} {_SYMBOLS[op]} {shown}")
        suffix = f" with {', '.join(tests)}" if tests else ""
        return f"evidence '{pattern.evidence}'{suffix}"
    accepted = pattern.accepted()
    if accepted is None:
        return f"any finding on '{pattern.finding}'"
    return f"finding '{pattern.finding}' is {' or '.join(shown_value(v) for v in accepted)}"


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
