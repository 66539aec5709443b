"""The part of a compiled ruleset that evidence of some kinds can reach (its cone).

A what-if sweep changes one record at a time. Everything a rule concludes depends only on the
facts its patterns read, so a change to records of kind K can alter only the conclusions
downstream of K: those of rules (and weighings) reading K, then those reading what they
conclude, and so on. Every other conclusion keeps its value, and can be handed to the engine as
given (`infer(..., given=...)`) instead of being derived again.

The cone keeps every producer of every subject in it (not only those that read K): a subject's
value, or its absence, depends on all the rules that can conclude it. Weighings come whole, with
their term rules. Stratum numbers are kept, so negation phases run as in the full ruleset.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from engine.models import AbsencePattern, EvidencePattern
from engine.reason.cache import PerRules
from engine.reason.compiler import (
    OPEN_TYPE,
    PHASE_TYPE,
    CompiledRuleset,
    EngineRule,
    conclusion_type,
    evidence_type,
)


@dataclass(frozen=True)
class Cone:
    """A ruleset restricted to what the given kinds reach, and the subjects it concludes."""

    compiled: CompiledRuleset
    subjects: frozenset[str]


def _produces(rule: EngineRule, weighing_subject: dict[str, str]) -> str:
    if rule.role is not None:
        return weighing_subject[rule.role.weighing]
    return rule.rule.then.conclude


def _reads(rule: EngineRule) -> tuple[set[str], set[str]]:
    """Evidence kinds and finding subjects the rule's patterns read (present or absent)."""
    kinds: set[str] = set()
    subjects: set[str] = set()
    for info in rule.patterns:
        pattern = info.pattern.none if isinstance(info.pattern, AbsencePattern) else info.pattern
        if isinstance(pattern, EvidencePattern):
            kinds.add(pattern.evidence)
        else:
            subjects.add(pattern.finding)
    return kinds, subjects


_CONES: PerRules[Cone] = PerRules(2048)


def cone_of(compiled: CompiledRuleset, kinds: frozenset[str]) -> Cone:
    """The cone of `kinds` in `compiled`, computed once per compiled rules and kinds."""
    return _CONES.get(compiled, kinds, lambda: _cone(compiled, kinds))


@dataclass(frozen=True)
class _Graph:
    """What each engine rule of a ruleset reads and concludes, and what each weighing reads."""

    reads: dict[str, tuple[frozenset[str], frozenset[str]]]  # rule -> (kinds, subjects)
    produced: dict[str, str]  # rule -> the subject it concludes (a term rule: its weighing's)
    weighing_reads: dict[str, frozenset[str]]  # weighing subject -> findings its terms read
    types: dict[str, frozenset[str]]  # rule -> the fact types it consumes


_GRAPHS: PerRules[_Graph] = PerRules(256)


def _graph(compiled: CompiledRuleset) -> _Graph:
    return _GRAPHS.get(compiled, None, lambda: _new_graph(compiled))


def _new_graph(compiled: CompiledRuleset) -> _Graph:
    rules = compiled.engine_rules
    weighing_subject = {p.weighing.id: p.weighing.weigh.conclude for p in compiled.weighings}
    reads = {}
    for name, rule in rules.items():
        kinds, subjects = _reads(rule)
        reads[name] = (frozenset(kinds), frozenset(subjects))
    return _Graph(
        reads,
        {name: _produces(rule, weighing_subject) for name, rule in rules.items()},
        {
            plan.weighing.weigh.conclude: frozenset(
                t.finding for t in plan.weighing.weigh.terms if t.finding
            )
            for plan in compiled.weighings
        },
        {name: _types(rule) for name, rule in rules.items()},
    )


def _cone(compiled: CompiledRuleset, kinds: frozenset[str]) -> Cone:
    graph = _graph(compiled)
    rules = compiled.engine_rules
    produced = graph.produced
    subjects: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, (read_kinds, read_subjects) in graph.reads.items():
            subject = produced[name]
            if subject not in subjects and (read_kinds & kinds or read_subjects & subjects):
                subjects.add(subject)
                changed = True
        for subject, read_subjects in graph.weighing_reads.items():
            if subject not in subjects and read_subjects & subjects:
                subjects.add(subject)
                changed = True
    names = sorted(name for name in rules if produced[name] in subjects)
    definition = {OPEN_TYPE: compiled.definition[OPEN_TYPE]}
    definition.update((name, compiled.definition[name]) for name in names)
    consumed: set[str] = {OPEN_TYPE}
    for name in names:
        consumed |= graph.types[name]
    digest = hashlib.sha256("\0".join([compiled.sha256, *names]).encode()).hexdigest()
    restricted = CompiledRuleset(
        name=f"cone@{digest[:12]}",
        year=compiled.year,
        definition=definition,
        engine_rules={name: rules[name] for name in names},
        strata=compiled.strata,
        consumed_types=frozenset(consumed),
        parameters=compiled.parameters,
        sha256=digest,
        rule_ids=compiled.rule_ids,
        weighings=[p for p in compiled.weighings if p.weighing.weigh.conclude in subjects],
    )
    return Cone(restricted, frozenset(subjects))


def _types(rule: EngineRule) -> frozenset[str]:
    """The fact types an engine rule consumes: what its patterns read, and the phase fact."""
    kinds, subjects = _reads(rule)
    types = {evidence_type(kind) for kind in kinds} | {conclusion_type(s) for s in subjects}
    if any(info.absent for info in rule.patterns):
        types.add(PHASE_TYPE)
    return frozenset(types)
