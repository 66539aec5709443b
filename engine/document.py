"""The assessment document: plain JSON-ready data with a documented, stable shape
(docs/assessment-json.md), built from one inference. It holds no clock time and no absolute
paths, so the same inputs give byte-identical output.

`assessment.assess` runs the inference and calls `assessment_document`; the status of a
placement (`status_of`) is read from the same inference by what-if.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from engine import __version__
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.models import EvidenceRecord, JudgmentRecord
from engine.reason.compiler import CompiledRuleset
from engine.reason.evaluate import Context
from engine.reason.explain import evidence_that_would_settle, why_not
from engine.reason.inference import InferenceResult, Justification
from engine.reason.weighing import WeighingTrace

SCHEMA = "tip-assess/assessment/1"


def _justification(book: Rulebook, justification: Justification) -> dict[str, Any]:
    rule = book.item(justification.rule_id)
    entry: dict[str, Any] = {
        "rule": rule.id,
        "title": rule.title,
        "citation": rule.citation,
        "verified": rule.verified,
        "alternative": justification.alternative,
        "explanation": justification.explanation,
        "premises": [_node_id(p) for p in justification.premises],
        "absent": justification.absent,
        "default": rule.otherwise,
        "seq": justification.seq,
    }
    if justification.weighing is not None:
        entry["weighing"] = _weighing_doc(book, justification.weighing)
    return entry


def _weighing_doc(book: Rulebook, trace: WeighingTrace) -> dict[str, Any]:
    """A weighing as a table a reader can add up: each term, its points, what it rests on."""
    return {
        "total": _number(trace.total),
        "range": [_number(trace.low), _number(trace.high)] if trace.low != trace.high else None,
        "bands": [
            {"value": value, "min": None if minimum is None else _number(minimum)}
            for value, minimum in trace.bands
        ],
        "groups": {name: _number(amount) for name, amount in sorted(trace.groups.items())},
        "bounded": {
            name: {"before": _number(before), bound: _number(limit)}
            for name, (before, bound, limit) in sorted(trace.bounded.items())
        },
        "silence": trace.silence,
        "terms": [
            {
                "label": term.label,
                "group": term.group,
                "matched": term.matched,
                "counted": term.counted,
                "points": None if term.points is None else _number(term.points),
                "finding": term.finding,
                "finding_value": term.finding_value,
                "possible": None
                if term.possible is None
                else [_number(term.possible[0]), _number(term.possible[1])],
                "premises": [_node_id(p) for p in term.premises],
            }
            for term in trace.terms
        ],
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _node_id(premise: str) -> str:
    return premise if premise.startswith("finding:") else f"evidence:{premise}"


def _dedupe(justifications: list[Justification]) -> list[Justification]:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique = []
    for justification in justifications:
        key = (justification.rule_id, tuple(sorted(justification.premises)))
        if key not in seen:
            seen.add(key)
            unique.append(justification)
    return unique


def assessment_document(
    book: Rulebook,
    loaded: LoadedDossier,
    year: int,
    compiled: CompiledRuleset,
    result: InferenceResult,
    extra_sha256: str | None,
    explain: bool = True,
    with_findings: bool = True,
) -> dict[str, Any]:
    if not with_findings:
        return _summary(book, loaded, year, compiled, result, extra_sha256, None)
    outcome = book.info.outcome
    placement = result.conclusions.get(outcome.conclusion)
    tier = placement.value if placement else None
    order = {subject: index for index, subject in enumerate(book.conclusions)}
    findings: list[dict[str, Any]] = []
    for subject in sorted(result.conclusions, key=lambda s: order.get(s, len(order))):
        derived = result.conclusions[subject]
        spec = book.conclusions[subject]
        findings.append(
            {
                "id": f"finding:{subject}",
                "subject": subject,
                "title": spec.title,
                "citation": spec.citation,
                "value": derived.value,
                "justifications": [
                    _justification(book, j) for j in _dedupe(derived.justifications)
                ],
            }
        )
    summary = _summary(book, loaded, year, compiled, result, extra_sha256, findings)
    if not explain:
        return summary
    used = {
        premise
        for derived in result.conclusions.values()
        for justification in derived.justifications
        for premise in justification.premises
    }
    evidence: list[dict[str, Any]] = []
    dossier = loaded.dossier
    records: list[EvidenceRecord | JudgmentRecord] = [*dossier.records, *dossier.judgments]
    for record in records:
        location = loaded.locations.get(record.id)
        entry: dict[str, Any] = {
            "id": f"evidence:{record.id}",
            "record": record.id,
            "kind": record.kind,
            "kind_title": book.kinds[record.kind].title,
            "judgment": book.kinds[record.kind].judgment,
            "pillar": book.kinds[record.kind].pillar,
            "values": {k: _plain(v) for k, v in sorted(record.values.items())},
            "quote": record.quote,
            "section": record.section,
            "source_line": location.line if location else None,
            "source_paragraph": location.paragraph if location else None,
            "dossier_line": loaded.record_lines.get(record.id),
            "used": record.id in used,
        }
        if isinstance(record, JudgmentRecord):
            entry["rationale"] = record.rationale
            entry["basis"] = list(record.basis)
        evidence.append(entry)
    dossier_ids = {record.id for record in records}
    for fact in result.inputs.values():
        if fact.record_id not in dossier_ids:
            evidence.append(
                {
                    "id": f"evidence:{fact.record_id}",
                    "record": fact.record_id,
                    "kind": fact.kind,
                    "kind_title": book.kinds[fact.kind].title,
                    "judgment": fact.judgment,
                    "pillar": book.kinds[fact.kind].pillar,
                    "values": {k: _plain(v) for k, v in sorted(fact.values.items())},
                    "quote": None,
                    "section": _generated_section(book, fact.kind),
                    "source_line": None,
                    "source_paragraph": None,
                    "dossier_line": None,
                    "used": fact.record_id in used,
                }
            )
    edges = [
        {"from": f["id"], "to": premise, "rule": j["rule"]}
        for f in findings
        for j in f["justifications"]
        for premise in j["premises"]
    ]
    ctx = Context.of(book, year, result)
    unknown = outcome.unknown_values
    missing = [
        {
            "subject": f["subject"],
            "title": f["title"],
            "value": f["value"],
            "settle_with": evidence_that_would_settle(ctx, f["subject"], unknown),
        }
        for f in findings
        if f["value"] in unknown
    ]
    missing += [
        {
            "subject": subject,
            "title": book.conclusions[subject].title,
            "value": None,
            "settle_with": evidence_that_would_settle(ctx, subject, unknown),
        }
        for subject in _required_unconcluded(book, year, result)
    ]
    why_not_doc: dict[str, Any] | None = None
    # The next rung up that exists this year (the watch list, say, did not exist before 2004).
    placeable = {
        rule.then.value
        for rule in book.rules_in_force(year)
        if rule.then.conclude == outcome.conclusion
    }
    higher = (
        [value for value in outcome.ladder[outcome.ladder.index(tier) + 1 :] if value in placeable]
        if tier in outcome.ladder
        else []
    )
    if higher:
        target = higher[0]
        gaps = why_not(ctx, outcome.conclusion, target)
        why_not_doc = {"target": target, "rules": [gap.to_dict() for gap in gaps]}
    elif tier is None or tier in outcome.undetermined:
        why_not_doc = {
            "target": None,
            "rules": [
                gap.to_dict()
                for target in outcome.ladder
                for gap in why_not(ctx, outcome.conclusion, target)
            ],
        }
    default_reasons = {
        f["subject"]: [
            gap.to_dict()
            for value in book.conclusions[f["subject"]].values
            if value != f["value"] and value not in unknown
            for gap in why_not(ctx, f["subject"], value, max_depth=1)
        ]
        for f in findings
        if any(j["default"] for j in f["justifications"])
    }
    referenced = {j["rule"] for f in findings for j in f["justifications"]}
    for reasons in default_reasons.values():
        referenced |= _gap_rules(reasons)
    referenced |= _gap_rules(why_not_doc["rules"] if why_not_doc else [])
    rules_doc = {rule_id: _rule_entry(book, rule_id) for rule_id in sorted(referenced)}
    return {
        **summary,
        "evidence": evidence,
        "graph": {
            "nodes": [f["id"] for f in findings] + [e["id"] for e in evidence],
            "edges": edges,
        },
        "why_not": why_not_doc,
        "default_reasons": default_reasons,
        "rules": rules_doc,
        "missing_evidence": missing,
        "parameters": {k: v for k, v in sorted(compiled.parameters.items()) if v is not None},
        "source": {
            "file": dossier.source.file,
            "title": dossier.source.title,
            "url": dossier.source.url,
        },
    }


def _summary(
    book: Rulebook,
    loaded: LoadedDossier,
    year: int,
    compiled: CompiledRuleset,
    result: InferenceResult,
    extra_sha256: str | None,
    findings: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The document's answer and provenance: placement, status, findings and their
    justifications, conflicts, hashes. The whole document adds the explanation to it."""
    outcome = book.info.outcome
    placement = result.conclusions.get(outcome.conclusion)
    dossier = loaded.dossier
    provenance: dict[str, str] = {
        "engine_version": __version__,
        "rules_version": book.info.version,
        "rules_sha256": book.sha256,
        "evidence_sha256": loaded.sha256,
        "compiled_ruleset": compiled.name,
        "compiled_ruleset_sha256": compiled.sha256,
    }
    if extra_sha256:
        provenance["history_sha256"] = extra_sha256
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "country": dossier.country,
        "report_year": dossier.report_year,
        "assessed_year": year,
        "tier": placement.value if placement else None,
        "status": status_of(book, year, result, dossier.completeness),
        "completeness": dossier.completeness,
        "rulebook": {
            "name": book.info.name,
            "version": book.info.version,
            "label": book.version_label(year),
            "rules_in_force": len(compiled.rule_ids),
            "ladder": outcome.ladder,
        },
        "placement_rule": placement.justifications[0].rule_id if placement else None,
        "findings": findings,
        "conflicts": [
            {"subject": c.subject, "values": c.values, "rules": c.rules} for c in result.conflicts
        ],
        "provenance": provenance,
    }
    if findings is None:  # a batch row's document: no findings at all, never an empty list
        del document["findings"]
    return document


