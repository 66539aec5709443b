"""A run without weighing traces (`infer(..., traces=False)`, what a what-if probe, lint's
search, `impact` and a batch row ask for) draws what a full run draws, each finding resting on
the same rules and premises, and the remembered weighing values are the values `weigh_plan`
computes, whatever the terms matched."""

from __future__ import annotations

import random
from typing import Any

import pytest
import support

from engine.assessment import assess_with_history
from engine.load.dossier import load_dossier
from engine.reason.cache import compiled_for
from engine.reason.inference import InferenceResult, infer
from engine.reason.weighing import TermKey, weigh_plan, weighed_value

DOSSIERS = sorted(support.EVIDENCE.glob("*/[0-9][0-9][0-9][0-9].yaml"))


def _drawn(result: InferenceResult) -> dict[str, Any]:
    """Everything a probe or a search reads: values, conflicts, the rules behind each finding."""
    return {
        "values": {s: d.value for s, d in result.conclusions.items()},
        "rules": {s: [j.rule_id for j in d.justifications] for s, d in result.conclusions.items()},
        "premises": {
            s: [j.premises for j in d.justifications] for s, d in result.conclusions.items()
        },
        "conflicts": [(c.subject, c.values, c.rules) for c in result.conflicts],
    }


@pytest.mark.parametrize("path", DOSSIERS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_a_run_without_traces_draws_what_a_full_run_draws(path: Any) -> None:
    book = support.rulebook()
    loaded = load_dossier(path, book)
    own = loaded.dossier.report_year
    for year in sorted({own, 2001, 2009, 2025}):
        base = assess_with_history(book, loaded, path, year, explain=False)
        inputs = list(base.result.inputs.values())
        compiled = compiled_for(book, year)
        full = infer(book, compiled, inputs, explain=False)
        bare = infer(book, compiled, inputs, explain=False, traces=False)
        assert _drawn(bare) == _drawn(full), (path, year)
        weighed = [j for d in full.conclusions.values() for j in d.justifications if j.weighing]
        assert weighed or not compiled.weighings, "the corpus exercises no weighing"


def test_a_remembered_weighing_value_is_the_computed_one_whatever_the_matches() -> None:
    """Random matches of each weighing's terms (and values of the findings it reads), in random
    order: a remembered value is only ever returned for the state it was computed for."""
    book = support.rulebook()
    unknown = frozenset(book.info.outcome.unknown_values)
    rng = random.Random(7)
    checked = 0
    for year in (2001, 2007, 2013, 2025):
        for plan in compiled_for(book, year).weighings:
            spec = plan.weighing.weigh
            wid = plan.weighing.id
            for _ in range(120):
                hits: dict[TermKey, list[list[str]]] = {}
                conclusions: dict[str, Any] = {}
                for index, term in enumerate(spec.terms):
                    if term.when is not None and rng.random() < 0.4:
                        hits[(wid, index, False)] = [["r1"]]
                    elif term.finding is not None and rng.random() < 0.7:
                        choices = [*(term.points if isinstance(term.points, dict) else {})]
                        value = rng.choice([*choices, *sorted(unknown)] or ["x"])
                        conclusions[term.finding] = _Derived(value)
                for index in range(len(spec.silent)):
                    if rng.random() < 0.5:
                        hits[(wid, index, True)] = [["r2"]]
                expected = weigh_plan(plan, hits, conclusions, unknown)[0]
                assert weighed_value(plan, hits, conclusions, unknown) == expected
                checked += 1
    assert checked > 500


class _Derived:
    """The one attribute of a derived finding a weighing reads."""

    def __init__(self, value: str) -> None:
        self.value = value


@pytest.mark.parametrize("path", DOSSIERS[::3], ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_a_batch_row_without_traces_is_the_row_with_them(path: Any) -> None:
    """A batch row without a sweep (no findings, no explanation) is assessed without weighing
    traces: its document is the one a run with traces gives."""
    from engine.assessment import assess

    book = support.rulebook()
    loaded = load_dossier(path, book)
    plain = assess(book, loaded, explain=False, findings=False, traces=False)
    traced = assess(book, loaded, explain=False, findings=False)
    assert plain.document == traced.document
    assert not any(j.weighing for d in plain.result.conclusions.values() for j in d.justifications)
    assert any(j.weighing for d in traced.result.conclusions.values() for j in d.justifications)
