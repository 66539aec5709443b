"""Audit commands: `diff` and `impact` (and `lint --base`, through base_problems).

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine import collector
from engine.cli.batch import jobs_option, progress_option, worker_count
from engine.cli.common import (
    EXIT_FINDING,
    EXIT_INPUT,
    existing_if_given,
    format_choice,
    guarded,
    load_rules,
    output_option,
    resolve_rules_dir,
    rules_dir_option,
    write_output,
)
from engine.cli.progress import Progress, progress_for

if TYPE_CHECKING:
    from engine.audit.gitsource import RulebookSide
    from engine.errors import Problem
    from engine.load.rulebook import Rulebook


AUDIT_FORMATS = ["text", "json", "markdown", "html"]


rules_option = rules_dir_option(
    "Working rules directory (default: $TIP_ASSESS_RULES or ./rules); inside a git "
    "revision, the same path is read."
)
repo_option = click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Git repository for git:REV sides (default: the one holding the current directory).",
)
format_option = format_choice(AUDIT_FORMATS)

SIDE_HELP = (
    "a rules directory, git:REV (the rules as committed at REV), git:REV:PATH, or a bare REV"
)


def _sides(
    base: str, head: str | None, rules_dir: Path | None, repo: Path | None
) -> tuple[RulebookSide, RulebookSide]:
    from engine.audit.gitsource import RulebookSide, load_side

    working = resolve_rules_dir(rules_dir)
    start = repo or Path.cwd()
    old = load_side(base, working, start)
    if head is None:
        new = RulebookSide(str(working), str(working), load_rules(working))
    else:
        new = load_side(head, working, start)
    collector.settle()  # both rulebooks loaded: the process has started
    return old, new


# --------------------------------------------------------------------------- diff


@click.command("diff")
@click.argument("old")
@click.argument("new", required=False)
@rules_option
@repo_option
@format_option
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when any change is outcome-affecting (for CI)."
)
@output_option
@guarded
def diff_command(
    old: str,
    new: str | None,
    rules_dir: Path | None,
    repo: Path | None,
    fmt: str,
    exit_code: bool,
    output: Path | None,
) -> None:
    """Compare two rulebooks in legal terms, rule by rule.

    OLD and NEW are each a rules directory, git:REV (the rules as committed at REV),
    git:REV:PATH or a bare REV; NEW defaults to the working rules directory. Reports rules added, removed and renamed, conditions before and after,
    parameter values by report year, citations and statutory texts, each change graded
    outcome-affecting or editorial, with each rule's changelog.

    \b
    Examples:
      tip-assess diff git:HEAD~1 git:HEAD
      tip-assess diff git:main rules --format markdown   (the working rules against main)
    """
    from engine.audit.diff import semantic_diff
    from engine.audit.diff_model import AFFECTING
    from engine.audit.diff_render import render_diff

    base, head = _sides(old, new, rules_dir, repo)
    diff = semantic_diff(base.book, head.book, base.describe(), head.describe())
    write_output(render_diff(diff, fmt), output)
    if exit_code and diff.count(AFFECTING):
        sys.exit(EXIT_FINDING)


# --------------------------------------------------------------------------- impact


@click.command("impact")
@click.argument("dossiers", nargs=-1, type=click.Path(path_type=Path))
@click.option("--base", required=True, help=f"The rulebook before the change: {SIDE_HELP}.")
@click.option(
    "--head", default=None, help="The rulebook after the change (default: the working rules)."
)
@rules_option
@repo_option
@click.option(
    "--features",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("features"),
    show_default=True,
    callback=existing_if_given,
    help="Where to look for Gherkin scenarios that encode the old placements.",
)
@progress_option
@jobs_option
@click.option(
    "--no-history",
    is_flag=True,
    help="Ignore the placement history (history.yaml) beside each dossier.",
)
@format_option
@output_option
@guarded
def impact_command(
    dossiers: tuple[Path, ...],
    base: str,
    head: str | None,
    rules_dir: Path | None,
    repo: Path | None,
    features: Path,
    progress: bool | None,
    jobs: int | None,
    no_history: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Assess every dossier under both rulebooks and list each placement that changes.

    DOSSIERS are files or directories (default: evidence/); each is assessed for its report
    year with the placement history beside it, as `assess` does. For each placement that moves:
    the findings that flipped, the changed rules responsible, and the Gherkin scenarios that
    expect the old tier (found by a text scan). Exit status 1 when any placement changes, so a
    rule change can be gated on it; 0 when none does; 2 on bad input, including a dossier
    neither rulebook can assess (listed in the report and on stderr; the others are assessed).
    """
    from engine.audit.diff import semantic_diff
    from engine.audit.impact import dossier_files, impact
    from engine.audit.impact_render import render_impact
    from engine.errors import InputError

    old, new = _sides(base, head, rules_dir, repo)
    files = dossier_files(list(dossiers) or [Path("evidence")])
    if not files:
        where = ", ".join(str(d) for d in dossiers) or "evidence"
        raise InputError.single(where, None, None, "no dossiers (*.yaml) found")
    diff = semantic_diff(old.book, new.book, old.describe(), new.describe())
    bar = progress_for("impact", progress)
    try:
        report = impact(old, new, diff, files, features, bar, not no_history, worker_count(jobs))
    finally:
        if bar:
            bar.finish()
    write_output(render_impact(report, fmt), output)
    for entry in report.not_assessed:  # in the report, and said as the errors they are
        error = str(entry.after.error)
        shown = error if error.startswith(entry.dossier) else f"{entry.dossier}: {error}"
        click.echo(f"error: {shown}", err=True)
    if report.not_assessed:
        sys.exit(EXIT_INPUT)
    if report.moved:
        sys.exit(EXIT_FINDING)


def base_problems(base: str, rules_dir: Path, head: Rulebook) -> list[Problem]:
    """For `lint --base REV`: the version policy against REV (a problem when the rulebook
    version did not move as the changes require; its verdict on stdout either way) and, as
    warnings on stderr, rules whose logic changed without a changelog entry."""
    from engine.audit.diff import check_against_base
    from engine.quality.locator import Locator

    check = check_against_base(base, rules_dir, head, Path.cwd())
    for warning in check.changelog:
        click.echo(f"warning: {warning.render()}", err=True)
    verdict = check.verdict
    click.echo(f"against {check.label}: {verdict.sentence()}")
    if verdict.ok:
        return []
    locate = Locator(head, rules_dir)
    return [locate.rulebook_problem(("version",), verdict.problem_message(check.label))]


__all__ = ["Progress", "base_problems", "register"]


def register(main: click.Group) -> None:
    """Add the audit commands to the `tip-assess` group."""
    main.add_command(diff_command)
    main.add_command(impact_command)
