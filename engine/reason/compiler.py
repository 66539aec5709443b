"""Rules in force for one report year -> a durable_rules ruleset definition (plain data).

The compiler is pure Python and never touches the engine. It resolves parameters for the year,
splits `any` into one engine rule per alternative, orders equality tests before range tests,
stratifies negation (a rule that tests for the absence of a conclusion waits for a phase fact
asserted after every producer of that conclusion has finished), and checks the engine's hard
limits before the C core could hang or crash on them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.errors import InputError, Problem
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import (
    AbsencePattern,
    AllOf,
    Comparison,
    Conclusion,
    EvidencePattern,
    FieldRef,
    FindingPattern,
    ParamRef,
    Pattern,
    PositivePattern,
    Rule,
    ScalarValue,
    Weighing,
    equals,
    no_conclusion,
)

OPEN_TYPE = "$open"
PHASE_TYPE = "$phase"
MAX_PATTERNS = 15  # durable_rules: at most 16 facts in one `all`, one is the phase fact
MAX_IDENTICAL_FIRST_TESTS = 250  # durable_rules: 255 rules on one alpha node -> error 108
MAX_TYPES = 500  # durable_rules: 512 equality children of one node -> infinite loop


def evidence_type(kind: str) -> str:
    return f"e.{kind}"


def conclusion_type(subject: str) -> str:
    return f"c.{subject}"


@dataclass(frozen=True)
class PatternInfo:
    """How a compiled pattern maps back to the YAML pattern it came from."""

    alias: str
    pattern: Pattern
    absent: bool


@dataclass(frozen=True)
class TermRole:
    """Marks an engine rule that matches one term (or one silence case) of a weighing."""

    weighing: str
    index: int
    silent: bool = False


@dataclass(frozen=True)
class EngineRule:
    """One durable_rules rule: a YAML rule, or one alternative of a YAML rule with `any`.

    An engine rule with a `role` matches a term of a weighing: its firings record which records
    satisfy the term; the weighing itself is computed by the host between negation phases.
    """

    name: str
    rule: Rule
    alternative: int
    patterns: tuple[PatternInfo, ...]
    stratum: int
    role: TermRole | None = None


@dataclass(frozen=True)
class WeighingPlan:
    """A weighing in force for the year: when it is computed and its thresholds for the year."""

    weighing: Weighing
    stratum: int
    thresholds: tuple[float | None, ...]


@dataclass
class CompiledRuleset:
    """The engine definition for one report year, and the tables to interpret its firings."""

    name: str
    year: int
    definition: dict[str, Any]
    engine_rules: dict[str, EngineRule]
    strata: int
    consumed_types: frozenset[str]
    parameters: dict[str, ScalarValue | None]
    sha256: str
    rule_ids: list[str] = field(default_factory=list)
    weighings: list[WeighingPlan] = field(default_factory=list)

    @cached_property
    def phases_read(self) -> frozenset[int]:
        """The negation phases some rule waits for (a rule with an absence, at its stratum).
        Weighings are computed between phases whether or not a rule waits for one."""
        return frozenset(
            rule.stratum
            for rule in self.engine_rules.values()
            if any(info.absent for info in rule.patterns)
        )


def _operand_value(book: Rulebook, kind_name: str, field_name: str, operand: Any, year: int) -> Any:
    spec = book.kinds[kind_name].fields[field_name]
    if isinstance(operand, ParamRef):
        return engine_value(spec, book.parameters[operand.param].value_for(year))
    if isinstance(operand, FieldRef):
        return {"$m": operand.field}
    return engine_value(spec, operand)


_RANGE_OPS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _evidence_tests(book: Rulebook, pattern: EvidencePattern, year: int) -> list[dict[str, Any]]:
    equal: list[dict[str, Any]] = [{"t": evidence_type(pattern.evidence)}]
    other: list[dict[str, Any]] = []
    for field_name in sorted(pattern.where):
        test = pattern.where[field_name]
        comparison = test if isinstance(test, Comparison) else equals(test)
        # A comparison with another field of the record holds only when that field is recorded
        # (as lint and the explanation read it): durable_rules, comparing with a field the fact
        # lacks, reads memory it never wrote (docs/durable-rules-notes.md), so the field's
        # presence is tested first.
        for referenced in _referenced_fields(comparison):
            if {"$ex": {referenced: 1}} not in other:
                other.append({"$ex": {referenced: 1}})
        for op, operand in comparison.operators():
            if op == "exists":
                other.append({"$ex" if operand else "$nex": {field_name: 1}})
            elif op == "in":
                values = [
                    _operand_value(book, pattern.evidence, field_name, item, year)
                    for item in operand
                ]
                other.append({"$or": [{field_name: value} for value in values]})
            elif op == "eq":
                value = _operand_value(book, pattern.evidence, field_name, operand, year)
                (other if isinstance(value, dict) else equal).append({field_name: value})
            else:
                value = _operand_value(book, pattern.evidence, field_name, operand, year)
                other.append({_RANGE_OPS[op]: {field_name: value}})
    return equal + other


def _referenced_fields(comparison: Comparison) -> list[str]:
    """The other fields of the record a comparison reads (`{field: name}` operands)."""
    found: list[str] = []
    for op, operand in comparison.operators():
        for item in operand if op == "in" else [operand]:
            if isinstance(item, FieldRef) and item.field not in found:
                found.append(item.field)
    return found


def _finding_tests(pattern: FindingPattern) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = [{"t": conclusion_type(pattern.finding)}]
    accepted = pattern.accepted()
    if accepted is not None and len(accepted) == 1:
        tests.append({"value": accepted[0]})
    elif accepted:
        tests.append({"$or": [{"value": value} for value in accepted]})
    return tests


def _tests(book: Rulebook, pattern: PositivePattern, year: int) -> dict[str, Any]:
    if isinstance(pattern, EvidencePattern):
        tests = _evidence_tests(book, pattern, year)
    else:
        tests = _finding_tests(pattern)
    return tests[0] if len(tests) == 1 else {"$and": tests}


def stratify(rules: list[Rule]) -> dict[str, int]:
    """Negation strata: a rule testing for an absent conclusion runs after all its producers.

    Absent evidence needs stratum 1 at least: every input is asserted before phase 1.
    Raises InputError if conclusions depend on their own absence (not stratifiable).
    """
    producers: dict[str, list[str]] = {}
    defaults: dict[str, set[str]] = {}
    for rule in rules:
        producers.setdefault(rule.then.conclude, []).append(rule.id)
        if rule.otherwise:
            defaults.setdefault(rule.then.conclude, set()).add(rule.id)
    level = dict.fromkeys((rule.id for rule in rules), 0)
    changed: list[str] = []
    for _ in range(len(rules) + 2):
        changed = []
        for rule in rules:
            need = level[rule.id]
            for patterns in rule.alternatives():
                for pattern in patterns:
                    absent = isinstance(pattern, AbsencePattern)
                    positive = pattern.none if isinstance(pattern, AbsencePattern) else pattern
                    # Any absence waits for phase 1 at least: phase facts are numbered from 1,
                    # so a negated conclusion with no other producer must not stay at level 0.
                    need = max(need, 1 if absent else 0)
                    if isinstance(positive, EvidencePattern):
                        continue
                    for producer in producers.get(positive.finding, []):
                        if (
                            absent
                            and rule.otherwise
                            and producer in defaults.get(positive.finding, ())
                        ):
                            continue  # an `otherwise` rule waits for the other producers only
                        need = max(need, level[producer] + (1 if absent else 0))
            if need > level[rule.id]:
                level[rule.id] = need
                changed.append(rule.id)
        if not changed:
            return level
    cyclic = sorted(changed)
    raise InputError(
        [
            Problem(
                "rules",
                None,
                "when",
                "conclusions depend on their own absence (negation cycle); "
                f"rules involved: {', '.join(cyclic) or 'unknown'}",
            )
        ]
    )


def term_subject(weighing: Weighing, index: int, silent: bool = False) -> str:
    """The internal subject a term's engine rule concludes (never asserted into the engine)."""
    return f"{weighing.concludes}#{weighing.id}#{'s' if silent else 't'}{index}"