_RULE_ENTRIES: dict[int, tuple[Rulebook, dict[str, dict[str, Any]]]] = {}


def _rule_entry(book: Rulebook, rule_id: str) -> dict[str, Any]:
    """What the document says of a rule it cites: the same for every assessment under one
    rulebook, so built once per rulebook and rule (its text folded once) and copied."""
    found = _RULE_ENTRIES.get(id(book))
    if found is None or found[0] is not book:
        if len(_RULE_ENTRIES) >= 8:  # rulebooks come and go in what-if sweeps and audits
            _RULE_ENTRIES.clear()
        found = _RULE_ENTRIES[id(book)] = (book, {})
    entry = found[1].get(rule_id)
    if entry is None:
        rule = book.item(rule_id)
        entry = found[1][rule_id] = {
            "title": rule.title,
            "citation": rule.citation,
            "text": " ".join(rule.text.split()),
            "in_force": rule.in_force.label(),
            "verified": rule.verified,
            "note": rule.note,
            "defined_at": book.defined_at(rule_id),
        }
    return dict(entry)


def _required_unconcluded(book: Rulebook, year: int, result: InferenceResult) -> list[str]:
    """`required` conclusions some rule in force could draw and none did: evidence still needed
    (others, e.g. a trigger that simply did not fire, may legitimately stay unconcluded)."""
    return [s for s in _required_in_force(book, year) if s not in result.conclusions]


