"""Loading one evidence dossier: checked against the vocabulary, every quote found in its source.

A dossier is validated with pydantic, each record against its evidence kind in the vocabulary,
and each quote located (line and paragraph) in the source narrative, white space folded. The
source must lie inside the evidence tree (:mod:`engine.load.inputs`), and its `# report:` header
line, when it names a year, must agree with the dossier's report year.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load import inputs
from engine.load.characters import narrative_problem
from engine.load.common import digest_files, validate_model
from engine.load.files import decode_utf8, read_bounded
from engine.load.kinds import RECORD_SECTIONS, misfiled
from engine.load.linemap import PathKey
from engine.load.rulebook import Rulebook
from engine.load.sourcetext import QuoteLocation, SourceText
from engine.load.vocabulary import check_record_values
from engine.models import Dossier

__all__ = ["LoadedDossier", "QuoteLocation", "load_dossier", "read_source"]


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


def conclusion_phrase(book: Rulebook, quote: str) -> str | None:
    """The first Department conclusion a quote contains: a placement or a phrase the rulebook
    lists (rulebook.yaml, conclusion_phrases), compared without regard to case or spacing."""
    folded = " ".join(quote.split()).casefold()
    for phrase, folded_phrase in _folded_phrases(book):
        if folded_phrase in folded:
            return phrase
    return None


_PHRASES: dict[int, tuple[Rulebook, list[tuple[str, str]]]] = {}


def _folded_phrases(book: Rulebook) -> list[tuple[str, str]]:
    """The rulebook's conclusion phrases and placements, folded once per rulebook."""
    found = _PHRASES.get(id(book))
    if found is None or found[0] is not book:
        if len(_PHRASES) >= 8:  # rulebooks come and go in tests and audits: keep a few
            _PHRASES.clear()
        outcome = book.info.outcome
        phrases = [*book.info.conclusion_phrases, *outcome.ladder, *outcome.not_applicable]
        found = (book, [(phrase, " ".join(phrase.split()).casefold()) for phrase in phrases])
        _PHRASES[id(book)] = found
    return found[1]


def load_dossier(
    path: Path, book: Rulebook, display: str | None = None, raw: bytes | None = None
) -> LoadedDossier:
    """Load one dossier, check it against the vocabulary and every quote against its source
    (`raw`: the dossier's bytes, when the caller has read them with `read_bounded`)."""
    shown = display or str(path)
    from engine.load.yamlsource import load_yaml_file  # PyYAML only to parse (yamlsource)

    data, lines, raw = load_yaml_file(
        path, shown, allow_aliases=False, counted=RECORD_SECTIONS, raw=raw
    )
    inputs.note_input(path)
    problems: list[Problem] = []
    wrong = misfiled(data, "dossier")
    if wrong:
        raise InputError.single(shown, 1, None, wrong)
    if not isinstance(data, dict):
        raise InputError.single(
            shown, 1, None, "a dossier must be a mapping with country, report_year, source, records"
        )
    dossier = validate_model(Dossier, data, lines, (), problems)
    if dossier is None:
        raise InputError(problems)
    # Shown without `..` steps ("evidence/sources/x.txt", not "evidence/peru/../sources/x.txt");
    # the file itself is read through the path as written.
    source_display = os.path.normpath(Path(shown).parent / dossier.source.file)
    source_raw = read_source(
        path, dossier.source.file, shown, source_display, lines.line_of(("source", "file"))
    )
    source = SourceText(decode_utf8(source_raw, source_display))
    unsafe = narrative_problem(source.text, source_raw)
    if unsafe is not None:
        at, why = unsafe
        raise InputError.single(source_display, source.text.count("\n", 0, at) + 1, None, why)
    header = source.header_year()
    if header is not None and header.year != dossier.report_year:
        problems.append(
            Problem(
                shown,
                lines.line_of(("report_year",)),
                "report_year",
                f"report_year {dossier.report_year} contradicts the source, which is the "
                f"{header.year} report ({source_display}:{header.line}: {header.text[:100]})",
            )
        )

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
            found = source.locate(entry.quote)
            if found is None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "quote")),
                        f"{section}[{index}].quote",
                        f"quote does not occur in the source text {source_display} "
                        f"(record '{entry.id}'): {source.mismatch(entry.quote)}",
                    )
                )
            else:
                locations[entry.id] = found
    for index, judgment in enumerate(dossier.judgments):
        if not judgment.basis and not judgment.quote:
            problems.append(
                Problem(
                    shown,
                    lines.line_of(("judgments", index, "basis"))
                    or lines.line_of(("judgments", index)),
                    f"judgments[{index}].basis",
                    f"judgment '{judgment.id}' has no basis: list the ids of the records it rests "
                    "on, or quote the sentence that states the point",
                )
            )
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
    return LoadedDossier(dossier, shown, source_display, source.text, locations, sha, record_lines)


def read_source(path: Path, file: str, shown: str, display: str, line: int | None = None) -> bytes:
    """The bytes of the source narrative `file` of the dossier at `path`, if it lies inside the
    evidence tree (`line`: where the dossier names it, for the message)."""
    root, why = inputs.evidence_root(path)
    try:
        resolved = (path.parent / file).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
        raise InputError.single(
            shown, line, "source.file", f"cannot resolve {file}: {exc}"
        ) from None
    if not inputs.inside(resolved, root):
        raise InputError.single(
            shown,
            line,
            "source.file",
            f"source text {file} is outside {why}, {root}: a dossier may only quote a source "
            "inside it, so an assessment never reads or records an arbitrary file (set "
            f"--sources DIR or {inputs.SOURCES_ENV} to use another root)",
        )
    try:
        raw = read_bounded(resolved, display, "source_bytes")
    except InputError as exc:
        problem = exc.problems[0]
        message = problem.message.replace("file not found", f"source text not found: {display}")
        raise InputError.single(shown, line, "source.file", message) from None
    inputs.note_input(resolved)
    return raw


def loads_alike(first: Rulebook, second: Rulebook) -> bool:
    """True when `load_dossier` gives the same result under both rulebooks, so that a dossier
    assessed under both (`tip-assess impact`) is loaded once: it reads only the vocabulary's
    evidence kinds, and the conclusions a quote may not contain (the placements and the
    rulebook's conclusion phrases), which `Rulebook.loading_digest` covers."""
    return first is second or first.loading_digest() == second.loading_digest()
