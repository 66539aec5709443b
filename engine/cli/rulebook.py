"""Rulebook commands: `rules list|show`, `lint`, `coverage` and `schema`.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine import __version__
from engine.cli.batch import jobs_option, worker_count
from engine.cli.common import (
    EXIT_FINDING,
    format_choice,
    format_option,
    guarded,
    load_rules,
    output_option,
    resolve_rules_dir,
    rules_option,
    write_output,
)
from engine.errors import Problem

DEFAULT_FEATURES = Path("features") / "amendments"


@click.group("rules")
def rules() -> None:
    """Browse the rulebook: the rules in force for a report year, with their legal text."""


@rules.command("list")
@rules_option
@click.option(
    "--year",
    type=click.IntRange(2001, 2100),
    default=None,
    help="Only rules in force for this report year.",
)
@click.option("--unverified", is_flag=True, help="Only rules whose legal basis is not confirmed.")
@format_option
@guarded
def rules_list(rules_dir: Path | None, year: int | None, unverified: bool, fmt: str) -> None:
    """List rules: id, years in force, citation and title."""
    from engine.report.rules import list_rules

    book = load_rules(rules_dir)
    click.echo(list_rules(book, year, unverified, fmt), nl=False)


@rules.command("show")
@click.argument("rule_id")
@rules_option
@click.option(
    "--year",
    type=click.IntRange(2001, 2100),
    default=None,
    help="Say whether the rule is in force for this report year, and what is in force instead.",
)
@format_option
@guarded
def rules_show(rule_id: str, rules_dir: Path | None, year: int | None, fmt: str) -> None:
    """Show one rule: its statutory text, citation, years in force, condition and examples."""
    book = load_rules(rules_dir)
    try:
        book.item(rule_id)
    except KeyError:
        raise click.UsageError(
            f"no rule with id '{rule_id}' (try: tip-assess rules list)"
        ) from None
    click.echo(show_rule_in_year(book, rule_id, year, fmt), nl=False)


@click.command("lint")
@rules_option
@click.option("--verbose", "-v", is_flag=True, help="Also show each era's witnesses and notes.")
@click.option(
    "--base",
    default=None,
    help="Also check the rules against this base (a bare REV, git:REV, or a rules directory): "
    "fail when the rulebook version did not move as docs/versioning.md requires; warn about "
    "rules whose logic changed without a new changelog entry.",
)
@click.option(
    "--evidence",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Check the placement histories in this directory too (default: ./evidence if it exists).",
)
@jobs_option
@format_choice(
    ["text", "json"],
    "json: one document on stdout (the problems, each located; the eras, their witnesses), "
    "for CI and editors.",
)
@guarded
def lint_command(
    rules_dir: Path | None,
    verbose: bool,
    base: str | None = None,
    evidence: Path | None = None,
    jobs: int | None = None,
    fmt: str = "text",
) -> None:
    """Check the rulebook: schema, legal texts, parameters, examples, reachability, conflicts.

    With --base REV, also the version policy: the rulebook version must move as far as the
    changes since REV require (editorial: patch, outcome-affecting: minor, breaking: major).
    Every problem names file, line and rule id. Exit status: 0 clean, 1 problems found,
    2 when the rules directory or the base does not exist.

    \b
    Examples:
      tip-assess lint
      tip-assess lint --base main
    """
    from engine.quality.lint import lint
    from engine.quality.search import describe_case

    root = resolve_rules_dir(rules_dir)
    if not root.is_dir():
        raise click.UsageError(
            f"rules directory not found: {root} (looked for {root.absolute()}; give --rules DIR "
            "or set TIP_ASSESS_RULES)"
        )
    if evidence is None and Path("evidence").is_dir():
        evidence = Path("evidence")
    result = lint(root, evidence=evidence, jobs=worker_count(jobs))
    problems = list(result.problems)
    if base is not None and result.book is not None:
        from engine.cli.audit import base_problems

        problems += base_problems(base, root, result.book)
    if fmt == "json":
        click.echo(_lint_json(result, problems), nl=False)
        if problems:
            sys.exit(EXIT_FINDING)
        return
    for problem in problems:
        click.echo(f"error: {problem.render()}", err=True)
    if verbose:
        for report in result.eras:
            click.echo(f"report years {report.era.label}: {report.dossiers} generated dossiers")
            for value, witness in report.witnesses.items():
                shown = "UNREACHABLE" if witness is None else describe_case(witness)
                click.echo(f"  {value}: {shown}")
            for subject, count in sorted(report.conflicting_findings.items()):
                click.echo(
                    f"  note: {count} generated dossier(s) with contradictory evidence gave "
                    f"conflicting values for '{subject}' (first rule to fire wins)"
                )
    if problems:
        click.echo(f"lint: {len(problems)} problem(s)", err=True)
        sys.exit(EXIT_FINDING)
    book = result.book
    assert book is not None
    generated = sum(report.dossiers for report in result.eras)
    click.echo(
        f"ok: {book.info.name} {book.info.version} (engine tip-assess {__version__}): "
        f"{len(book.rules)} rules and {len(book.weighings)} weighings, "
        f"{result.examples} examples pass; every placement reachable in each of "
        f"{len(result.eras)} eras ({', '.join(r.era.label for r in result.eras)}); "
        f"no conflicting placements in {generated} generated dossiers"
    )


def _lint_json(result: Any, problems: list[Problem]) -> str:
    """`lint --format json`: the verdict, each problem as its fields, and each era's reach."""
    from engine.assessment import canonical_json
    from engine.quality.search import describe_case

    book = result.book
    document = {
        "ok": not problems,
        "engine_version": __version__,
        "rulebook": None
        if book is None
        else {"name": book.info.name, "version": book.info.version, "sha256": book.sha256},
        "problems": [problem.to_dict() for problem in problems],
        "examples": result.examples,
        "eras": [
            {
                "years": report.era.label,
                "generated_dossiers": report.dossiers,
                "witnesses": {
                    value: None if witness is None else describe_case(witness)
                    for value, witness in report.witnesses.items()
                },
                "conflicting_findings": dict(sorted(report.conflicting_findings.items())),
            }
            for report in result.eras
        ],
    }
    return canonical_json(document, indent=2) + "\n"


