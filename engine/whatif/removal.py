"""Whether leaving one input fact out, or changing its values, can change anything, read from
the base run's firings.

The base inference records every firing: each conclusion keeps all its justifications and each
weighing term all its matches. Without one fact, everything still holds that can be derived
again from the remaining facts through those recorded firings (a least fixpoint, so two
conclusions cannot keep each other up); each weighing is re-run on the matches that survive and
must give its value again. When every conclusion is drawn again with its value, nothing new can
fire either, provided that
- no rule reads the fact's kind under `none` (an absence could start to hold), and
- the base run had no conflict (losing one side of it would change the status).
Then the run without the fact draws exactly the base conclusions, and the sweep need not infer
it. Otherwise the answer is "cannot tell" and the sweep runs the engine, as before.

A changed record is read the same way, pattern by pattern. A rule's patterns each read one
record (the rule language has no joins), so only the patterns that test a changed field can
read the new version differently, and whether they do is decided by the explanation's own
reading of the rules (`engine.reason.evaluate`, held to durable_rules by
tests/test_differential.py). The firings that read the record through a pattern it no longer
matches are lost, as in a removal. A pattern it newly matches can only fire its rule again:
harmless when that rule concludes what the base run already concluded (a duplicate adds a
justification, never a fact). Otherwise (a new match of a weighing's term, an absence read
differently, a new value) the answer is "cannot tell".
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    InputFact,
    equals,
)
from engine.reason.cache import PerRules
from engine.reason.compiler import CompiledRuleset, EngineRule, WeighingPlan
from engine.reason.evaluate import Context, record_matches
from engine.reason.inference import InferenceResult, Justification
from engine.reason.weighing import TermKey, weighed_value
from engine.whatif.signature import comparable, is_number

AbsentPatterns = dict[str, list[EvidencePattern]]  # by evidence kind


def patterns_read_as_absent(compiled: CompiledRuleset) -> AbsentPatterns:
    """Every evidence pattern some rule in force tests with `none`, by kind."""
    found: AbsentPatterns = {}
    for engine_rule in compiled.engine_rules.values():
        for info in engine_rule.patterns:
            pattern = info.pattern
            if isinstance(pattern, AbsencePattern) and isinstance(pattern.none, EvidencePattern):
                found.setdefault(pattern.none.evidence, []).append(pattern.none)
    return found


def _rules_out(value: Any, op: str, operand: Any) -> bool:
    """Whether `value op operand` is plainly false (both literal and of one type)."""
    if op == "in":
        items = list(operand)
        return all(comparable(value, item) for item in items) and value not in items
    if not comparable(value, operand):
        return False
    if op == "eq":
        return bool(value != operand)
    if op == "ne":
        return bool(value == operand)
    if not is_number(value):
        return False
    return not {"lt": value < operand, "lte": value <= operand, "gt": value > operand}.get(
        op, value >= operand
    )


def could_match(book: Rulebook, fact: InputFact, pattern: EvidencePattern) -> bool:
    """False only when some literal test of `pattern` is plainly failed by the fact's values."""
    if pattern.evidence != fact.kind:
        return False
    kind = book.kinds[fact.kind]
    for name, test in pattern.where.items():
        spec = kind.fields.get(name)
        recorded = spec is not None and name in fact.values
        comparison = test if isinstance(test, Comparison) else equals(test)
        for op, operand in comparison.operators():
            if op == "exists":
                if bool(operand) != recorded:
                    return False
                continue
            if not recorded or spec is None:
                continue  # a test on a value not recorded: leave it to the engine
            if op == "in":
                literal = [engine_value(spec, item) for item in operand]
            elif isinstance(operand, bool | int | float | str):
                literal = engine_value(spec, operand)
            else:
                continue  # a parameter or another field
            if _rules_out(engine_value(spec, fact.values[name]), op, literal):
                return False
    return True


def removal_is_inert(
    book: Rulebook,
    compiled: CompiledRuleset,
    base: InferenceResult,
    record_id: str,
    absent: AbsentPatterns,
) -> bool:
    """True when the base run without input `record_id` provably draws the same conclusions."""
    removed = base.inputs.get(record_id)
    if removed is None or base.conflicts:
        return False
    if any(could_match(book, removed, pattern) for pattern in absent.get(removed.kind, [])):
        return False
    firings = _firings_of(base)
    known = set(base.inputs)
    known.discard(record_id)
    return _drawn_again(
        book,
        compiled,
        base,
        firings.awaiting_input.get(record_id, ()),
        lambda _, match: record_id in match,
        known,
    )


