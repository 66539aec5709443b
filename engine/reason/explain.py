"""Why and why-not: the justification graph, and the conditions that stand between a dossier
and a conclusion it did not reach.

The why-not analysis re-evaluates rule conditions against the final fact table in Python. It
uses the same semantics as the compiled rules (tests/test_core.py holds the two to each other:
every rule that fired must evaluate as satisfied here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import date_number
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    FindingPattern,
    InputFact,
    ParamRef,
    Pattern,
    Rule,
    ScalarValue,
    Weighing,
    alternatives,
    equals,
)
from engine.reason.inference import Derived, InferenceResult, describe_pattern, shown_value

MAX_DEPTH = 6


@dataclass
class Context:
    """What a condition is evaluated against: the year's rules and parameters, the final facts."""

    book: Rulebook
    year: int
    parameters: dict[str, ScalarValue | None]
    inputs: dict[str, InputFact]
    conclusions: dict[str, Derived]
    # The rules in force by what they conclude, each with its alternatives: why-not asks for
    # them again at every step of its search.
    _producers: dict[tuple[str, str], list[tuple[Rule, list[list[Pattern]]]]] | None = field(
        default=None, repr=False, compare=False
    )
    _by_kind: dict[str, list[InputFact]] | None = field(default=None, repr=False, compare=False)
    # What does not change while one assessment is explained, asked again at every step of the
    # search: whether a pattern holds, the tests a record fails, the weighings by subject.
    # Keyed by the pattern's id, with the pattern kept so that the id stays its own.
    _holds: dict[int, tuple[Pattern, bool]] = field(default_factory=dict, repr=False, compare=False)
    _failed: dict[tuple[int, str], tuple[Pattern, list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _weighings: dict[str, list[Weighing]] | None = field(default=None, repr=False, compare=False)

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
        if self._producers is None:
            self._producers = {}
            for rule in self.book.rules_in_force(self.year):
                key = (rule.then.conclude, rule.then.value)
                self._producers.setdefault(key, []).append((rule, _conjunctions(rule)))
        return self._producers.get((subject, value), [])

    def weighings_of(self, subject: str) -> list[Weighing]:
        """The weighings in force concluding `subject`, in rulebook order."""
        if self._weighings is None:
            self._weighings = {}
            for weighing in self.book.weighings_in_force(self.year):
                self._weighings.setdefault(weighing.concludes, []).append(weighing)
        return self._weighings.get(subject, [])


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
    for field_name in sorted(pattern.where):
        test = pattern.where[field_name]
        comparison = test if isinstance(test, Comparison) else equals(test)
        recorded = record.values.get(field_name)
        actual = _comparable(ctx.book, record.kind, field_name, recorded)
        for op, operand in comparison.operators():
            if op == "exists":
                ok = (recorded is not None) == bool(operand)
            elif actual is None:
                ok = False
            elif op == "in":
                ok = actual in [_comparable(ctx.book, record.kind, field_name, v) for v in operand]
            else:
                if isinstance(operand, ParamRef):
                    expected: Any = ctx.parameters.get(operand.param)
                elif isinstance(operand, FieldRef):
                    expected = _comparable(
                        ctx.book, record.kind, operand.field, record.values.get(operand.field)
                    )
                else:
                    expected = operand
                expected = _comparable(ctx.book, record.kind, field_name, expected)
                ok = _compare(op, actual, expected)
            if not ok:
                shown = "not recorded" if recorded is None else shown_value(recorded)
                failures.append(f"{_condition(pattern, field_name)} (recorded: {shown})")
                break
    return failures


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


@dataclass
class Obstacle:
    """One condition of a rule that does not hold, and what would have to change."""

    condition: str
    kind: str  # "evidence", "finding", "absence"
    detail: str
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    deeper: list[RuleGap] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "kind": self.kind,
            "detail": self.detail,
            "near_misses": self.near_misses,
            "blocking": self.blocking,
            "deeper": [gap.to_dict() for gap in self.deeper],
        }


@dataclass
class RuleGap:
    """A rule (or one alternative of it) that would reach the target but for its obstacles."""

    rule_id: str
    title: str
    citation: str
    alternative: int
    obstacles: list[Obstacle]
    satisfied: list[dict[str, str | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "title": self.title,
            "citation": self.citation,
            "alternative": self.alternative,
            "obstacles": [obstacle.to_dict() for obstacle in self.obstacles],
            "satisfied": self.satisfied,
        }


def _satisfied(ctx: Context, rule: Rule, patterns: list[Pattern]) -> list[dict[str, str | None]]:
    """The conditions of a rule that do hold, naming the finding each rests on."""
    out: list[dict[str, str | None]] = []
    for pattern in patterns:
        if _is_own_default(rule, pattern) or not holds(ctx, pattern):
            continue
        finding = pattern.finding if isinstance(pattern, FindingPattern) else None
        out.append({"condition": describe_pattern(pattern), "finding": finding})
    return out


def _obstacle(
    ctx: Context, pattern: Pattern, depth: int, seen: set[tuple[str, str]], max_depth: int
) -> Obstacle:
    condition = describe_pattern(pattern)
    if isinstance(pattern, AbsencePattern):
        inner = pattern.none
        if isinstance(inner, EvidencePattern):
            found = [record.record_id for record in matching_records(ctx, inner)]
            return Obstacle(
                condition, "absence", "contradicted by evidence on record", blocking=found
            )
        blocker = ctx.conclusions[inner.finding]
        return Obstacle(
            condition,
            "absence",
            f"'{inner.finding}' is {shown_value(blocker.value)}",
            blocking=[f"finding:{inner.finding}"],
        )
    if isinstance(pattern, EvidencePattern):
        same_kind = ctx.of_kind(pattern.evidence)
        if not same_kind:
            return Obstacle(condition, "evidence", f"no '{pattern.evidence}' record in the dossier")
        misses = [
            {"record": record.record_id, "failed": failed_tests(ctx, pattern, record)}
            for record in sorted(same_kind, key=lambda r: r.record_id)
        ]
        return Obstacle(
            condition,
            "evidence",
            f"{len(same_kind)} '{pattern.evidence}' record(s), none with the required values",
            near_misses=misses,
        )
    assert isinstance(pattern, FindingPattern)
    derived = ctx.conclusions.get(pattern.finding)
    actual = "not concluded" if derived is None else f"is {shown_value(derived.value)}"
    deeper: list[RuleGap] = []
    if depth < max_depth:
        for value in pattern.accepted() or []:
            deeper.extend(why_not(ctx, pattern.finding, value, depth + 1, seen, max_depth))
    return Obstacle(condition, "finding", f"'{pattern.finding}' {actual}", deeper=deeper)


def why_not(
    ctx: Context,
    subject: str,
    value: str,
    depth: int = 0,
    seen: set[tuple[str, str]] | None = None,
    max_depth: int = MAX_DEPTH,
) -> list[RuleGap]:
    """For each rule in force that would conclude subject=value, the conditions that failed."""
    seen = set() if seen is None else seen
    if (subject, value) in seen:
        return []
    seen = {*seen, (subject, value)}
    gaps: list[RuleGap] = []
    for weighing in ctx.weighings_of(subject):
        if value in [b.value for b in weighing.weigh.bands]:
            gap = _weighing_gap(ctx, weighing, value, depth, seen, max_depth)
            if gap is not None:
                gaps.append(gap)
    for rule, conjunctions in ctx.producers(subject, value):
        for number, patterns in enumerate(conjunctions):
            failed = [
                _obstacle(ctx, pattern, depth, seen, max_depth)
                for pattern in patterns
                if not holds(ctx, pattern) and not _is_own_default(rule, pattern)
            ]
            if failed:
                gaps.append(
                    RuleGap(
                        rule.id,
                        rule.title,
                        rule.citation,
                        number,
                        failed,
                        _satisfied(ctx, rule, patterns),
                    )
                )
            elif any(_is_own_default(rule, p) for p in patterns):
                gaps.append(
                    RuleGap(
                        rule.id,
                        rule.title,
                        rule.citation,
                        number,
                        [
                            Obstacle(
                                f"no other conclusion on '{subject}'",
                                "absence",
                                f"'{subject}' is {shown_value(ctx.conclusions[subject].value)}"
                                if subject in ctx.conclusions
                                else "",
                                blocking=[f"finding:{subject}"],
                            )
                        ],
                    )
                )
    return gaps


_KINDS_READ: dict[int, tuple[Any, list[str]]] = {}


def _kinds_read(when: Any) -> list[str]:
    """The evidence kinds a weighing term's condition reads, sorted (once per condition)."""
    found = _KINDS_READ.get(id(when))
    if found is None or found[0] is not when:
        if len(_KINDS_READ) > 4096:
            _KINDS_READ.clear()
        kinds = {
            p.evidence for alt in alternatives(when) for p in alt if isinstance(p, EvidencePattern)
        }
        found = _KINDS_READ[id(when)] = (when, sorted(kinds))
    return found[1]


def _weighing_gap(
    ctx: Context,
    weighing: Weighing,
    value: str,
    depth: int,
    seen: set[tuple[str, str]],
    max_depth: int,
) -> RuleGap | None:
    """What stands between a weighing's total and the band `value`: the points short, and
    the terms that could add them (evidence not on record, findings worth more)."""
    derived = ctx.conclusions.get(weighing.concludes)
    trace = None
    if derived is not None:
        trace = next((j.weighing for j in derived.justifications if j.weighing), None)
    if trace is None:
        return None
    minimum = next((m for v, m in trace.bands if v == value), None)
    if derived is not None and derived.value == value:
        return None
    total = trace.low
    if minimum is not None and total >= minimum:
        # Above the band: a lower value is not reached because the total exceeds it.
        return None
    short = None if minimum is None else minimum - total
    options: list[Obstacle] = []
    for term, spec in zip(trace.terms, weighing.weigh.terms, strict=True):
        if spec.when is not None:
            worth = float(spec.points)  # type: ignore[arg-type]
            if term.matched or worth <= 0:
                continue
            kinds = _kinds_read(spec.when)
            options.append(
                Obstacle(
                    f"{spec.label} (+{worth:g})",
                    "evidence",
                    f"no record satisfies it (kinds: {', '.join(kinds) or '-'}; "
                    f"`tip-assess rules show {weighing.id}` gives the conditions)",
                )
            )
            continue
        mapped = spec.points if isinstance(spec.points, dict) else {}
        current = term.points if term.points is not None else min(mapped.values(), default=0)
        better = sorted((p, v) for v, p in mapped.items() if p > current)
        if not better:
            continue
        next_points, next_value = better[0]
        deeper: list[RuleGap] = []
        if depth < max_depth and spec.finding:
            deeper = why_not(ctx, spec.finding, next_value, depth + 1, seen, max_depth)
        options.append(
            Obstacle(
                f"{spec.label}: '{next_value}' (+{next_points - current:g})",
                "finding",
                f"'{spec.finding}' is {shown_value(term.finding_value) if term.finding_value else 'not concluded'}",
                deeper=deeper,
            )
        )
    # The three options worth most, so that the answer stays readable.
    options = sorted(options, key=_option_worth, reverse=True)[:3]
    headline = Obstacle(
        f"at least {minimum:g} points" if minimum is not None else "the lowest band",
        "weighing",
        f"the total is {total:g}" + (f": {short:g} more needed" if short is not None else ""),
        deeper=[],
    )
    return RuleGap(
        weighing.id,
        weighing.title,
        weighing.citation,
        0,
        [headline, *options],
    )


def _option_worth(option: Obstacle) -> float:
    text = option.condition.rsplit("(+", 1)
    try:
        return float(text[1].rstrip(")")) if len(text) == 2 else 0.0
    except ValueError:
        return 0.0


def _is_own_default(rule: Rule, pattern: Pattern) -> bool:
    return (
        rule.otherwise
        and isinstance(pattern, AbsencePattern)
        and isinstance(pattern.none, FindingPattern)
        and pattern.none.finding == rule.then.conclude
        and pattern.none.accepted() is None
    )


def evidence_that_would_settle(ctx: Context, subject: str, unknown: list[str]) -> list[str]:
    """Evidence kinds the rules would read to give `subject` a known value.

    Follows findings down: a derived conclusion (e.g. one resting on criteria) is settled by
    the evidence its own premises would need.
    """
    kinds: set[str] = set()
    pending, visited = [subject], set()
    while pending:
        current = pending.pop()
        if current in visited:
            continue
        visited.add(current)
        for weighing in ctx.book.weighings_in_force(ctx.year):
            if weighing.concludes != current:
                continue
            for term in weighing.weigh.terms:
                if term.when is not None:
                    for alt in alternatives(term.when):
                        kinds.update(p.evidence for p in alt if isinstance(p, EvidencePattern))
                elif term.finding:
                    derived = ctx.conclusions.get(term.finding)
                    if derived is None or derived.value in unknown:
                        pending.append(term.finding)
        for rule in ctx.book.rules_in_force(ctx.year):
            if rule.then.conclude != current or rule.then.value in unknown:
                continue
            for patterns in rule.alternatives():
                for pattern in patterns:
                    if isinstance(pattern, EvidencePattern):
                        kinds.add(pattern.evidence)
                    elif isinstance(pattern, FindingPattern):
                        derived = ctx.conclusions.get(pattern.finding)
                        if derived is None or derived.value in unknown:
                            pending.append(pattern.finding)
    # Kinds the engine makes itself (the dossier header, the history) are not evidence to seek.
    return sorted(kind for kind in kinds if not ctx.book.kinds[kind].generated)
