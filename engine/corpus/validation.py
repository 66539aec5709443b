"""Agreement with official placements: assess every dossier and compare with the published tier.

Calibration needs one table: per dossier the official placement, the engine's, whether they
agree, and the findings the engine's placement rests on. A partial dossier is shown but never
counted: its silence is not evidence, so a disagreement there says nothing about the rules.
The pivotal findings are read generically from the assessment document's justification graph,
so this module knows no tier, criterion or country.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.assessment import assess, canonical_json, history_inputs
from engine.errors import InputError, Problem
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.models import FindingPattern
from engine.reason.inference import shown_value

SCHEMA = "tip-assess/validation/1"
REQUIRED_COLUMNS = ("country", "year", "tier")
DEFAULT_DEPTH = 2

Progress = Callable[[int, int, str], None]


# --------------------------------------------------------------------------- official placements


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


def load_expected(path: Path, display: str | None = None) -> OfficialPlacements:
    """Read `country,year,tier[,source][,exception]` CSV; every problem names its line."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(shown, None, None, "expected-placements file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(shown, None, None, f"cannot read: {exc}") from None
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


# --------------------------------------------------------------------------- dossiers


DOSSIER_NAME = re.compile(r"^\d{4}\.yaml$")


def find_dossiers(paths: Sequence[Path]) -> list[Path]:
    """Dossier files named directly, or every <year>.yaml under a directory, in path order.

    Directories are searched by the project's naming (evidence/<country>/<year>.yaml), so that
    other YAML kept beside the dossiers (e.g. a country's placement history) is not taken for one.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*.yaml")
                if p.is_file()
                and DOSSIER_NAME.match(p.name)
                and not any(part.startswith(".") for part in p.parts)
            )
            if not found:
                raise InputError.single(
                    str(path), None, None, "no dossiers (<year>.yaml files) found"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError.single(str(path), None, None, "no such file or directory")
    return files


def load_all(book: Rulebook, files: Sequence[Path]) -> list[LoadedDossier]:
    """Load every dossier before assessing any: one report of every bad file, not the first."""
    problems: list[Problem] = []
    loaded: list[LoadedDossier] = []
    for file in files:
        try:
            loaded.append(load_dossier(file, book))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return loaded


# --------------------------------------------------------------------------- pivotal findings


@dataclass(frozen=True)
class Pivot:
    """A node on the placement's justification path, or evidence that blocked an alternative."""

    node: str
    label: str
    depth: int
    role: str  # "premise" | "blocker" | "open"
    via: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "label": self.label,
            "depth": self.depth,
            "role": self.role,
            "via": self.via,
        }


LABEL_VALUE_WIDTH = 24


def _evidence_label(entry: dict[str, Any]) -> str:
    """`judgment <id> (<kind>: field=value, ...)`, long free text cut short."""
    shown = []
    for name, value in sorted(entry["values"].items()):
        text = shown_value(value)
        if len(text) > LABEL_VALUE_WIDTH:
            text = text[: LABEL_VALUE_WIDTH - 1].rstrip() + "…"
        shown.append(f"{name}={text}")
    what = "judgment" if entry["judgment"] else "evidence"
    detail = f"{entry['kind']}: {', '.join(shown)}" if shown else entry["kind"]
    return f"{what} {entry['record']} ({detail})"


def _open_findings(
    book: Rulebook,
    year: int,
    values: dict[str, str],
    subject: str,
    depth: int,
    seen: set[str],
) -> list[Pivot]:
    """Findings that rules for `subject` read and that are unknown or not concluded at all."""
    unknown = set(book.info.outcome.unknown_values) | set(book.info.outcome.undetermined)
    pivots: list[Pivot] = []
    for rule in book.rules_in_force(year):
        if rule.then.conclude != subject or rule.then.value in unknown:
            continue
        for patterns in rule.alternatives():
            for pattern in patterns:
                if not isinstance(pattern, FindingPattern) or pattern.finding in seen:
                    continue
                value = values.get(pattern.finding)
                if value is not None and value not in unknown:
                    continue
                seen.add(pattern.finding)
                label = (
                    f"{pattern.finding} not concluded"
                    if value is None
                    else f"{pattern.finding}={value}"
                )
                pivots.append(Pivot(f"finding:{pattern.finding}", label, 1, "open", subject))
                if depth > 1:
                    deeper = _open_findings(book, year, values, pattern.finding, depth - 1, seen)
                    pivots += [Pivot(p.node, p.label, p.depth + 1, p.role, p.via) for p in deeper]
    return pivots