@click.command("coverage")
@rules_option
@click.option(
    "--features",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=DEFAULT_FEATURES,
    show_default=True,
    help="Directory of the amendment scenarios (with their profiles.yaml).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Minimum share of cells covered (default: the rulebook's coverage_threshold).",
)
@format_choice(["text", "json", "markdown", "html"])
@guarded
def coverage_command(
    rules_dir: Path | None, features: Path, threshold: float | None, fmt: str
) -> None:
    """Print the legal coverage matrix (conclusion = value x era) of examples and scenarios.

    Exit status: 0 at or above the threshold with every example and scenario passing, 1 below
    it or on a failure, 2 on bad input.
    """
    from engine.quality.coverage import measure, render_markdown, render_text, to_json

    book = load_rules(rules_dir)
    result = measure(book, features, threshold)
    if fmt == "json":
        click.echo(json.dumps(to_json(result, book), indent=2, ensure_ascii=False))
    elif fmt in ("markdown", "html"):
        from engine.report.markdown_page import markdown_page

        markdown = render_markdown(book, result)
        title = f"Legal coverage of {book.info.name} {book.info.version}"
        click.echo(markdown if fmt == "markdown" else markdown_page(markdown, title), nl=False)
    else:
        click.echo(render_text(book, result), nl=False)
    if not result.ok:
        reason = (
            f"{len(result.failures)} failing example(s) or scenario(s)"
            if result.failures
            else f"coverage {result.ratio:.1%} is below the threshold {result.threshold:.0%}"
        )
        click.echo(f"coverage: {reason}", err=True)
        sys.exit(EXIT_FINDING)


@click.command("schema")
@click.argument("kind", type=click.Choice(["rules", "evidence", "history"]))
@rules_option
@output_option
@guarded
def schema_command(kind: str, rules_dir: Path | None, output: Path | None) -> None:
    """Print the JSON Schema of rule files, evidence dossiers or placement histories.

    The evidence and history schemas carry the rulebook's vocabulary. Point an editor at them
    with a first line `# yaml-language-server: $schema=<path to the schema>`.
    """
    from engine.load.inputs import note_input
    from engine.load.rules import rule_files
    from engine.quality.schema import render, rules_schema, schema_for

    if kind == "rules":  # the schema needs no rules, but the rules named stay inputs
        root = resolve_rules_dir(rules_dir)
        for path in rule_files(root) if root.is_dir() else []:
            note_input(path)
    text = render(rules_schema() if kind == "rules" else schema_for(kind, load_rules(rules_dir)))
    write_output(text, output)


def _subject(rule: Any) -> str:
    return str(rule.concludes) if hasattr(rule, "concludes") else str(rule.then.conclude)


def _value(rule: Any) -> str | None:
    return None if hasattr(rule, "concludes") else str(rule.then.value)


def show_rule_in_year(book: Any, rule_id: str, year: int | None, fmt: str) -> str:
    """`rules show`, and with a year whether the rule is in force then, and what replaces it."""
    from engine.report.rules import show_rule

    text = show_rule(book, rule_id, fmt)
    if year is None:
        return text
    rule = book.item(rule_id)
    in_force = rule.in_force.covers(year)
    counterparts = [
        other.id
        for other in book.producers(_subject(rule))
        if other.id != rule.id and other.in_force.covers(year) and _value(other) == _value(rule)
    ]
    if fmt == "json":
        data = json.loads(text)
        data["year"] = year
        data["in_force_in_year"] = in_force
        data["in_force_that_year_with_same_conclusion"] = counterparts
        from engine.assessment import canonical_json

        return canonical_json(data, indent=2) + "\n"
    status = (
        f"in force for report year {year}"
        if in_force
        else f"NOT in force for report year {year} (in force {rule.in_force.label()})"
    )
    extra = f"  {year}:      {status}\n"
    if counterparts:
        verb = "also concluding" if in_force else "in force that year instead"
        extra += f"  {verb}: {', '.join(counterparts)}\n"
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.lstrip().startswith("in force:"):
            lines[index + 1 : index + 1] = [extra]
            return "".join(lines)
    return extra + text


def register(main: click.Group) -> None:
    """Add `rules`, `lint`, `coverage` and `schema` to the `tip-assess` group."""
    main.add_command(rules)
    main.add_command(lint_command)
    main.add_command(coverage_command)
    main.add_command(schema_command)