_EXPANDED: dict[int, tuple[Weighing, tuple[list[Rule], Rule]]] = {}


def expand_weighing(weighing: Weighing) -> tuple[list[Rule], Rule]:
    """A weighing as engine rules for its evidence terms and silence cases, plus the node that
    stands for the weighing itself in stratification (it needs every term settled first).
    Made once per weighing in a process (each era's compile expands the same weighings)."""
    found = _EXPANDED.get(id(weighing))
    if found is None or found[0] is not weighing:
        if len(_EXPANDED) > 1024:
            _EXPANDED.clear()
        found = _EXPANDED[id(weighing)] = (weighing, _expand(weighing))
    matchers, node = found[1]
    return list(matchers), node


def _expand(weighing: Weighing) -> tuple[list[Rule], Rule]:
    spec = weighing.weigh
    matchers: list[Rule] = []
    waits: list[Pattern] = []
    for index, term in enumerate(spec.terms):
        if term.when is None:
            waits.append(_waits_for(term.finding or ""))
            continue
        subject = term_subject(weighing, index)
        matchers.append(_matcher(weighing, f"#t{index}", subject, term.when))
        waits.append(_waits_for(subject))
    for index, case in enumerate(spec.silent):
        if case.when is None:
            continue
        subject = term_subject(weighing, index, silent=True)
        matchers.append(_matcher(weighing, f"#s{index}", subject, case.when))
        waits.append(_waits_for(subject))
    node = Rule.model_construct(
        id=weighing.id,
        title=weighing.title,
        citation=weighing.citation,
        text=weighing.text,
        in_force=weighing.in_force,
        when=AllOf.model_construct(all=waits) if waits else None,
        then=Conclusion.model_construct(conclude=spec.conclude, value=""),
        otherwise=False,
        explain=None,
        **_no_defaults(),
    )
    return matchers, node


