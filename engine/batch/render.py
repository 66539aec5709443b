"""A batch's rows as a table, CSV, JSON lines or one JSON document, written as they come.

Each writer turns the rows, in path order, into text: `row()` returns what can be written at
once and `finish()` the rest. CSV and JSON lines stream (one line per dossier as soon as it and
every dossier before it are done); the table waits for the last row to align its columns, and
the JSON document is written whole. No writer prints a time or an absolute path, so the same
inputs give byte-identical output whatever the number of jobs.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from engine.batch import BATCH_FORMATS
from engine.batch.assess import Row, Summary

SCHEMA = "tip-assess/batch/1"

COLUMNS = ("DOSSIER", "COUNTRY", "YEAR", "TIER", "STATUS", "FRAGILITY")
CSV_FIELDS = (
    "dossier",
    "country",
    "report_year",
    "assessed_year",
    "tier",
    "status",
    "fragility",
    "problems",
)


def _json(value: Any, indent: int | None = None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(
        value, indent=indent, sort_keys=True, ensure_ascii=False, separators=separators
    )


def _year(row: Row) -> str:
    if row.report_year is None:
        return "-"
    if row.assessed_year is not None and row.assessed_year != row.report_year:
        return f"{row.report_year} (rules {row.assessed_year})"
    return str(row.report_year)


class Writer:
    """The rows of one batch, in order; `header` describes the rulebook used."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header
        self.summary = Summary()

    def row(self, row: Row) -> str:
        self.summary.add(row)
        return ""

    def finish(self) -> str:
        return ""


class TableWriter(Writer):
    def __init__(self, header: dict[str, Any]) -> None:
        super().__init__(header)
        self.rows: list[Row] = []

    def row(self, row: Row) -> str:
        super().row(row)
        self.rows.append(row)
        return ""

    def finish(self) -> str:
        cells = [
            (
                row.dossier,
                row.country or "-",
                _year(row),
                row.tier or "-",
                row.status,
                row.fragility.label() if row.fragility else "-",
            )
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in [COLUMNS, *cells]) for i in range(len(COLUMNS))]
        rulebook = self.header["rulebook"]
        out = [
            f"Rules: {rulebook['name']} {rulebook['version']} "
            f"(sha256 {rulebook['sha256'][:12]})"
            + (
                f", as in force for report year {self.header['year']}"
                if self.header["year"]
                else ""
            ),
            "",
            "  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip(),
        ]
        for row, line in zip(self.rows, cells, strict=True):
            out.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
            out.extend(f"    {problem}" for problem in row.problems)
        out += ["", self.summary.line()]
        return "\n".join(out) + "\n"


class CsvWriter(Writer):
    """One line per dossier; the summary goes to stderr (a CSV file holds rows only)."""

    def __init__(self, header: dict[str, Any]) -> None:
        super().__init__(header)
        self.started = False

    def _line(self, values: list[Any]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

    def row(self, row: Row) -> str:
        super().row(row)
        head = "" if self.started else self._line(list(CSV_FIELDS))
        self.started = True
        return head + self._line(
            [
                row.dossier,
                row.country or "",
                "" if row.report_year is None else row.report_year,
                "" if row.assessed_year is None else row.assessed_year,
                row.tier or "",
                row.status,
                row.fragility.label() if row.fragility else "",
                "; ".join(row.problems),
            ]
        )

    def finish(self) -> str:
        return "" if self.started else self._line(list(CSV_FIELDS))


class JsonLinesWriter(Writer):
    """One JSON object per dossier, then one `{"summary": ...}` line with the rulebook."""

    def row(self, row: Row) -> str:
        super().row(row)
        return _json(row.to_dict()) + "\n"

    def finish(self) -> str:
        return _json({"schema": SCHEMA, **self.header, "summary": self.summary.to_dict()}) + "\n"


class JsonWriter(Writer):
    def __init__(self, header: dict[str, Any]) -> None:
        super().__init__(header)
        self.rows: list[dict[str, Any]] = []

    def row(self, row: Row) -> str:
        super().row(row)
        self.rows.append(row.to_dict())
        return ""

    def finish(self) -> str:
        document = {
            "schema": SCHEMA,
            **self.header,
            "dossiers": self.rows,
            "summary": self.summary.to_dict(),
        }
        return _json(document, indent=2) + "\n"


__all__ = ["BATCH_FORMATS", "WRITERS", "Writer", "header"]

WRITERS: dict[str, type[Writer]] = {
    "table": TableWriter,
    "csv": CsvWriter,
    "jsonl": JsonLinesWriter,
    "json": JsonWriter,
}


def header(name: str, version: str, sha256: str, year: int | None) -> dict[str, Any]:
    return {"rulebook": {"name": name, "version": version, "sha256": sha256}, "year": year}
