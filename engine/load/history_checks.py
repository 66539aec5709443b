"""Placement histories that cannot be true, refused by `check`, `assess` and `lint`.

What the checks know comes from the rulebook, never from Python: which placement flag marks an
automatic downgrade and which placement it gives (`rulebook.history.downgrade_field` and
`downgrade_values`), the grounds of a waiver (the required true-or-false fields of the waiver
kind), and the first report year of the automatic downgrade (the first year in force of a rule
that reads a waiver, a waived year or a downgrade flag).

- a placement flagged as an automatic downgrade without the values the downgrade gives;
- a downgrade or a waiver for a year before the automatic downgrade existed;
- a waiver whose grounds are all false (no President could have granted it);
- a waiver for a year after the history's last placement and the year after it (the year an
  assessment may be run for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.load.rulebook import Rulebook
from engine.models import AbsencePattern, EvidencePattern, HistorySettings


@dataclass(frozen=True)
class Entry:
    """One entry of a history: a placement or a waiver for a report year, with its fields."""

    section: str  # "placements" or "waivers"
    index: int
    year: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Impossible:
    entry: Entry
    field: str
    message: str


def downgrade_start(book: Rulebook, settings: HistorySettings) -> tuple[int, str] | None:
    """The first report year of a rule that reads waivers or downgrades, and that rule's id."""
    flags = {settings.waived_field, settings.downgrade_field} - {None}
    first: tuple[int, str] | None = None
    for rule in book.rules:
        for patterns in rule.alternatives():
            for pattern in patterns:
                inner = pattern.none if isinstance(pattern, AbsencePattern) else pattern
                if not isinstance(inner, EvidencePattern):
                    continue
                reads = inner.evidence == settings.waiver_kind or (
                    inner.evidence == settings.placement_kind and bool(flags & set(inner.where))
                )
                if reads and (first is None or rule.in_force.start < first[0]):
                    first = (rule.in_force.start, rule.id)
    return first


def impossible_entries(
    entries: list[Entry], book: Rulebook, settings: HistorySettings
) -> list[Impossible]:
    """Every entry of a history that cannot be true, with the field at fault and why."""
    found: list[Impossible] = []
    start = downgrade_start(book, settings)
    waiver_kind = book.kinds.get(settings.waiver_kind)
    grounds = (
        [
            name
            for name, spec in waiver_kind.fields.items()
            if spec.type == "boolean" and spec.required
        ]
        if waiver_kind is not None
        else []
    )
    placed = [entry.year for entry in entries if entry.section == "placements"]
    last = max(placed) if placed else None
    flag = settings.downgrade_field
    for entry in entries:
        if entry.section == "placements":
            if flag is None or entry.values.get(flag) is not True:
                continue
            wrong = {
                name: entry.values.get(name)
                for name, value in settings.downgrade_values.items()
                if entry.values.get(name) != value
            }
            if wrong:
                gives = ", ".join(f"{k} {v!r}" for k, v in settings.downgrade_values.items())
                has = ", ".join(f"{k} {v!r}" for k, v in wrong.items())
                found.append(
                    Impossible(
                        entry,
                        flag,
                        f"an automatic downgrade in {entry.year} on {has}: the automatic "
                        f"downgrade only gives {gives}",
                    )
                )
            if start is not None and entry.year < start[0]:
                found.append(
                    Impossible(entry, flag, _too_early("an automatic downgrade", entry, start))
                )
            continue
        if start is not None and entry.year < start[0]:
            found.append(Impossible(entry, "year", _too_early("a waiver", entry, start)))
        if grounds and all(entry.values.get(name) is False for name in grounds):
            found.append(
                Impossible(
                    entry,
                    grounds[0],
                    f"a waiver for {entry.year} whose grounds are all false "
                    f"({', '.join(grounds)}) cannot have been granted, and is not counted",
                )
            )
        if last is not None and entry.year > last + 1:
            found.append(
                Impossible(
                    entry,
                    "year",
                    f"a waiver for {entry.year}, after the last placement the history records "
                    f"({last}) and the year after it: a waiver is granted in a report that "
                    "also places the country",
                )
            )
    return found


def _too_early(what: str, entry: Entry, start: tuple[int, str]) -> str:
    return (
        f"{what} for {entry.year}, before the automatic downgrade existed (first report year "
        f"{start[0]}, rule {start[1]})"
    )
