"""Eras: runs of report years with the same rules in force and the same parameter values."""

from __future__ import annotations

from dataclasses import dataclass

from engine.load.rulebook import Rulebook
from engine.models import year_span


@dataclass(frozen=True)
class Era:
    """Report years with identical rules in force and identical parameter values."""

    start: int
    end: int | None

    @property
    def label(self) -> str:
        return year_span(self.start, self.end)

    def covers(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)


def eras(book: Rulebook) -> list[Era]:
    """Split the years the rulebook covers where any rule, parameter or outcome value changes."""
    starts: set[int] = set()
    for rule in book.items():
        starts.add(rule.in_force.start)
        if rule.in_force.end is not None:
            starts.add(rule.in_force.end + 1)
    for param in book.parameters.values():
        for step in param.values:
            starts.add(step.start)
            if step.end is not None:
                starts.add(step.end + 1)
    for years in book.info.outcome.in_force.values():
        starts.add(years.start)
        if years.end is not None:
            starts.add(years.end + 1)
    items = book.items()
    first = min(rule.in_force.start for rule in items) if items else 2001
    points = sorted(year for year in starts if year >= first)
    return [
        Era(point, points[index + 1] - 1 if index + 1 < len(points) else None)
        for index, point in enumerate(points)
    ]


def era_of(book: Rulebook, year: int) -> Era:
    return next(era for era in eras(book) if era.covers(year))
