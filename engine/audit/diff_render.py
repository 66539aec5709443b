"""The semantic diff as text or markdown (for a review) or JSON."""

from __future__ import annotations

import difflib
from typing import Any

from engine.assessment import canonical_json
from engine.audit.diff_model import AFFECTING, EDITORIAL, Change, Detail, RulesDiff
from engine.reason.describe import shown_value
from engine.report.markdown_page import markdown_page


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value) if value else "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return canonical_json(value)
    return shown_value(value)


def _detail_lines(detail: Detail, indent: str) -> list[str]:
    if detail.aspect == "value":
        return [
            f"{indent}value for report years {detail.years}: "
            f"{_shown(detail.before)} → {_shown(detail.after)}"
        ]
    if detail.aspect == "condition":
        before = detail.before or []
        after = detail.after or []
        lines = [f"{indent}condition:"]
        for line in difflib.ndiff(before, after):
            tag = line[:1]
            if tag == "?":
                continue
            mark = {"-": "-", "+": "+"}.get(tag, " ")
            lines.append(f"{indent}  {mark} {line[2:]}")
        if not before and not after:
            lines.append(f"{indent}    (no condition)")
        return lines
    if (
        isinstance(detail.before, str)
        and isinstance(detail.after, str)
        and (len(detail.before) + len(detail.after) > 80)
    ):
        return [
            f"{indent}{detail.aspect}:",
            f"{indent}  before: {detail.before}",
            f"{indent}  after:  {detail.after}",
        ]
    return [f"{indent}{detail.aspect}: {_shown(detail.before)} → {_shown(detail.after)}"]


def _heading(change: Change) -> str:
    action = {
        "renamed": f"renamed from {change.old_id}",
    }.get(change.action, change.action)
    return f"{change.kind} {change.id} ({action}): {change.title}"


def _change_lines(change: Change, indent: str = "  ") -> list[str]:
    lines = [f"{indent}{_heading(change)}"]
    sub = indent + "  "
    if change.citation and not any(d.aspect == "citation" for d in change.details):
        lines.append(f"{sub}citation: {change.citation}")
    if change.defined_at:
        lines.append(f"{sub}defined at {change.defined_at}")
    for detail in change.details:
        lines.extend(_detail_lines(detail, sub))
    if change.kind == "parameter":
        lines.append(
            f"{sub}read by: {', '.join(change.used_by)}"
            if change.used_by
            else f"{sub}read by no rule"
        )
    if change.changelog:
        lines.append(f"{sub}changelog:")
        for entry in change.changelog:
            mark = "  (new)" if entry["new"] else ""
            lines.append(f"{sub}  {entry['date']} {entry['author']}: {entry['reason']}{mark}")
    for warning in change.warnings:
        lines.append(f"{sub}warning: {warning}")
    return lines


def _side(info: dict[str, Any]) -> str:
    return f"{info['label']} ({info['name']} {info['version']}, sha256 {info['rules_sha256'][:12]})"


def render_diff(diff: RulesDiff, fmt: str) -> str:
    if fmt == "json":
        return canonical_json(diff.to_dict(), indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(diff)
    if fmt == "html":
        title = f"Rules diff: {diff.base['label']} → {diff.head['label']}"
        return markdown_page(_markdown(diff), title)
    lines = [
        f"Rules diff: {_side(diff.base)} → {_side(diff.head)}",
        f"engine: tip-assess {diff.engine_version}",
        f"{len(diff.changes)} change(s): {diff.count(AFFECTING)} outcome-affecting, "
        f"{diff.count(EDITORIAL)} editorial",
    ]
    if diff.versioning is not None:
        lines.append(diff.versioning.sentence())
    if not diff.changes:
        lines.append("The rulebooks are the same in substance.")
    for grade in (AFFECTING, EDITORIAL):
        group = [c for c in diff.changes if c.grade == grade]
        if not group:
            continue
        lines += ["", grade.upper()]
        for change in group:
            lines.extend(_change_lines(change))
    return "\n".join(lines) + "\n"


def _markdown(diff: RulesDiff) -> str:
    lines = [
        "# Rules diff",
        "",
        f"- base: `{diff.base['label']}` ({diff.base['name']} {diff.base['version']}, "
        f"sha256 `{diff.base['rules_sha256'][:12]}`)",
        f"- head: `{diff.head['label']}` ({diff.head['name']} {diff.head['version']}, "
        f"sha256 `{diff.head['rules_sha256'][:12]}`)",
        f"- engine: tip-assess {diff.engine_version}",
        f"- {len(diff.changes)} change(s): **{diff.count(AFFECTING)} outcome-affecting**, "
        f"{diff.count(EDITORIAL)} editorial",
    ]
    if diff.versioning is not None:
        lines.append(f"- {diff.versioning.sentence()}")
    for grade in (AFFECTING, EDITORIAL):
        group = [c for c in diff.changes if c.grade == grade]
        if not group:
            continue
        lines += ["", f"## {grade.capitalize()}"]
        for change in group:
            lines += ["", f"### {change.kind} `{change.id}` — {change.action}", ""]
            if change.old_id:
                lines.append(f"Renamed from `{change.old_id}`.  ")
            lines.append(f"{change.title}  ")
            if change.citation:
                lines.append(f"*{change.citation}*  ")
            if change.defined_at:
                lines.append(f"Defined at `{change.defined_at}`")
            lines.append("")
            for detail in change.details:
                if detail.aspect == "condition":
                    lines += ["Condition:", "", "```diff"]
                    lines += [line[2:] for line in _detail_lines(detail, "")[1:]]
                    lines += ["```", ""]
                else:
                    text = _detail_lines(detail, "")
                    lines += [f"- {line.strip()}" for line in text]
            if change.kind == "parameter":
                lines.append(
                    "- read by: " + (", ".join(f"`{r}`" for r in change.used_by) or "no rule")
                )
            if change.changelog:
                lines += ["", "Changelog:", ""]
                for entry in change.changelog:
                    mark = " **(new)**" if entry["new"] else ""
                    lines.append(f"- {entry['date']} {entry['author']}: {entry['reason']}{mark}")
            for warning in change.warnings:
                lines += ["", f"> **Warning:** {warning}"]
    return "\n".join(lines) + "\n"