_REQUIRED: dict[tuple[int, int], tuple[Rulebook, list[str]]] = {}


def _required_in_force(book: Rulebook, year: int) -> list[str]:
    """The `required` conclusions some rule or weighing in force in `year` can draw, in the
    vocabulary's order (once per rulebook and year: a fragility sweep asks for each change)."""
    found = _REQUIRED.get((id(book), year))
    if found is None or found[0] is not book:
        if len(_REQUIRED) > 256:
            _REQUIRED.clear()
        concluded = {rule.then.conclude for rule in book.rules_in_force(year)}
        concluded |= {w.concludes for w in book.weighings_in_force(year)}
        subjects = [s for s, spec in book.conclusions.items() if spec.required and s in concluded]
        found = _REQUIRED[(id(book), year)] = (book, subjects)
    return found[1]


def status_of(book: Rulebook, year: int, result: InferenceResult, completeness: str) -> str:
    """The assessment's status, from the inference alone: `conflict`, `undetermined` (no
    placement, or an undetermined one), `provisional` (evidence still needed, or a partial
    narrative) or `determined`."""
    if result.conflicts:
        return "conflict"
    values = {subject: derived.value for subject, derived in result.conclusions.items()}
    return status_of_values(book, year, values, completeness)


def status_of_values(
    book: Rulebook, year: int, values: Mapping[str, str], completeness: str
) -> str:
    """`status_of` an inference without conflicts, from its conclusions' values alone (a
    what-if probe recomputed in Python has no more)."""
    outcome = book.info.outcome
    tier = values.get(outcome.conclusion)
    if tier is None or tier in outcome.undetermined:
        return "undetermined"
    unknown = outcome.unknown_values
    if any(value in unknown for value in values.values()):
        return "provisional"
    required = _required_in_force(book, year)
    if any(subject not in values for subject in required) or completeness != "complete":
        return "provisional"
    return "determined"


def _generated_section(book: Rulebook, kind: str) -> str:
    """Where a fact the engine made comes from: the placement history or the dossier header."""
    settings = book.info.history
    if settings is not None and kind in (settings.placement_kind, settings.waiver_kind):
        return "history"
    return "dossier header"


def _gap_rules(gaps: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for gap in gaps:
        found.add(gap["rule"])
        for obstacle in gap["obstacles"]:
            found |= _gap_rules(obstacle["deeper"])
    return found


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
