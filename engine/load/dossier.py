"""Loading one evidence dossier: checked against the vocabulary, every quote found in its source.

A dossier is validated with pydantic, each record against its evidence kind in the vocabulary,
and each quote located (line and paragraph) in the source narrative, white space folded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load.common import digest_files, validate_model
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import check_record_values
from engine.load.yamlsource import PathKey, load_yaml_file
from engine.models import Dossier, normalise_space


@dataclass(frozen=True)
class QuoteLocation:
    """Where a quote stands in the source narrative: line and paragraph (1-based)."""

    line: int
    paragraph: int


@dataclass
class LoadedDossier:
    """A validated dossier with its source text and the location of every quote."""

    dossier: Dossier
    path: str
    source_path: str
    source_text: str
    locations: dict[str, QuoteLocation]
    sha256: str
    record_lines: dict[str, int]


def _locate(source: str, quote: str) -> QuoteLocation | None:
    folded_source = normalise_space(source)
    folded_quote = normalise_space(quote)
    at = folded_source.find(folded_quote)
    if at < 0:
        return None
    # Map the folded offset back to the original text by walking both in step.
    original = 0
    folded = 0
    text = source.strip()
    lead = len(source) - len(source.lstrip())
    while folded < at and original < len(text):
        if text[original].isspace():
            while original < len(text) and text[original].isspace():
                original += 1
            folded += 1
        else:
            original += 1
            folded += 1
    prefix = source[: lead + original]
    line = prefix.count("\n") + 1
    paragraphs = [block for block in prefix.split("\n\n") if block.strip()]
    return QuoteLocation(line=line, paragraph=max(1, len(paragraphs)))


def conclusion_phrase(book: Rulebook, quote: str) -> str | None:
    """The first Department conclusion a quote contains: a placement or a phrase the rulebook
    lists (rulebook.yaml, conclusion_phrases), compared without regard to case or spacing."""
    folded = " ".join(quote.split()).casefold()
    outcome = book.info.outcome
    placements = [*outcome.ladder, *outcome.not_applicable]
    for phrase in [*book.info.conclusion_phrases, *placements]:
        if " ".join(phrase.split()).casefold() in folded:
            return phrase
    return None


def load_dossier(path: Path, book: Rulebook, display: str | None = None) -> LoadedDossier:
    """Load one dossier, check it against the vocabulary and every quote against its source."""
    shown = display or str(path)
    data, lines, raw = load_yaml_file(path, shown)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError.single(
            shown, 1, None, "a dossier must be a mapping with country, report_year, source, records"
        )
    dossier = validate_model(Dossier, data, lines, (), problems)
    if dossier is None:
        raise InputError(problems)
    source_file = (path.parent / dossier.source.file).resolve()
    source_display = str(Path(shown).parent / dossier.source.file)
    try:
        source_raw = source_file.read_bytes()
        source_text = source_raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError.single(
            shown,
            lines.line_of(("source", "file")),
            "source.file",
            f"source text not found: {source_display}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(
            shown,
            lines.line_of(("source", "file")),
            "source.file",
            f"cannot read source text: {exc}",
        ) from None

    ids: dict[str, int | None] = {}
    locations: dict[str, QuoteLocation] = {}
    record_lines: dict[str, int] = {}
    entries: list[tuple[str, int, Any]] = [("records", i, r) for i, r in enumerate(dossier.records)]
    entries += [("judgments", i, j) for i, j in enumerate(dossier.judgments)]
    for section, index, entry in entries:
        base: PathKey = (section, index)
        line = lines.line_of(base)
        record_lines[entry.id] = line or 0
        if entry.id in ids:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "id")),
                    f"{section}[{index}].id",
                    f"duplicate record id '{entry.id}' (first at line {ids[entry.id]})",
                )
            )
            continue
        ids[entry.id] = line
        kind = book.kinds.get(entry.kind)
        if kind is None:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"unknown evidence kind '{entry.kind}' (not declared in the vocabulary)",
                )
            )
            continue
        if kind.generated:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"'{entry.kind}' is made by the engine (from the dossier header or the history) "
                    "and cannot be written in a dossier",
                )
            )
            continue
        if section == "records" and kind.judgment:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"'{entry.kind}' is a judgment kind: put it under 'judgments' with a rationale",
                )
            )
        if section == "judgments" and not kind.judgment:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"'{entry.kind}' is a kind of fact, not of judgment: put it under 'records'",
                )
            )
        for field_name, message in check_record_values(kind, entry.values):
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "values", field_name)),
                    f"{section}[{index}].values.{field_name}",
                    message,
                )
            )
        reading = getattr(entry, "reading", None)
        if reading is not None and isinstance(reading.alternative, dict):
            for field_name, message in check_record_values(
                kind, {**entry.values, **reading.alternative}
            ):
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "reading", "alternative")),
                        f"{section}[{index}].reading.alternative.{field_name}",
                        message,
                    )
                )
        if entry.quote is not None:
            phrase = conclusion_phrase(book, entry.quote)
            if phrase is not None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "quote")),
                        f"{section}[{index}].quote",
                        f"the quote contains '{phrase}', the Department's conclusion: conclusions "
                        "are never evidence (docs/evidence-guide.md, section 1); quote only the "
                        "facts of the sentence",
                    )
                )
                continue
            found = _locate(source_text, entry.quote)
            if found is None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "quote")),
                        f"{section}[{index}].quote",
                        f"quote does not occur in the source text {source_display}",
                    )
                )
            else:
                locations[entry.id] = found
    for index, judgment in enumerate(dossier.judgments):
        for ref in judgment.basis:
            if ref not in ids:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of(("judgments", index, "basis")),
                        f"judgments[{index}].basis",
                        f"basis names unknown record '{ref}'",
                    )
                )
    if problems:
        raise InputError(problems)
    sha = digest_files([("dossier", raw), ("source", source_raw)])
    return LoadedDossier(dossier, shown, source_display, source_text, locations, sha, record_lines)