def change_is_inert(
    book: Rulebook,
    compiled: CompiledRuleset,
    base: InferenceResult,
    context: Context,
    changed: InputFact,
) -> bool:
    """True when the base run with input `changed` in place of the record of its id provably
    draws the same conclusions (`context`: the base run's, for the year's parameters)."""
    before = base.inputs.get(changed.record_id)
    if before is None or before.kind != changed.kind or base.conflicts:
        return False
    readers = _readers_of(book, compiled)
    lost: dict[str, set[int]] = {}  # engine rule -> positions that no longer match
    seen: set[tuple[str, int]] = set()
    for name in _changed_fields(before, changed):
        for reader in readers.by_field.get((before.kind, name), ()):
            engine_rule = reader.engine_rule
            if (engine_rule.name, reader.position) in seen:
                continue
            seen.add((engine_rule.name, reader.position))
            now = record_matches(context, reader.pattern, changed)
            if record_matches(context, reader.pattern, before) == now:
                continue
            role = engine_rule.role
            if reader.position < 0 or (role is not None and now):
                return False  # an absence read differently, or a weighing's term matched anew
            if (
                role is not None
                and len(readers.by_term[(role.weighing, role.index, role.silent)]) > 1
            ):
                return False  # a term with alternatives: its matches do not say which one
            if now:
                then = engine_rule.rule.then
                derived = base.conclusions.get(then.conclude)
                if derived is None or derived.value != then.value:
                    return False  # it could conclude something new
                continue  # at most one more justification of what the base run concluded
            lost.setdefault(engine_rule.name, set()).add(reader.position)
    if not lost:
        return True  # every firing of the base run happens again, and nothing else new
    record_id = changed.record_id
    firings = _firings_of(base)
    lost_firings = [
        index
        for index in firings.awaiting_input.get(record_id, ())
        if _reads_through(
            firings.justifications[index].premises,
            record_id,
            lost.get(readers.by_rule[_rule_key(firings.justifications[index])].name, set()),
        )
    ]

    def drops(key: TermKey, match: list[str]) -> bool:
        positions = lost.get(readers.by_term[key][0].name)
        return positions is not None and _reads_through(match, record_id, positions)

    return _drawn_again(book, compiled, base, lost_firings, drops, set(base.inputs))


def _reads_through(premises: list[str], record_id: str, positions: Collection[int]) -> bool:
    """Whether the firing read the record at one of `positions` (its positive patterns)."""
    return any(
        premises[position] == record_id for position in positions if position < len(premises)
    )


def _changed_fields(before: InputFact, after: InputFact) -> list[str]:
    """The fields whose value differs, by value and by type (`1` is not `True` here)."""
    names = sorted(set(before.values) | set(after.values))
    missing = object()
    changed = []
    for name in names:
        a, b = before.values.get(name, missing), after.values.get(name, missing)
        if type(a) is not type(b) or a != b:
            changed.append(name)
    return changed


def _drawn_again(
    book: Rulebook,
    compiled: CompiledRuleset,
    base: InferenceResult,
    lost_firings: Collection[int],
    drops: Callable[[TermKey, list[str]], bool],
    known: set[str],
) -> bool:
    """Whether every base conclusion is drawn again without the `lost_firings` and without the
    weighing matches `drops` leaves out, from the `known` inputs (the worklist above)."""
    plans = {plan.weighing.id: plan for plan in compiled.weighings}
    unknown = frozenset(book.info.outcome.unknown_values)
    known = set(known)
    firings = _firings_of(base)
    missing = list(firings.findings_awaited)
    for index in lost_firings:
        missing[index] += 1
    ready = [firings.concludes[i] for i, count in enumerate(missing) if not count]
    pending = set(base.conclusions)
    confirmed: set[str] = set()
    while True:
        while ready:
            subject = ready.pop()
            if subject not in pending:
                continue
            pending.discard(subject)
            finding = f"finding:{subject}"
            known.add(finding)
            for index in firings.awaiting_finding.get(finding, ()):
                missing[index] -= 1
                if not missing[index]:
                    ready.append(firings.concludes[index])
        for weighing_id, value in firings.weighings.items():
            if weighing_id not in confirmed and _weighs_the_same(
                plans[weighing_id], value, base, drops, known, unknown
            ):
                confirmed.add(weighing_id)
                ready.extend(firings.by_weighing[weighing_id])
        if not ready:
            return not pending and len(confirmed) == len(firings.weighings)


@dataclass(frozen=True)
class _Reader:
    """One pattern of an engine rule that tests a field: `position` is its place among the
    rule's positive patterns (a firing's premises follow them), -1 for a pattern under `none`."""

    engine_rule: EngineRule
    position: int
    pattern: EvidencePattern


