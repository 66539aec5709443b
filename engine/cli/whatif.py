"""What-if commands: `whatif`, `sensitivity` and `consistency`. Nothing is written to a dossier.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from engine.cli.common import (
    EXIT_FINDING,
    format_choice,
    format_option,
    guarded,
    load_rules,
    output_option,
    rules_option,
    write_output,
)
from engine.errors import InputError

BEGIN = "<!-- tip-assess sensitivity: begin -->"
END = "<!-- tip-assess sensitivity: end -->"

no_history_option = click.option(
    "--no-history",
    is_flag=True,
    help="Ignore placement histories beside the dossiers (default: read them, as assess does).",
)


@click.command("whatif")
@click.argument("dossier", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="ID.FIELD=VALUE",
    help="Set a field of a record or judgment (VALUE typed by the vocabulary; null: not recorded).",
)
@click.option(
    "--without", "withouts", multiple=True, metavar="ID", help="Leave out a record or judgment."
)
@click.option(
    "--reading",
    "readings",
    multiple=True,
    metavar="ID",
    help="Take the other reading of a record or judgment with a contested `reading:`.",
)
@click.option(
    "--with",
    "withs",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Add the records and judgments of a YAML file (checked like the dossier's).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a parameter for the report year assessed.",
)
@click.option(
    "--year",
    type=click.IntRange(2001, 2100),
    default=None,
    help="Assess the variant under the rules for this report year (default: the dossier's).",
)
@rules_option
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Placement history (default: history.yaml beside the dossier, if there is one).",
)
@no_history_option
@format_option
@output_option
@guarded
def whatif(
    dossier: Path,
    sets: tuple[str, ...],
    withouts: tuple[str, ...],
    readings: tuple[str, ...],
    withs: tuple[Path, ...],
    params: tuple[str, ...],
    year: int | None,
    rules_dir: Path | None,
    history_path: Path | None,
    no_history: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Assess DOSSIER as it is and with the changes given, side by side.

    Prints the new placement beside the old, the findings that flipped and what changed beneath
    each, then the variant's explanation. The dossier is never written.

    \b
    Example:
      tip-assess whatif evidence/albania/2001.yaml --set j-complicity-extent.extent=isolated

    Exit status: 0 when the variant has a placement, 1 when it is undetermined or the rules
    conflict (as for assess), 2 on bad input (a bad value names the dossier line and field).
    """
    from engine.load.dossier_cache import load_dossier_cached
    from engine.report.context import report_context
    from engine.whatif.changes import Change, parse_param, parse_reading, parse_set, parse_without
    from engine.whatif.extra import load_extra
    from engine.whatif.render import render_whatif
    from engine.whatif.variant import what_if

    if history_path is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    book = load_rules(rules_dir)
    loaded = load_dossier_cached(dossier, book)
    assessed = loaded.dossier.report_year if year is None else year
    changes: list[Change] = [parse_set(book, loaded, spec) for spec in sets]
    changes += [parse_without(loaded, record_id) for record_id in withouts]
    changes += [parse_reading(book, loaded, record_id) for record_id in readings]
    changes += [load_extra(path, book, loaded) for path in withs]
    changes += [parse_param(book, spec, assessed) for spec in params]
    result = what_if(book, loaded, dossier, changes, year, history_path, not no_history)
    write_output(render_whatif(result, fmt, report_context(book, loaded)), output)
    if result.variant.status in ("undetermined", "conflict"):
        sys.exit(EXIT_FINDING)


def _reporter(command: str, show: bool | None) -> Callable[[int, int], None] | None:
    enabled = sys.stderr.isatty() if show is None else show
    if not enabled:
        return None

    def report(done: int, total: int) -> None:
        click.echo(f"{command}: [{done}/{total}]", err=True)

    return report


