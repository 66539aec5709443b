"""A record's signature (engine/whatif/signature.py): two versions of a record with one signature
are indistinguishable to the engine, so the fragility sweep may skip or reuse their runs."""

from __future__ import annotations

import dataclasses
from typing import Any

import support
from whatif_support import toy_book, toy_path

from engine.assessment import assess_with_history
from engine.corpus.validation import find_dossiers
from engine.models import InputFact
from engine.reason.cache import compiled_for
from engine.reason.inference import InferenceResult, infer
from engine.whatif.changes import SetValue, UseReading
from engine.whatif.signature import Signatures
from engine.whatif.sweep import Prober, candidates


def _drawn(result: InferenceResult) -> tuple[dict[str, str], list[Any]]:
    values = {s: d.value for s, d in result.conclusions.items()}
    return values, [(c.subject, sorted(c.values)) for c in result.conflicts]


def test_records_that_read_alike_draw_alike_on_the_corpus() -> None:
    """Every value change of every corpus and toy dossier, run through the engine: changes with
    one signature draw the same conclusions, and one with the signature of the record it
    replaces draws the base run's."""
    counted = {"as base": 0, "alike": 0, "different": 0}
    cases = [(support.rulebook(), path) for path in find_dossiers([support.EVIDENCE])]
    cases += [(toy_book(), toy_path(c)) for c in ("ruritania", "freedonia", "kafiristan")]
    for book, path in cases:
        from engine.load.dossier import load_dossier

        loaded = load_dossier(path, book)
        base = assess_with_history(book, loaded, path, explain=False)
        signatures = Signatures(book, base.compiled)
        prober = Prober(book, loaded, base)
        changes, _ = candidates(book, loaded, base.document["assessed_year"])
        seen: dict[tuple[str, Any], Any] = {}
        for change in changes:
            if not isinstance(change, SetValue | UseReading):
                continue
            if isinstance(change, UseReading) and not isinstance(change.alternative, dict):
                continue
            facts = change.apply_facts(prober.facts)
            drawn = _drawn(infer(book, base.compiled, list(facts.values()), explain=False))
            key = (change.target, signatures.of(facts[change.target]))
            if key[1] == signatures.of(prober.facts[change.target]):
                assert drawn == _drawn(base.result), (path, change.text)
                counted["as base"] += 1
            elif key in seen:
                assert drawn == seen[key], (path, change.text)
                counted["alike"] += 1
            else:
                counted["different"] += 1
            seen[key] = drawn
    assert counted["as base"] >= 20 and counted["alike"] >= 3, counted
    assert counted["different"] >= 100, counted


def _signature(kind: str, values: dict[str, Any], year: int = 2007) -> tuple[Any, ...]:
    book = support.rulebook()
    return Signatures(book, compiled_for(book, year)).of(InputFact("r", kind, values, False))


def test_a_test_on_another_field_reads_both_fields() -> None:
    """`count > previous_count` (criteria.yaml, in force from 2004): changing either side
    changes the signature; a field no rule tests does not."""
    kind = "law_enforcement_count"
    base = {"stage": "conviction", "count": 5, "previous_count": 3, "period": "2006"}
    signature = _signature(kind, base)
    assert _signature(kind, {**base, "previous_count": 9}) != signature
    assert _signature(kind, {**base, "count": 2}) != signature
    assert _signature(kind, {**base, "period": "2005"}) == signature


def test_values_of_another_type_or_not_recorded_never_read_as_a_tested_value() -> None:
    book = support.rulebook()
    compiled = compiled_for(book, 2007)
    signatures = Signatures(book, compiled)
    kind, tests = next((k, t) for k, t in signatures.tests.items() if t)
    name = tests[0][0]
    recorded = InputFact("r", kind, {name: "a text no rule tests"}, False)
    missing = dataclasses.replace(recorded, values={})
    assert signatures.of(recorded) != signatures.of(missing)