@dataclass(frozen=True)
class _Readers:
    by_field: dict[tuple[str, str], list[_Reader]]  # (kind, field) -> the patterns testing it
    by_rule: dict[tuple[str, int], EngineRule]  # (rule id, alternative) -> its engine rule
    by_term: dict[TermKey, list[EngineRule]]  # a weighing's term -> its engine rules (one each
    # alternative of an `any`)


_READERS: PerRules[_Readers] = PerRules(256)


def _readers_of(book: Rulebook, compiled: CompiledRuleset) -> _Readers:
    return _READERS.get(compiled, book.sha256, lambda: _find_readers(compiled))


def _find_readers(compiled: CompiledRuleset) -> _Readers:
    readers = _Readers({}, {}, {})
    for engine_rule in compiled.engine_rules.values():
        role = engine_rule.role
        if role is None:
            readers.by_rule[(engine_rule.rule.id, engine_rule.alternative)] = engine_rule
        else:
            readers.by_term.setdefault((role.weighing, role.index, role.silent), []).append(
                engine_rule
            )
        position = 0
        for info in engine_rule.patterns:
            pattern = info.pattern
            if isinstance(pattern, AbsencePattern):
                pattern, at = pattern.none, -1
            else:
                at = position
            if not info.absent:
                position += 1
            if not isinstance(pattern, EvidencePattern):
                continue
            for name in _fields_read(pattern):
                readers.by_field.setdefault((pattern.evidence, name), []).append(
                    _Reader(engine_rule, at, pattern)
                )
    return readers


def _fields_read(pattern: EvidencePattern) -> set[str]:
    """The fields a pattern's tests read: those tested, and those compared with."""
    names = set(pattern.where)
    for test in pattern.where.values():
        if isinstance(test, Comparison):
            names.update(o.field for _, o in test.operators() if isinstance(o, FieldRef))
    return names


def _rule_key(justification: Justification) -> tuple[str, int]:
    return (justification.rule_id, justification.alternative)


@dataclass(frozen=True)
class _Firings:
    """The base run's firings as a worklist: each justification waits for its premises; a
    finding is drawn again once one of its justifications waits for nothing."""

    concludes: list[str]  # justification -> its subject
    findings_awaited: list[int]  # justification -> how many findings it reads
    awaiting_finding: dict[str, list[int]]  # "finding:s" -> the justifications reading it
    awaiting_input: dict[str, list[int]]  # input record id -> the justifications reading it
    weighings: dict[str, str]  # weighing id -> the value it gave, for each that ran
    by_weighing: dict[str, list[str]]  # weighing id -> the subjects it justifies
    justifications: list[Justification]  # index -> the justification itself


_LAST: list[tuple[InferenceResult, _Firings]] = []  # a sweep asks about one base run at a time


def _firings_of(base: InferenceResult) -> _Firings:
    if _LAST and _LAST[0][0] is base:
        return _LAST[0][1]
    firings = _Firings([], [], {}, {}, {}, {}, [])
    for subject, derived in base.conclusions.items():
        for j in derived.justifications:
            if j.weighing is not None:
                firings.weighings[j.rule_id] = derived.value
                firings.by_weighing.setdefault(j.rule_id, []).append(subject)
                continue
            index = len(firings.concludes)
            firings.concludes.append(subject)
            firings.justifications.append(j)
            awaited = 0
            for premise in set(j.premises):
                if premise in base.inputs:
                    firings.awaiting_input.setdefault(premise, []).append(index)
                else:
                    firings.awaiting_finding.setdefault(premise, []).append(index)
                    awaited += 1
            firings.findings_awaited.append(awaited)
    _LAST[:] = [(base, firings)]
    return firings


def _weighs_the_same(
    plan: WeighingPlan,
    value: str,
    base: InferenceResult,
    drops: Callable[[TermKey, list[str]], bool],
    known: set[str],
    unknown: frozenset[str],
) -> bool:
    """Whether the weighing, re-run on the matches that survive, gives `value` again. It waits
    (False) until every finding it reads, directly or through a match, is drawn again."""
    weighing_id = plan.weighing.id
    hits: dict[TermKey, list[list[str]]] = {}
    touched = False
    for key, matches in base.term_hits.items():
        if key[0] != weighing_id:
            continue
        kept = []
        for match in matches:
            if drops(key, match):
                touched = True
                continue
            if not set(match) <= known:
                return False
            kept.append(match)
        hits[key] = kept
    for term in plan.weighing.weigh.terms:
        finding = term.finding
        if (
            finding is not None
            and finding in base.conclusions
            and f"finding:{finding}" not in known
        ):
            return False
    if not touched:  # every match and every finding it read is back: the same total
        return True
    return weighed_value(plan, hits, base.conclusions, unknown) == value
