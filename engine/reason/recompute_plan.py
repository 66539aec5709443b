"""A cone of a compiled ruleset prepared for the what-if sweep's recomputation
(`engine.reason.recompute`): its rules split by what a probe must read again, by stratum, and
its subjects and weighing terms in an order where each comes after all it reads.

Prepared once per cone and changed kinds, and shared by every sweep in the process: what
depends on one base run (which records match) is the recomputer's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.models import AbsencePattern, EvidencePattern, FindingPattern, InputFact, no_conclusion
from engine.reason.cache import PerRules
from engine.reason.compiler import CompiledRuleset, EngineRule, WeighingPlan
from engine.reason.weighing import TermKey

Changed = Mapping[str, InputFact | None]  # record id -> its new version (None: removed)
Test = tuple[str, frozenset[str] | None]  # a finding pattern: its subject, the values accepted


@dataclass(frozen=True)
class PreparedRule:
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
class Stratum:
    weighings: tuple[WeighingPlan, ...]
    rules: tuple[PreparedRule, ...]
    readers: dict[str, tuple[PreparedRule, ...]]  # subject -> the stratum's rules reading it
    defaults: dict[str, tuple[PreparedRule, ...]]  # subject -> its `otherwise` rules in the stratum


Node = str | TermKey  # a subject of the cone, or a term of one of its weighings


@dataclass(frozen=True)
class Plan:
    """A cone prepared for probes that change records of some kinds.

    `strata` recomputes the whole cone. The rest recomputes only what a change reaches: the
    subjects and weighing terms of the cone in an order where each comes after all it reads
    (`order`, None when positive findings read each other in a cycle: a value could then keep
    itself up, and the whole cone is recomputed), with, for each, its producers and what reads
    it, and the evidence patterns on the changed kinds with the nodes they feed."""

    strata: tuple[Stratum, ...]
    order: tuple[Node, ...] | None
    position: dict[Node, int]
    producers: dict[str, tuple[PreparedRule, ...]]  # subject -> its rules but `otherwise` ones
    defaults: dict[str, tuple[PreparedRule, ...]]  # subject -> its `otherwise` rules
    weighing_of: dict[str, WeighingPlan]  # subject -> the weighing concluding it
    term_rules: dict[TermKey, tuple[PreparedRule, ...]]  # term -> its rules (one per alternative)
    readers: dict[Node, tuple[int, ...]]  # node -> positions of the nodes reading it
    patterns: tuple[EvidencePattern, ...]  # on the changed kinds, each once
    fed: dict[int, tuple[int, ...]]  # id(pattern) -> positions of the nodes reading it


_PLANS: PerRules[Plan] = PerRules(2048)


def plan_for(compiled: CompiledRuleset, kinds: frozenset[str]) -> Plan:
    """A cone prepared for probes that change records of `kinds` (once per cone and kinds)."""
    return _PLANS.get(compiled, kinds, lambda: _new_plan(compiled, kinds))


def _new_plan(compiled: CompiledRuleset, kinds: frozenset[str]) -> Plan:
    rules = [_rule_of(engine_rule, kinds) for engine_rule in compiled.engine_rules.values()]
    strata = _strata(compiled, rules)
    producers: dict[str, list[PreparedRule]] = {}
    defaults: dict[str, list[PreparedRule]] = {}
    term_rules: dict[TermKey, list[PreparedRule]] = {}
    edges: dict[Node, set[Node]] = {}  # node -> the nodes reading it
    fed: dict[int, set[Node]] = {}
    patterns: dict[int, EvidencePattern] = {}
    # The host weighs from phase 1 on (a weighing of stratum 0 reads nothing and never runs).
    weighing_of = {p.weighing.weigh.conclude: p for p in compiled.weighings if p.stratum >= 1}
    nodes: set[Node] = set(weighing_of)
    for rule in rules:
        node: Node = rule.term if rule.term is not None else rule.subject
        nodes.add(node)
        if rule.term is not None:
            term_rules.setdefault(rule.term, []).append(rule)
        else:
            (defaults if rule.default else producers).setdefault(rule.subject, []).append(rule)
        for subject, _ in rule.findings + rule.absent_findings:
            edges.setdefault(subject, set()).add(node)
        for pattern in rule.evidence + rule.absent_evidence:
            patterns.setdefault(id(pattern), pattern)
            fed.setdefault(id(pattern), set()).add(node)
    for subject, weighing in weighing_of.items():
        spec = weighing.weighing.weigh
        for term in spec.terms:
            if term.finding is not None:
                edges.setdefault(term.finding, set()).add(subject)
        for key in term_rules:
            if key[0] == weighing.weighing.id:
                edges.setdefault(key, set()).add(subject)
    order = topological(nodes, edges)
    position = {} if order is None else {node: i for i, node in enumerate(order)}
    return Plan(
        strata,
        order,
        position,
        {s: tuple(r) for s, r in producers.items()},
        {s: tuple(r) for s, r in defaults.items()},
        weighing_of,
        {k: tuple(r) for k, r in term_rules.items()},
        {
            node: tuple(sorted(position[n] for n in readers if n in position))
            for node, readers in edges.items()
        },
        tuple(patterns.values()),
        {key: tuple(sorted(position[n] for n in found)) for key, found in fed.items()}
        if order is not None
        else {},
    )


_TERM_KEYS: dict[int, tuple[WeighingPlan, tuple[TermKey, ...]]] = {}


def term_keys(weighing: WeighingPlan) -> tuple[TermKey, ...]:
    """The keys of a weighing's evidence terms and silence cases (`InferenceResult.term_hits`)."""
    found = _TERM_KEYS.get(id(weighing))
    if found is None or found[0] is not weighing:
        weighing_id = weighing.weighing.id
        spec = weighing.weighing.weigh
        keys = [(weighing_id, i, False) for i, t in enumerate(spec.terms) if t.when is not None]
        keys += [(weighing_id, i, True) for i in range(len(spec.silent))]
        if len(_TERM_KEYS) > 4096:
            _TERM_KEYS.clear()
        found = _TERM_KEYS[id(weighing)] = (weighing, tuple(keys))
    return found[1]


