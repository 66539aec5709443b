"""Decision-log commands: `log show|verify|replay`, and the recording behind `assess --record`.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the commands);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.cli.common import EXIT_FINDING, guarded, write_output

if TYPE_CHECKING:
    from engine.assessment import Assessment
    from engine.load.dossier import LoadedDossier
    from engine.load.rulebook import Rulebook

log_option = click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Decision log (default: $TIP_ASSESS_LOG, else $XDG_STATE_HOME/tip-assess/decisions.jsonl).",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


# --------------------------------------------------------------------------- assess --record


def record_decision(
    result: Assessment,
    book: Rulebook,
    loaded: LoadedDossier,
    output: str,
    *,
    dossier: Path,
    rules_dir: Path,
    year: int | None,
    fmt: str,
    log_path: Path | None,
    by: str | None,
    history_path: Path | None = None,
    use_history: bool = True,
    request_id: str | None = None,
    detail: str = "standard",
) -> dict[str, object]:
    """Append the decision to the log; called by `assess --record` before it writes output."""
    from engine.audit.decision_log import DecisionLog, DecisionLogError, default_log_path
    from engine.audit.record import decision_record, default_user
    from engine.errors import InputError
    from engine.load.inputs import note_input

    if by is not None and not by.strip():
        raise click.UsageError("--by must name someone")
    path = log_path or default_log_path()
    record = decision_record(
        result,
        book,
        loaded,
        output,
        dossier=dossier,
        rules_dir=rules_dir,
        year=year,
        fmt=fmt,
        by=(by or default_user()).strip(),
        history=_history_used(result, dossier, history_path, use_history),
        detail=detail,
    )
    if request_id is not None:
        record["request_id"] = request_id
    log = DecisionLog(path)
    try:
        entry = log.append(record)
        note_input(path)  # the output may never replace the log
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except DecisionLogError as exc:
        raise InputError.single(path, None, None, f"decision not recorded: {exc}") from None
    except OSError as exc:
        raise InputError.single(
            path, None, None, f"decision not recorded: {exc.strerror or exc}"
        ) from None
    if log.repaired_tail is not None:
        click.echo(
            f"note: {path}: discarded an incomplete last line ({len(log.repaired_tail)} bytes) "
            "left by an interrupted write",
            err=True,
        )
    if log.duplicate:
        click.echo(
            f"already recorded as decision {entry['seq']} in {path} (request id "
            f"{request_id}, hash {str(entry['hash'])[:12]}); not recorded again",
            err=True,
        )
        return entry
    click.echo(
        f"recorded decision {entry['seq']} in {path} (hash {str(entry['hash'])[:12]})", err=True
    )
    return entry


def _history_used(
    result: Assessment, dossier: Path, history_path: Path | None, use_history: bool
) -> Path | None:
    """The placement history file the assessment read, as `assess` chose it."""
    from engine.load.history import default_history_path

    if not use_history or "history_sha256" not in result.document["provenance"]:
        return None
    return history_path if history_path is not None else default_history_path(dossier)


# --------------------------------------------------------------------------- log


@click.group("log")
def log_group() -> None:
    """The tamper-evident decision log written by `assess --record`.

    \b
    tip-assess log show            list the recorded decisions
    tip-assess log show 3          one entry in full
    tip-assess log verify          check the hash chain; name the first bad entry
    tip-assess log replay 3        re-run entry 3 and compare its output byte for byte
    """


def _open_log(log_path: Path | None) -> Any:
    from engine.audit.decision_log import DecisionLog, default_log_path
    from engine.errors import InputError

    path = log_path or default_log_path()
    if not path.exists():
        raise InputError.single(
            path,
            None,
            None,
            "no decision log here (record one with: tip-assess assess DOSSIER --record)",
        )
    if path.is_dir():
        raise InputError.single(path, None, None, "is a directory, not a decision log")
    return DecisionLog(path)


def _entries(log: Any) -> list[dict[str, Any]]:
    from engine.audit.decision_log import DecisionLogError
    from engine.errors import InputError

    try:
        entries: list[dict[str, Any]] = log.entries()
    except DecisionLogError as exc:
        raise InputError.single(
            log.path, None, None, f"{exc} (run: tip-assess log verify)"
        ) from None
    if log.torn_line is not None:
        click.echo(
            f"note: {log.path}:{log.torn_line}: incomplete last line (an interrupted write) "
            "ignored; the next recorded decision replaces it",
            err=True,
        )
    return entries


def _year(entry: dict[str, Any]) -> str:
    """The report year, and the rules' year when `--year` assessed it under another."""
    replay = entry.get("replay")
    year = replay.get("year") if isinstance(replay, dict) else None
    shown = str(entry.get("report_year"))
    return shown if year in (None, entry.get("report_year")) else f"{shown} (rules {year})"


def _describe(entry: dict[str, Any]) -> str:
    return (
        f"{entry.get('country')} {entry.get('report_year')} -> {entry.get('tier')}, "
        f"recorded {entry.get('time')} by {entry.get('by')}"
    )