def update_section(path: Path, section: str) -> str:
    """The file's text with the part between the sensitivity markers replaced by `section`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError.single(str(path), None, None, f"cannot read: {exc.strerror}") from None
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise InputError.single(
            str(path),
            None,
            None,
            f"--update needs the markers '{BEGIN}' and '{END}' (in that order) around the section",
        )
    return text[: start + len(BEGIN)] + "\n" + section + text[end:]


@click.command("sensitivity")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_option
@click.option(
    "--depth",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="1: every single change; 2: also every pair of changes (neither moving it alone).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Local worker processes (1: this process).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask distributed scheduler (e.g. tcp://127.0.0.1:8786) instead.",
)
@click.option(
    "--scheduler-timeout",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to try to reach the --scheduler before giving up.",
)
@format_choice(["text", "json", "markdown", "html"])
@click.option(
    "--update",
    "update",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Rewrite the marked section of this markdown file (e.g. docs/calibration.md).",
)
@no_history_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Report progress on stderr (default: when stderr is a terminal).",
)
@output_option
@guarded
def sensitivity_command(
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    depth: int,
    workers: int,
    scheduler: str | None,
    scheduler_timeout: float,
    fmt: str,
    update: Path | None,
    no_history: bool,
    progress: bool | None,
    output: Path | None,
) -> None:
    """Try every single change on every dossier under PATHS: which move the placement, to what.

    Changes tried: each judgment's yes/no and enumerated fields set to each other value, and the
    judgment removed; each record removed; each contested reading's alternative; each parameter
    moved to every value it takes in any report year or in its stated range. A summary per
    dossier (robust, or fragile with the deciding items) and over the corpus follows.

    \b
    Regenerate the section of docs/calibration.md:
      tip-assess sensitivity evidence/ --format markdown --update docs/calibration.md

    Exit status: 0 (fragility is reported, not failed on), 2 on bad input.
    """
    from engine.corpus.validation import find_dossiers, load_all
    from engine.whatif.executor import executor_for
    from engine.whatif.render import render_sensitivity
    from engine.whatif.sensitivity import sensitivity

    if update is not None and fmt != "markdown":
        raise click.UsageError("--update writes markdown: add --format markdown")
    if update is not None and output is not None:
        raise click.UsageError("--update and --output exclude each other")
    book = load_rules(rules_dir)
    dossiers = load_all(book, find_dossiers(paths))
    executor = executor_for(workers, scheduler, scheduler_timeout)
    reporter = _reporter("sensitivity", progress)
    report = sensitivity(book, dossiers, depth, executor, reporter, use_history=not no_history)
    text = render_sensitivity(report, fmt)
    if update is not None:
        write_output(update_section(update, text), update)
        click.echo(f"updated the sensitivity section of {update}", err=True)
        return
    write_output(text, output)


@click.command("consistency")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_option
@click.option(
    "--expected",
    "expected_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="CSV of official placements: country,year,tier[,source][,exception].",
)
@click.option(
    "--findings",
    "subjects",
    default=None,
    metavar="A,B,...",
    help="The findings to compare (default: every finding except the placement and those "
    "derived from it).",
)
@click.option(
    "--far",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Same placement, findings at least this far apart (share of findings that differ).",
)
@format_choice(["text", "json", "markdown", "html"])
@no_history_option
@output_option
@guarded
def consistency_command(
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    expected_path: Path | None,
    subjects: str | None,
    far: float,
    fmt: str,
    no_history: bool,
    output: Path | None,
) -> None:
    """Do like cases get like tiers? Dossiers of one report year with equivalent findings but
    different placements (official or engine), with the facts that differ; and dossiers with
    the same placement whose findings are far apart.

    Exit status: 0 when equivalent findings always give the same placements, 1 when some do not,
    2 on bad input.
    """
    from engine.corpus.expected import load_expected
    from engine.corpus.validation import find_dossiers, load_all
    from engine.whatif.consistency import consistency
    from engine.whatif.render import render_consistency

    book = load_rules(rules_dir)
    expected = (
        load_expected(expected_path, outcome=book.info.outcome)
        if expected_path is not None
        else None
    )
    chosen = [s.strip() for s in subjects.split(",") if s.strip()] if subjects else None
    unknown = [s for s in chosen or [] if s not in book.conclusions]
    if unknown:
        raise InputError.single(
            "--findings", None, None, f"not conclusions of the rulebook: {', '.join(unknown)}"
        )
    dossiers = load_all(book, find_dossiers(paths))
    report = consistency(book, dossiers, expected, chosen, far, use_history=not no_history)
    write_output(render_consistency(report, fmt), output)
    if report.unlike_tiers():
        sys.exit(EXIT_FINDING)


def register(main: click.Group) -> None:
    """Add `whatif`, `sensitivity` and `consistency` to the `tip-assess` group."""
    main.add_command(whatif)
    main.add_command(sensitivity_command)
    main.add_command(consistency_command)
