"""Dossier commands: `assess` (with `--record`) and `check`.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.batch import (
    BATCH_FORMATS,
    BATCH_ONLY,
    SINGLE_ONLY,
    jobs_option,
    progress_option,
    run_assess_batch,
)
from engine.cli.common import (
    EXIT_FINDING,
    EXIT_INPUT,
    FORMATS,
    check_output,
    check_stdout,
    default_rules_dir,
    format_choice,
    guarded,
    limit_option,
    load_rules,
    one_printable_line,
    output_option,
    resolve_rules_dir,
    rules_option,
    same_file,
    sources_option,
    use_color,
    write_output,
)
from engine.errors import InputError

ASSESS_FORMATS = [*FORMATS, *(f for f in BATCH_FORMATS if f not in FORMATS)]


@click.command("assess")
@click.argument(
    "paths", nargs=-1, required=True, metavar="PATH...", type=click.Path(path_type=Path)
)
@rules_option
@click.option(
    "--year",
    type=click.IntRange(2001, 2100),
    default=None,
    help="Apply the rules in force for this report year (default: each dossier's own).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ASSESS_FORMATS),
    default=None,
    help="One dossier: text (default), json, markdown or html. A batch: table (default), csv, "
    "jsonl or json.",
)
@output_option
@jobs_option
@progress_option
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
@click.option(
    "--by",
    default=None,
    callback=one_printable_line,
    help="Who records the decision (default: the OS user).",
)
@click.option(
    "--request-id",
    default=None,
    callback=one_printable_line,
    help="With --record: an idempotency key. A retry with the same key and the same inputs "
    "(after a crash or a lost acknowledgement) does not record the decision twice.",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Placement history (default: history.yaml beside the dossier, if there is one).",
)
@click.option("--no-history", is_flag=True, help="Assess without any placement history.")
@sources_option
@limit_option
@click.option(
    "--no-fragility",
    is_flag=True,
    help="Skip the fragility check (the single changes that would move the placement), for speed.",
)
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
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    year: int | None,
    fmt: str | None,
    output: Path | None,
    jobs: int | None = None,
    progress: bool | None = None,
    record: bool = False,
    log_path: Path | None = None,
    by: str | None = None,
    history_path: Path | None = None,
    no_history: bool = False,
    request_id: str | None = None,
    no_fragility: bool = False,
    detail: str = "standard",
) -> None:
    """Assess one dossier and explain the placement, or many and list one line for each.

    \b
    One dossier (a file): the placement and its explanation, as text, json, markdown or html.
    The text starts with the answer: the placement and its status, the standards and criteria
    with their values, reasons and rules (unconfirmed law marked [unverified]), the evidence
    still needed, then why not the next placement up; --detail sets how much (colour on a
    terminal only; NO_COLOR turns it off).

    \b
    Several dossiers or directories (every <year>.yaml below them): one line per dossier, in
    path order, with country, year, tier, status and fragility, then a summary; --format
    table, csv, jsonl or json; --jobs worker processes (default: every core). A dossier that
    cannot be assessed is reported on stderr and in its row, and the batch goes on.

    The explanation (and a batch row) ends with the placement's fragility: every single
    judgment, record, contested reading or parameter value whose change alone would move it
    (--no-fragility skips it). With --record, the decision is appended to the decision log
    (see `tip-assess log`). Exit status: 0 when every placement is derived, 1 when the evidence
    leaves one undetermined or the rules conflict, 2 on bad input (in a batch: in any dossier),
    3 on an internal fault.

    \b
    Examples:
      tip-assess assess evidence/peru/2007.yaml
      tip-assess assess evidence/ --jobs 2 --format csv
    """
    if (log_path or by) and not record:
        raise click.UsageError("--log and --by only apply with --record")
    if request_id is not None and not record:
        raise click.UsageError("--request-id only applies with --record")
    if history_path is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    one_only = record or history_path is not None  # options that name one dossier
    if one_only and len(paths) == 1 and paths[0].is_dir():
        option = "--record" if record else "--history"
        raise InputError.single(
            str(paths[0]), None, None, f"{option} applies to one dossier, not to a directory"
        )
    if len(paths) == 1 and (one_only or not paths[0].is_dir()) and fmt not in BATCH_ONLY:
        _assess_one(
            paths[0],
            rules_dir,
            year,
            fmt or "text",
            output,
            record,
            log_path,
            by,
            history_path,
            no_history,
            request_id,
            no_fragility,
            detail,
        )
        return
    if fmt in SINGLE_ONLY:
        raise click.UsageError(
            f"--format {fmt} is for one dossier; a batch is written as {', '.join(BATCH_FORMATS)}"
        )
    detail_given = (
        click.get_current_context().get_parameter_source("detail")
        is click.core.ParameterSource.COMMANDLINE
    )
    for flag, given in (
        ("--record", record),
        ("--history", history_path is not None),
        ("--detail", detail_given),  # a batch row has no explanation to detail
    ):
        if given:
            raise click.UsageError(f"{flag} applies to one dossier, not to a batch")
    code = run_assess_batch(
        paths,
        rules_dir,
        year,
        fmt or "table",
        output,
        jobs,
        progress,
        not no_history,
        not no_fragility,
    )
    if code:
        sys.exit(code)


def _assess_one(
    dossier: Path,
    rules_dir: Path | None,
    year: int | None,
    fmt: str,
    output: Path | None,
    record: bool,
    log_path: Path | None,
    by: str | None,
    history_path: Path | None,
    no_history: bool,
    request_id: str | None,
    no_fragility: bool,
    detail: str,
) -> None:
    from engine.load.dossier_cache import load_dossier_cached
    from engine.load.history import default_history_path
    from engine.load.inputs import note_input
    from engine.report.assessment import render
    from engine.report.context import report_context
    from engine.whatif.fragility import assess_with_fragility

    book = load_rules(rules_dir)
    loaded = load_dossier_cached(dossier, book, defer=not no_fragility)  # written with its sweep
    if not no_history:  # the history is an input too: the output may not replace it
        used = history_path if history_path is not None else default_history_path(dossier)
        if used is not None:
            note_input(used)
    check_output(output)  # before any work: nothing is written when the output is refused
    if record and output is not None:
        from engine.audit.decision_log import default_log_path

        if same_file(output, log_path or default_log_path()):
            raise InputError.single(
                str(output), None, None, "the output file cannot be the decision log"
            )
    if record and output is None:
        check_stdout()  # the decision is recorded only if its report can be written
    result = assess_with_fragility(
        book, loaded, dossier, year, history_path, not no_history, not no_fragility
    )
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
            request_id=request_id,
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
@sources_option
@limit_option
@format_choice(
    ["text", "json"],
    "json: one document on stdout (the counts, and every problem by file, line and field), "
    "for CI and editors.",
)
@guarded
def check(paths: tuple[Path, ...], rules_dir: Path | None, fmt: str = "text") -> None:
    """Validate the rules and the given dossiers, histories and rules files without assessing.

    PATHS are files or directories; each file is sorted by its content into a dossier, a
    placement history or a rules file. Reports every problem with file, line and field; exit 2
    if there is any (with --format json, the problems are in the document on stdout).
    """
    from engine.load.check import check_paths

    book = load_rules(rules_dir)
    result = check_paths(list(paths), book, resolve_rules_dir(rules_dir))
    if fmt == "json":
        click.echo(_check_json(book, result), nl=False)
        if result.problems:
            sys.exit(EXIT_INPUT)
        return
    if result.problems:
        raise InputError(result.problems)
    counts = result.counts
    if not paths:
        click.echo(
            f"ok: rulebook {book.info.name} {book.info.version} ({len(book.rules)} rules, "
            f"{len(book.weighings)} weighings) is valid"
        )
        return
    click.echo(
        f"ok: rulebook {book.info.name} {book.info.version} ({len(book.rules)} rules, {len(book.weighings)} weighings); "
        f"{counts['dossier']} dossier(s), {counts['history']} placement history(ies) and "
        f"{counts['rules']} rules file(s) are valid"
    )


def _check_json(book: Any, result: Any) -> str:
    """`check --format json`: the rulebook, what was checked by kind, every problem's fields."""
    from engine.assessment import canonical_json

    document = {
        "ok": not result.problems,
        "rulebook": {"name": book.info.name, "version": book.info.version, "sha256": book.sha256},
        "counts": dict(sorted(result.counts.items())),
        "problems": [problem.to_dict() for problem in result.problems],
    }
    return canonical_json(document, indent=2) + "\n"


def register(main: click.Group) -> None:
    """Add `assess` and `check` to the `tip-assess` group."""
    main.add_command(assess)
    main.add_command(check)