@log_group.command("show")
@click.argument("seq", type=click.IntRange(min=1), required=False)
@log_option
@format_option
@guarded
def log_show(seq: int | None, log_path: Path | None, fmt: str) -> None:
    """List recorded decisions, or show entry SEQ in full. Does not verify the chain."""
    from engine.assessment import canonical_json
    from engine.errors import InputError

    log = _open_log(log_path)
    entries = _entries(log)
    if seq is not None:
        chosen = [e for e in entries if e.get("seq") == seq]
        if not chosen:
            raise InputError.single(
                log.path, None, None, f"no entry {seq} (the log has {len(entries)} entries)"
            )
        if fmt == "json":
            click.echo(canonical_json(chosen[0], indent=2))
        else:  # one field a line, in the log's order; a nested value as compact JSON
            for key, value in chosen[0].items():
                printable = isinstance(value, str) and value.isprintable()
                shown = value if printable else canonical_json(value)
                click.echo(f"{key}: {shown}")
        return
    if fmt == "json":
        click.echo(canonical_json({"log": str(log.path), "entries": entries}, indent=2))
        return
    click.echo(f"decision log {log.path}: {len(entries)} entries")
    if not entries:
        return
    header = (
        "seq",
        "time",
        "by",
        "country",
        "year",
        "tier",
        "rulebook",
        "engine",
        "rules",
        "evidence",
        "hash",
    )
    rows = [
        (
            str(e.get("seq")),
            str(e.get("time")),
            str(e.get("by")),
            str(e.get("country")),
            _year(e),
            str(e.get("tier")),
            str(e.get("rules_version", "-")),
            str(e.get("engine_version")),
            str(e.get("rules_sha256"))[:12],
            str(e.get("evidence_sha256"))[:12],
            str(e.get("hash"))[:12],
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@log_group.command("verify")
@log_option
@format_option
@guarded
def log_verify(log_path: Path | None, fmt: str) -> None:
    """Check every entry's hash and its link to the one before.

    Names the first entry that was altered, removed or reordered. Exit status 0 when the chain
    holds, 1 when it is broken, 2 when there is no log.
    """
    from engine.assessment import canonical_json

    log = _open_log(log_path)
    report = log.verify()
    as_read = _entry_as_read(log.path, report.first_bad_line)
    if fmt == "json":
        payload = {
            "log": str(log.path),
            "ok": report.ok,
            "entries_verified": report.entries,
            "first_bad_seq": report.first_bad_seq,
            "first_bad_line": report.first_bad_line,
            "problem": report.problem,
            "torn_line": report.torn_line,
            "head_hash": report.head_hash,
            "first_bad_entry_as_read": as_read,
        }
        click.echo(canonical_json(payload, indent=2))
    elif report.ok:
        click.echo(
            f"ok: {report.entries} entries verified in {log.path}; "
            f"head hash {report.head_hash or '(empty log)'}"
        )
        if report.problem:
            click.echo(f"note: {report.problem}", err=True)
    else:
        click.echo(f"FAILED: {log.path}: {report.problem}")
        if report.first_bad_seq is not None:
            click.echo(f"first bad entry: {report.first_bad_seq} (line {report.first_bad_line})")
        if as_read is not None:
            click.echo(f"  as it now reads: {_describe(as_read)}")
        line = report.first_bad_line or 0
        if "prev_hash does not match" in report.problem and line > 1:
            # The entry itself hashes correctly; what it commits to before it does not.
            click.echo(
                f"  (entry {line - 1} was rewritten and re-hashed, or entries before line {line} "
                "were removed or reordered)"
            )
        verified = report.entries
        if verified:
            click.echo(
                f"entries 1-{verified} verified; last good hash {report.head_hash}"
                if verified > 1
                else f"entry 1 verified; last good hash {report.head_hash}"
            )
        else:
            click.echo("no entry before it verified")
    if not report.ok:
        sys.exit(EXIT_FINDING)


def _entry_as_read(path: Path, line: int | None) -> dict[str, Any] | None:
    """The offending line parsed, if it still parses: shows the reader what it now claims."""
    import json

    if line is None:
        return None
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                if number == line:
                    value = json.loads(raw)
                    return value if isinstance(value, dict) else None
    except (OSError, ValueError):
        return None
    return None


@log_group.command("replay")
@click.argument("seq", type=click.IntRange(min=1))
@log_option
@format_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the replayed assessment output to this file.",
)
@guarded
def log_replay(seq: int, log_path: Path | None, fmt: str, output: Path | None) -> None:
    """Re-run entry SEQ from its recorded rules revision and evidence.

    The rules and the dossier are extracted from the commit recorded with the entry when they
    were committed unmodified, else read from the recorded paths. Reports whether the output
    reproduces byte for byte (exit 0) or not (exit 1, with what differs).
    """
    from engine.audit.record import render_replay, replay_entry
    from engine.errors import InputError

    log = _open_log(log_path)
    entries = _entries(log)
    chosen = [e for e in entries if e.get("seq") == seq]
    if not chosen:
        raise InputError.single(
            log.path, None, None, f"no entry {seq} (the log has {len(entries)} entries)"
        )
    verdict = log.verify()
    report = replay_entry(chosen[0], str(log.path))
    if not verdict.ok and verdict.first_bad_seq is not None and verdict.first_bad_seq <= seq:
        report.notes.append(
            f"warning: the log fails verification at entry {verdict.first_bad_seq}: "
            "this entry's record is not trustworthy"
        )
    if output is not None and report.output is not None:
        write_output(report.output, output)
    click.echo(render_replay(report, fmt), nl=False)
    if not report.reproduced:
        sys.exit(EXIT_FINDING)


def register(main: click.Group) -> None:
    """Add `log` to the `tip-assess` group."""
    main.add_command(log_group)
