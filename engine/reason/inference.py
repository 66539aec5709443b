"""Forward-chaining inference over one dossier, keeping every conclusion's justification.

The engine does the matching and the agenda; the fact table, ids, conclusions and their
justifications live here, in Python, where they cannot be lost to the engine's quirks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.durable_host import (
    DurableHost,
    Fact,
    Frames,
    encode_fact,
    json_text,
    shared_host,
    small_fact,
)
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import InputFact
from engine.reason.compiler import (
    OPEN_TYPE,
    PHASE_TYPE,
    CompiledRuleset,
    EngineRule,
    WeighingPlan,
    conclusion_type,
    evidence_type,
)
from engine.reason.describe import describe_pattern
from engine.reason.weighing import (
    TermKey,
    WeighingTrace,
    weigh_plan,
    weighed_value,
    weighing_premises,
    weighing_sentence,
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
    weighing: WeighingTrace | None = None  # how it was weighed (with traces)
    weighed: bool = False  # drawn by a weighing, traced or not


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
    # Every firing of a weighing's term rules: the premises of each match, by term.
    term_hits: dict[TermKey, list[list[str]]] = field(default_factory=dict)


class _Run:
    def __init__(
        self,
        book: Rulebook,
        compiled: CompiledRuleset,
        inputs: dict[str, InputFact],
        explain: bool = True,
        traces: bool = True,
    ) -> None:
        self.book = book
        self.explain = explain
        self.traces = traces
        self.compiled = compiled
        self.inputs = inputs
        self.engine_ids: dict[str, str] = {}
        self.by_engine_id: dict[str, str] = {}
        self.conclusions: dict[str, Derived] = {}
        self.conflicts: dict[str, Conflict] = {}
        self.seq = 0
        self.term_hits: dict[TermKey, list[list[str]]] = {}
        self.unknown = frozenset(book.info.outcome.unknown_values)

    def before_phase(self, number: int) -> list[dict[str, Any]]:
        """Weighings due at this phase: every term they read is settled by now."""
        facts: list[dict[str, Any]] = []
        for plan in self.compiled.weighings:
            if plan.stratum == number:
                facts.extend(self.weigh(plan))
        return facts

    def weigh(self, plan: WeighingPlan) -> list[dict[str, Any]]:
        self.seq += 1
        if not self.traces:
            value = weighed_value(plan, self.term_hits, self.conclusions, self.unknown)
            premises = weighing_premises(plan, self.term_hits, self.conclusions)
            justification = Justification(
                plan.weighing.id, 0, premises, [], self.seq, None, weighed=True
            )
            return self.conclude(plan.weighing.weigh.conclude, value, justification)
        value, summary = weigh_plan(plan, self.term_hits, self.conclusions, self.unknown)
        traces = summary.terms
        premises = list(dict.fromkeys(p for t in traces if t.matched for p in t.premises))
        explanation = weighing_sentence(summary, value)
        justification = Justification(
            plan.weighing.id, 0, premises, [], self.seq, explanation, weighing=summary, weighed=True
        )
        return self.conclude(plan.weighing.weigh.conclude, value, justification)

    def conclude(
        self, subject: str, value: str, justification: Justification
    ) -> list[dict[str, Any]]:
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
                conflict.rules.append(justification.rule_id)
            return []
        engine_id = f"d{len(self.conclusions)}"
        self.conclusions[subject] = Derived(subject, value, engine_id, [justification])
        self.by_engine_id[engine_id] = f"finding:{subject}"
        return [{"t": conclusion_type(subject), "id": engine_id, "value": value}]

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
                if self.explain:
                    absent.append(describe_pattern(info.pattern))
            else:
                premises.append(self.by_engine_id[str(frames[info.alias]["id"])])
        if engine_rule.role is not None:
            role = engine_rule.role
            hits = self.term_hits.setdefault((role.weighing, role.index, role.silent), [])
            hits.append(premises)
            return []
        rule = engine_rule.rule
        explanation = self.render(engine_rule, frames) if rule.explain and self.explain else None
        justification = Justification(
            rule.id, engine_rule.alternative, premises, absent, self.seq, explanation
        )
        return self.conclude(rule.then.conclude, rule.then.value, justification)

    def render(self, engine_rule: EngineRule, frames: Frames) -> str:
        fields: dict[str, Any] = {}
        for info in engine_rule.patterns:
            if info.absent or info.alias not in frames:
                continue
            ref = self.by_engine_id[str(frames[info.alias]["id"])]
            if ref.startswith("finding:"):
                # A finding's value reads as words in an explanation: "none_reported" → "none reported".
                value = frames[info.alias]["value"]
                words = value.replace("_", " ") if isinstance(value, str) else value
                fields[info.alias] = _Namespace({"value": words})
            else:
                record = self.inputs[ref]
                fields[info.alias] = _Namespace({"id": record.record_id, **record.values})
        template = engine_rule.rule.explain or ""
        # str.format_map reads fields, attributes and specs as string.Formatter does, in C.
        return template.format_map(_Missing(fields))


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


class _Actions(Mapping[str, Any]):
    """The action of each engine rule, made when the rule first fires (most never do)."""

    def __init__(self, run: _Run, rules: Mapping[str, EngineRule]) -> None:
        self._run = run
        self._rules = rules

    def __getitem__(self, name: str) -> Any:
        return self._run.action_for(self._rules[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def _values_text(book: Rulebook, fact: InputFact) -> str:
    """The fact's values as the engine reads them, written as JSON once per fact and kind."""
    kind = book.kinds[fact.kind]
    found = fact.engine_values.get(id(kind))
    if found is not None and found[0] is kind:
        return found[1]
    values = {
        name: engine_value(kind.fields[name], value)
        for name, value in sorted(fact.values.items())
        if name in kind.fields
    }
    text = json_text(values)
    fact.engine_values[id(kind)] = (kind, text)
    return text


