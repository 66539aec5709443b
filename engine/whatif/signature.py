"""What the engine can tell of a record: the outcome of every field test the rules put to it.

The engine reads a record only through its rules' patterns (a rule concludes a fixed value, and
the values it renders into explanations are not read in a what-if sweep). Two versions of one
record that pass and fail exactly the same tests of every pattern of their kind, present or
absent, are therefore indistinguishable to the engine: a run with either draws the same
conclusions. A sweep uses it to skip a change that reads as the record it replaces, and to reuse
the outcome of an earlier change that reads alike.

A test is evaluated here only where its meaning is beyond doubt: a literal operand of the
field's own type (equality and `in` for text, yes/no and numbers; order for numbers) and
`exists`. Any other test (a parameter, another field, a missing value, mixed types) contributes
the raw value itself, so that two versions read alike only if that value is the same.
"""

from __future__ import annotations

import operator
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import AbsencePattern, Comparison, EvidencePattern, FieldRef, InputFact, equals
from engine.models.vocabulary import FieldSpec
from engine.reason.cache import PerRules
from engine.reason.compiler import CompiledRuleset

Test = tuple[str, str, Any, FieldSpec | None]  # field, operator, operand, the field's spec
Signature = tuple[Any, ...]

_MISSING = ("not recorded",)
_ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


def is_number(value: Any) -> bool:
    """A number as a test reads it (yes/no is not a number, though Python's bool is an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def comparable(a: Any, b: Any) -> bool:
    """Whether a test between the two is beyond doubt: two numbers, two texts or two yes/nos."""
    if is_number(a):
        return is_number(b)
    return type(a) is type(b) and isinstance(a, bool | str)


class Signatures:
    """The signature of any record under one compiled ruleset: its tests are found once per
    kind, each once however many rules put it (see `signatures_for`)."""

    def __init__(self, book: Rulebook, compiled: CompiledRuleset) -> None:
        tests: dict[str, dict[tuple[str, str, str], Test]] = {}
        for engine_rule in compiled.engine_rules.values():
            for info in engine_rule.patterns:
                pattern = info.pattern
                if isinstance(pattern, AbsencePattern):
                    pattern = pattern.none
                if not isinstance(pattern, EvidencePattern):
                    continue
                fields = book.kinds[pattern.evidence].fields
                found = tests.setdefault(pattern.evidence, {})
                for name, test in sorted(pattern.where.items()):
                    comparison = test if isinstance(test, Comparison) else equals(test)
                    for op, operand in comparison.operators():
                        key = (name, op, repr(operand))
                        if key not in found:
                            found[key] = _prepared(name, op, operand, fields.get(name))
        self.tests = {kind: list(found.values()) for kind, found in tests.items()}

    def of(self, fact: InputFact) -> Signature:
        """The outcome of every test the rules put to records of the fact's kind."""
        return tuple(_outcome(fact, test) for test in self.tests.get(fact.kind, []))


def _prepared(name: str, op: str, operand: Any, spec: FieldSpec | None) -> Test:
    """A test with its literal operand as the engine holds it."""
    if spec is None or op == "exists":
        return (name, op, operand, spec)
    if op == "in":
        return (name, op, [engine_value(spec, item) for item in operand], spec)
    if isinstance(operand, bool | int | float | str):
        return (name, op, engine_value(spec, operand), spec)
    return (name, op, operand, spec)  # a parameter or another field


def _outcome(fact: InputFact, test: Test) -> Any:
    name, op, operand, spec = test
    if spec is None or name not in fact.values:
        return _MISSING if op != "exists" else False
    value = engine_value(spec, fact.values[name])
    if op == "exists":
        return True
    if op == "in":
        if all(comparable(value, item) for item in operand):
            return value in operand
        return ("raw", value)
    if isinstance(operand, FieldRef):  # another field of the record: both values count
        return ("raw", value, fact.values.get(operand.field, _MISSING))
    if not isinstance(operand, bool | int | float | str):
        return ("raw", value)  # a parameter: the same all year
    if not comparable(value, operand):
        return ("raw", value)
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if is_number(value):
        return bool(_ORDER[op](value, operand))
    return ("raw", value)  # order on text or yes/no: left to the engine


_KNOWN: PerRules[Signatures] = PerRules(256)


def signatures_for(book: Rulebook, compiled: CompiledRuleset) -> Signatures:
    """The signatures of records under `compiled`, found once per compiled rules."""
    return _KNOWN.get(compiled, book.sha256, lambda: Signatures(book, compiled))
