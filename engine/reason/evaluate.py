"""Whether a rule's condition holds in the final facts of an assessment, and the tests a record
fails: the rules' semantics evaluated again in Python, for the explanation and why-not.

It reads the rules as the compiled rules do (tests/test_differential.py holds durable_rules to
it on random records, dossiers and generated rules): a record matches an evidence pattern when
it passes every where-test, a test on a field the record does not record fails, an absence holds
when its pattern does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import date_number
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    InputFact,
    ParamRef,
    Pattern,
    Rule,
    ScalarValue,
    Weighing,
    equals,
)
from engine.reason.describe import describe_pattern, shown_value
from engine.reason.inference import Derived, InferenceResult


@dataclass
class Context:
    """What a condition is evaluated against: the year's rules and parameters, the final facts."""

    book: Rulebook
    year: int
    parameters: dict[str, ScalarValue | None]
    inputs: dict[str, InputFact]
    conclusions: dict[str, Derived]
    _by_kind: dict[str, list[InputFact]] | None = field(default=None, repr=False, compare=False)
    # What does not change while one assessment is explained, asked again at every step of the
    # search: whether a pattern holds, the tests a record fails, the weighings by subject.
    # Keyed by the pattern's id, with the pattern kept so that the id stays its own.
    _holds: dict[int, tuple[Pattern, bool]] = field(default_factory=dict, repr=False, compare=False)
    _failed: dict[tuple[int, str], tuple[Pattern, list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _tests: dict[int, tuple[EvidencePattern, _Prepared]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, book: Rulebook, year: int, result: InferenceResult) -> Context:
        return cls(book, year, book.parameter_values(year), result.inputs, result.conclusions)

    def of_kind(self, kind: str) -> list[InputFact]:
        """The input facts of one kind, in input order."""
        if self._by_kind is None:
            self._by_kind = {}
            for record in self.inputs.values():
                self._by_kind.setdefault(record.kind, []).append(record)
        return self._by_kind.get(kind, [])

    def producers(self, subject: str, value: str) -> list[tuple[Rule, list[list[Pattern]]]]:
        """The rules in force concluding subject=value, in rulebook order, with alternatives."""
        return _year_index(self.book, self.year).producers.get((subject, value), [])

    def weighings_of(self, subject: str) -> list[Weighing]:
        """The weighings in force concluding `subject`, in rulebook order."""
        return _year_index(self.book, self.year).weighings.get(subject, [])


@dataclass(frozen=True)
class _YearIndex:
    """The rules and weighings in force in one year by what they conclude (rules with their
    alternatives): why-not asks for them at every step of its search, and they depend on the
    rulebook and the year only, so they are built once per rulebook and year."""

    book: Rulebook
    producers: dict[tuple[str, str], list[tuple[Rule, list[list[Pattern]]]]]
    weighings: dict[str, list[Weighing]]


_YEAR_INDEXES: dict[tuple[int, int], _YearIndex] = {}


def _year_index(book: Rulebook, year: int) -> _YearIndex:
    found = _YEAR_INDEXES.get((id(book), year))
    if found is None or found.book is not book:
        if len(_YEAR_INDEXES) > 256:  # rulebooks come and go in what-if sweeps and audits
            _YEAR_INDEXES.clear()
        producers: dict[tuple[str, str], list[tuple[Rule, list[list[Pattern]]]]] = {}
        for rule in book.rules_in_force(year):
            key = (rule.then.conclude, rule.then.value)
            producers.setdefault(key, []).append((rule, _conjunctions(rule)))
        weighings: dict[str, list[Weighing]] = {}
        for weighing in book.weighings_in_force(year):
            weighings.setdefault(weighing.concludes, []).append(weighing)
        found = _YEAR_INDEXES[(id(book), year)] = _YearIndex(book, producers, weighings)
    return found


_CONJUNCTIONS: dict[int, tuple[Rule, list[list[Pattern]]]] = {}


def _conjunctions(rule: Rule) -> list[list[Pattern]]:
    """`rule.alternatives()`, built once per rule (an `otherwise` rule builds a pattern)."""
    found = _CONJUNCTIONS.get(id(rule))
    if found is None or found[0] is not rule:
        if len(_CONJUNCTIONS) > 8192:
            _CONJUNCTIONS.clear()
        found = (rule, rule.alternatives())
        _CONJUNCTIONS[id(rule)] = found
    return found[1]


def _comparable(book: Rulebook, kind: str, field_name: str, value: Any) -> Any:
    spec = book.kinds[kind].fields.get(field_name)
    if spec is not None and spec.type == "date":
        return date_number(value)
    return value


def failed_tests(ctx: Context, pattern: EvidencePattern, record: InputFact) -> list[str]:
    """The where-tests a record fails, each with what was recorded."""
    return list(_failures(ctx, pattern, record))


def _failures(ctx: Context, pattern: EvidencePattern, record: InputFact) -> list[str]:
    """`failed_tests`, remembered for the context (the list is shared: never change it)."""
    key = (id(pattern), record.record_id)
    found = ctx._failed.get(key)
    if found is None:
        found = ctx._failed[key] = (pattern, _failed_tests(ctx, pattern, record))
    return found[1]


def _failed_tests(ctx: Context, pattern: EvidencePattern, record: InputFact) -> list[str]:
    failures: list[str] = []
    for field_name, recorded in _failing_fields(ctx, pattern, record):
        shown = "not recorded" if recorded is None else shown_value(recorded)
        failures.append(f"{_condition(pattern, field_name)} (recorded: {shown})")
    return failures


def record_matches(ctx: Context, pattern: EvidencePattern, record: InputFact) -> bool:
    """Whether the record passes every where-test of `pattern`. Not remembered: a what-if asks
    it of versions of one record, which share the record's id."""
    if record.kind != pattern.evidence:
        return False
    values = record.values
    for field_name, is_date, checks in _prepared(ctx, pattern):
        if _fails(values, field_name, is_date, checks):
            return False
    return True


def _failing_fields(
    ctx: Context, pattern: EvidencePattern, record: InputFact
) -> Iterator[tuple[str, Any]]:
    """Each field whose test the record fails, with the value it recorded, in field order."""
    values = record.values
    for field_name, is_date, checks in _prepared(ctx, pattern, record.kind):
        if _fails(values, field_name, is_date, checks):
            yield field_name, values.get(field_name)


def _fails(
    values: dict[str, Any],
    field_name: str,
    is_date: bool,
    checks: tuple[tuple[str, object, Any], ...],
) -> bool:
    """Whether a record with `values` fails the prepared tests of one field."""
    recorded = values.get(field_name)
    actual = date_number(recorded) if is_date else recorded
    for op, how, operand in checks:
        if op == "exists":
            ok = (recorded is not None) == operand
        elif actual is None:
            ok = False
        elif op == "in":
            ok = actual in operand
        else:
            if how is _FIELD:  # the other field's value as the engine holds it
                other, other_is_date = operand
                expected = values.get(other)
                if other_is_date:
                    expected = date_number(expected)
            else:
                expected = operand
            ok = _compare(op, actual, expected)
        if not ok:
            return True
    return False


_FIELD, _VALUE = object(), object()  # how a prepared test reads its operand
_Prepared = tuple[tuple[str, bool, tuple[tuple[str, object, Any], ...]], ...]
_PREPARED: dict[tuple[int, int, int, str], tuple[EvidencePattern, Rulebook, _Prepared]] = {}


def _prepared(ctx: Context, pattern: EvidencePattern, kind: str | None = None) -> _Prepared:
    """The pattern's where-tests in field order, each operand made comparable once: literals
    and parameters for the context's year, date fields (of `kind`, by default the pattern's
    own) as numbers. Kept in the context, and for every context of the rulebook and year."""
    if kind is None or kind == pattern.evidence:
        mine = ctx._tests.get(id(pattern))
        if mine is not None and mine[0] is pattern:
            return mine[1]
        prepared = _prepared_for(ctx, pattern, pattern.evidence)
        ctx._tests[id(pattern)] = (pattern, prepared)
        return prepared
    return _prepared_for(ctx, pattern, kind)  # read against another kind's fields (rare)


def _prepared_for(ctx: Context, pattern: EvidencePattern, kind: str) -> _Prepared:
    key = (id(pattern), id(ctx.book), ctx.year, kind)
    found = _PREPARED.get(key)
    if found is not None and found[0] is pattern and found[1] is ctx.book:
        return found[2]
    book = ctx.book
    prepared = []
    for field_name in sorted(pattern.where):
        test = pattern.where[field_name]
        comparison = test if isinstance(test, Comparison) else equals(test)
        checks: list[tuple[str, object, Any]] = []
        for op, operand in comparison.operators():
            if op == "exists":
                checks.append((op, _VALUE, bool(operand)))
            elif op == "in":
                values = [_comparable(book, kind, field_name, v) for v in operand]
                checks.append((op, _VALUE, values))
            elif isinstance(operand, FieldRef):
                other_is_date = _comparable(book, kind, operand.field, _DATE_PROBE) is None
                checks.append((op, _FIELD, (operand.field, other_is_date)))
            else:
                if isinstance(operand, ParamRef):
                    operand = ctx.parameters.get(operand.param)
                checks.append((op, _VALUE, _comparable(book, kind, field_name, operand)))
        is_date = _comparable(book, kind, field_name, _DATE_PROBE) is None
        prepared.append((field_name, is_date, tuple(checks)))
    if len(_PREPARED) > 8192:
        _PREPARED.clear()
    _PREPARED[key] = (pattern, book, tuple(prepared))
    return tuple(prepared)


_DATE_PROBE = object()  # `_comparable` turns it into None only for a date field


_CONDITIONS: dict[tuple[int, str], tuple[EvidencePattern, str]] = {}


def _condition(pattern: EvidencePattern, field_name: str) -> str:
    """The text of one where-test of `pattern`, as describe_pattern writes it (once per test)."""
    key = (id(pattern), field_name)
    found = _CONDITIONS.get(key)
    if found is None or found[0] is not pattern:
        if len(_CONDITIONS) > 4096:
            _CONDITIONS.clear()
        test = pattern.where[field_name]
        single = EvidencePattern.model_construct(
            evidence=pattern.evidence, where={field_name: test}
        )
        found = (pattern, describe_pattern(single).split(" with ", 1)[-1])
        _CONDITIONS[key] = found
    return found[1]


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if expected is None:
        return False
    try:
        if op == "eq":
            return bool(actual == expected)
        if op == "ne":
            return bool(actual != expected)
        if op == "lt":
            return bool(actual < expected)
        if op == "lte":
            return bool(actual <= expected)
        if op == "gt":
            return bool(actual > expected)
        if op == "gte":
            return bool(actual >= expected)
    except TypeError:
        return False
    return False


def matching_records(ctx: Context, pattern: EvidencePattern) -> list[InputFact]:
    return [
        record for record in ctx.of_kind(pattern.evidence) if not _failures(ctx, pattern, record)
    ]


def holds(ctx: Context, pattern: Pattern) -> bool:
    """Whether `pattern` holds in the final facts (remembered for the context)."""
    found = ctx._holds.get(id(pattern))
    if found is None:
        found = ctx._holds[id(pattern)] = (pattern, _evaluate(ctx, pattern))
    return found[1]


def _evaluate(ctx: Context, pattern: Pattern) -> bool:
    if isinstance(pattern, AbsencePattern):
        return not holds(ctx, pattern.none)
    if isinstance(pattern, EvidencePattern):
        return bool(matching_records(ctx, pattern))
    derived = ctx.conclusions.get(pattern.finding)
    if derived is None:
        return False
    accepted = pattern.accepted()
    return accepted is None or derived.value in accepted
