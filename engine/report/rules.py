"""Readable views of the rulebook for `tip-assess rules list|show`."""

from __future__ import annotations

from typing import Any

import yaml

from engine.assessment import canonical_json
from engine.load.rulebook import Rulebook
from engine.models import LawItem, Weighing
from engine.reason.describe import describe_pattern, weighing_lines


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
    lines = [
        header,
        f"{scope}{' whose legal basis is unverified' if unverified else ''}: {len(rows)}",
        "",
    ]
    if fmt == "markdown":
        lines = [
            f"# {header}",
            "",
            f"{scope}: {len(rows)}",
            "",
            "| id | in force | citation | title | verified |",
            "|---|---|---|---|---|",
        ]
        for rule in rules:
            lines.append(
                f"| `{rule.id}` | {rule.in_force.label()} | {rule.citation} | {rule.title} | {'yes' if rule.verified else 'no'} |"
            )
        return "\n".join(lines) + "\n"
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
        conditions = [weighing_lines(rule)]
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
    text = "\n".join(lines) + "\n"
    if fmt == "markdown":
        return f"```\n{text}```\n"
    if fmt == "html":
        import html

        return f"<pre>{html.escape(text)}</pre>\n"
    return text


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)
