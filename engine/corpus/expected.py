"""The official placements a validation compares with: `country,year,tier[,source][,exception]`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem
from engine.load import inputs
from engine.models.vocabulary import Outcome

REQUIRED_COLUMNS = ("country", "year", "tier")


def country_key(name: str) -> str:
    """Country names compare without case or spacing differences ("HONDURAS" = "Honduras")."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Official:
    """One published placement, and the stated reason if the engine is known not to reach it."""

    country: str
    year: int
    tier: str
    source: str | None
    exception: str | None
    line: int


@dataclass
class OfficialPlacements:
    """The expected-placements file, keyed by (country, year)."""

    path: str
    rows: dict[tuple[str, int], Official]

    def lookup(self, country: str, year: int) -> Official | None:
        return self.rows.get((country_key(country), year))


# The first TIP Report under the TVPA is of 2001; the rulebook's years run to 2100 (YearRange).
FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 2001, 2100


def load_expected(
    path: Path, display: str | None = None, outcome: Outcome | None = None
) -> OfficialPlacements:
    """Read `country,year,tier[,source][,exception]` CSV; every problem names its line. With the
    rulebook's `outcome`, a tier must be one of its placements, in a year it existed: a tier
    misspelt would otherwise only ever disagree."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(shown, None, None, "expected-placements file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(shown, None, None, f"cannot read: {exc}") from None
    inputs.note_input(path)  # no output of this command may replace it
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InputError.single(
            shown,
            1,
            None,
            f"missing column(s) {', '.join(missing)}; the header must name "
            f"{', '.join(REQUIRED_COLUMNS)} (optionally source, exception)",
        )
    reader.fieldnames = header
    problems: list[Problem] = []
    rows: dict[tuple[str, int], Official] = {}
    for row in reader:
        line = reader.line_num
        country = (row.get("country") or "").strip()
        tier = (row.get("tier") or "").strip()
        year_text = (row.get("year") or "").strip()
        if not country or not tier:
            problems.append(Problem(shown, line, None, "country and tier must not be empty"))
            continue
        try:
            year = int(year_text)
        except ValueError:
            problems.append(Problem(shown, line, "year", f"expected a year, got {year_text!r}"))
            continue
        if not FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
            problems.append(
                Problem(
                    shown,
                    line,
                    "year",
                    f"{year} is not a report year ({FIRST_REPORT_YEAR} to {LAST_REPORT_YEAR})",
                )
            )
            continue
        unknown = None if outcome is None else _not_a_placement(tier, year, outcome)
        if unknown is not None:
            problems.append(Problem(shown, line, "tier", unknown))
            continue
        official = Official(
            country=country,
            year=year,
            tier=tier,
            source=(row.get("source") or "").strip() or None,
            exception=(row.get("exception") or "").strip() or None,
            line=line,
        )
        key = (country_key(country), year)
        earlier = rows.get(key)
        if earlier is None:
            rows[key] = official
        elif earlier.tier != tier:
            problems.append(
                Problem(
                    shown,
                    line,
                    "tier",
                    f"{country} {year} is '{tier}' here but '{earlier.tier}' at line "
                    f"{earlier.line}",
                )
            )
    if problems:
        raise InputError(problems)
    return OfficialPlacements(shown, rows)


def _not_a_placement(tier: str, year: int, outcome: Outcome) -> str | None:
    """Why `tier` cannot be an official placement of report year `year`, if it cannot."""
    names = [*outcome.ladder, *outcome.not_applicable]
    if tier not in names:
        return f"{tier!r} is not a placement of the rulebook; expected one of: {', '.join(names)}"
    span = outcome.in_force.get(tier)
    if span is not None and not span.covers(year):
        return f"{tier!r} is not a placement of report year {year} (it exists {span.label()})"
    return None
