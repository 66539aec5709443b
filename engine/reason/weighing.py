"""A weighing's value and its whole computation, from its terms' matches and the findings drawn so
far: the engine runs it between negation phases, what-if and lint run it again.

Terms that match records add their points when they matched; terms that read a finding add the
points its value is worth (a range while the finding is still unknown); groups sum, or keep
their best or worst term, within a cap and a floor; bands turn the total into a value. A
weighing with evidence terms none of which matched is silent: its first silence case that
applies says what that means (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.reason.compiler import WeighingPlan

if TYPE_CHECKING:
    from engine.reason.inference import Derived

TermKey = tuple[str, int, bool]  # (weighing id, term or silence-case index, is a silence case)


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
    # Groups whose cap or floor changed their amount: name -> (amount before it, "cap" or
    # "floor", the bound), so that a reader adding up the terms sees why the group is less.
    bounded: dict[str, tuple[float, str, float]] = field(default_factory=dict)


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
    bounded = _bounded(spec, traces)
    return value, WeighingTrace(total, low, high, bands, groups, traces, silence, bounded)


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


def total_if(spec: Any, traces: list[TermTrace], index: int, points: float | None) -> float:
    """The weighing's lowest total were term `index` worth `points` (None: not counting), its
    groups' combination, caps and floors applied: what a change to that one term would really
    add, which its nominal points do not say once a group is capped or keeps only its best."""
    changed = [
        trace
        if trace.index != index
        else TermTrace(trace.index, trace.label, trace.group, points, points is not None, False)
        for trace in traces
    ]
    return _total(spec, changed, pick=0)[0]


def _bounded(spec: Any, traces: list[TermTrace]) -> dict[str, tuple[float, str, float]]:
    """The named groups whose cap or floor changed their (lowest) amount."""
    out: dict[str, tuple[float, str, float]] = {}
    for name, group in spec.groups.items():
        if group.cap is None and group.floor is None:
            continue
        values = [
            t.possible[0] if t.possible is not None else t.points
            for t in traces
            if t.group == name and (t.possible is not None or t.points is not None)
        ]
        combine = {"sum": sum, "max": max, "min": min}[group.combine]
        amount = float(combine(values)) if values else 0.0  # type: ignore[operator]
        if group.cap is not None and amount > group.cap:
            out[name] = (amount, "cap", float(group.cap))
        elif group.floor is not None and amount < group.floor:
            out[name] = (amount, "floor", float(group.floor))
    return out


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


def weighing_sentence(trace: WeighingTrace, value: str) -> str:
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
