"""The engine and the explanation read a record alike: differential tests against durable_rules.

durable_rules decides which records a rule's evidence pattern matches; the explanation (why a
rule did or did not fire, what a record lacks) decides the same thing again in Python
(`reason/evaluate.py`). A record the two read differently is an engine answer nobody can
explain, and durable_rules has undefined corners (docs/durable-rules-notes.md: a comparison
with a missing field read a value it never wrote, and the answer depended on the other rules
of the ruleset). Here records are drawn at random over the vocabulary, with the values the
rules test for and their neighbours, and every rule of a year that reads one record is run:
the records that fire it must be exactly those the explanation finds no failed test in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.durable_host import DurableHost, Frames, encode_fact
from engine.load.rulebook import Rulebook
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    InputFact,
    ParamRef,
    alternatives,
    equals,
    no_conclusion,
)
from engine.reason.cache import compiled_for
from engine.reason.compiler import OPEN_TYPE, PHASE_TYPE, CompiledRuleset, evidence_type
from engine.reason.cone import cone_of
from engine.reason.evaluate import Context, failed_tests, holds
from engine.reason.inference import _values_text, infer
from engine.reason.recompute import Recomputer

YEARS = (2001, 2004, 2007, 2013, 2020)
# The same examples on every run (CI reproduces what it finds); bigger runs are done by hand.
_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large]
_DIFFERENTIAL = settings(deadline=None, derandomize=True, suppress_health_check=_CHECKS)
_FIXTURE_CHECKS = [*_CHECKS, HealthCheck.function_scoped_fixture]


def _patterns(book: Rulebook, year: int) -> Iterator[EvidencePattern]:
    """Every evidence pattern of the rules and weighings in force, absences included."""
    for rule in book.rules_in_force(year):
        for patterns in rule.alternatives():
            for pattern in patterns:
                inner = pattern.none if isinstance(pattern, AbsencePattern) else pattern
                if isinstance(inner, EvidencePattern):
                    yield inner
    for weighing in book.weighings_in_force(year):
        for term in weighing.weigh.terms:
            for patterns in alternatives(term.when) if term.when is not None else []:
                yield from (p for p in patterns if isinstance(p, EvidencePattern))


def _tested_values(book: Rulebook, year: int) -> dict[tuple[str, str], list[Any]]:
    """For each field a rule tests, the values it is tested against, and their neighbours."""
    found: dict[tuple[str, str], list[Any]] = {}
    parameters = book.parameter_values(year)
    for pattern in _patterns(book, year):
        for name, test in pattern.where.items():
            comparison = test if isinstance(test, Comparison) else equals(test)
            values = found.setdefault((pattern.evidence, name), [])
            for op, operand in comparison.operators():
                for item in operand if op == "in" else [operand]:
                    if isinstance(item, ParamRef):
                        item = parameters.get(item.param)
                    if isinstance(item, FieldRef | bool) or item is None:
                        continue
                    values.append(item)
                    if isinstance(item, int | float):
                        values += [item - 1, item + 1]
    return found


def _value(draw: Any, book: Rulebook, kind: str, name: str, tested: list[Any]) -> Any:
    spec = book.kinds[kind].fields[name]
    if spec.type == "boolean":
        return draw(st.booleans())
    if spec.type == "enum":
        return draw(st.sampled_from(spec.values or [""]))
    if spec.type == "date":
        return draw(st.dates(dt.date(1995, 1, 1), dt.date(2026, 12, 31)))
    numbers = [v for v in tested if isinstance(v, int | float) and not isinstance(v, bool)]
    if spec.type == "integer":
        pool = [int(v) for v in numbers if float(v).is_integer()] + [0, 1, 2, 5, 10, 100]
        return draw(st.sampled_from(pool) | st.integers(0, 1000))
    if spec.type == "number":
        return draw(st.sampled_from([float(v) for v in numbers] + [0.0, 0.5, 1.0]))
    strings = [v for v in tested if isinstance(v, str)] + ["other"]
    return draw(st.sampled_from(strings))


@st.composite
def _records(draw: Any, book: Rulebook, year: int) -> list[InputFact]:
    tested = _tested_values(book, year)
    kinds = sorted({pattern.evidence for pattern in _patterns(book, year)})
    records = []
    for number in range(draw(st.integers(1, 24))):
        kind = draw(st.sampled_from(kinds))
        values = {}
        for name, spec in sorted(book.kinds[kind].fields.items()):
            if spec.required or draw(st.integers(0, 3)) > 0:  # optional fields: mostly recorded
                values[name] = _value(draw, book, kind, name, tested.get((kind, name), []))
        records.append(InputFact(f"r{number}", kind, values, book.kinds[kind].judgment))
    return records


_HOSTS: dict[int, DurableHost] = {}


def _fired(
    book: Rulebook, compiled: CompiledRuleset, records: list[InputFact], alone: str | None = None
) -> dict[str, set[str]]:
    """The records each engine rule fired on, in one session of the year's whole ruleset, or
    of a ruleset holding the rule `alone` (durable_rules' answers once depended on the other
    rules beside it)."""
    host = _HOSTS.setdefault(compiled.year, DurableHost())
    definition = compiled.definition
    name = compiled.name
    if alone is not None:
        definition = {OPEN_TYPE: definition[OPEN_TYPE], alone: definition[alone]}
        name = f"{compiled.name}:{alone}"
    host.ensure_ruleset(name, definition)
    fired: dict[str, set[str]] = {}

    def recording(name: str) -> Any:
        def act(frames: Frames) -> list[dict[str, Any]]:
            fired.setdefault(name, set()).update(str(fact["id"]) for fact in frames.values())
            return []

        return act

    facts = [
        encode_fact(evidence_type(record.kind), record.record_id, _values_text(book, record))
        for record in records
    ]
    actions = {rule: recording(rule) for rule in definition if rule != OPEN_TYPE}
    host.run(name, facts, actions, compiled.consumed_types, 0, OPEN_TYPE, PHASE_TYPE)
    return fired


@settings(_DIFFERENTIAL, max_examples=60)
@given(st.data())
def test_a_rule_fires_on_exactly_the_records_the_explanation_finds_no_failed_test_in(
    data: Any,
) -> None:
    book = support.rulebook()
    year = data.draw(st.sampled_from(YEARS))
    compiled = compiled_for(book, year)
    records = data.draw(_records(book, year))
    fired = _fired(book, compiled, records)
    context = Context(book, year, book.parameter_values(year), {}, {})
    single = [
        (name, rule.patterns[0].pattern)
        for name, rule in compiled.engine_rules.items()
        if len(rule.patterns) == 1
        and not rule.patterns[0].absent
        and isinstance(rule.patterns[0].pattern, EvidencePattern)
    ]
    assert single
    for name, pattern in single:
        assert isinstance(pattern, EvidencePattern)
        expected = {
            record.record_id
            for record in records
            if record.kind == pattern.evidence and not failed_tests(context, pattern, record)
        }
        shown = [(r.record_id, r.values) for r in records if r.kind == pattern.evidence]
        rule_id = compiled.engine_rules[name].rule.id
        assert fired.get(name, set()) == expected, (year, rule_id, shown)
        alone = _fired(book, compiled, [r for r in records if r.kind == pattern.evidence], name)
        assert alone.get(name, set()) == expected, (year, rule_id, "alone", shown)


def _engine_firings(result: Any) -> set[str]:
    """The rules that fired in a run: each firing is a justification or a side of a conflict."""
    fired = {j.rule_id for derived in result.conclusions.values() for j in derived.justifications}
    return fired | {rule for conflict in result.conflicts for rule in conflict.rules}


@settings(_DIFFERENTIAL, max_examples=40)
@given(st.data())
def test_a_rule_fires_exactly_when_its_condition_holds_in_the_final_facts(data: Any) -> None:
    """Over random dossiers, every rule of the year fires in durable_rules exactly when one of
    its alternatives holds in the final facts as the explanation reads them: records, findings
    and absences (stratified, so an absence is read once every producer has run). An `otherwise`
    rule fires exactly when its own conditions hold and no other rule concluded its subject."""
    book = support.rulebook()
    year = data.draw(st.sampled_from(YEARS))
    compiled = compiled_for(book, year)
    records = data.draw(_records(book, year))
    result = infer(book, compiled, records)
    fired = _engine_firings(result)
    context = Context.of(book, year, result)
    rules = book.rules_in_force(year)
    for rule in rules:
        if rule.otherwise:
            own = [
                [p for p in alt if p != no_conclusion(rule.then.conclude)]
                for alt in rule.alternatives()
            ]
            others = [
                r.id for r in rules if r.then.conclude == rule.then.conclude and not r.otherwise
            ]
            others += [
                w.id for w in book.weighings_in_force(year) if w.concludes == rule.then.conclude
            ]
            expected = any(all(holds(context, p) for p in alt) for alt in own) and not (
                set(others) & fired
            )
        else:
            expected = any(all(holds(context, p) for p in alt) for alt in rule.alternatives())
        shown = [(r.kind, r.values) for r in records]
        assert (rule.id in fired) == expected, (year, rule.id, shown)


@settings(_DIFFERENTIAL, max_examples=80)
@given(st.data())
def test_a_change_run_through_its_cone_draws_what_the_whole_ruleset_draws(data: Any) -> None:
    """A what-if probe runs only the rules a changed kind can reach, the base run's other
    conclusions given (`reason/cone.py`): over random dossiers and random changes of one record
    (new values, removed, or a new record), it draws what the whole ruleset draws."""
    book = support.rulebook()
    year = data.draw(st.sampled_from(YEARS))
    compiled = compiled_for(book, year)
    records = data.draw(_records(book, year))
    base = infer(book, compiled, records)
    if base.conflicts:  # probes of a conflicted base run the whole ruleset
        return
    changed = data.draw(_records(book, year))[0]
    index = data.draw(st.integers(0, len(records)))
    how = data.draw(st.sampled_from(["replace", "remove", "add"]))
    after = list(records)
    if how == "add" or index == len(records):
        after.append(InputFact("added", changed.kind, changed.values, changed.judgment))
        kinds = {changed.kind}
    elif how == "remove":
        kinds = {after.pop(index).kind}
    else:
        old = after[index]
        after[index] = InputFact(old.record_id, changed.kind, changed.values, changed.judgment)
        kinds = {old.kind, changed.kind}
    cone = cone_of(compiled, frozenset(kinds))
    given = {s: d.value for s, d in base.conclusions.items() if s not in cone.subjects}
    through_cone = infer(book, cone.compiled, after, given=given, explain=False, traces=False)
    through_all = infer(book, compiled, after, explain=False, traces=False)
    shown = (year, how, sorted(kinds), [(r.kind, r.values) for r in after])
    assert {s: d.value for s, d in through_cone.conclusions.items()} == {
        s: d.value for s, d in through_all.conclusions.items()
    }, shown
    assert [(c.subject, c.values) for c in through_cone.conflicts] == [
        (c.subject, c.values) for c in through_all.conflicts
    ], shown


@settings(_DIFFERENTIAL, max_examples=80)
@given(st.data())
def test_a_change_recomputed_in_python_draws_what_the_engine_draws(data: Any) -> None:
    """A what-if probe recomputes the changed kind's cone in Python (`reason/recompute.py`):
    over random dossiers and random changes of one record (new values, or removed), whenever it
    gives an answer, that answer is every conclusion the whole ruleset draws in durable_rules,
    and the engine finds no conflict."""
    book = support.rulebook()
    year = data.draw(st.sampled_from(YEARS))
    compiled = compiled_for(book, year)
    records = data.draw(_records(book, year))
    base = infer(book, compiled, records)
    index = data.draw(st.integers(0, len(records) - 1))
    old = records[index]
    after = list(records)
    if data.draw(st.booleans()):
        after.pop(index)
        changed: dict[str, InputFact | None] = {old.record_id: None}
    else:
        same_kind = [r for r in data.draw(_records(book, year)) if r.kind == old.kind]
        values = same_kind[0].values if same_kind else {}
        after[index] = InputFact(old.record_id, old.kind, values, old.judgment)
        changed = {old.record_id: after[index]}
    cone = cone_of(compiled, frozenset({old.kind}))
    recomputed = Recomputer(base, Context.of(book, year, base)).conclusions(cone, changed)
    if base.conflicts:
        assert recomputed is None
        return
    through_all = infer(book, compiled, after, explain=False, traces=False)
    if recomputed is None:
        return
    shown = (year, sorted(changed), [(r.kind, r.values) for r in after])
    assert not through_all.conflicts, shown
    assert recomputed == {s: d.value for s, d in through_all.conclusions.items()}, shown


# --------------------------------------------------------------------------- generated rules

_ORDERED = ("integer", "number", "date")


@st.composite
def _field_test(draw: Any, book: Rulebook, kind: str, name: str) -> tuple[Any, list[Any]]:
    """A where-test on one field, as a policy officer may write it, and the values it names."""
    fields = book.kinds[kind].fields
    spec = fields[name]
    if draw(st.integers(0, 9)) == 0:
        return {"exists": draw(st.booleans())}, []
    if spec.type == "boolean":
        value = draw(st.booleans())
        return draw(st.sampled_from([value, {"eq": value}, {"ne": value}])), [value]
    if spec.type in ("enum", "string"):
        pool = list(spec.values or []) or ["alpha", "beta", "gamma"]
        value = draw(st.sampled_from(pool))
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        test = draw(st.sampled_from([value, {"eq": value}, {"ne": value}, {"in": chosen}]))
        return test, [value, *chosen]
    peers = [f for f, s in fields.items() if f != name and s.type == spec.type]
    if spec.type == "date":
        literal: Any = draw(st.dates(dt.date(2000, 1, 1), dt.date(2010, 12, 31))).isoformat()
    elif spec.type == "integer":
        literal = draw(st.integers(-2, 30))
    else:
        literal = draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 10.0]))
    operand = {"field": draw(st.sampled_from(peers))} if peers and draw(st.booleans()) else literal
    ops = draw(
        st.lists(
            st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"]),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    return {op: operand for op in ops}, [literal]


@st.composite
def _generated_rules(draw: Any, book: Rulebook) -> tuple[list[Any], dict[str, list[Any]]]:
    from engine.models import Rule

    subject = next(iter(sorted(book.conclusions)))
    value = book.conclusions[subject].values[0]
    kinds = sorted(k for k, spec in book.kinds.items() if spec.fields)
    rules, named = [], {}
    for number in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(kinds))
        names = draw(
            st.lists(
                st.sampled_from(sorted(book.kinds[kind].fields)),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        where = {}
        for name in names:
            test, values = draw(_field_test(book, kind, name))
            where[name] = test
            named.setdefault(f"{kind}.{name}", []).extend(values)
        rules.append(
            Rule.model_validate(
                {
                    "id": f"generated-{number}",
                    "title": "generated",
                    "citation": "none",
                    "text": "generated",
                    "in_force": {"from": 2001},
                    "when": {"all": [{"evidence": kind, "where": where}]},
                    "then": {"conclude": subject, "value": value},
                }
            )
        )
    return rules, named


def _near(value: Any) -> list[Any]:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return [value]
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return [value]
        return [day, day - dt.timedelta(days=1), day + dt.timedelta(days=1)]
    return [value, value - 1, value + 1]


@settings(_DIFFERENTIAL, max_examples=80)
@given(st.data())
def test_generated_rules_fire_on_exactly_the_records_the_explanation_finds_no_failed_test_in(
    data: Any,
) -> None:
    """Rules written with any operator the rule language has (eq, ne, lt, lte, gt, gte, in,
    exists; literals, dates and other fields of the record) over the real vocabulary: the engine
    fires each on exactly the records the explanation reads as matching, whatever rules stand
    beside it. Today's rulebook uses few of these forms; the next rule may use any."""
    import dataclasses
    import hashlib
    import json

    from engine.reason.compiler import compile_year

    base = support.rulebook()
    rules, named = data.draw(_generated_rules(base))
    text = json.dumps([r.model_dump(mode="json", by_alias=True) for r in rules], sort_keys=True)
    book = dataclasses.replace(
        base, rules=rules, weighings=[], sha256=hashlib.sha256(text.encode()).hexdigest()
    )
    compiled = compile_year(book, 2007)
    records = []
    for number in range(data.draw(st.integers(1, 12))):
        rule = data.draw(st.sampled_from(rules))
        pattern = rule.when.all[0]  # type: ignore[union-attr]
        kind = pattern.evidence
        values = {}
        for name, spec in sorted(book.kinds[kind].fields.items()):
            if data.draw(st.integers(0, 4)) == 0:
                continue  # not recorded
            pool = [
                v for named_value in named.get(f"{kind}.{name}", []) for v in _near(named_value)
            ]
            if spec.type == "date":
                pool = [v for v in pool if isinstance(v, dt.date)]
            if pool and data.draw(st.booleans()):
                values[name] = data.draw(st.sampled_from(pool))
            else:
                values[name] = _value(data.draw, book, kind, name, [])
        records.append(InputFact(f"r{number}", kind, values, book.kinds[kind].judgment))
    fired = _fired(book, compiled, records)
    context = Context(book, 2007, book.parameter_values(2007), {}, {})
    for name, engine_rule in compiled.engine_rules.items():
        pattern = engine_rule.patterns[0].pattern
        assert isinstance(pattern, EvidencePattern)
        expected = {
            record.record_id
            for record in records
            if record.kind == pattern.evidence and not failed_tests(context, pattern, record)
        }
        shown = (
            pattern.where,
            [(r.record_id, r.values) for r in records if r.kind == pattern.evidence],
        )
        assert fired.get(name, set()) == expected, shown
        alone = _fired(book, compiled, [r for r in records if r.kind == pattern.evidence], name)
        assert alone.get(name, set()) == expected, ("alone", *shown)