def _no_defaults(verified: bool = True) -> dict[str, Any]:
    """The other fields of an internal rule, given outright: `model_construct` would otherwise
    call each default factory, inspecting its signature every time."""
    return {
        "status": "stable",
        "verified": verified,
        "note": None,
        "references": [],
        "examples": [],
        "changelog": [],
    }


def _waits_for(subject: str) -> AbsencePattern:
    """Stratification only: the weighing runs after every producer of `subject` has finished."""
    return no_conclusion(subject)


def _matcher(weighing: Weighing, suffix: str, subject: str, condition: Any) -> Rule:
    return Rule.model_construct(
        id=f"{weighing.id}{suffix}",
        title=weighing.title,
        citation=weighing.citation,
        text=weighing.text,
        in_force=weighing.in_force,
        when=condition,
        then=Conclusion.model_construct(conclude=subject, value="matched"),
        otherwise=False,
        explain=None,
        **_no_defaults(weighing.verified),
    )


def _threshold(book: Rulebook, value: Any, year: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, ParamRef):
        resolved = book.parameters[value.param].value_for(year)
        return None if resolved is None else float(resolved)
    return float(value)


def compile_year(book: Rulebook, year: int) -> CompiledRuleset:
    """Compile the rules in force for `year`; raise InputError on anything the engine can't take."""
    rules = book.rules_in_force(year)
    weighings = book.weighings_in_force(year)
    roles: dict[str, TermRole] = {}
    matchers: list[Rule] = []
    nodes: list[Rule] = []
    for weighing in weighings:
        terms, node = expand_weighing(weighing)
        for matcher in terms:
            tag = matcher.id.rpartition("#")[2]
            roles[matcher.id] = TermRole(weighing.id, int(tag[1:]), tag.startswith("s"))
        matchers.extend(terms)
        nodes.append(node)
    problems: list[Problem] = []
    strata = stratify([*rules, *matchers, *nodes])
    definition: dict[str, Any] = {OPEN_TYPE: {"all": [{"m": {"t": OPEN_TYPE}}], "run": OPEN_TYPE}}
    engine_rules: dict[str, EngineRule] = {}
    consumed: set[str] = set()
    first_tests: Counter[str] = Counter()
    for number, rule in enumerate([*rules, *matchers]):
        origin = book.origins.get(rule.id) or book.origins.get(
            roles[rule.id].weighing if rule.id in roles else ""
        )
        alts = rule.alternatives()
        for alt_index, patterns in enumerate(alts):
            name = f"r{number}" if len(alts) == 1 else f"r{number}_{alt_index}"
            if len(patterns) > MAX_PATTERNS:
                problems.append(
                    Problem(
                        origin.file if origin else book.root,
                        origin.line if origin else None,
                        "when",
                        f"at most {MAX_PATTERNS} patterns per alternative (engine limit)",
                        rule.id,
                    )
                )
                continue
            sequence: list[dict[str, Any]] = []
            negated: list[dict[str, Any]] = []
            infos: list[PatternInfo] = []
            has_absence = any(isinstance(p, AbsencePattern) for p in patterns)
            if has_absence:
                sequence.append({"ph": {"$and": [{"t": PHASE_TYPE}, {"n": strata[rule.id]}]}})
            for index, pattern in enumerate(patterns):
                if isinstance(pattern, AbsencePattern):
                    alias = f"n{index}"
                    tests = _tests(book, pattern.none, year)
                    negated.append({f"{alias}$not": tests})
                    consumed.add(_type_of(pattern.none))
                    infos.append(PatternInfo(alias, pattern, True))
                else:
                    alias = pattern.binding or f"p{index}"
                    tests = _tests(book, pattern, year)
                    sequence.append({alias: tests})
                    consumed.add(_type_of(pattern))
                    infos.append(PatternInfo(alias, pattern, False))
            # durable_rules never lets a `$not` see a fact already bound by an earlier pattern of
            # the same rule (measured: "positive record X, no record with Y" fired when X's own
            # record had Y). Absences therefore go right after the phase fact, before positives.
            sequence[1:1] = negated
            if has_absence:
                consumed.add(PHASE_TYPE)
            first = sequence[0]
            first_tests[json.dumps(next(iter(first.values())), sort_keys=True)] += 1
            definition[name] = {"all": sequence, "run": name}
            engine_rules[name] = EngineRule(
                name, rule, alt_index, tuple(infos), strata[rule.id], roles.get(rule.id)
            )
    for first_test, count in first_tests.items():
        if count > MAX_IDENTICAL_FIRST_TESTS:
            problems.append(
                Problem(
                    book.root,
                    None,
                    None,
                    f"{count} rules share the first test {first_test}; "
                    f"the engine takes at most {MAX_IDENTICAL_FIRST_TESTS}",
                )
            )
    types = {t for t in consumed if not t.startswith("$")}
    if len(types) > MAX_TYPES:
        problems.append(
            Problem(
                book.root,
                None,
                None,
                f"{len(types)} distinct fact types; the engine takes at most {MAX_TYPES}",
            )
        )
    if problems:
        raise InputError(problems)
    plans = [
        WeighingPlan(
            weighing,
            strata[weighing.id],
            tuple(_threshold(book, band.min, year) for band in weighing.weigh.bands),
        )
        for weighing in weighings
    ]
    computed = [
        {
            "id": plan.weighing.id,
            "stratum": plan.stratum,
            "thresholds": plan.thresholds,
            "weigh": book.weigh_data(plan.weighing),
        }
        for plan in plans
    ]
    canonical = json.dumps(
        {"engine": definition, "weighings": computed}, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return CompiledRuleset(
        name=f"{book.info.name}-{year}@{digest[:12]}",
        year=year,
        definition=definition,
        engine_rules=engine_rules,
        strata=max(strata.values(), default=0),
        consumed_types=frozenset(consumed),
        parameters=book.parameter_values(year),
        sha256=digest,
        rule_ids=[rule.id for rule in rules] + [w.id for w in weighings],
        weighings=plans,
    )


def _type_of(pattern: PositivePattern) -> str:
    if isinstance(pattern, EvidencePattern):
        return evidence_type(pattern.evidence)
    return conclusion_type(pattern.finding)
