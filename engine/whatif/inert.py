"""Whether leaving one input fact out, or changing its values, can change anything, read from
the base run's firings.

The base inference records every firing: each conclusion keeps all its justifications and each
weighing term all its matches. Without one fact, everything still holds that can be derived
again from the remaining facts through those recorded firings (a least fixpoint, so two
conclusions cannot keep each other up); each weighing is re-run on the matches that survive and
must give its value again. When every conclusion is drawn again with its value, nothing new can
fire either, provided that
- the base run had no conflict (losing one side of it would change the status), and
- no absence can start to hold and fire its rule anew with a new value: for each pattern a rule
  reads under `none` that the fact matches, another record matches it too, or the rule
  concludes what the base run concluded.
Then the run without the fact draws exactly the base conclusions, and the sweep need not infer
it. Otherwise the answer is "cannot tell" and the sweep runs the engine, as before. Whether a
record matches a pattern is the explanation's reading of the rules (`engine.reason.evaluate`,
held to durable_rules by tests/test_differential.py).

A changed record is read the same way, pattern by pattern. A rule's patterns each read one
record (the rule language has no joins), so only the patterns that test a changed field can
read the new version differently. The firings that read the record through a pattern it no
longer matches are lost, as in a removal. A pattern it newly matches can only fire its rule
again: harmless when that rule concludes what the base run already concluded (a duplicate adds
a justification, never a fact). Under `none`, a pattern it no longer matches is an absence that
may start to hold (as for a removal); one it newly matches, an absence that may stop holding:
every firing of that rule is lost. A new match of a weighing's term is harmless while one of
the term's matches in the base run survives; otherwise, the term's rule being of that one
pattern, it is weighed in and the weighing re-run (a weighing reads whether a term has a match,
not how many). Otherwise (a new value, a lost match of a term with alternatives, a term of
several patterns) the answer is "cannot tell".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from engine.load.rulebook import Rulebook
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    InputFact,
)
from engine.reason.cache import PerRules
from engine.reason.compiler import CompiledRuleset, EngineRule, WeighingPlan
from engine.reason.evaluate import Context, matching_records, record_matches
from engine.reason.inference import InferenceResult, Justification
from engine.reason.weighing import TermKey, weighed_value


def removal_is_inert(
    book: Rulebook,
    compiled: CompiledRuleset,
    base: InferenceResult,
    context: Context,
    record_id: str,
) -> bool:
    """True when the base run without input `record_id` provably draws the same conclusions
    (`context`: the base run's)."""
    removed = base.inputs.get(record_id)
    if removed is None or base.conflicts:
        return False
    readers = _readers_of(book, compiled)
    for reader in readers.absent_by_kind.get(removed.kind, ()):
        if record_matches(context, reader.pattern, removed) and not _absence_harmless(
            context, base, reader, record_id
        ):
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
        {},
    )


def _absence_harmless(
    context: Context, base: InferenceResult, reader: _Reader, record_id: str
) -> bool:
    """The record no longer matches a pattern read under `none`: the absence starts to hold
    unless another record matches it; then its rule can fire anew, harmless only when it
    concludes what the base run concluded."""
    pattern = reader.pattern
    if any(other.record_id != record_id for other in matching_records(context, pattern)):
        return True
    return reader.engine_rule.role is None and _concludes_as_base(reader.engine_rule, base)


