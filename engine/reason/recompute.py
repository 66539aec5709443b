"""A cone's conclusions recomputed in Python after one record changes: the what-if sweep's
quick answer to "does this change leave the placement where it was?".

A probe of the sweep changes one record (removed, or given other values). Only the subjects in
the cone of its kind can change (`engine.reason.cone`); every other conclusion is the base
run's. The rule language makes those subjects cheap to compute again: a pattern reads one fact
(no joins), so a rule holds when each of its patterns has a matching fact, or none under `none`;
negation is stratified, so taking the strata in order, each to its fixpoint, and weighing each
weighing before the rules of its stratum, gives the final facts the engine reaches. Whether a
record matches a pattern is the explanation's reading (`engine.reason.evaluate`, held to
durable_rules by tests/test_differential.py); for the records the change leaves alone it is the
base run's, read once per sweep.

The answer is only ever "the same placement" or "ask the engine": the sweep runs durable_rules
on every change this says may move the placement, so what it reports always comes from the
engine. It declines (None) where the final facts could depend on the order of firings: a
conflict, or `otherwise` rules of one subject that conclude different values and could each
have fired first (each holds in the final facts but for the absence of their subject). Tests
hold it to the engine on every probe of the corpus sweeps and on random dossiers and changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.models import AbsencePattern, EvidencePattern, FindingPattern, InputFact, no_conclusion
from engine.reason.cache import PerRules
from engine.reason.compiler import CompiledRuleset, EngineRule, WeighingPlan
from engine.reason.cone import Cone
from engine.reason.evaluate import Context, record_matches
from engine.reason.inference import InferenceResult
from engine.reason.weighing import TermKey, weighed_value

Changed = Mapping[str, InputFact | None]  # record id -> its new version (None: removed)
Test = tuple[str, frozenset[str] | None]  # a finding pattern: its subject, the values accepted


@dataclass(frozen=True)
class _Rule:
    """An engine rule as a probe evaluates it. `evidence` and `absent_evidence` are its patterns
    on the changed kinds; those on other kinds (`fixed`, `absent_fixed`) hold in every probe
    as in the base run."""

    engine_rule: EngineRule
    term: TermKey | None  # the weighing term it matches, or None: it concludes
    subject: str
    value: str
    findings: tuple[Test, ...]
    absent_findings: tuple[Test, ...]
    evidence: tuple[EvidencePattern, ...]
    absent_evidence: tuple[EvidencePattern, ...]
    fixed: tuple[EvidencePattern, ...]
    absent_fixed: tuple[EvidencePattern, ...]
    default: bool  # an `otherwise` rule: it reads the absence of its own subject


@dataclass(frozen=True)
class _Stratum:
    weighings: tuple[WeighingPlan, ...]
    rules: tuple[_Rule, ...]
    readers: dict[str, tuple[_Rule, ...]]  # subject -> the stratum's rules reading it
    defaults: dict[str, tuple[_Rule, ...]]  # subject -> its `otherwise` rules in the stratum


_PLANS: PerRules[tuple[_Stratum, ...]] = PerRules(2048)


def _plan(compiled: CompiledRuleset, kinds: frozenset[str]) -> tuple[_Stratum, ...]:
    """A cone's rules by stratum, prepared for probes that change records of `kinds`."""
    return _PLANS.get(compiled, kinds, lambda: _new_plan(compiled, kinds))


def _new_plan(compiled: CompiledRuleset, kinds: frozenset[str]) -> tuple[_Stratum, ...]:
    rules_at: dict[int, list[_Rule]] = {}
    for engine_rule in compiled.engine_rules.values():
        rules_at.setdefault(engine_rule.stratum, []).append(_rule_of(engine_rule, kinds))
    strata = []
    for number in range(compiled.strata + 1):
        rules = rules_at.get(number, [])
        readers: dict[str, list[_Rule]] = {}
        defaults: dict[str, list[_Rule]] = {}
        for rule in rules:
            for subject, _ in rule.findings:
                readers.setdefault(subject, []).append(rule)
            if rule.default:
                defaults.setdefault(rule.subject, []).append(rule)
        # The host weighs a stratum's weighings before its phase fact, from phase 1 on.
        weighings = tuple(p for p in compiled.weighings if p.stratum == number and number >= 1)
        strata.append(
            _Stratum(
                weighings,
                tuple(reversed(rules)),  # the queue takes them from its end
                {s: tuple(r) for s, r in readers.items()},
                {s: tuple(r) for s, r in defaults.items()},
            )
        )
    return tuple(strata)


