"""A country's placement history as input: official placements and downgrade waivers by year.

The watch-list limits of the law look back: two consecutive years on the watch list, the
years a downgrade was waived, an earlier automatic downgrade. The history file records those
official facts; for the year assessed they become input facts of the two vocabulary kinds the
rulebook names (`rulebook.history`), relative to that year: each earlier placement with its
offset (`years_before` 1, 2, ...), and the waiver granted for the year assessed. An entry's
fields are the kind's fields, checked against the vocabulary like any record, so the grounds of
a waiver or the flags of a placement are declared in YAML. Rules count the years; Python never
reads a placement's value.

    country: Peru
    placements:
      - {year: 2006, placement: <a placement of the vocabulary>, source: https://...}
    waivers:
      - {year: 2011, <the waiver kind's fields>: ..., source: https://...}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from engine.errors import InputError, Problem
from engine.load import input_cache, inputs
from engine.load.cache import cache_dir
from engine.load.common import digest_files, validation_problems
from engine.load.files import decode_utf8, read_bounded
from engine.load.history_checks import Entry, downgrade_start, impossible_entries
from engine.load.kinds import DOSSIER_KEYS, HISTORY_SECTIONS, classify, misfiled
from engine.load.linemap import LineMap
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import check_record_values
from engine.models import HistorySettings, InputFact, Strict
from engine.models.base import empty_list

HISTORY_FILE = "history.yaml"
HISTORY_FOLDER = "histories"  # in the cache of loaded inputs
HISTORY_PREFIX = "history-"
METADATA = frozenset({"note"})  # entry keys that are about the entry, not facts


class History(Strict):
    """All official placements and waivers of one country; entries are checked against the
    vocabulary kinds named in the rulebook, each with its `year`."""

    country: str
    source: str | None = None
    note: str | None = None
    placements: list[dict[str, Any]] = Field(default_factory=empty_list)
    waivers: list[dict[str, Any]] = Field(default_factory=empty_list)


@dataclass
class LoadedHistory:
    history: History
    path: str
    sha256: str
    lines: LineMap

    def placement_year_line(self, index: int) -> int | None:
        return self.lines.line_of(("placements", index))


def is_history_file(path: Path) -> bool:
    """Whether `path` holds a placement history (told by its content, not its name).

    History files sit beside dossiers; commands that walk a corpus must not read them as one. A
    file that cannot be read is not a history: the dossier loader then says what is wrong.
    """
    try:
        raw = read_bounded(path, str(path))
        if _DOSSIER_KEY_LINE.search(raw):
            return False  # a key only dossiers have, at the top level: no need to parse it
        from engine.load.yamlsource import load_yaml_text  # PyYAML only to parse (yamlsource)

        data, _ = load_yaml_text(decode_utf8(raw, str(path)), str(path))
    except InputError:
        return False
    return classify(data) == "history"


# A dossier's own top-level key written in block style (at the start of a line): a corpus walk
# meets thousands of dossiers and only a few histories. Anything else is parsed and classified.
_DOSSIER_KEY_LINE = re.compile(
    rb"^(?:" + b"|".join(sorted(k.encode() for k in DOSSIER_KEYS)) + rb")[ \t]*:", re.MULTILINE
)


def history_settings(book: Rulebook, where: str = "rules") -> HistorySettings:
    if book.info.history is None:
        raise InputError.single(
            where,
            None,
            "rulebook.history",
            "the rulebook does not say how to read a placement history",
        )
    return book.info.history


def _entry_year(entry: Any) -> int | None:
    year = entry.get("year") if isinstance(entry, dict) else None
    return (
        year
        if isinstance(year, int) and not isinstance(year, bool) and 2001 <= year <= 2100
        else None
    )


# Checked histories by (name shown, file bytes, rulebook): a batch assesses many report years
# of one country, and each assessment reads the same history file. Bounded, newest kept.
_CHECKED: OrderedDict[tuple[str, bytes, int], tuple[Rulebook, LoadedHistory]] = OrderedDict()
_CHECKED_MAX = 64


def load_history(
    path: Path, book: Rulebook, display: str | None = None, cached: bool = False
) -> LoadedHistory:
    """Load and check a history file against the vocabulary; every problem names its line.

    The file is read every time; only a file whose bytes were already checked against this
    rulebook skips the parsing and the checks (a bad file is never remembered). `cached` also
    reads and keeps the checked load in the on-disk cache of loaded inputs
    (`engine.load.input_cache`): a new process then does not build the history's validator
    (about 30 ms). `check`, `lint` and `log replay` load afresh, because their job is the checks.
    """
    shown = display or str(path)
    raw = read_bounded(path, shown)
    key = (shown, hashlib.sha256(raw).digest(), id(book))
    found = _CHECKED.get(key)
    if found is not None and found[0] is book:
        _CHECKED.move_to_end(key)
        inputs.note_input(path)
        return found[1]
    entry = _entry_path(book, shown, raw) if cached else None
    stored = entry.read() if entry is not None else None
    if (
        entry is not None
        and isinstance(stored, LoadedHistory)
        and stored.path == shown
        and stored.sha256 == digest_files([("history", raw)])
    ):
        inputs.note_input(path)
        loaded = stored
    else:
        loaded = _check_history(path, raw, book, shown)
        if entry is not None:
            entry.write(loaded)
    _CHECKED[key] = (book, loaded)
    if len(_CHECKED) > _CHECKED_MAX:
        _CHECKED.popitem(last=False)
    return loaded


def _entry_path(book: Rulebook, shown: str, raw: bytes) -> input_cache.InputEntry | None:
    """Where a clean load of these bytes is kept for rulebooks that check histories as `book`
    does: the same evidence kinds, history settings and first year of the automatic downgrade
    (`history_checks.downgrade_start`). None without a cache or history settings."""
    directory = cache_dir()
    if directory is None or book.info.history is None:
        return None
    reads = [book.history_digest(), json.dumps(downgrade_start(book, book.info.history))]
    return input_cache.input_entry(directory, HISTORY_FOLDER, reads, shown, raw)


def _check_history(path: Path, raw: bytes, book: Rulebook, shown: str) -> LoadedHistory:
    settings = history_settings(book, shown)
    text = decode_utf8(raw, shown)
    from engine.load.yamlsource import load_yaml_text  # PyYAML only to parse (yamlsource)

    data, lines = load_yaml_text(text, shown, allow_aliases=False, counted=HISTORY_SECTIONS)
    inputs.note_input(path)
    wrong = misfiled(data, "history")
    if wrong:
        raise InputError.single(shown, 1, None, wrong)
    if not isinstance(data, dict):
        raise InputError.single(
            shown, 1, None, "a history file must be a mapping with country, placements, waivers"
        )
    try:
        history = History.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, lines, ())) from None
    problems: list[Problem] = []
    derived = {settings.offset_field, settings.waived_field} - {None}
    for section, kind_name in (
        ("placements", settings.placement_kind),
        ("waivers", settings.waiver_kind),
    ):
        kind = book.kinds[kind_name]
        seen: dict[int, int | None] = {}
        for index, entry in enumerate(getattr(history, section)):
            base = (section, index)
            year = _entry_year(entry)
            if year is None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "year")),
                        f"{section}[{index}].year",
                        "needs a report year between 2001 and 2100",
                    )
                )
                continue
            if year in seen:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "year")),
                        f"{section}[{index}].year",
                        f"a second entry for {year} in {section} (first at line {seen[year]})",
                    )
                )
            seen[year] = lines.line_of(base)
            for key in sorted(set(entry) & derived):
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, key)),
                        f"{section}[{index}].{key}",
                        "is derived from the history when an assessment runs; do not set it",
                    )
                )
            values = _values(entry, kind_name, settings, years_before=1)
            for field_name, message in check_record_values(kind, values):
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, field_name)),
                        f"{section}[{index}].{field_name}",
                        message,
                    )
                )
    if problems:
        raise InputError(problems)
    entries = [
        Entry(section, index, _entry_year(entry) or 0, entry)
        for section in ("placements", "waivers")
        for index, entry in enumerate(getattr(history, section))
    ]
    for found in impossible_entries(entries, book, settings):
        base = (found.entry.section, found.entry.index)
        problems.append(
            Problem(
                shown,
                lines.line_of((*base, found.field)) or lines.line_of(base),
                f"{found.entry.section}[{found.entry.index}].{found.field}",
                f"cannot be true: {found.message}",
            )
        )
    if problems:
        raise InputError(problems)
    return LoadedHistory(history, shown, digest_files([("history", raw)]), lines)


def _values(
    entry: dict[str, Any], kind: str, settings: HistorySettings, years_before: int
) -> dict[str, Any]:
    values = {key: value for key, value in entry.items() if key not in METADATA}
    if kind == settings.placement_kind:
        values[settings.offset_field] = years_before
    return values


def history_facts(history: History, year: int, settings: HistorySettings) -> list[InputFact]:
    """The history as input facts for report year `year`: earlier placements, this year's waiver.

    A waiver granted for an earlier year marks that year's placement (the `waived_field`); a
    waiver granted for the year assessed becomes a fact of the waiver kind.
    """
    waived_years = {_entry_year(waiver) for waiver in history.waivers}
    facts: list[InputFact] = []
    for entry in sorted(history.placements, key=lambda e: _entry_year(e) or 0):
        entry_year = _entry_year(entry)
        if entry_year is None or entry_year >= year:
            continue
        values = _values(entry, settings.placement_kind, settings, years_before=year - entry_year)
        if entry_year in waived_years and settings.waived_field:
            values[settings.waived_field] = True
        facts.append(InputFact(f"history-{entry_year}", settings.placement_kind, values, False))
    for waiver in history.waivers:
        if _entry_year(waiver) == year:
            values = _values(waiver, settings.waiver_kind, settings, years_before=0)
            facts.append(InputFact(f"history-waiver-{year}", settings.waiver_kind, values, False))
    return facts


def default_history_path(dossier: Path) -> Path | None:
    candidate = dossier.parent / HISTORY_FILE
    return candidate if candidate.is_file() else None


def read_history(
    book: Rulebook,
    dossier_path: Path,
    country: str,
    year: int,
    history_path: Path | None,
    use_history: bool = True,
    cached: bool = True,
) -> tuple[list[InputFact], str | None]:
    """Every history fact for report year `year`, and the file's sha256 (none without a file).

    The file is always validated (`cached`: or its clean load read from the cache). Which
    facts an assessment keeps (those a rule in force reads) is decided above this layer, by
    :func:`engine.assessment.history_inputs`.
    """
    if not use_history:
        return [], None
    path = history_path if history_path is not None else default_history_path(dossier_path)
    if path is None:
        return [], None
    loaded = load_history(path, book, cached=cached)
    if loaded.history.country != country:
        raise InputError.single(
            loaded.path,
            loaded.lines.line_of(("country",)),
            "country",
            f"history is for '{loaded.history.country}', the dossier for '{country}'",
        )
    settings = history_settings(book, loaded.path)
    return history_facts(loaded.history, year, settings), loaded.sha256
