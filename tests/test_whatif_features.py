"""Runs features/whatif.feature and features/sensitivity.feature.

"Given the evidence dossier for <country> <year>" comes from tests/conftest.py (the real rules);
"Given the toy dossier for ..." loads the toy statute of tests/fixtures/whatif.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import support
from pytest_bdd import given, parsers, scenarios, then, when
from whatif_support import toy, toy_book

from engine.assessment import history_inputs
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.whatif.changes import (
    Change,
    parse_param,
    parse_reading,
    parse_set,
    parse_without,
)
from engine.whatif.sweep import Fragility, fragility
from engine.whatif.variant import WhatIf, what_if

scenarios("whatif.feature", "sensitivity.feature")


def _book(case: dict[str, Any]) -> Rulebook:
    book: Rulebook = case.get("book") or support.rulebook()
    return book


def _dossier(case: dict[str, Any]) -> LoadedDossier:
    loaded: LoadedDossier = case["dossier"]
    return loaded


@given(parsers.parse("the toy dossier for {country} {year:d}"))
def given_toy(case: dict[str, Any], country: str, year: int) -> None:
    assert year == 2007, "the toy fixture has 2007 dossiers only"
    case["book"] = toy_book()
    case["dossier"] = toy(country.lower())


def _what_if(case: dict[str, Any], changes: list[Change]) -> None:
    loaded = _dossier(case)
    case["whatif"] = what_if(_book(case), loaded, Path(loaded.path), changes)


@when("nothing is changed")
def when_nothing(case: dict[str, Any]) -> None:
    _what_if(case, [])


@when(parsers.parse('the record "{record_id}" is removed'))
def when_removed(case: dict[str, Any], record_id: str) -> None:
    _what_if(case, [parse_without(_dossier(case), record_id)])


@when(parsers.parse('the judgment "{record_id}" records "{field}" as "{value}"'))
def when_judgment_set(case: dict[str, Any], record_id: str, field: str, value: str) -> None:
    _what_if(case, [parse_set(_book(case), _dossier(case), f"{record_id}.{field}={value}")])


@when(parsers.parse('the record "{record_id}" is read the other way'))
def when_read_otherwise(case: dict[str, Any], record_id: str) -> None:
    _what_if(case, [parse_reading(_book(case), _dossier(case), record_id)])


@when(parsers.parse('the parameter "{name}" is {value}'))
def when_parameter(case: dict[str, Any], name: str, value: str) -> None:
    year = _dossier(case).dossier.report_year
    _what_if(case, [parse_param(_book(case), f"{name}={value}", year)])


def _result(case: dict[str, Any]) -> WhatIf:
    result: WhatIf = case["whatif"]
    return result


@then(parsers.parse('the placement stays "{tier}"'))
def then_stays(case: dict[str, Any], tier: str) -> None:
    result = _result(case)
    assert result.base.tier == tier, f"the placement is {result.base.tier}"
    assert result.variant.tier == tier, f"the placement moved to {result.variant.tier}"


@then(parsers.parse('the placement moves from "{before}" to "{after}"'))
def then_moves(case: dict[str, Any], before: str, after: str) -> None:
    result = _result(case)
    assert (result.base.tier, result.variant.tier) == (before, after)


@then("no finding flips")
def then_no_flip(case: dict[str, Any]) -> None:
    assert _result(case).flips == []


@then(parsers.parse('the finding "{subject}" flips because of "{cause}"'))
def then_flips_because(case: dict[str, Any], subject: str, cause: str) -> None:
    flip = next((f for f in _result(case).flips if f.subject == subject), None)
    assert flip is not None, f"{subject} did not flip"
    assert cause in flip.inputs + flip.parameters, (flip.inputs, flip.parameters)


# --------------------------------------------------------------------------- sensitivity


def _sweep(case: dict[str, Any], depth: int) -> None:
    book, loaded = _book(case), _dossier(case)
    dossier = loaded.dossier
    path = Path(loaded.path)
    extra, sha = history_inputs(book, path, dossier.country, dossier.report_year, None)
    base = what_if(book, loaded, path, []).base
    case["base"] = base
    case["fragility"] = fragility(book, loaded, base, extra, sha, depth=depth)


@when("every single change is tried")
def when_every_change(case: dict[str, Any]) -> None:
    _sweep(case, 1)


@when("every pair of changes is tried")
def when_every_pair(case: dict[str, Any]) -> None:
    _sweep(case, 2)


def _fragility(case: dict[str, Any]) -> Fragility:
    found: Fragility = case["fragility"]
    return found


@then("each change listed as deciding moves the placement to the placement listed")
def then_each_moves(case: dict[str, Any]) -> None:
    loaded = _dossier(case)
    for item in _fragility(case).items:
        result = what_if(_book(case), loaded, Path(loaded.path), [item.change])
        assert result.variant.tier == item.placement, item.change.text
        assert result.variant.tier != case["base"].tier


@then(parsers.parse('removing the record "{record_id}" is not among the deciding changes'))
def then_removal_not_deciding(case: dict[str, Any], record_id: str) -> None:
    assert record_id in {r.id for r in _dossier(case).dossier.records}
    removals = [
        i for i in _fragility(case).items if i.change.text.startswith(f"record {record_id} ")
    ]
    assert removals == []


@then("the placement is fragile")
def then_fragile(case: dict[str, Any]) -> None:
    assert not _fragility(case).robust


@then("the placement is robust")
def then_robust(case: dict[str, Any]) -> None:
    assert _fragility(case).robust, [i.change.text for i in _fragility(case).items]


@then(parsers.parse('the {what} "{record_id}" decides the placement'))
def then_decides(case: dict[str, Any], what: str, record_id: str) -> None:
    assert record_id in {item.change.target for item in _fragility(case).items}, what


@then(parsers.parse('the {what} "{record_id}" does not decide the placement'))
def then_does_not_decide(case: dict[str, Any], what: str, record_id: str) -> None:
    assert record_id not in {item.change.target for item in _fragility(case).items}, what


@then(parsers.parse('the judgments "{first}" and "{second}" together decide the placement'))
def then_pair_decides(case: dict[str, Any], first: str, second: str) -> None:
    pairs = {tuple(sorted(c.target for c in pair.changes)) for pair in _fragility(case).pairs}
    assert tuple(sorted((first, second))) in pairs, pairs
