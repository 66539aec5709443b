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
from engine.reason.compiler import CompiledRuleset

Test = tuple[str, str, Any, FieldSpec | None]  # field, operator, operand, the field's spec
Signature = tuple[Any, ...]

_MISSING = ("not recorded",)
_ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_type(a: Any, b: Any) -> bool:
    if _number(a):
        return _number(b)
    return type(a) is type(b) and isinstance(a, bool | str)


class Signatures:
    """The signature of any record under one compiled ruleset (the tests found once per kind)."""

    def __init__(self, book: Rulebook, compiled: CompiledRuleset) -> None:
        self.book = book
        self.tests: dict[str, list[Test]] = {}
        for engine_rule in compiled.engine_rules.values():
            for info in engine_rule.patterns:
                pattern = info.pattern
                if isinstance(pattern, AbsencePattern):
                    pattern = pattern.none
                if isinstance(pattern, EvidencePattern):
                    self._add(pattern)

    def _add(self, pattern: EvidencePattern) -> None:
        fields = self.book.kinds[pattern.evidence].fields
        tests = self.tests.setdefault(pattern.evidence, [])
        for name, test in sorted(pattern.where.items()):
            comparison = test if isinstance(test, Comparison) else equals(test)
            for op, operand in comparison.operators():
                tests.append((name, op, operand, fields.get(name)))

    def of(self, fact: InputFact) -> Signature:
        """The outcome of every test the rules put to records of the fact's kind."""
        return tuple(self._outcome(fact, test) for test in self.tests.get(fact.kind, []))

    def _outcome(self, fact: InputFact, test: Test) -> Any:
        name, op, operand, spec = test
        if spec is None or name not in fact.values:
            return _MISSING if op != "exists" else False
        value = engine_value(spec, fact.values[name])
        if op == "exists":
            return True
        if op == "in":
            items = [engine_value(spec, item) for item in operand]
            if all(_same_type(value, item) for item in items):
                return value in items
            return ("raw", value)
        if isinstance(operand, FieldRef):  # another field of the record: both values count
            return ("raw", value, fact.values.get(operand.field, _MISSING))
        if not isinstance(operand, bool | int | float | str):
            return ("raw", value)  # a parameter: the same all year
        literal = engine_value(spec, operand)
        if not _same_type(value, literal):
            return ("raw", value)
        if op == "eq":
            return value == literal
        if op == "ne":
            return value != literal
        if _number(value):
            return bool(_ORDER[op](value, literal))
        return ("raw", value)  # order on text or yes/no: left to the engine
