"""One call: rulebook + dossier (+ year) -> an explained, reproducible assessment document.

The document is plain JSON-ready data with a documented, stable shape (docs/assessment-json.md).
It holds no clock time and no absolute paths, so the same inputs give byte-identical output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.document import assessment_document
from engine.load.dossier import LoadedDossier
from engine.load.history import read_history
from engine.load.rulebook import Rulebook
from engine.models import InputFact
from engine.reason.cache import compiled_for
from engine.reason.compiler import CompiledRuleset, evidence_type
from engine.reason.inference import InferenceResult, infer, narrative_fact


@dataclass
class Assessment:
    """The result of one assessment, with the document every renderer reads."""

    document: dict[str, Any]
    result: InferenceResult
    compiled: CompiledRuleset

    @property
    def tier(self) -> str | None:
        value = self.document["tier"]
        return value if isinstance(value, str) else None

    @property
    def status(self) -> str:
        return str(self.document["status"])

    def finding(self, subject: str) -> str | None:
        derived = self.result.conclusions.get(subject)
        return None if derived is None else derived.value

    def fired_rules(self) -> set[str]:
        return {
            justification.rule_id
            for derived in self.result.conclusions.values()
            for justification in derived.justifications
        }

    def to_json(self) -> str:
        return canonical_json(self.document, indent=2)


def canonical_json(value: Any, indent: int | None = None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(
        value, indent=indent, sort_keys=True, ensure_ascii=False, separators=separators
    )


def history_inputs(
    book: Rulebook,
    dossier_path: Path,
    country: str,
    year: int,
    history_path: Path | None,
    use_history: bool = True,
    cached: bool = True,
) -> tuple[list[InputFact], str | None]:
    """The history facts and their sha256 for one assessment (none without a history file).

    The file is always validated (`cached`: or its clean load read from the cache of loaded
    inputs); its facts are passed on only if a rule in force reads them.
    """
    facts, sha256 = read_history(
        book, dossier_path, country, year, history_path, use_history, cached
    )
    if not facts:
        return [], None
    # Only facts some rule in force can read: before the watch-list limits (2011) the history
    # cannot change a placement, so it stays out of the document and of its provenance.
    consumed = compiled_for(book, year).consumed_types
    facts = [fact for fact in facts if evidence_type(fact.kind) in consumed]
    return (facts, sha256) if facts else ([], None)


def dossier_inputs(loaded: LoadedDossier, book: Rulebook) -> list[InputFact]:
    """The dossier's records and judgments, and its header as a fact rules can read."""
    dossier = loaded.dossier
    facts = [InputFact(r.id, r.kind, dict(r.values), False) for r in dossier.records]
    facts += [InputFact(j.id, j.kind, dict(j.values), True) for j in dossier.judgments]
    header = narrative_fact(book, dossier.completeness)
    return [*facts, header] if header is not None else facts


def assess(
    book: Rulebook,
    loaded: LoadedDossier,
    year: int | None = None,
    extra_inputs: list[InputFact] | None = None,
    extra_sha256: str | None = None,
    explain: bool = True,
    findings: bool = True,
    traces: bool = True,
) -> Assessment:
    """Assess one dossier under the rules in force for `year` (default: its report year).

    `explain` false is for callers that read only the placement, status and findings (an impact
    comparison): the document is the summary (`_summary`: no evidence, graph, why-not, default
    reasons, rules or evidence still needed) and the rules' explanation sentences are left out.
    `findings` false as well (a batch row) leaves the findings out of the summary too: the
    document has no `findings` key. Such documents are never rendered as reports. `traces`
    false (only with both: such a document shows no weighing) leaves out how each weighing was
    computed from the inference (see `infer`); a fragility sweep needs it."""
    dossier = loaded.dossier
    assessed_year = dossier.report_year if year is None else year
    compiled = compiled_for(book, assessed_year)
    inputs = dossier_inputs(loaded, book) + list(extra_inputs or [])
    result = infer(book, compiled, inputs, explain=explain, traces=traces or explain or findings)
    document = assessment_document(
        book, loaded, assessed_year, compiled, result, extra_sha256, explain, findings or explain
    )
    return Assessment(document, result, compiled)


def assess_with_history(
    book: Rulebook,
    loaded: LoadedDossier,
    dossier_path: Path,
    year: int | None = None,
    history_path: Path | None = None,
    use_history: bool = True,
    explain: bool = True,
    findings: bool = True,
    traces: bool = True,
) -> Assessment:
    """Assess as `tip-assess assess` does: with the placement history beside the dossier (or
    `history_path`), unless `use_history` is false (`explain`, `findings`, `traces`: see
    `assess`)."""
    assessed_year = loaded.dossier.report_year if year is None else year
    extra, extra_sha256 = history_inputs(
        book, dossier_path, loaded.dossier.country, assessed_year, history_path, use_history
    )
    return assess(book, loaded, year, extra, extra_sha256, explain, findings, traces)
