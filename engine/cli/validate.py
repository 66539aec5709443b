"""The `validate` command: the engine's placements against the official ones, as a table.

This module never imports :mod:`engine.cli.main` (main.py imports it to register the command);
shared plumbing comes from :mod:`engine.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.batch import jobs_option, progress_option, worker_count
from engine.cli.common import (
    EXIT_FINDING,
    guarded,
    load_rules,
    output_option,
    rules_option,
    write_output,
)
from engine.cli.progress import progress_for


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--expected",
    "expected_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of official placements: country,year,tier[,source][,exception].",
)
@rules_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    default="text",
    show_default=True,
    help="Output format (markdown for the README).",
)
@click.option(
    "--depth",
    type=click.IntRange(1, 6),
    default=2,
    show_default=True,
    help="How many findings deep to follow the placement's justification for pivotal findings.",
)
@click.option(
    "--no-history",
    is_flag=True,
    help="Ignore placement histories beside the dossiers (default: read them, as assess does).",
)
@click.option(
    "--no-fragility",
    is_flag=True,
    help="Skip the single changes that would move each placement (faster; the pivotal column "
    "then shows the justification path only).",
)
@progress_option
@jobs_option
@output_option
@guarded
def validate_command(
    paths: tuple[Path, ...],
    expected_path: Path,
    rules_dir: Path | None,
    fmt: str,
    depth: int,
    no_history: bool,
    no_fragility: bool,
    progress: bool | None,
    jobs: int | None,
    output: Path | None,
) -> None:
    """Assess every dossier under PATHS and compare with the official placements.

    Prints, per dossier, the official placement, the engine's, agree/disagree, the pivotal
    findings and any missing evidence, then the agreement rate over complete dossiers. Partial
    dossiers are shown but not counted. The pivotal column ends with the placement's fragility:
    each single change of a judgment, record, contested reading or parameter that would move it
    ("decides: ...").

    Exit status: 0 when every complete dossier agrees (or is a stated exception), 1 on any
    disagreement in a complete dossier, 2 on bad input.
    """
    from engine.corpus.expected import load_expected
    from engine.corpus.render import RENDERERS
    from engine.corpus.validation import find_dossiers, validate

    book = load_rules(rules_dir)
    expected = load_expected(expected_path, outcome=book.info.outcome)
    files = find_dossiers(paths)
    bar = progress_for("validate", progress)
    try:
        result = validate(
            book,
            files,
            expected,
            depth,
            bar,
            use_history=not no_history,
            jobs=worker_count(jobs),
            with_fragility=not no_fragility,
        )
    finally:
        if bar is not None:
            bar.finish()
    write_output(RENDERERS[fmt](result), output)
    if result.failing:
        sys.exit(EXIT_FINDING)


def register(main: click.Group) -> None:
    """Add `validate` to the `tip-assess` group."""
    main.add_command(validate_command)