def _concludes_as_base(engine_rule: EngineRule, base: InferenceResult) -> bool:
    """Whether the rule concludes what the base run concluded: firing it again only adds a
    justification, never a fact."""
    then = engine_rule.rule.then
    derived = base.conclusions.get(then.conclude)
    return derived is not None and derived.value == then.value


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
    lost_rules: set[str] = set()  # engine rules whose every firing is lost
    # Weighing terms the record now matches, each through a rule of that one pattern: the rule
    # fires on it.
    gained: set[TermKey] = set()
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
            if reader.position < 0:  # a pattern read under `none`
                if not now:
                    if not _absence_harmless(context, base, reader, changed.record_id):
                        return False
                elif role is not None:
                    return False
                else:  # the absence may stop holding: every firing of its rule is lost
                    lost_rules.add(engine_rule.name)
                continue
            if role is not None and now:  # a weighing's term matched anew (see below)
                if len(engine_rule.patterns) != 1:
                    return False  # a term of several patterns: whether it fires is not known
                gained.add((role.weighing, role.index, role.silent))
                continue
            if (
                role is not None
                and len(readers.by_term[(role.weighing, role.index, role.silent)]) > 1
            ):
                return False  # a term with alternatives: its matches do not say which one
            if now:
                if not _concludes_as_base(engine_rule, base):
                    return False  # it could conclude something new
                continue
            lost.setdefault(engine_rule.name, set()).add(reader.position)
    record_id = changed.record_id

    def drops(key: TermKey, match: list[str]) -> bool:
        positions = lost.get(readers.by_term[key][0].name)
        return positions is not None and _reads_through(match, record_id, positions)

    # A weighing reads of each term only whether it has a match (`weighed_value`): a new match
    # changes nothing while one of the base run's survives; else it is weighed in.
    added = {
        key: [[record_id]]
        for key in sorted(gained)
        if all(drops(key, match) for match in base.term_hits.get(key, ()))
    }
    if not lost and not lost_rules and not added:
        return True  # every firing of the base run happens again, and nothing else new
    firings = _firings_of(base)
    lost_firings = [
        index
        for index in firings.awaiting_input.get(record_id, ())
        if _reads_through(
            firings.justifications[index].premises,
            record_id,
            lost.get(_engine_rule_name(readers, firings.justifications[index]) or "", ()),
        )
    ]
    if lost_rules:
        lost_firings += [
            index
            for index, justification in enumerate(firings.justifications)
            if _engine_rule_name(readers, justification) in lost_rules
        ]

    return _drawn_again(book, compiled, base, lost_firings, drops, set(base.inputs), added)


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
    added: Mapping[TermKey, list[list[str]]],
) -> bool:
    """Whether every base conclusion is drawn again without the `lost_firings`, without the
    weighing matches `drops` leaves out and with those `added`, from the `known` inputs (the
    worklist above)."""
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
                plans[weighing_id], value, base, firings, drops, known, unknown, added
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
    absent_by_kind: dict[str, list[_Reader]]  # kind -> the patterns read under `none`
    by_term: dict[TermKey, list[EngineRule]]  # a weighing's term -> its engine rules (one each
    # alternative of an `any`)


_READERS: PerRules[_Readers] = PerRules(256)


def _readers_of(book: Rulebook, compiled: CompiledRuleset) -> _Readers:
    return _READERS.get(compiled, book.sha256, lambda: _find_readers(compiled))


def _find_readers(compiled: CompiledRuleset) -> _Readers:
    readers = _Readers({}, {}, {}, {})
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
            if at < 0:
                readers.absent_by_kind.setdefault(pattern.evidence, []).append(
                    _Reader(engine_rule, at, pattern)
                )
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


def _engine_rule_name(readers: _Readers, justification: Justification) -> str | None:
    """The engine rule that drew the justification (None: a finding given, not drawn)."""
    engine_rule = readers.by_rule.get((justification.rule_id, justification.alternative))
    return None if engine_rule is None else engine_rule.name


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
    # weighing id -> the base run's matches of its terms, by term (asked at every step)
    term_hits: dict[str, list[tuple[TermKey, list[list[str]]]]]
    justifications: list[Justification]  # index -> the justification itself


_LAST: list[tuple[InferenceResult, _Firings]] = []  # a sweep asks about one base run at a time


def _firings_of(base: InferenceResult) -> _Firings:
    if _LAST and _LAST[0][0] is base:
        return _LAST[0][1]
    firings = _Firings([], [], {}, {}, {}, {}, {}, [])
    for key, matches in base.term_hits.items():
        firings.term_hits.setdefault(key[0], []).append((key, matches))
    for subject, derived in base.conclusions.items():
        for j in derived.justifications:
            if j.weighed:
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
    firings: _Firings,
    drops: Callable[[TermKey, list[str]], bool],
    known: set[str],
    unknown: frozenset[str],
    added: Mapping[TermKey, list[list[str]]],
) -> bool:
    """Whether the weighing, re-run on the matches that survive and those `added`, gives
    `value` again. It waits (False) until every finding it reads, directly or through a match,
    is drawn again."""
    weighing_id = plan.weighing.id
    hits: dict[TermKey, list[list[str]]] = {}
    touched = False
    for key, matches in firings.term_hits.get(weighing_id, ()):
        kept = []
        for match in matches:
            if drops(key, match):
                touched = True
                continue
            if not set(match) <= known:
                return False
            kept.append(match)
        hits[key] = kept
    for key, matches in added.items():
        if key[0] == weighing_id:
            hits[key] = hits.get(key, []) + matches
            touched = True
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