def _rule_of(engine_rule: EngineRule, kinds: frozenset[str]) -> _Rule:
    role = engine_rule.role
    subject = engine_rule.rule.then.conclude
    own = no_conclusion(subject).none if role is None else None
    findings: list[Test] = []
    absent_findings: list[Test] = []
    evidence: list[EvidencePattern] = []
    absent_evidence: list[EvidencePattern] = []
    fixed: list[EvidencePattern] = []
    absent_fixed: list[EvidencePattern] = []
    default = False
    for info in engine_rule.patterns:
        pattern = info.pattern
        absent = isinstance(pattern, AbsencePattern)
        inner = pattern.none if isinstance(pattern, AbsencePattern) else pattern
        if isinstance(inner, EvidencePattern):
            if inner.evidence in kinds:
                (absent_evidence if absent else evidence).append(inner)
            else:
                (absent_fixed if absent else fixed).append(inner)
        elif absent and inner == own:
            default = True
        else:
            (absent_findings if absent else findings).append(_test(inner))
    return _Rule(
        engine_rule,
        None if role is None else (role.weighing, role.index, role.silent),
        subject,
        engine_rule.rule.then.value,
        tuple(findings),
        tuple(absent_findings),
        tuple(evidence),
        tuple(absent_evidence),
        tuple(fixed),
        tuple(absent_fixed),
        default,
    )


def _test(pattern: FindingPattern) -> Test:
    accepted = pattern.accepted()
    return pattern.finding, None if accepted is None else frozenset(accepted)


