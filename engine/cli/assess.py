"""Dossier commands: `assess` (with `--record`) and `check`.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.common import (
    EXIT_FINDING,
    default_rules_dir,
    format_option,
    guarded,
    load_rules,
    output_option,
    rules_option,
    use_color,
    write_output,
)
from engine.errors import InputError


@click.command("assess")
@click.argument("dossier", type=click.Path(path_type=Path, dir_okay=False))
@rules_option
@click.option(
    "--year",
    type=click.IntRange(2001, 2100),
    default=None,
    help="Apply the rules in force for this report year (default: the dossier's).",
)
@format_option
@output_option
@click.option(
    "--record", is_flag=True, help="Append the decision to the tamper-evident decision log."
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Decision log for --record (default: $TIP_ASSESS_LOG, else the XDG state directory).",
)
@click.option("--by", default=None, help="Who records the decision (default: the OS user).")
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Placement history (default: history.yaml beside the dossier, if there is one).",
)
@click.option("--no-history", is_flag=True, help="Assess without any placement history.")
@click.option(
    "--detail",
    type=click.Choice(["summary", "standard", "full"]),
    default="standard",
    show_default=True,
    help="How much of the explanation text and markdown show: the summary table only, with "
    "reasons and why-not (one screen), or every step with records, quotes and rule texts.",
)
@guarded
def assess(
    dossier: Path,
    rules_dir: Path | None,
    year: int | None,
    fmt: str,
    output: Path | None,
    record: bool = False,
    log_path: Path | None = None,
    by: str | None = None,
    history_path: Path | None = None,
    no_history: bool = False,
    detail: str = "standard",
) -> None:
    """Assess DOSSIER and explain the placement.

    The text output starts with the answer: the placement and its status, the standards and
    criteria with their values, reasons and rules (unconfirmed law marked [unverified]), and the
    evidence still needed; then why not the next placement up. Colour on a terminal only
    (NO_COLOR turns it off).

    With --record, the decision is appended to the decision log (see `tip-assess log`).
    Exit status: 0 when a placement is derived, 1 when the evidence leaves it undetermined or
    the rules conflict, 2 on bad input.
    """
    from engine.assessment import assess_with_history
    from engine.load.dossier import load_dossier
    from engine.report.assessment import render
    from engine.report.context import report_context

    if (log_path or by) and not record:
        raise click.UsageError("--log and --by only apply with --record")
    book = load_rules(rules_dir)
    loaded = load_dossier(dossier, book)
    if history_path is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    result = assess_with_history(book, loaded, dossier, year, history_path, not no_history)
    context = report_context(book, loaded)
    text = render(result.document, fmt, context, detail)
    if record:
        from engine.cli.log import record_decision

        rules_used = rules_dir or default_rules_dir()
        record_decision(
            result,
            book,
            loaded,
            text,
            dossier=dossier,
            rules_dir=rules_used,
            year=year,
            fmt=fmt,
            log_path=log_path,
            by=by,
            history_path=history_path,
            use_history=not no_history,
            detail=detail,
        )
    if fmt == "text" and output is None and use_color():
        text = render(result.document, fmt, context, detail, color=True)
    write_output(text, output)
    if result.status in ("undetermined", "conflict"):
        sys.exit(EXIT_FINDING)


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@rules_option
@guarded
def check(paths: tuple[Path, ...], rules_dir: Path | None) -> None:
    """Validate the rules and the given dossiers (files or directories) without assessing.

    Reports every problem with file, line and field; exit 2 if there is any.
    """
    from engine.load.dossier import load_dossier
    from engine.load.history import is_history_file, load_history

    book = load_rules(rules_dir)
    problems = []
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    for file in files:
        try:
            if is_history_file(file):  # placement histories sit beside the dossiers
                load_history(file, book)
            else:
                load_dossier(file, book)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    click.echo(
        f"ok: rulebook {book.info.name} {book.info.version} ({len(book.rules)} rules) and {len(files)} dossier(s) are valid"
    )


def register(main: click.Group) -> None:
    """Add `assess` and `check` to the `tip-assess` group."""
    main.add_command(assess)
    main.add_command(check)
