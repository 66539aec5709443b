"""Readable views of the rulebook for `tip-assess rules list|show`."""

from __future__ import annotations

from typing import Any

import yaml

from engine.assessment import canonical_json
from engine.load.rulebook import Rulebook
from engine.models import LawItem, Weighing
from engine.reason.describe import describe_pattern, weighing_lines
from engine.report.markdown_page import markdown_page
from engine.report.mdtext import md_cell, md_text


def _concludes(rule: LawItem) -> dict[str, Any]:
    if isinstance(rule, Weighing):
        return {rule.concludes: rule.values()}
    return {rule.then.conclude: rule.then.value}


def _rule_summary(book: Rulebook, rule_id: str) -> dict[str, Any]:
    rule = book.item(rule_id)
    origin = book.origins.get(rule_id)
    return {
        "id": rule.id,
        "title": rule.title,
        "citation": rule.citation,
        "in_force": {"from": rule.in_force.start, "to": rule.in_force.end},
        "verified": rule.verified,
        "note": rule.note,
        "concludes": _concludes(rule),
        "weighing": isinstance(rule, Weighing),
        "default": rule.otherwise,
        "defined_at": f"{origin.file}:{origin.line}" if origin else None,
    }


def list_rules(book: Rulebook, year: int | None, unverified: bool, fmt: str) -> str:
    rules: list[LawItem] = (
        book.items()
        if year is None
        else [*book.rules_in_force(year), *book.weighings_in_force(year)]
    )
    if unverified:
        rules = [rule for rule in rules if not rule.verified]
    rows = [_rule_summary(book, rule.id) for rule in rules]
    if fmt == "json":
        return (
            canonical_json({"year": year, "rulebook": book.info.version, "rules": rows}, indent=2)
            + "\n"
        )
    header = f"{book.info.title} (version {book.info.version})"
    scope = f"rules in force for report year {year}" if year else "all rules"
    scope += " whose legal basis is unverified" if unverified else ""
    lines = [header, f"{scope}: {len(rows)}", ""]
    if fmt in ("markdown", "html"):
        lines = [
            f"# {md_text(header)}",
            "",
            f"{scope}: {len(rows)}",
            "",
            "| id | in force | citation | title | verified |",
            "| --- | --- | --- | --- | --- |",
        ]
        for rule in rules:
            cells = [rule.in_force.label(), rule.citation, rule.title]
            lines.append(
                f"| `{rule.id}` | {' | '.join(md_cell(cell) for cell in cells)} "
                f"| {'yes' if rule.verified else 'no'} |"
            )
        markdown = "\n".join(lines) + "\n"
        return markdown if fmt == "markdown" else markdown_page(markdown, header)
    width = max((len(rule.id) for rule in rules), default=10)
    for rule in rules:
        flag = "" if rule.verified else "  [unverified]"
        lines.append(f"{rule.id:<{width}}  {rule.in_force.label():<14}  {rule.title}{flag}")
        lines.append(f"{'':<{width}}  {'':<14}  {rule.citation}")
    return "\n".join(lines) + "\n"


def show_rule(book: Rulebook, rule_id: str, fmt: str) -> str:
    rule = book.item(rule_id)
    summary = _rule_summary(book, rule_id)
    if isinstance(rule, Weighing):
        described = weighing_lines(rule)  # a line per term first, in order
        for index, term in enumerate(rule.weigh.terms):
            if term.circumstance:
                described[index] += " (a circumstance: counted, never offered as a way up)"
        conditions = [described]
        concludes = f"{rule.concludes}, weighed into {', '.join(rule.values())}"
        explain = None
    else:
        conditions = [[describe_pattern(p) for p in alt] for alt in rule.alternatives()]
        concludes = f"{rule.then.conclude} = {rule.then.value}" + (
            "  (default: when no other rule concludes it)" if rule.otherwise else ""
        )
        explain = rule.explain
    if fmt == "json":
        summary.update(
            text=" ".join(rule.text.split()),
            conditions=conditions,
            explain=explain,
            examples=[
                example.model_dump(by_alias=True, exclude_none=True) for example in rule.examples
            ],
            changelog=[entry.model_dump() for entry in rule.changelog],
        )
        return canonical_json(summary, indent=2) + "\n"
    lines = [
        f"{rule.id}: {rule.title}",
        f"  citation:  {rule.citation}",
        f"  in force:  report years {rule.in_force.label()}",
        f"  verified:  {'yes' if rule.verified else 'no'}",
        f"  defined:   {summary['defined_at']}",
        f"  concludes: {concludes}",
        "",
        "  Statutory text:",
        *[f"    {line}" for line in _wrap(" ".join(rule.text.split()), 92)],
        "",
        "  Weighing (terms, groups and bands):"
        if isinstance(rule, Weighing)
        else ("  Conditions:" if len(conditions) == 1 else "  Conditions (any one alternative):"),
    ]
    for number, alt in enumerate(conditions, 1):
        prefix = "" if len(conditions) == 1 else f"    alternative {number}:\n"
        if prefix:
            lines.append(prefix.rstrip("\n"))
        lines.extend(f"      - {condition}" for condition in alt)
    if rule.note:
        lines += [
            "",
            "  Note:",
            *[f"    {line}" for line in _wrap(" ".join(rule.note.split()), 92)],
        ]
    if rule.examples:
        lines += ["", "  Examples:"]
        for example in rule.examples:
            lines.append(f"    - {example.name}: {example.expect.replace('_', ' ')}")
    if rule.changelog:
        lines += ["", "  Changelog:"]
        for entry in rule.changelog:
            lines.append(f"    - {entry.date} {entry.author}: {entry.reason}")
    if fmt in ("markdown", "html"):
        markdown = _rule_markdown(rule, summary, concludes, conditions)
        title = f"{rule.id}: {rule.title}"
        return markdown if fmt == "markdown" else markdown_page(markdown, title)
    return "\n".join(lines) + "\n"


def _rule_markdown(
    rule: LawItem, summary: dict[str, Any], concludes: str, conditions: list[list[str]]
) -> str:
    """One rule as a Markdown page: what the text view shows, with headings and lists."""
    out = [
        f"# `{rule.id}`: {md_text(rule.title)}",
        "",
        f"- citation: {md_text(rule.citation)}",
        f"- in force: report years {rule.in_force.label()}",
        f"- verified: {'yes' if rule.verified else 'no'}",
        f"- defined: `{summary['defined_at']}`",
        f"- concludes: {md_text(concludes)}",
        "",
        "## Statutory text",
        "",
        md_text(" ".join(rule.text.split())),
        "",
        "## Weighing (terms, groups and bands)"
        if isinstance(rule, Weighing)
        else ("## Conditions" if len(conditions) == 1 else "## Conditions (any one alternative)"),
        "",
    ]
    for number, alt in enumerate(conditions, 1):
        if len(conditions) > 1:
            out.append(f"- alternative {number}:")
        indent = "  " if len(conditions) > 1 else ""
        out.extend(f"{indent}- {md_text(condition)}" for condition in alt)
    if rule.note:
        out += ["", "## Note", "", md_text(" ".join(rule.note.split()))]
    if rule.examples:
        out += ["", "## Examples", ""]
        out += [f"- {md_text(e.name)}: {e.expect.replace('_', ' ')}" for e in rule.examples]
    if rule.changelog:
        out += ["", "## Changelog", ""]
        out += [
            f"- {e.date} {md_text(e.author)}: {md_text(' '.join(e.reason.split()))}"
            for e in rule.changelog
        ]
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)