# --------------------------------------------------------------------------- fragility


@st.composite
def _dossier_files(draw: Any, book: Rulebook, year: int, folder: Path) -> Path:
    """A dossier of random records (judgments among them) over the kinds the rules read, with a
    narrative that holds every quote, written under `folder`."""
    import yaml

    written = [r for r in draw(_records(book, year)) if not book.kinds[r.kind].generated]
    records, judgments, sentences = [], [], []
    for record in written:
        values = {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in record.values.items()
        }
        quote = f"Statement {record.record_id} of the narrative about {record.kind}"
        sentences.append(quote + ".")
        entry = {"id": record.record_id, "kind": record.kind, "quote": quote, "values": values}
        if record.judgment:
            judgments.append({**entry, "rationale": "drawn"})
        else:
            records.append(entry)
    completeness = draw(st.sampled_from(["complete", "partial"]))
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "testland").mkdir(exist_ok=True)
    (folder / "sources" / "narrative.txt").write_text("\n".join(["Testland.", *sentences]) + "\n")
    dossier = {
        "country": "Testland",
        "report_year": year,
        "completeness": completeness,
        "source": {"file": "../sources/narrative.txt", "title": "drawn"},
        "records": records,
        "judgments": judgments,
    }
    path = folder / "testland" / f"{year}.yaml"
    path.write_text(yaml.safe_dump(dossier, sort_keys=False))
    return path