def topological(nodes: set[Node], edges: dict[Node, set[Node]]) -> tuple[Node, ...] | None:
    """The nodes, each after every node it reads (Kahn's algorithm, ties in sorted order); None
    when they read each other in a cycle."""
    waiting = dict.fromkeys(nodes, 0)
    for node, readers in edges.items():
        if node in waiting:
            for reader in readers:
                waiting[reader] += 1
    ready = sorted((node for node, count in waiting.items() if count == 0), key=repr)
    order: list[Node] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for reader in sorted(edges.get(node, ()), key=repr):
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    return tuple(order) if len(order) == len(nodes) else None


def _strata(compiled: CompiledRuleset, all_rules: list[PreparedRule]) -> tuple[Stratum, ...]:
    rules_at: dict[int, list[PreparedRule]] = {}
    for rule in all_rules:
        rules_at.setdefault(rule.engine_rule.stratum, []).append(rule)
    strata = []
    for number in range(compiled.strata + 1):
        rules = rules_at.get(number, [])
        readers: dict[str, list[PreparedRule]] = {}
        defaults: dict[str, list[PreparedRule]] = {}
        for rule in rules:
            for subject, _ in rule.findings:
                readers.setdefault(subject, []).append(rule)
            if rule.default:
                defaults.setdefault(rule.subject, []).append(rule)
        # The host weighs a stratum's weighings before its phase fact, from phase 1 on.
        weighings = tuple(p for p in compiled.weighings if p.stratum == number and number >= 1)
        strata.append(
            Stratum(
                weighings,
                tuple(reversed(rules)),  # the queue takes them from its end
                {s: tuple(r) for s, r in readers.items()},
                {s: tuple(r) for s, r in defaults.items()},
            )
        )
    return tuple(strata)


def _rule_of(engine_rule: EngineRule, kinds: frozenset[str]) -> PreparedRule:
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
    return PreparedRule(
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