class _Value:
    """A conclusion as a weighing reads it (`Derived.value`)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


class _Read:
    """The conclusions so far as a weighing reads them (`conclusions.get(subject).value`)."""

    __slots__ = ("model",)

    def __init__(self, model: dict[str, str]) -> None:
        self.model = model

    def get(self, subject: str) -> _Value | None:
        value = self.model.get(subject)
        return None if value is None else _Value(value)


class Recomputer:
    """Recomputes cones of one base run; what it reads of the unchanged records is kept."""

    def __init__(self, base: InferenceResult, context: Context) -> None:
        self.base = base
        self.context = context  # the base run's facts and the year's parameters
        self.unknown = frozenset(context.book.info.outcome.unknown_values)
        self._outside: dict[str, tuple[Cone, dict[str, str]]] = {}
        self._any_match: dict[int, tuple[EvidencePattern, bool]] = {}
        self._matches: dict[int, tuple[EvidencePattern, frozenset[str]]] = {}

    def value_of(self, cone: Cone, subject: str, changed: Changed) -> tuple[str | None] | None:
        """`(value,)` of `subject` (None: not concluded) in the run with `changed` applied, or
        None when this cannot be told without the engine."""
        values = self.conclusions(cone, changed)
        return None if values is None else (values.get(subject),)

    def conclusions(self, cone: Cone, changed: Changed) -> dict[str, str] | None:
        """Every conclusion of the run with `changed` applied (the cone's subjects recomputed,
        the others the base run's), or None when this cannot be told without the engine."""
        if self.base.conflicts:
            return None
        kinds = set()
        for record_id, new in changed.items():
            before = self.base.inputs.get(record_id)
            if before is None or (new is not None and new.kind != before.kind):
                return None  # a record the base run did not have, or one changing kind
            kinds.add(before.kind)
        model = dict(self._outside_of(cone))
        hits: dict[TermKey, list[list[str]]] = {}
        seen: dict[int, bool] = {}  # evidence pattern -> whether it holds in this probe
        for stratum in _plan(cone.compiled, frozenset(kinds)):
            for weighing in stratum.weighings:
                value = weighed_value(weighing, hits, _Read(model), self.unknown)  # type: ignore[arg-type]
                if not _conclude(model, weighing.weighing.weigh.conclude, value):
                    return None
            fired: set[int] = set()
            queue = list(stratum.rules)
            while queue:
                rule = queue.pop()
                if id(rule) in fired or not self._holds(rule, model, changed, seen, rule.default):
                    continue
                fired.add(id(rule))
                if rule.term is not None:
                    hits.setdefault(rule.term, []).append([])
                    continue
                known = rule.subject in model
                if not _conclude(model, rule.subject, rule.value):
                    return None
                if not known:
                    queue.extend(stratum.readers.get(rule.subject, ()))
            for defaults in stratum.defaults.values():
                if len(defaults) > 1 and not self._one_default(defaults, model, changed, seen):
                    return None
        return model

    def _one_default(
        self,
        defaults: tuple[_Rule, ...],
        model: dict[str, str],
        changed: Changed,
        seen: dict[int, bool],
    ) -> bool:
        """Whether the `otherwise` rules of one subject that hold in the final facts, but for
        the absence of their subject, conclude at most one value: else which fired first
        decides."""
        values = {rule.value for rule in defaults if self._holds(rule, model, changed, seen, False)}
        return len(values) < 2

    def _holds(
        self,
        rule: _Rule,
        model: dict[str, str],
        changed: Changed,
        seen: dict[int, bool],
        own_absence: bool,
    ) -> bool:
        """Whether every pattern of the rule holds now (`own_absence`: with the absence of its
        own subject, for an `otherwise` rule)."""
        if own_absence and rule.subject in model:
            return False
        for subject, accepted in rule.findings:
            value = model.get(subject)
            if value is None or (accepted is not None and value not in accepted):
                return False
        for subject, accepted in rule.absent_findings:
            value = model.get(subject)
            if value is not None and (accepted is None or value in accepted):
                return False
        for pattern in rule.fixed:
            if not self._base_has_match(pattern):
                return False
        for pattern in rule.absent_fixed:
            if self._base_has_match(pattern):
                return False
        for pattern in rule.evidence:
            if not self._evidence(pattern, changed, seen):
                return False
        return not any(self._evidence(p, changed, seen) for p in rule.absent_evidence)

    def _evidence(self, pattern: EvidencePattern, changed: Changed, seen: dict[int, bool]) -> bool:
        """Whether a record of a changed kind matches the pattern in this probe."""
        found = seen.get(id(pattern))
        if found is None:
            found = any(r not in changed for r in self._base_matches(pattern)) or any(
                new is not None
                and new.kind == pattern.evidence
                and record_matches(self.context, pattern, new)
                for new in changed.values()
            )
            seen[id(pattern)] = found
        return found

    def _outside_of(self, cone: Cone) -> dict[str, str]:
        """The base run's conclusions outside the cone: its probes take them as given."""
        found = self._outside.get(cone.compiled.sha256)
        if found is None or found[0] is not cone:
            outside = {
                s: d.value for s, d in self.base.conclusions.items() if s not in cone.subjects
            }
            found = self._outside[cone.compiled.sha256] = (cone, outside)
        return found[1]

    def _base_has_match(self, pattern: EvidencePattern) -> bool:
        found = self._any_match.get(id(pattern))
        if found is None:
            matched = any(
                record_matches(self.context, pattern, record)
                for record in self.context.of_kind(pattern.evidence)
            )
            found = self._any_match[id(pattern)] = (pattern, matched)
        return found[1]

    def _base_matches(self, pattern: EvidencePattern) -> frozenset[str]:
        found = self._matches.get(id(pattern))
        if found is None:
            ids = frozenset(
                record.record_id
                for record in self.context.of_kind(pattern.evidence)
                if record_matches(self.context, pattern, record)
            )
            found = self._matches[id(pattern)] = (pattern, ids)
        return found[1]


def _conclude(model: dict[str, str], subject: str, value: str) -> bool:
    """Record a conclusion; False on a conflict (which value the engine keeps depends on the
    order of firings)."""
    existing = model.get(subject)
    if existing is None:
        model[subject] = value
        return True
    return existing == value