def pivotal_findings(
    document: dict[str, Any], book: Rulebook, depth: int = DEFAULT_DEPTH
) -> list[Pivot]:
    """The findings the placement rests on, read from the justification graph up to `depth`.

    Premise findings are followed breadth-first from the placement. Judgment records reached on
    the way are pivotal (they are the analyst's choices), as is any evidence that blocked a
    non-default value of a finding on the path (e.g. a judgment that rules out significant
    efforts): a default conclusion rests on what stopped the alternatives. When the placement
    itself is a default (nothing better could be derived), the pivotal findings are those the
    placement rules needed and found unknown or not concluded.
    """
    outcome = book.info.outcome.conclusion
    findings = {f["id"]: f for f in document["findings"]}
    evidence = {e["id"]: e for e in document["evidence"]}
    edges: dict[str, list[str]] = {}
    for edge in document["graph"]["edges"]:
        targets = edges.setdefault(edge["from"], [])
        if edge["to"] not in targets:
            targets.append(edge["to"])
    start = f"finding:{outcome}"
    if start not in findings:
        return []
    pivots: list[Pivot] = []
    seen = {start}
    path = [start]  # findings whose default reasons count: the placement and its premises
    frontier = [start]
    for level in range(1, depth + 1):
        following: list[str] = []
        for node in frontier:
            for target in edges.get(node, []):
                if target in seen:
                    continue
                if target in findings:
                    seen.add(target)
                    following.append(target)
                    if level == 1:
                        path.append(target)
                    finding = findings[target]
                    label = f"{finding['subject']}={finding['value']}"
                    pivots.append(Pivot(target, label, level, "premise", node))
                elif target in evidence and evidence[target]["judgment"]:
                    seen.add(target)
                    label = _evidence_label(evidence[target])
                    pivots.append(Pivot(target, label, level, "premise", node))
        frontier = following
    for node in path:
        subject = findings[node]["subject"]
        for gap in document["default_reasons"].get(subject, []):
            for obstacle in gap["obstacles"]:
                if obstacle["kind"] != "absence":
                    continue
                for blocking in obstacle["blocking"]:
                    # Absent findings are named "finding:<subject>"; records by their bare id.
                    blocker = blocking if ":" in blocking else f"evidence:{blocking}"
                    if blocker in seen or blocker not in evidence:
                        continue
                    seen.add(blocker)
                    label = f"{_evidence_label(evidence[blocker])} rules out {gap['rule']}"
                    pivots.append(Pivot(blocker, label, 1, "blocker", node))
    justifications = findings[start]["justifications"]
    if justifications and all(j["default"] for j in justifications):
        values = {f["subject"]: f["value"] for f in document["findings"]}
        year = int(document["assessed_year"])
        pivots += _open_findings(book, year, values, outcome, depth, {outcome})
    return pivots


# --------------------------------------------------------------------------- the table


@dataclass
class Row:
    """One dossier: the official placement, the engine's, and why."""

    path: str
    country: str
    year: int
    completeness: str
    official: Official | None
    tier: str | None
    status: str
    pivots: list[Pivot]
    missing: list[dict[str, Any]]

    @property
    def counted(self) -> bool:
        """Only complete dossiers with a published placement count towards agreement."""
        return self.completeness == "complete" and self.official is not None

    @property
    def verdict(self) -> str:
        if self.official is None:
            return "no official placement"
        if self.tier == self.official.tier:
            return "agree"
        if self.official.exception:
            return "stated exception"
        return "disagree"

    @property
    def failing(self) -> bool:
        return self.counted and self.verdict == "disagree"

    def shown_verdict(self) -> str:
        """The verdict, marked when the row does not count towards agreement."""
        if self.counted or self.official is None:
            return self.verdict
        return f"{self.verdict} (not counted: {self.completeness})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.path,
            "country": self.country,
            "year": self.year,
            "completeness": self.completeness,
            "official": None if self.official is None else self.official.tier,
            "official_source": None if self.official is None else self.official.source,
            "exception": None if self.official is None else self.official.exception,
            "engine": self.tier,
            "status": self.status,
            "verdict": self.verdict,
            "counted": self.counted,
            "pivotal": [pivot.to_dict() for pivot in self.pivots],
            "missing_evidence": self.missing,
        }


@dataclass
class Validation:
    """Every row, with the rulebook that produced them."""

    rulebook_label: str
    rules_sha256: str
    expected_path: str
    rows: list[Row] = field(default_factory=list)

    @property
    def counted(self) -> list[Row]:
        return [row for row in self.rows if row.counted]

    @property
    def agreeing(self) -> list[Row]:
        return [row for row in self.counted if row.verdict == "agree"]

    @property
    def failing(self) -> list[Row]:
        return [row for row in self.rows if row.failing]

    def rate(self) -> float | None:
        counted = self.counted
        return None if not counted else len(self.agreeing) / len(counted)

    def summary(self) -> dict[str, Any]:
        rate = self.rate()
        return {
            "dossiers": len(self.rows),
            "counted": len(self.counted),
            "agree": len(self.agreeing),
            "disagree": len(self.failing),
            "stated_exceptions": sum(1 for r in self.counted if r.verdict == "stated exception"),
            "not_counted": len(self.rows) - len(self.counted),
            "agreement_rate": None if rate is None else round(rate, 4),
        }


