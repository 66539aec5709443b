"""The `tip-assess` command line.

Conventions: results on stdout, diagnostics on stderr; exit 0 ok, 1 a finding or failed check,
2 usage or input error, 3 an internal fault. Bad input never shows a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from engine import __version__
from engine.errors import EngineFault, InputError

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_INPUT = 2
EXIT_FAULT = 3

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ["text", "json", "markdown", "html"]


def default_rules_dir() -> Path:
    env = os.environ.get("TIP_ASSESS_RULES")
    return Path(env) if env else Path("rules")


def guarded(func: F) -> F:
    """Turn input errors and engine faults into messages and exit codes, never tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem.render()}", err=True)
            sys.exit(EXIT_INPUT)
        except EngineFault as exc:
            click.echo(f"internal error in the inference engine: {exc}", err=True)
            sys.exit(EXIT_FAULT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("TIP_ASSESS_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "(set TIP_ASSESS_DEBUG=1 for a traceback, and please report it)",
                err=True,
            )
            sys.exit(EXIT_FAULT)

    return wrapper  # type: ignore[return-value]


def write_output(text: str, output: Path | None) -> None:
    """Write to stdout, or atomically to a file: a failure never leaves half a file behind."""
    if output is None:
        click.echo(text, nl=False)
        return
    directory = output.parent if str(output.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            "w", encoding="utf-8", dir=directory, prefix=f".{output.name}.", delete=False
        )
    except OSError as exc:
        raise InputError.single(
            str(output), None, None, f"cannot write output: {exc.strerror}"
        ) from None
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, output)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Rules directory (default: $TIP_ASSESS_RULES or ./rules).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)


def load_rules(rules_dir: Path | None) -> Any:
    from engine.loading import load_rulebook

    return load_rulebook(rules_dir or default_rules_dir())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tip-assess")
def main() -> None:
    """Assess a government against the TVPA minimum standards and explain the tier placement.

    \b
    Typical use:
      tip-assess assess evidence/peru/2007.yaml
      tip-assess assess evidence/peru/2007.yaml --format json
      tip-assess rules list --year 2007
    """


@main.command()
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
) -> None:
    """Assess DOSSIER and explain the placement.

    With --record, the decision is appended to the decision log (see `tip-assess log`).
    Exit status: 0 when a placement is derived, 1 when the evidence leaves it undetermined or
    the rules conflict, 2 on bad input.
    """
    from engine.assessment import assess as run_assessment
    from engine.loading import load_dossier
    from engine.report import render

    if (log_path or by) and not record:
        raise click.UsageError("--log and --by only apply with --record")
    book = load_rules(rules_dir)
    loaded = load_dossier(dossier, book)
    if history_path is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    from engine.history import history_inputs

    assessed = year if year is not None else loaded.dossier.report_year
    extra, extra_sha = history_inputs(
        book, dossier, loaded.dossier.country, assessed, history_path, not no_history
    )
    result = run_assessment(book, loaded, year, extra, extra_sha)
    text = render(result.document, fmt)
    if record:
        from engine.cli_audit import record_decision

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
        )
    write_output(text, output)
    if result.status in ("undetermined", "conflict"):
        sys.exit(EXIT_FINDING)


@main.group()
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
    from engine.rules_report import list_rules

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
    from engine.cli_rulebook import show_rule_in_year

    book = load_rules(rules_dir)
    try:
        book.rule(rule_id)
    except KeyError:
        raise click.UsageError(
            f"no rule with id '{rule_id}' (try: tip-assess rules list)"
        ) from None
    click.echo(show_rule_in_year(book, rule_id, year, fmt), nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@rules_option
@guarded
def check(paths: tuple[Path, ...], rules_dir: Path | None) -> None:
    """Validate the rules and the given dossiers (files or directories) without assessing.

    Reports every problem with file, line and field; exit 2 if there is any.
    """
    from engine.history import is_history_file, load_history
    from engine.loading import load_dossier

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


from engine.cli_audit import register as register_audit  # noqa: E402 (diff, impact, log)
from engine.cli_validate import register as register_validate  # noqa: E402 (validate)

register_audit(main)
register_validate(main)
from engine.cli_rulebook import register as register_rulebook  # noqa: E402 (lint, coverage, schema)

register_rulebook(main)

if __name__ == "__main__":  # pragma: no cover
    main()
