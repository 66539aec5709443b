"""A country's placement history as input: official placements and downgrade waivers by year.

The watch-list limits of the law look back: two consecutive years on the watch list, the
years a downgrade was waived, an earlier automatic downgrade. The history file records those
official facts; for the year assessed they become input facts of two vocabulary kinds, relative
to that year (`prior_placement` with `years_before` 1, 2, ...; `downgrade_waiver` for a waiver
granted for the year assessed). Rules count the years; Python never reads a placement's value.

    country: Peru
    placements:
      - {year: 2006, placement: <a placement of the vocabulary>, source: https://...}
    waivers:
      - {year: 2011, written_plan: true, plan_would_constitute_significant_efforts: true,
         sufficient_resources: true, source: https://...}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from engine.assessment import compiled_for
from engine.compiler import evidence_type
from engine.errors import InputError, Problem
from engine.inference import InputFact
from engine.loading import digest_files, validation_problems
from engine.models import Strict
from engine.rulebook import Rulebook
from engine.vocabulary import check_record_values
from engine.yamlsource import LineMap, load_yaml_file

HISTORY_FILE = "history.yaml"
PLACEMENT_KIND = "prior_placement"
WAIVER_KIND = "downgrade_waiver"


class PlacementEntry(Strict):
    """The official placement of one report year."""

    year: int = Field(ge=2001, le=2100)
    placement: str
    automatic_downgrade: bool = False
    source: str | None = None
    note: str | None = None


class WaiverEntry(Strict):
    """A waiver of the automatic downgrade granted for one report year, with its grounds."""

    year: int = Field(ge=2001, le=2100)
    written_plan: bool
    plan_would_constitute_significant_efforts: bool
    sufficient_resources: bool
    source: str | None = None
    note: str | None = None


class History(Strict):
    """All official placements and waivers of one country."""

    country: str
    source: str | None = None
    note: str | None = None
    placements: list[PlacementEntry] = Field(default_factory=list)
    waivers: list[WaiverEntry] = Field(default_factory=list)


@dataclass
class LoadedHistory:
    history: History
    path: str
    sha256: str
    lines: LineMap

    def placement_year_line(self, index: int) -> int | None:
        return self.lines.line_of(("placements", index))


def is_history_file(path: Path) -> bool:
    """History files sit beside dossiers; commands that walk a corpus must not read them as one."""
    return path.name == HISTORY_FILE


def load_history(path: Path, book: Rulebook, display: str | None = None) -> LoadedHistory:
    """Load and check a history file against the vocabulary; every problem names its line."""
    shown = display or str(path)
    data, lines, raw = load_yaml_file(path, shown)
    if not isinstance(data, dict):
        raise InputError.single(
            shown, 1, None, "a history file must be a mapping with country, placements, waivers"
        )
    try:
        history = History.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, lines, ())) from None
    problems: list[Problem] = []
    for kind_name in (PLACEMENT_KIND, WAIVER_KIND):
        if kind_name not in book.kinds:
            problems.append(
                Problem(
                    shown,
                    None,
                    None,
                    f"the rulebook's vocabulary declares no evidence kind '{kind_name}', "
                    "which a placement history needs",
                )
            )
    if problems:
        raise InputError(problems)
    seen: dict[int, int | None] = {}
    for index, entry in enumerate(history.placements):
        base = ("placements", index)
        if entry.year in seen:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "year")),
                    f"placements[{index}].year",
                    f"a second placement for {entry.year} (first at line {seen[entry.year]})",
                )
            )
        seen[entry.year] = lines.line_of(base)
        values = _placement_values(entry, years_before=1)
        for field_name, message in check_record_values(book.kinds[PLACEMENT_KIND], values):
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, field_name)),
                    f"placements[{index}].{field_name}",
                    message,
                )
            )
    waived: set[int] = set()
    for index, waiver in enumerate(history.waivers):
        base = ("waivers", index)
        if waiver.year in waived:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "year")),
                    f"waivers[{index}].year",
                    f"a second waiver for {waiver.year}",
                )
            )
        waived.add(waiver.year)
        for field_name, message in check_record_values(
            book.kinds[WAIVER_KIND], _waiver_values(waiver)
        ):
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, field_name)),
                    f"waivers[{index}].{field_name}",
                    message,
                )
            )
    if problems:
        raise InputError(problems)
    return LoadedHistory(history, shown, digest_files([("history", raw)]), lines)


def _placement_values(entry: PlacementEntry, years_before: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "years_before": years_before,
        "year": entry.year,
        "placement": entry.placement,
    }
    if entry.automatic_downgrade:
        values["automatic_downgrade"] = True
    if entry.source:
        values["source"] = entry.source
    return values


def _waiver_values(waiver: WaiverEntry) -> dict[str, Any]:
    values: dict[str, Any] = {
        "written_plan": waiver.written_plan,
        "plan_would_constitute_significant_efforts": waiver.plan_would_constitute_significant_efforts,
        "sufficient_resources": waiver.sufficient_resources,
        "year": waiver.year,
    }
    if waiver.source:
        values["source"] = waiver.source
    return values


def history_facts(history: History, year: int) -> list[InputFact]:
    """The history as input facts for report year `year`: earlier placements, this year's waiver.

    A waiver granted for an earlier year marks that year's placement `downgrade_waived`; a waiver
    granted for the year assessed is the `downgrade_waiver` fact the downgrade rules read.
    """
    waived_years = {waiver.year for waiver in history.waivers}
    facts: list[InputFact] = []
    for entry in sorted(history.placements, key=lambda e: e.year):
        if entry.year >= year:
            continue
        values = _placement_values(entry, years_before=year - entry.year)
        if entry.year in waived_years:
            values["downgrade_waived"] = True
        facts.append(InputFact(f"history-{entry.year}", PLACEMENT_KIND, values, False))
    for waiver in history.waivers:
        if waiver.year == year:
            facts.append(
                InputFact(f"history-waiver-{year}", WAIVER_KIND, _waiver_values(waiver), False)
            )
    return facts


def default_history_path(dossier: Path) -> Path | None:
    candidate = dossier.parent / HISTORY_FILE
    return candidate if candidate.is_file() else None


def history_inputs(
    book: Rulebook,
    dossier_path: Path,
    country: str,
    year: int,
    history_path: Path | None,
    use_history: bool = True,
) -> tuple[list[InputFact], str | None]:
    """The history facts and their sha256 for one assessment (none without a history file).

    The file is always validated; its facts are passed on only if a rule in force reads them.
    """
    if not use_history:
        return [], None
    path = history_path if history_path is not None else default_history_path(dossier_path)
    if path is None:
        return [], None
    loaded = load_history(path, book)
    if loaded.history.country != country:
        raise InputError.single(
            loaded.path,
            loaded.lines.line_of(("country",)),
            "country",
            f"history is for '{loaded.history.country}', the dossier for '{country}'",
        )
    # Only facts some rule in force can read: before the watch-list limits (2011) the history
    # cannot change a placement, so it stays out of the document and of its provenance.
    consumed = compiled_for(book, year).consumed_types
    facts = [f for f in history_facts(loaded.history, year) if evidence_type(f.kind) in consumed]
    return (facts, loaded.sha256) if facts else ([], None)
