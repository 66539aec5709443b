"""A cone's conclusions recomputed in Python after one record changes: how the what-if sweep
answers most of its probes without a durable_rules session.

A probe of the sweep changes one record (removed, or given other values). Only the subjects in
the cone of its kind can change (`engine.reason.cone`); every other conclusion is the base
run's. The rule language makes the rest a small computation: a pattern reads one fact (no
joins), so a conclusion depends only on which patterns hold, not on how many facts match them;
negation is stratified. So:
- the evidence patterns on the changed kind that now hold otherwise are found (the records the
  change leaves alone are read as the base run read them, once per sweep); none: the run draws
  the base conclusions;
- else the subjects and weighing terms they feed are recomputed from their producers, in an
  order where each comes after all it reads, and so on to the readers of each value that
  changed (`Recomputer._reached`). A subject takes the value its rules that hold conclude, a
  weighing's value weighed again, or, when nothing else concludes it, its `otherwise` rules';
- where findings read each other in a cycle (a value could keep itself up), the whole cone is
  recomputed instead, stratum by stratum, each to its fixpoint, each weighing weighed before
  the rules of its stratum, as the host does between phases (`Recomputer._whole`).
Whether a record matches a pattern is the explanation's reading (`engine.reason.evaluate`, held
to durable_rules by tests/test_differential.py).

It declines (None) where the final facts could depend on the order of firings: a conflict, or
`otherwise` rules of one subject that conclude different values and could each have fired
first; the sweep then runs the engine. Tests hold it to the engine on every probe of the corpus
sweeps and on random dossiers and changes.
"""

from __future__ import annotations

import heapq

from engine.models import EvidencePattern
from engine.reason.cone import Cone
from engine.reason.evaluate import Context, record_matches
from engine.reason.inference import InferenceResult
from engine.reason.recompute_plan import Changed, Plan, PreparedRule, plan_for, term_keys
from engine.reason.weighing import TermKey, weighed_value


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
        self._values: dict[str, str] | None = None  # every conclusion of the base run
        self._matches: dict[int, tuple[EvidencePattern, frozenset[str]]] = {}

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
        plan = plan_for(cone.compiled, frozenset(kinds))
        seen: dict[int, bool] = {}  # evidence pattern -> whether it holds in this probe
        if plan.order is None:
            return self._whole(cone, plan, changed, seen)
        return self._reached(plan, changed, seen)

    def _reached(
        self, plan: Plan, changed: Changed, seen: dict[int, bool]
    ) -> dict[str, str] | None:
        """The cone recomputed from the base run's conclusions, only where the change reaches:
        the nodes fed by a pattern that now holds otherwise, then, in order, the readers of
        each node whose value changed."""
        assert plan.order is not None
        due: list[int] = []
        for pattern in plan.patterns:
            if self._evidence(pattern, changed, seen) != bool(self._base_matches(pattern)):
                due.extend(plan.fed[id(pattern)])
        model = self._base_values()
        if not due:
            return model
        terms: dict[TermKey, bool] = {}  # the terms whose match changed
        heapq.heapify(due)
        done = -1
        while due:
            at = heapq.heappop(due)
            if at == done:
                continue  # queued twice
            done = at
            node = plan.order[at]
            if isinstance(node, tuple):
                now = any(
                    self._holds(r, model, changed, seen, False) for r in plan.term_rules[node]
                )
                if now == terms.get(node, self._base_term(node)):
                    continue
                terms[node] = now
            else:
                found = self._value(plan, node, model, changed, seen, terms)
                if found is None:
                    return None
                value = found[0]
                if value == model.get(node):
                    continue
                if value is None:
                    del model[node]
                else:
                    model[node] = value
            for reader in plan.readers.get(node, ()):
                heapq.heappush(due, reader)
        return model

    def _value(
        self,
        plan: Plan,
        subject: str,
        model: dict[str, str],
        changed: Changed,
        seen: dict[int, bool],
        terms: dict[TermKey, bool],
    ) -> tuple[str | None] | None:
        """`(value,)` of a subject from its producers as they now hold (None: not concluded),
        or None when they conclude different values (a conflict, or `otherwise` rules that
        could each fire first)."""
        values = {
            rule.value
            for rule in plan.producers.get(subject, ())
            if self._holds(rule, model, changed, seen, False)
        }
        weighing = plan.weighing_of.get(subject)
        if weighing is not None:
            hits: dict[TermKey, list[list[str]]] = {
                key: [[]] for key in term_keys(weighing) if terms.get(key, self._base_term(key))
            }
            values.add(weighed_value(weighing, hits, _Read(model), self.unknown))  # type: ignore[arg-type]
        if not values:  # the `otherwise` rules fire: nothing else concluded the subject
            values = {
                rule.value
                for rule in plan.defaults.get(subject, ())
                if self._holds(rule, model, changed, seen, False)
            }
        if len(values) > 1:
            return None
        return (next(iter(values), None),)

    def _base_term(self, key: TermKey) -> bool:
        return bool(self.base.term_hits.get(key))

    def _base_values(self) -> dict[str, str]:
        if self._values is None:
            self._values = {s: d.value for s, d in self.base.conclusions.items()}
        return dict(self._values)

    def _whole(
        self, cone: Cone, plan: Plan, changed: Changed, seen: dict[int, bool]
    ) -> dict[str, str] | None:
        """The whole cone recomputed, stratum by stratum, each to its fixpoint."""
        model = dict(self._outside_of(cone))
        hits: dict[TermKey, list[list[str]]] = {}
        for stratum in plan.strata:
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
        defaults: tuple[PreparedRule, ...],
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
        rule: PreparedRule,
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
        matches = self._base_matches
        for pattern in rule.fixed:
            if not matches(pattern):
                return False
        for pattern in rule.absent_fixed:
            if matches(pattern):
                return False
        for pattern in rule.evidence:
            if not self._evidence(pattern, changed, seen):
                return False
        for pattern in rule.absent_evidence:  # noqa: SIM110 (a loop: no generator per call)
            if self._evidence(pattern, changed, seen):
                return False
        return True

    def _evidence(self, pattern: EvidencePattern, changed: Changed, seen: dict[int, bool]) -> bool:
        """Whether a record of a changed kind matches the pattern in this probe."""
        key = id(pattern)
        found = seen.get(key)
        if found is not None:
            return found
        found = False
        for record_id in self._base_matches(pattern):
            if record_id not in changed:
                found = True
                break
        else:
            for new in changed.values():
                if new is not None and record_matches(self.context, pattern, new):
                    found = True
                    break
        seen[key] = found
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

    def _base_matches(self, pattern: EvidencePattern) -> frozenset[str]:
        """The base run's records that match the pattern (once per sweep)."""
        found = self._matches.get(id(pattern))
        if found is not None and found[0] is pattern:
            return found[1]
        context = self.context
        ids = frozenset(
            record.record_id
            for record in context.of_kind(pattern.evidence)
            if record_matches(context, pattern, record)
        )
        self._matches[id(pattern)] = (pattern, ids)
        return ids


def _conclude(model: dict[str, str], subject: str, value: str) -> bool:
    """Record a conclusion; False on a conflict (which value the engine keeps depends on the
    order of firings)."""
    existing = model.get(subject)
    if existing is None:
        model[subject] = value
        return True
    return existing == value
