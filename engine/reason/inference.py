"""Forward-chaining inference over one dossier, keeping every conclusion's justification.

The engine does the matching and the agenda; the fact table, ids, conclusions and their
justifications live here, in Python, where they cannot be lost to the engine's quirks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.durable_host import DurableHost, Fact, Frames, encode_fact, json_text, shared_host
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import AbsencePattern, EvidencePattern, InputFact, Pattern
from engine.reason.compiler import (
    OPEN_TYPE,
    PHASE_TYPE,
    CompiledRuleset,
    EngineRule,
    WeighingPlan,
    conclusion_type,
    evidence_type,
)


@dataclass(slots=True)
class TermTrace:
    """How one term of a weighing counted: matched or not, its points, the records behind it."""

    index: int
    label: str
    group: str | None
    points: float | None
    matched: bool
    counted: bool
    premises: list[str] = field(default_factory=list)
    finding: str | None = None
    finding_value: str | None = None
    possible: tuple[float, float] | None = None


@dataclass
class WeighingTrace:
    """The whole computation of a weighing, so that a reader can check it by hand."""

    total: float
    low: float
    high: float
    bands: list[tuple[str, float | None]]
    groups: dict[str, float]
    terms: list[TermTrace]
    silence: str | None = None


@dataclass
class Justification:
    """One way a conclusion was reached: the rule, the facts it used, what it found absent."""

    rule_id: str
    alternative: int
    premises: list[str]
    absent: list[str]
    seq: int
    explanation: str | None
    weighing: WeighingTrace | None = None


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


TermKey = tuple[str, int, bool]  # (weighing id, term or silence-case index, is a silence case)


@dataclass
class InferenceResult:
    conclusions: dict[str, Derived]
    conflicts: list[Conflict]
    inputs: dict[str, InputFact]
    firings: int
    # Every firing of a weighing's term rules: the premises of each match, by term.
    term_hits: dict[TermKey, list[list[str]]] = field(default_factory=dict)


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


_DESCRIBED: dict[int, tuple[Pattern, str]] = {}


def describe_pattern(pattern: Pattern) -> str:
    """A readable rendering of one condition, for explanations and diffs (made once per
    pattern: explanations describe the rulebook's same patterns again and again)."""
    found = _DESCRIBED.get(id(pattern))
    if found is not None and found[0] is pattern:
        return found[1]
    if len(_DESCRIBED) > 8192:
        _DESCRIBED.clear()
    text = _describe(pattern)
    _DESCRIBED[id(pattern)] = (pattern, text)
    return text


def _describe(pattern: Pattern) -> str:
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
            justification = Justification(plan.weighing.id, 0, premises, [], self.seq, None)
            return self.conclude(plan.weighing.weigh.conclude, value, justification)
        value, summary = weigh_plan(plan, self.term_hits, self.conclusions, self.unknown)
        traces = summary.terms
        premises = list(dict.fromkeys(p for t in traces if t.matched for p in t.premises))
        explanation = _weighing_sentence(summary, value)
        justification = Justification(
            plan.weighing.id, 0, premises, [], self.seq, explanation, weighing=summary
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
            facts.append({"t": fact_type, "id": engine_id, "value": value})
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


def weigh_plan(
    plan: WeighingPlan,
    term_hits: Mapping[TermKey, list[list[str]]],
    conclusions: Mapping[str, Derived],
    unknown: frozenset[str],
) -> tuple[str, WeighingTrace]:
    """A weighing's value and its whole computation, from its terms' matches and the findings
    drawn so far (the engine runs it between negation phases; what-if re-runs it)."""
    weighing = plan.weighing
    spec = weighing.weigh
    traces: list[TermTrace] = []
    any_evidence_hit = False
    for index, term in enumerate(spec.terms):
        if term.when is not None:
            hits = term_hits.get((weighing.id, index, False), [])
            any_evidence_hit = any_evidence_hit or bool(hits)
            premises = sorted({p for hit in hits for p in hit})
            points = float(term.points) if hits else None  # type: ignore[arg-type]
            traces.append(
                TermTrace(index, term.label, term.group, points, bool(hits), False, premises)
            )
            continue
        subject = term.finding or ""
        derived = conclusions.get(subject)
        value = None if derived is None else derived.value
        mapped = term.points if isinstance(term.points, dict) else {}
        known = value is not None and value not in unknown and value in mapped
        trace = TermTrace(
            index,
            term.label,
            term.group,
            float(mapped[value]) if known and value is not None else None,
            derived is not None,
            False,
            [f"finding:{subject}"] if derived is not None else [],
            subject,
            value,
            None if known else term.point_range(),
        )
        traces.append(trace)
    low, groups_low = _total(spec, traces, pick=0)
    # Only a finding still unknown gives a range; otherwise the highest total is the lowest.
    uncertain = any(trace.possible is not None for trace in traces)
    high = _total(spec, traces, pick=1)[0] if uncertain else low
    total, groups = low, groups_low
    _mark_counted(spec, traces)
    bands = [(band.value, plan.thresholds[i]) for i, band in enumerate(spec.bands)]
    value = _band(bands, low)
    silence: str | None = None
    has_evidence_terms = any(term.when is not None for term in spec.terms)
    if has_evidence_terms and not any_evidence_hit:
        for index, case in enumerate(spec.silent):
            applies = case.when is None or bool(term_hits.get((weighing.id, index, True)))
            if applies:
                silence = case.reason
                if case.value is not None:
                    value = case.value
                break
    if silence is None and _band(bands, high) != value and spec.undetermined is not None:
        value = spec.undetermined
    return value, WeighingTrace(total, low, high, bands, groups, traces, silence)


# A weighing's value depends only on which of its terms matched and on the values of the
# findings it reads: a what-if sweep, or lint's search, meets the same few combinations again
# and again.
_WEIGHED: dict[tuple[Any, ...], tuple[WeighingPlan, str]] = {}


def weighing_premises(
    plan: WeighingPlan,
    term_hits: Mapping[TermKey, list[list[str]]],
    conclusions: Mapping[str, Derived],
) -> list[str]:
    """What a weighing rests on, as its traced justification lists it (`_Run.weigh`): the
    records each matched term matched, and the findings it read, term by term."""
    weighing_id = plan.weighing.id
    premises: list[str] = []
    for index, term in enumerate(plan.weighing.weigh.terms):
        if term.when is not None:
            hits = term_hits.get((weighing_id, index, False))
            if hits:
                premises.extend(sorted({p for hit in hits for p in hit}))
        elif term.finding in conclusions:
            premises.append(f"finding:{term.finding}")
    return list(dict.fromkeys(premises))


def weighed_value(
    plan: WeighingPlan,
    term_hits: Mapping[TermKey, list[list[str]]],
    conclusions: Mapping[str, Derived],
    unknown: frozenset[str],
) -> str:
    """The value `weigh_plan` gives, remembered by all it depends on."""
    weighing_id = plan.weighing.id
    spec = plan.weighing.weigh
    state: list[Any] = [id(plan), unknown]
    for index, term in enumerate(spec.terms):
        if term.when is not None:
            state.append(bool(term_hits.get((weighing_id, index, False))))
        else:
            derived = conclusions.get(term.finding or "")
            state.append(None if derived is None else derived.value)
    state.extend(bool(term_hits.get((weighing_id, i, True))) for i in range(len(spec.silent)))
    key = tuple(state)
    found = _WEIGHED.get(key)
    if found is not None and found[0] is plan:
        return found[1]
    if len(_WEIGHED) > 65536:
        _WEIGHED.clear()
    value = weigh_plan(plan, term_hits, conclusions, unknown)[0]
    _WEIGHED[key] = (plan, value)
    return value


def _group_of(term_group: str | None, index: int) -> str:
    return term_group if term_group is not None else f"#{index}"


def _total(spec: Any, traces: list[TermTrace], pick: int) -> tuple[float, dict[str, float]]:
    """The weighing's total, with unknown findings at their lowest (pick 0) or highest (1)."""
    members: dict[str, list[float]] = {}
    for trace in traces:
        name = _group_of(trace.group, trace.index)
        members.setdefault(name, [])
        if trace.possible is not None:
            members[name].append(trace.possible[pick])
        elif trace.points is not None:
            members[name].append(trace.points)
    groups: dict[str, float] = {}
    for name, values in members.items():
        group = spec.groups.get(name)
        combine = group.combine if group is not None else "sum"
        if not values:
            amount = 0.0
        elif combine == "max":
            amount = max(values)
        elif combine == "min":
            amount = min(values)
        else:
            amount = sum(values)
        if group is not None and group.cap is not None:
            amount = min(amount, float(group.cap))
        if group is not None and group.floor is not None:
            amount = max(amount, float(group.floor))
        groups[name] = amount
    return sum(groups.values()), {k: v for k, v in groups.items() if not k.startswith("#")}


def _mark_counted(spec: Any, traces: list[TermTrace]) -> None:
    """Which matched terms count: all of a sum group, the deciding one of a max or min group."""
    by_group: dict[str, list[TermTrace]] = {}
    for trace in traces:
        if trace.points is not None:
            by_group.setdefault(_group_of(trace.group, trace.index), []).append(trace)
    for name, members in by_group.items():
        group = spec.groups.get(name)
        combine = group.combine if group is not None else "sum"
        if combine == "sum":
            for trace in members:
                trace.counted = True
            continue
        pick = max if combine == "max" else min
        best = pick(members, key=lambda t: t.points or 0.0)
        best.counted = True


def _band(bands: list[tuple[str, float | None]], total: float) -> str:
    for value, minimum in bands:
        if minimum is None or total >= minimum:
            return value
    return bands[-1][0]


def _weighing_sentence(trace: WeighingTrace, value: str) -> str:
    def number(x: float) -> str:
        return f"{x:g}"

    if trace.silence is not None:
        return f"No evidence term applies: {trace.silence}"
    span = (
        number(trace.total)
        if trace.low == trace.high
        else f"between {number(trace.low)} and {number(trace.high)} (some findings are unknown)"
    )
    lines = [f"{span} points"]
    for band_value, minimum in trace.bands:
        if band_value == value and minimum is not None:
            lines.append(f"'{band_value}' needs at least {number(minimum)}")
    return "; ".join(lines) + "."


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
