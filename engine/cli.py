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
@guarded
def assess(
    dossier: Path, rules_dir: Path | None, year: int | None, fmt: str, output: Path | None
) -> None:
    """Assess DOSSIER and explain the placement.

    Exit status: 0 when a placement is derived, 1 when the evidence leaves it undetermined or
    the rules conflict, 2 on bad input.
    """
    from engine.assessment import assess as run_assessment
    from engine.loading import load_dossier
    from engine.report import render

    book = load_rules(rules_dir)
    loaded = load_dossier(dossier, book)
    result = run_assessment(book, loaded, year)
    write_output(render(result.document, fmt), output)
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
@format_option
@guarded
def rules_show(rule_id: str, rules_dir: Path | None, fmt: str) -> None:
    """Show one rule: its statutory text, citation, years in force, condition and examples."""
    from engine.rules_report import show_rule

    book = load_rules(rules_dir)
    try:
        book.rule(rule_id)
    except KeyError:
        raise click.UsageError(
            f"no rule with id '{rule_id}' (try: tip-assess rules list)"
        ) from None
    click.echo(show_rule(book, rule_id, fmt), nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@rules_option
@guarded
def check(paths: tuple[Path, ...], rules_dir: Path | None) -> None:
    """Validate the rules and the given dossiers (files or directories) without assessing.

    Reports every problem with file, line and field; exit 2 if there is any.
    """
    from engine.loading import load_dossier

    book = load_rules(rules_dir)
    problems = []
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    for file in files:
        try:
            load_dossier(file, book)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    click.echo(
        f"ok: rulebook {book.info.name} {book.info.version} ({len(book.rules)} rules) and {len(files)} dossier(s) are valid"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
