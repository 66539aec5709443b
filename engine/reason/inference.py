"""Forward-chaining inference over one dossier, keeping every conclusion's justification.

The engine does the matching and the agenda; the fact table, ids, conclusions and their
justifications live here, in Python, where they cannot be lost to the engine's quirks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.durable_host import DurableHost, Frames, shared_host
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import AbsencePattern, EvidencePattern, InputFact, Pattern
from engine.reason.compiler import (
    OPEN_TYPE,
    PHASE_TYPE,
    CompiledRuleset,
    EngineRule,
    conclusion_type,
    evidence_type,
)


@dataclass
class Justification:
    """One way a conclusion was reached: the rule, the facts it used, what it found absent."""

    rule_id: str
    alternative: int
    premises: list[str]
    absent: list[str]
    seq: int
    explanation: str | None


@dataclass
class Derived:
    """A conclusion with every justification that supports it (first = first to fire)."""

    subject: str
    value: str
    engine_id: str
    justifications: list[Justification] = field(default_factory=list)


@dataclass
class Conflict:
    subject: str
    values: list[str]
    rules: list[str]


@dataclass
class InferenceResult:
    conclusions: dict[str, Derived]
    conflicts: list[Conflict]
    inputs: dict[str, InputFact]
    firings: int


def shown_value(value: Any) -> str:
    """Values as a policy officer writes them in YAML: true/false, plain numbers, quoted text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown_value(item) for item in value) + "]"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def describe_pattern(pattern: Pattern) -> str:
    """A readable rendering of one condition, for explanations and diffs."""
    if isinstance(pattern, AbsencePattern):
        inner = describe_pattern(pattern.none)
        return "no " + inner.removeprefix("any ")
    if isinstance(pattern, EvidencePattern):
        tests = []
        for name in sorted(pattern.where):
            test = pattern.where[name]
            if isinstance(test, bool | int | float | str):
                tests.append(f"{name} = {shown_value(test)}")
                continue
            for op, operand in test.operators():
                if hasattr(operand, "param"):
                    shown = f"parameter {operand.param}"
                elif hasattr(operand, "field"):
                    shown = f"its {operand.field}"
                else:
                    shown = shown_value(operand)
                if op == "exists":
                    tests.append(f"{name} {'recorded' if operand else 'not recorded'}")
                elif op == "in":
                    tests.append(f"{name} in {shown_value(list(operand))}")
                else:
                    tests.append(f"{name} {_SYMBOLS[op]} {shown}")
        suffix = f" with {', '.join(tests)}" if tests else ""
        return f"evidence '{pattern.evidence}'{suffix}"
    accepted = pattern.accepted()
    if accepted is None:
        return f"any finding on '{pattern.finding}'"
    return f"finding '{pattern.finding}' is {' or '.join(shown_value(v) for v in accepted)}"