def infer(
    book: Rulebook,
    compiled: CompiledRuleset,
    inputs: list[InputFact],
    host: DurableHost | None = None,
    given: Mapping[str, str] | None = None,
    explain: bool = True,
    traces: bool = True,
) -> InferenceResult:
    """Run the compiled rules over the inputs in one fresh engine session.

    `given` findings (subject -> value) enter first, justified by GIVEN: a rule concluding the
    same subject then records a duplicate or a conflict, and an `otherwise` rule on it stays
    silent, exactly as if another rule had concluded it. Rule examples and scenarios use this.
    `explain` false leaves the rules' explanation sentences unrendered (a what-if sweep reads
    only the conclusions). `traces` false also leaves out how each weighing was computed: its
    justification names the weighing and what it rests on, without the computation (a what-if
    probe, lint's search, `impact` and a batch row read no more).
    """
    engine = host or shared_host()
    engine.ensure_ruleset(compiled.name, compiled.definition)
    table = {fact.record_id: fact for fact in inputs}
    run = _Run(book, compiled, table, explain, traces)
    # Facts of a type no rule reads are not built (the host would drop them unasserted): a
    # what-if cone reads a few kinds of the many a dossier holds.
    consumed = compiled.consumed_types
    facts: list[Fact] = []
    for subject, value in sorted((given or {}).items()):
        engine_id = f"g{len(run.conclusions)}"
        run.conclusions[subject] = Derived(
            subject, value, engine_id, [Justification(GIVEN, 0, [], [], 0, None)]
        )
        run.by_engine_id[engine_id] = f"finding:{subject}"
        fact_type = conclusion_type(subject)
        if fact_type in consumed:
            facts.append(small_fact(fact_type, engine_id, "value", value))  # written once
    ordered = sorted(inputs, key=lambda fact: (fact.kind, fact.record_id))
    for number, fact in enumerate(ordered):
        engine_id = f"i{number}"
        run.by_engine_id[engine_id] = fact.record_id
        fact_type = evidence_type(fact.kind)
        if fact_type in consumed:
            facts.append(encode_fact(fact_type, engine_id, _values_text(book, fact)))
    actions = _Actions(run, compiled.engine_rules)
    engine.run(
        compiled.name,
        facts,
        actions,
        compiled.consumed_types,
        compiled.strata,
        OPEN_TYPE,
        PHASE_TYPE,
        before_phase=run.before_phase,
        phases_read=compiled.phases_read,
    )
    return InferenceResult(
        run.conclusions, list(run.conflicts.values()), table, run.seq, run.term_hits
    )


def narrative_fact(book: Rulebook, completeness: str) -> InputFact | None:
    """The dossier header as a fact of the kind the rulebook names (none if it names none)."""
    settings = book.info.narrative
    if settings is None:
        return None
    return InputFact(
        f"narrative-{completeness}",
        settings.kind,
        {settings.completeness_field: completeness},
        False,
    )
