"""The impact report as text, markdown (for a review) or JSON."""

from __future__ import annotations

from engine.assessment import canonical_json
from engine.audit.diff_model import AFFECTING, EDITORIAL
from engine.audit.gitsource import RulebookSide
from engine.audit.impact import DossierImpact, Flip, ImpactReport
from engine.models import year_span
from engine.report.markdown_page import markdown_page


def _book(side: RulebookSide, quote: str = "") -> str:
    """`tvpa 0.2.0, sha256 2703df64eb3c`: which rulebook, by version and content."""
    info = side.book.info
    return f"{info.name} {info.version}, sha256 {quote}{side.book.sha256[:12]}{quote}"


def _value(value: str | None) -> str:
    return "(not concluded)" if value is None else value


def _flip_lines(flip: Flip, indent: str) -> list[str]:
    lines = [
        f"{indent}{flip.subject}: {_value(flip.before)} → {_value(flip.after)}  ({flip.title})",
        f"{indent}  concluded by: {', '.join(flip.rules_before) or '-'} → "
        f"{', '.join(flip.rules_after) or '-'}",
    ]
    for rule_id, reasons in flip.changed_rules.items():
        lines.append(f"{indent}  changed rule {rule_id}: {'; '.join(reasons)}")
    if flip.follows_from:
        lines.append(f"{indent}  follows from: {', '.join(flip.follows_from)}")
    return lines


def _entry_lines(entry: DossierImpact) -> list[str]:
    lines = [f"  {entry.name} ({entry.dossier}): {entry.before.label()} → {entry.after.label()}"]
    if entry.before.error or entry.after.error:
        for side, outcome in (("base", entry.before), ("head", entry.after)):
            if outcome.error:
                lines.append(f"    under the {side} rules: {outcome.error}")
        return lines
    if entry.before.placement_rule != entry.after.placement_rule:
        lines.append(
            f"    placement rule: {entry.before.placement_rule} → {entry.after.placement_rule}"
        )
    if entry.flips:
        lines.append("    findings that flipped:")
        for flip in entry.flips:
            lines.extend(_flip_lines(flip, "      "))
    return lines


def year_spans(years: list[int]) -> str:
    """Sorted years as runs of consecutive ones, each written by `year_span`."""
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(year_span(a, b) for a, b in spans)


def _identical_note(report: ImpactReport) -> list[str]:
    """Which report years could not move, and why they were assessed once."""
    years = report.identical_years
    if not years:
        return []
    return [
        f"rules identical in both rulebooks for report year{'s' if len(years) > 1 else ''} "
        f"{year_spans(years)}: their "
        f"{sum(r.rules_identical for r in report.results)} dossier(s) were assessed once"
    ]


def render_impact(report: ImpactReport, fmt: str) -> str:
    if fmt == "json":
        return canonical_json(report.to_dict(), indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "html":
        title = f"Impact of {report.head.label} against {report.base.label}"
        return markdown_page(_markdown(report), title)
    diff = report.diff
    lines = [
        f"Impact of {report.head.label} ({_book(report.head)}) against "
        f"{report.base.label} ({_book(report.base)}) on {len(report.results)} dossier(s)",
        f"engine: tip-assess {diff.engine_version}",
        f"rule changes: {diff.count(AFFECTING)} outcome-affecting, "
        f"{diff.count(EDITORIAL)} editorial",
        *([diff.versioning.sentence()] if diff.versioning else []),
        "",
        f"PLACEMENTS THAT CHANGE: {len(report.moved)}",
    ]
    for entry in report.moved:
        lines.extend(_entry_lines(entry))
        if entry.scenarios:
            lines.append("    Gherkin scenarios that would now fail (text scan):")
            for scenario in entry.scenarios:
                lines.append(f"      {scenario.file}:{scenario.line}  {scenario.name}")
    lines += ["", f"FINDINGS THAT CHANGE, SAME PLACEMENT: {len(report.findings_only)}"]
    for entry in report.findings_only:
        lines.extend(_entry_lines(entry))
    if report.not_assessed:
        lines += ["", f"NOT ASSESSABLE UNDER EITHER RULEBOOK: {len(report.not_assessed)}"]
        for entry in report.not_assessed:
            lines.append(f"  {entry.dossier}: {entry.after.error}")
    lines += ["", f"unchanged: {len(report.unchanged)} dossier(s)", *_identical_note(report)]
    return "\n".join(lines) + "\n"


def _markdown(report: ImpactReport) -> str:
    diff = report.diff
    lines = [
        "# Impact of a rule change",
        "",
        f"- base: `{report.base.label}` ({_book(report.base, '`')})",
        f"- head: `{report.head.label}` ({_book(report.head, '`')})",
        f"- engine: tip-assess {diff.engine_version}",
        f"- rule changes: **{diff.count(AFFECTING)} outcome-affecting**, "
        f"{diff.count(EDITORIAL)} editorial",
        *([f"- {diff.versioning.sentence()}"] if diff.versioning else []),
        f"- dossiers assessed: {len(report.results)}; placements that change: "
        f"**{len(report.moved)}**; findings only: {len(report.findings_only)}; "
        f"unchanged: {len(report.unchanged)}",
        *[f"- {note}" for note in _identical_note(report)],
        "",
        "## Placements that change",
        "",
    ]
    if not report.moved:
        lines.append("None.")
    for entry in report.moved:
        lines += [
            f"### {entry.name} — {entry.before.label()} → {entry.after.label()}",
            "",
            f"Dossier `{entry.dossier}`.",
            "",
        ]
        lines += _markdown_flips(entry)
        if entry.scenarios:
            lines += ["", "Gherkin scenarios that would now fail (text scan):", ""]
            lines += [f"- `{s.file}:{s.line}` {s.name}" for s in entry.scenarios]
        lines.append("")
    if report.findings_only:
        lines += ["## Findings that change, same placement", ""]
        for entry in report.findings_only:
            lines += [f"### {entry.name} — {entry.before.label()}", ""]
            lines += _markdown_flips(entry)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_flips(entry: DossierImpact) -> list[str]:
    if entry.before.error or entry.after.error:
        return [
            f"- under the {side} rules: {outcome.error}"
            for side, outcome in (("base", entry.before), ("head", entry.after))
            if outcome.error
        ]
    lines = ["| finding | before | after | concluded by (before → after) | changed rules |"]
    lines.append("|---|---|---|---|---|")
    for flip in entry.flips:
        changed = "; ".join(
            f"`{rule_id}`: {', '.join(reasons)}" for rule_id, reasons in flip.changed_rules.items()
        )
        if flip.follows_from:
            changed = (
                (changed + "; " if changed else "")
                + "follows from "
                + ", ".join(f"`{s}`" for s in flip.follows_from)
            )
        lines.append(
            f"| `{flip.subject}` | {_value(flip.before)} | {_value(flip.after)} | "
            f"{', '.join(flip.rules_before) or '-'} → {', '.join(flip.rules_after) or '-'} | "
            f"{changed.replace('|', '/')} |"
        )
    return lines