class _Run:
    def __init__(
        self, book: Rulebook, compiled: CompiledRuleset, inputs: dict[str, InputFact]
    ) -> None:
        self.book = book
        self.compiled = compiled
        self.inputs = inputs
        self.engine_ids: dict[str, str] = {}
        self.by_engine_id: dict[str, str] = {}
        self.conclusions: dict[str, Derived] = {}
        self.conflicts: dict[str, Conflict] = {}
        self.seq = 0

    def action_for(self, engine_rule: EngineRule) -> Any:
        def act(frames: Frames) -> list[dict[str, Any]]:
            return self.fire(engine_rule, frames)

        return act

    def fire(self, engine_rule: EngineRule, frames: Frames) -> list[dict[str, Any]]:
        self.seq += 1
        premises: list[str] = []
        absent: list[str] = []
        for info in engine_rule.patterns:
            if info.absent:
                absent.append(describe_pattern(info.pattern))
            else:
                premises.append(self.by_engine_id[str(frames[info.alias]["id"])])
        rule = engine_rule.rule
        explanation = self.render(engine_rule, frames) if rule.explain else None
        justification = Justification(
            rule.id, engine_rule.alternative, premises, absent, self.seq, explanation
        )
        subject, value = rule.then.conclude, rule.then.value
        existing = self.conclusions.get(subject)
        if existing is not None:
            if existing.value == value:
                existing.justifications.append(justification)
            else:
                conflict = self.conflicts.setdefault(
                    subject,
                    Conflict(subject, [existing.value], [existing.justifications[0].rule_id]),
                )
                if value not in conflict.values:
                    conflict.values.append(value)
                conflict.rules.append(rule.id)
            return []
        engine_id = f"d{len(self.conclusions)}"
        self.conclusions[subject] = Derived(subject, value, engine_id, [justification])
        self.by_engine_id[engine_id] = f"finding:{subject}"
        return [{"t": conclusion_type(subject), "id": engine_id, "value": value}]

    def render(self, engine_rule: EngineRule, frames: Frames) -> str:
        fields: dict[str, Any] = {}
        for info in engine_rule.patterns:
            if info.absent or info.alias not in frames:
                continue
            ref = self.by_engine_id[str(frames[info.alias]["id"])]
            if ref.startswith("finding:"):
                fields[info.alias] = _Namespace({"value": frames[info.alias]["value"]})
            else:
                record = self.inputs[ref]
                fields[info.alias] = _Namespace({"id": record.record_id, **record.values})
        template = engine_rule.rule.explain or ""
        return string.Formatter().vformat(template, (), _Missing(fields))


class _Namespace:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._values.get(name, self._values.get("value", "(not recorded)"))

    def __format__(self, spec: str) -> str:
        return format(str(self._values.get("value", self._values.get("id", ""))), spec)


class _Missing(dict[str, Any]):
    """Names bound only in another alternative of an `any` rule render as 'n/a'."""

    def __missing__(self, key: str) -> _Namespace:
        return _Namespace({"value": "n/a"})


GIVEN = "(given)"  # the pseudo-rule that justifies a finding supplied as a fact


def infer(
    book: Rulebook,
    compiled: CompiledRuleset,
    inputs: list[InputFact],
    host: DurableHost | None = None,
    given: Mapping[str, str] | None = None,
) -> InferenceResult:
    """Run the compiled rules over the inputs in one fresh engine session.

    `given` findings (subject -> value) enter first, justified by GIVEN: a rule concluding the
    same subject then records a duplicate or a conflict, and an `otherwise` rule on it stays
    silent, exactly as if another rule had concluded it. Rule examples and scenarios use this.
    """
    engine = host or shared_host()
    engine.ensure_ruleset(compiled.name, compiled.definition)
    table = {fact.record_id: fact for fact in inputs}
    run = _Run(book, compiled, table)
    facts: list[dict[str, Any]] = []
    for subject, value in sorted((given or {}).items()):
        engine_id = f"g{len(run.conclusions)}"
        run.conclusions[subject] = Derived(
            subject, value, engine_id, [Justification(GIVEN, 0, [], [], 0, None)]
        )
        run.by_engine_id[engine_id] = f"finding:{subject}"
        facts.append({"t": conclusion_type(subject), "id": engine_id, "value": value})
    ordered = sorted(inputs, key=lambda fact: (fact.kind, fact.record_id))
    for number, fact in enumerate(ordered):
        engine_id = f"i{number}"
        run.by_engine_id[engine_id] = fact.record_id
        kind = book.kinds[fact.kind]
        values = {
            name: engine_value(kind.fields[name], value)
            for name, value in sorted(fact.values.items())
            if name in kind.fields
        }
        facts.append({"t": evidence_type(fact.kind), "id": engine_id, **values})
    actions = {name: run.action_for(rule) for name, rule in compiled.engine_rules.items()}
    engine.run(
        compiled.name,
        facts,
        actions,
        compiled.consumed_types,
        compiled.strata,
        OPEN_TYPE,
        PHASE_TYPE,
    )
    return InferenceResult(run.conclusions, list(run.conflicts.values()), table, run.seq)
