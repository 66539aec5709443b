"""Why and why-not: the justification graph, and the conditions that stand between a dossier
and a conclusion it did not reach.

The why-not analysis re-evaluates rule conditions against the final fact table in Python
(`reason/evaluate.py`, which reads them as the compiled rules do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.models import (
    AbsencePattern,
    EvidencePattern,
    FindingPattern,
    Pattern,
    Rule,
    Weighing,
    alternatives,
)
from engine.reason.describe import describe_pattern, shown_value
from engine.reason.evaluate import Context, failed_tests, holds, matching_records
from engine.reason.weighing import WeighingTrace, total_if

MAX_DEPTH = 6
MAX_OPTIONS = 3  # ways to add points shown for a weighing short of a band


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
    if minimum is None:
        return _lowest_band_gap(weighing, trace)
    if total >= minimum:
        # Above the band: a lower value is not reached because the total exceeds it.
        return None
    short = minimum - total
    options: list[tuple[float, Obstacle]] = []
    rules = weighing.weigh
    for term, spec in zip(trace.terms, rules.terms, strict=True):
        if spec.circumstance:  # not the government's to change
            continue
        if spec.when is not None:
            worth = float(spec.points)  # type: ignore[arg-type]
            if term.matched and worth < 0:  # a penalty: what it costs once gone
                gain = total_if(rules, trace.terms, term.index, None) - total
                if gain > 0:
                    options.append((gain, _penalty_gone(spec.label, gain, term.premises)))
                continue
            if term.matched or worth <= 0:
                continue
            gain = total_if(rules, trace.terms, term.index, worth) - total
            if gain <= 0:  # its group is capped, or keeps a better term already
                continue
            kinds = _kinds_read(spec.when)
            options.append(
                (
                    gain,
                    Obstacle(
                        f"{spec.label} (+{gain:g})",
                        "evidence",
                        f"no record satisfies it (kinds: {', '.join(kinds) or '-'}; "
                        f"`tip-assess rules show {weighing.id}` gives the conditions)",
                    ),
                )
            )
            continue
        if term.possible is not None:  # unknown: the evidence still needed says what settles it
            continue
        mapped = spec.points if isinstance(spec.points, dict) else {}
        current = term.points if term.points is not None else min(mapped.values(), default=0)
        # The least better value of the finding that closes the gap alone, else the one that
        # adds most (the least of equals).
        better = sorted((p, v) for v, p in mapped.items() if p > current)
        gained = [
            (total_if(rules, trace.terms, term.index, float(points)) - total, value)
            for points, value in better
        ]
        adding = [(gain, value) for gain, value in gained if gain > 0]
        if not adding:
            continue
        closing = [(gain, value) for gain, value in adding if gain >= short]
        gain, next_value = closing[0] if closing else max(adding, key=lambda o: o[0])
        deeper: list[RuleGap] = []
        if depth < max_depth and spec.finding:
            deeper = why_not(ctx, spec.finding, next_value, depth + 1, seen, max_depth)
        options.append(
            (
                gain,
                Obstacle(
                    f"{spec.label}: '{next_value}' (+{gain:g})",
                    "finding",
                    f"'{spec.finding}' is {shown_value(term.finding_value) if term.finding_value else 'not concluded'}",
                    deeper=deeper,
                ),
            )
        )
    # The options that add most, so that the answer stays readable; among equals a stated
    # failing of the government's own (a penalty) first, then a criterion, then evidence.
    order = {"absence": 0, "finding": 1, "evidence": 2}
    options.sort(key=lambda o: (-o[0], order[o[1].kind]))
    ranked = [option for _, option in options[:MAX_OPTIONS]]
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
        [headline, *ranked],
    )


def _lowest_band_gap(weighing: Weighing, trace: WeighingTrace) -> RuleGap | None:
    """The lowest band is reached only below the band above it: no way to add points, just
    the total (or the range still open) against that line."""
    ceiling = min((m for _, m in trace.bands if m is not None), default=None)
    if ceiling is None:
        return None
    if trace.silence is not None:
        detail = f"no evidence term applies: {trace.silence}"
    elif trace.low == trace.high:
        detail = f"the total is {trace.total:g}"
    else:
        detail = f"the total could be {trace.low:g} to {trace.high:g}"
    headline = Obstacle(f"fewer than {ceiling:g} points", "weighing", detail)
    return RuleGap(weighing.id, weighing.title, weighing.citation, 0, [headline])


def _penalty_gone(label: str, gain: float, records: list[str]) -> Obstacle:
    """A term that takes points away, as a way up: the records that make it count."""
    return Obstacle(
        f"an end to: {label} (+{gain:g})",
        "absence",
        "it is on record, and counts against the total",
        blocking=records,
    )


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
