"""The `tip-assess` command line.

Conventions: results on stdout, diagnostics on stderr; exit 0 ok, 1 a finding or failed check,
2 usage or input error, 3 an internal fault. Bad input never shows a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine import __version__
from engine.cli.audit import register as register_audit
from engine.cli.common import (
    EXIT_FINDING,
    default_rules_dir,
    format_option,
    guarded,
    load_rules,
    output_option,
    rules_option,
    write_output,
)
from engine.cli.rulebook import register as register_rulebook
from engine.cli.validate import register as register_validate
from engine.errors import InputError


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
    from engine.load.dossier import load_dossier
    from engine.report.assessment import render

    if (log_path or by) and not record:
        raise click.UsageError("--log and --by only apply with --record")
    book = load_rules(rules_dir)
    loaded = load_dossier(dossier, book)
    if history_path is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    from engine.assessment import history_inputs

    assessed = year if year is not None else loaded.dossier.report_year
    extra, extra_sha = history_inputs(
        book, dossier, loaded.dossier.country, assessed, history_path, not no_history
    )
    result = run_assessment(book, loaded, year, extra, extra_sha)
    text = render(result.document, fmt)
    if record:
        from engine.cli.audit import record_decision

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
    from engine.cli.rulebook import show_rule_in_year

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


register_audit(main)  # diff, impact, log
register_validate(main)  # validate
register_rulebook(main)  # lint, coverage, schema

if __name__ == "__main__":  # pragma: no cover
    main()
