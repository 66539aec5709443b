"""Records added in a what-if (`--with FILE`), checked exactly as a dossier's records are.

The file holds `records:` and/or `judgments:` lists in the dossier's own format. Each entry is
validated against the vocabulary, its quote must occur in the dossier's source narrative, its id
must be new, and a judgment's basis must name a record of the dossier or of the file. Every
problem names the file, line and field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load.common import validate_model
from engine.load.dossier import LoadedDossier, QuoteLocation
from engine.load.linemap import PathKey
from engine.load.rulebook import Rulebook
from engine.load.sourcetext import SourceText
from engine.load.vocabulary import check_record_values
from engine.load.yamlsource import load_yaml_file
from engine.models import EvidenceRecord, InputFact, JudgmentRecord
from engine.whatif.changes import Change, Facts, variant_sha

SECTIONS = ("records", "judgments")


@dataclass(frozen=True)
class AddRecords(Change):
    """Records and judgments from a file, added to the dossier."""

    records: tuple[EvidenceRecord, ...] = ()
    judgments: tuple[JudgmentRecord, ...] = ()
    locations: dict[str, QuoteLocation] = field(default_factory=dict)

    @property
    def text(self) -> str:
        ids = [r.id for r in self.records] + [j.id for j in self.judgments]
        return f"added from {self.target}: {', '.join(ids)}"

    @property
    def category(self) -> str:
        return "added records"

    def apply_facts(self, facts: Facts) -> Facts:
        added = {r.id: InputFact(r.id, r.kind, dict(r.values), False) for r in self.records}
        added |= {j.id: InputFact(j.id, j.kind, dict(j.values), True) for j in self.judgments}
        return {**facts, **added}

    def apply_dossier(self, loaded: LoadedDossier) -> LoadedDossier:
        dossier = loaded.dossier
        updated = dossier.model_copy(
            update={
                "records": [*dossier.records, *self.records],
                "judgments": [*dossier.judgments, *self.judgments],
            }
        )
        return dataclasses.replace(
            loaded,
            dossier=updated,
            locations={**loaded.locations, **self.locations},
            sha256=variant_sha(loaded.sha256, self.text),
        )


def load_extra(path: Path, book: Rulebook, loaded: LoadedDossier) -> AddRecords:
    """Read `--with FILE` against the dossier it is added to; raise InputError on any problem."""
    shown = str(path)
    data, lines, _ = load_yaml_file(path, shown)
    problems: list[Problem] = []
    if not isinstance(data, dict) or not any(key in data for key in SECTIONS):
        raise InputError.single(
            shown, 1, None, "expected a mapping with 'records:' and/or 'judgments:' lists"
        )
    for key in data:
        if key not in SECTIONS:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((key,)),
                    str(key),
                    "unknown key; expected records or judgments",
                )
            )
    known = {r.id for r in loaded.dossier.records} | {j.id for j in loaded.dossier.judgments}
    new_ids: set[str] = set()
    records: list[EvidenceRecord] = []
    judgments: list[JudgmentRecord] = []
    locations: dict[str, QuoteLocation] = {}
    basis_refs: list[tuple[str, int, str]] = []
    for section in SECTIONS:
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(Problem(shown, lines.line_of((section,)), section, "must be a list"))
            continue
        model: Any = EvidenceRecord if section == "records" else JudgmentRecord
        for index, raw in enumerate(entries):
            base: PathKey = (section, index)
            entry = validate_model(model, raw, lines, base, problems)
            if entry is None:
                continue

            def problem(path: PathKey, where: str, message: str, base: PathKey = base) -> None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, *path)),
                        f"{base[0]}[{base[1]}]{where}",
                        message,
                    )
                )

            if entry.id in known or entry.id in new_ids:
                problem(
                    ("id",), ".id", f"record id '{entry.id}' is already in the dossier or the file"
                )
                continue
            new_ids.add(entry.id)
            kind = book.kinds.get(entry.kind)
            if kind is None:
                problem(
                    ("kind",),
                    ".kind",
                    f"unknown evidence kind '{entry.kind}' (not declared in the vocabulary)",
                )
                continue
            if kind.judgment != (section == "judgments"):
                where = "under 'judgments' with a rationale" if kind.judgment else "under 'records'"
                problem(("kind",), ".kind", f"'{entry.kind}' belongs {where}")
                continue
            for field_name, message in check_record_values(kind, entry.values):
                problem(("values", field_name), f".values.{field_name}", message)
            if entry.quote is not None:
                found = SourceText(loaded.source_text).locate(entry.quote)
                if found is None:
                    problem(
                        ("quote",),
                        ".quote",
                        f"quote does not occur in the source text {loaded.source_path}",
                    )
                else:
                    locations[entry.id] = found
            if isinstance(entry, JudgmentRecord):
                basis_refs += [(ref, index, "judgments") for ref in entry.basis]
                judgments.append(entry)
            else:
                records.append(entry)
    for ref, index, section in basis_refs:
        if ref not in known and ref not in new_ids:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((section, index, "basis")),
                    f"{section}[{index}].basis",
                    f"basis names unknown record '{ref}'",
                )
            )
    if problems:
        raise InputError(problems)
    return AddRecords(
        kind="record",
        target=shown,
        records=tuple(records),
        judgments=tuple(judgments),
        locations=locations,
    )