def validate(
    book: Rulebook,
    files: Sequence[Path],
    expected: OfficialPlacements,
    depth: int = DEFAULT_DEPTH,
    progress: Progress | None = None,
    use_history: bool = True,
) -> Validation:
    """Assess each dossier under the rules for its report year and compare with `expected`.

    Like `tip-assess assess`, a placement history beside a dossier (earlier years only) is read
    unless `use_history` is false, so the table shows what `assess` would say.
    """
    dossiers = load_all(book, files)
    result = Validation(
        rulebook_label=f"{book.info.name} {book.info.version}",
        rules_sha256=book.sha256,
        expected_path=expected.path,
    )
    for index, loaded in enumerate(dossiers, start=1):
        if progress is not None:
            progress(index, len(dossiers), loaded.path)
        dossier = loaded.dossier
        extra, extra_sha = history_inputs(
            book, Path(loaded.path), dossier.country, dossier.report_year, None, use_history
        )
        document = assess(book, loaded, None, extra, extra_sha).document
        result.rows.append(
            Row(
                path=loaded.path,
                country=dossier.country,
                year=dossier.report_year,
                completeness=dossier.completeness,
                official=expected.lookup(dossier.country, dossier.report_year),
                tier=document["tier"],
                status=document["status"],
                pivots=pivotal_findings(document, book, depth),
                missing=list(document["missing_evidence"]),
            )
        )
    return result


# --------------------------------------------------------------------------- rendering


def _pivot_text(row: Row) -> str:
    return "; ".join(pivot.label for pivot in row.pivots) or "-"


def _missing_text(row: Row) -> str:
    parts = []
    for item in row.missing:
        settle = ", ".join(item["settle_with"]) or "no evidence kind settles it directly"
        parts.append(f"{item['subject']}={item['value']} (settle with: {settle})")
    return "; ".join(parts)


def _summary_line(validation: Validation) -> str:
    summary = validation.summary()
    rate = validation.rate()
    if rate is None:
        head = "Agreement: no complete dossier has an official placement"
    else:
        head = (
            f"Agreement: {summary['agree']} of {summary['counted']} complete dossiers ({rate:.0%})"
        )
    tail = [f"{summary['disagree']} disagree"]
    if summary["stated_exceptions"]:
        tail.append(f"{summary['stated_exceptions']} stated exception(s)")
    if summary["not_counted"]:
        uncounted = [
            f"{row.country} {row.year} {row.status}" for row in validation.rows if not row.counted
        ]
        tail.append(f"not counted: {', '.join(uncounted)}")
    return f"{head}; {'; '.join(tail)}."


def render_text(validation: Validation) -> str:
    out = [
        f"Validation against {validation.expected_path} "
        f"(rules {validation.rulebook_label}, sha256 {validation.rules_sha256[:12]})",
        "",
    ]
    header = ("DOSSIER", "COMPLETENESS", "OFFICIAL", "ENGINE", "STATUS", "VERDICT")
    table = [
        (
            row.path,
            row.completeness,
            row.official.tier if row.official else "-",
            row.tier or "-",
            row.status,
            row.shown_verdict(),
        )
        for row in validation.rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    out.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row, cells in zip(validation.rows, table, strict=True):
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        out.append(f"    pivotal: {_pivot_text(row)}")
        if row.missing:
            out.append(f"    missing: {_missing_text(row)}")
        if row.official and row.official.exception and row.verdict != "agree":
            out.append(f"    exception: {row.official.exception}")
    out += ["", _summary_line(validation)]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(validation: Validation) -> str:
    out = [
        f"Validation against `{validation.expected_path}` (rules {validation.rulebook_label}, "
        f"sha256 `{validation.rules_sha256[:12]}`)",
        "",
        "| Dossier | Completeness | Official | Engine | Status | Verdict | Pivotal findings "
        "| Missing evidence |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in validation.rows:
        cells = [
            f"{row.country} {row.year}",
            row.completeness,
            row.official.tier if row.official else "-",
            row.tier or "-",
            row.status,
            row.shown_verdict(),
            _pivot_text(row),
            _missing_text(row) or "-",
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", _summary_line(validation)]
    return "\n".join(out) + "\n"


def render_json(validation: Validation) -> str:
    document = {
        "schema": SCHEMA,
        "rulebook": validation.rulebook_label,
        "rules_sha256": validation.rules_sha256,
        "expected": validation.expected_path,
        "rows": [row.to_dict() for row in validation.rows],
        "summary": validation.summary(),
    }
    return canonical_json(document, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Validation], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
