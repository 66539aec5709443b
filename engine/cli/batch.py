"""What the batch forms of `assess`, `validate` and `impact` share: `--jobs`, `--progress`, and
the run of `tip-assess assess PATH...` itself (rows streamed in path order, errors counted).

This module never imports :mod:`engine.cli.main`; the engine is imported inside functions, so
that `--help` loads none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.batch import BATCH_FORMATS
from engine.cli.common import check_output, load_rules, write_output
from engine.cli.progress import progress_for

if TYPE_CHECKING:
    from engine.batch.assess import Row

__all__ = ["BATCH_FORMATS", "jobs_option", "progress_option", "run_assess_batch"]

BATCH_ONLY = ("table", "csv", "jsonl")  # a single dossier asked in these is a batch of one
SINGLE_ONLY = ("text", "markdown", "html")

jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: every core available); 1 runs in this process.",
)
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress on stderr (default: a bar on a terminal, otherwise a line every 10 s).",
)


def worker_count(jobs: int | None) -> int:
    from engine.batch.pool import available_cores

    return jobs if jobs is not None else available_cores()


def run_assess_batch(
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    year: int | None,
    fmt: str,
    output: Path | None,
    jobs: int | None,
    progress: bool | None,
    use_history: bool,
    with_fragility: bool = True,
) -> int:
    """Assess every dossier under `paths`; returns the exit status (0, 1, 2 or 3)."""
    from engine.batch.assess import AssessJob
    from engine.batch.dossiers import find_dossiers, sorted_unique
    from engine.batch.pool import run
    from engine.batch.render import WRITERS, header
    from engine.load.inputs import note_input

    book = load_rules(rules_dir)
    found = sorted_unique(find_dossiers(paths))
    for file in found:
        note_input(file)
    check_output(output)  # before any work; checked again with every file the workers read
    files = [f.as_posix() for f in found]
    writer = WRITERS[fmt](header(book.info.name, book.info.version, book.sha256, year))
    bar = progress_for("assess", progress)
    streamed: list[str] = []

    def emit(text: str) -> None:
        if not text:
            return
        if output is None:
            if bar is not None:
                bar.finish()  # the bar is redrawn under the text
            click.echo(text, nl=False)
        else:
            streamed.append(text)

    def on_result(index: int, dossier: str, row: Row) -> None:
        if row.problems and bar is not None:
            bar.finish()  # a message never runs on from the bar
        for problem in row.problems:
            click.echo(f"{row.status}: {problem}", err=True)
        emit(writer.row(row))
        if bar is not None:
            bar(index + 1, len(files), dossier)

    try:
        job = AssessJob(book, year, use_history, with_fragility)
        run(job, files, worker_count(jobs), on_result)
    finally:
        if bar is not None:
            bar.finish()
    emit(writer.finish())
    if output is not None:
        write_output("".join(streamed), output)
    summary = writer.summary
    if fmt == "csv":
        click.echo(summary.line(), err=True)
    return summary.exit_code()
