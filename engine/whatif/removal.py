"""Whether leaving one input fact out can change anything, read from the base run's firings.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import AbsencePattern, Comparison, EvidencePattern, InputFact, equals
from engine.reason.compiler import CompiledRuleset, WeighingPlan
from engine.reason.inference import InferenceResult
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
    plans = {plan.weighing.id: plan for plan in compiled.weighings}
    unknown = frozenset(book.info.outcome.unknown_values)
    known = set(base.inputs)
    known.discard(record_id)
    firings = _firings_of(base)
    missing = list(firings.findings_awaited)
    for index in firings.awaiting_input.get(record_id, ()):
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
                plans[weighing_id], value, base, record_id, known, unknown
            ):
                confirmed.add(weighing_id)
                ready.extend(firings.by_weighing[weighing_id])
        if not ready:
            return not pending and len(confirmed) == len(firings.weighings)


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


_LAST: list[tuple[InferenceResult, _Firings]] = []  # a sweep asks about one base run at a time


def _firings_of(base: InferenceResult) -> _Firings:
    if _LAST and _LAST[0][0] is base:
        return _LAST[0][1]
    firings = _Firings([], [], {}, {}, {}, {})
    for subject, derived in base.conclusions.items():
        for j in derived.justifications:
            if j.weighing is not None:
                firings.weighings[j.rule_id] = derived.value
                firings.by_weighing.setdefault(j.rule_id, []).append(subject)
                continue
            index = len(firings.concludes)
            firings.concludes.append(subject)
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
    record_id: str,
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
            if record_id in match:
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