@settings(_DIFFERENTIAL, max_examples=20, suppress_health_check=_FIXTURE_CHECKS)
@given(data=st.data())
def test_the_fragility_sweep_finds_every_single_change_that_moves_a_placement(
    data: Any, tmp_path: Path
) -> None:
    """The sweep skips changes that cannot reach the placement and changes that read as one
    already tried, recomputes changes to records in Python and runs the rest in their cones.
    Over random dossiers, what it reports is exactly what trying every candidate change through
    the whole ruleset finds: each reported change moves the placement as reported, no other
    does."""
    from engine.assessment import assess_with_history
    from engine.load.dossier import load_dossier
    from engine.whatif.sweep import Prober, candidates, fragility

    book = support.rulebook()
    year = data.draw(st.sampled_from(YEARS))
    folder = tmp_path / f"example-{len(list(tmp_path.iterdir()))}"
    path = data.draw(_dossier_files(book, year, folder))
    loaded = load_dossier(path, book)
    base = assess_with_history(book, loaded, path)
    found = fragility(book, loaded, base)
    reported = {item.change.text: (item.placement, item.status) for item in found.items}
    whole = Prober(book, loaded, base, use_cones=False)
    changes, _ = candidates(book, loaded, base.document["assessed_year"])
    moved = {}
    for change in changes:
        placement, status = whole.outcome([change])
        if placement != base.tier:
            moved[change.text] = (placement, status)
    assert reported == moved, (year, base.tier, path.read_text())
