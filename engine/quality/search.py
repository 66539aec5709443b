"""Generated dossiers for lint: witnesses built backwards from each rule's conditions.

Reachability and conflicts are searched with generated dossiers: witnesses built backwards from
each rule's conditions (and from the rules' own examples), confirmed by running them through the
engine. Lint then mixes them with random dossiers drawn from a seeded generator.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.load.rulebook import Rulebook
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    FieldRef,
    FieldSpec,
    FindingPattern,
    ParamRef,
    Pattern,
    Rule,
    Weighing,
    alternatives,
)
from engine.quality.examples import CaseRecord, CaseResult, case_inputs, run_case

MAX_CANDIDATES = 80  # witnesses tried per (era, placement) before it is called unreachable


def _default(spec: FieldSpec) -> Any:
    if spec.type == "boolean":
        return False
    if spec.type in ("integer", "number"):
        return 0
    if spec.type == "enum":
        return (spec.values or [""])[0]
    if spec.type == "date":
        return "2000-01-01"
    return "generated"


def _operand(book: Rulebook, year: int, operand: Any, record: dict[str, Any]) -> Any:
    if isinstance(operand, ParamRef):
        return book.parameters[operand.param].value_for(year)
    if isinstance(operand, FieldRef):
        return record.get(operand.field)
    return operand


def _other(spec: FieldSpec, value: Any) -> Any:
    """A value of the field's type that differs from `value`."""
    if spec.type == "boolean":
        return not value
    if spec.type == "enum":
        return next((v for v in spec.values or [] if v != value), value)
    if spec.type in ("integer", "number") and isinstance(value, int | float):
        return value + 1
    return f"{value}-other"


def satisfying_record(book: Rulebook, pattern: EvidencePattern, year: int) -> CaseRecord:
    """A record of the pattern's kind that passes its where-tests (best effort; the engine judges)."""
    kind = book.kinds[pattern.evidence]
    record: dict[str, Any] = {}
    # Fields compared with another field of the record go last, once their partner has a value.
    ordered = sorted(
        pattern.where.items(),
        key=lambda item: (
            isinstance(item[1], Comparison)
            and any(isinstance(op, FieldRef) for _, op in item[1].operators())
        ),
    )
    for name, test in ordered:
        spec = kind.fields[name]
        comparison = test if isinstance(test, Comparison) else Comparison(eq=test)
        for op, operand in comparison.operators():
            if isinstance(operand, FieldRef) and operand.field not in record:
                record[operand.field] = _default(kind.fields[operand.field])
            value = _operand(book, year, operand, record)
            if op == "exists":
                if operand:
                    record.setdefault(name, _default(spec))
                else:
                    record.pop(name, None)
            elif op == "in":
                record[name] = next(iter(operand))
            elif op in ("eq", "gte", "lte"):
                record[name] = value
            elif op == "gt":
                record[name] = value + 1
            elif op == "lt":
                record[name] = value - 1
            elif op == "ne":
                record[name] = _other(spec, value)
    for name, spec in kind.fields.items():
        if spec.required and name not in record:
            record[name] = _default(spec)
    return CaseRecord(pattern.evidence, record)


@dataclass
class Search:
    """Backward construction of dossiers that reach a conclusion, for one year's rules."""

    book: Rulebook
    year: int
    examples: dict[str, list[list[CaseRecord]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rules = self.book.rules_in_force(self.year)
        self.weighings = self.book.weighings_in_force(self.year)
        self._memo: dict[tuple[str, str, int], list[list[CaseRecord]]] = {}
        for rule in self.rules:
            self.examples[rule.id] = [
                [CaseRecord(entry["kind"], entry.get("values", {})) for entry in example.evidence]
                for example in rule.examples
                if example.expect == "fires"
                and all(entry.get("kind") in self.book.kinds for entry in example.evidence)
            ]

    def producers(self, subject: str, value: str | None = None) -> list[Rule]:
        found = [
            rule
            for rule in self.rules
            if rule.then.conclude == subject and (value is None or rule.then.value == value)
        ]
        return sorted(found, key=lambda rule: rule.otherwise)

    def reach(self, subject: str, value: str, depth: int = 0) -> list[list[CaseRecord]]:
        """Record sets that may make some rule conclude subject = value (to be confirmed by a run)."""
        key = (subject, value, depth)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = []  # guards against cycles through findings
        found: list[list[CaseRecord]] = []
        if depth <= 8:
            for weighing in self.weighings:
                if weighing.concludes == subject and value in weighing.values():
                    found.extend(self._weigh_towards(weighing, value, depth))
            for rule in self.producers(subject, value):
                for patterns in rule.alternatives():
                    found.extend(itertools.islice(self._satisfy(rule, patterns, depth), 12))
                found.extend(self._from_examples(rule, depth))
        # Confirm candidates with the engine, so that callers combine ones that really work.
        confirmed: list[list[CaseRecord]] = []
        rest: list[list[CaseRecord]] = []
        for records in unique_sets(found)[:MAX_CANDIDATES]:
            if (
                len(confirmed) < 3
                and run_records(self.book, self.year, records).value(subject) == value
            ):
                confirmed.append(records)
            else:
                rest.append(records)
        self._memo[key] = confirmed + rest
        return self._memo[key]

    def _weigh_towards(self, weighing: Weighing, value: str, depth: int) -> list[list[CaseRecord]]:
        """Record sets that may bring a weighing to `value`: its examples, then the terms worth
        most added one by one (each evidence term by a record that satisfies it, each finding
        term by a dossier reaching its best value), and the terms worth least."""
        out: list[list[CaseRecord]] = []
        for example in weighing.examples:
            if example.expect != value:
                continue
            options: list[list[list[CaseRecord]]] = [
                [[CaseRecord(e["kind"], e.get("values", {})) for e in example.evidence]]
            ]
            for subject, given in example.findings.items():
                options.append(self.reach(subject, given, depth + 1)[:2] or [[]])
            for combo in itertools.islice(itertools.product(*options), 4):
                out.append([record for part in combo for record in part])
        pieces: list[tuple[float, list[CaseRecord]]] = []
        for term in weighing.weigh.terms:
            if term.when is not None:
                patterns = alternatives(term.when)[0]
                records = [
                    satisfying_record(self.book, p, self.year)
                    for p in patterns
                    if isinstance(p, EvidencePattern)
                ]
                pieces.append((float(term.points), records))  # type: ignore[arg-type]
                continue
            mapped = term.points if isinstance(term.points, dict) else {}
            for given, points in sorted(mapped.items(), key=lambda item: -item[1])[:1]:
                reached = self.reach(term.finding or "", given, depth + 1)[:1]
                pieces.append((float(points), reached[0] if reached else []))
        best_first = sorted(pieces, key=lambda piece: -piece[0])
        worst_first = sorted(pieces, key=lambda piece: piece[0])
        out.append([])
        for order in (best_first, worst_first):
            chosen: list[CaseRecord] = []
            for _, records in order:
                chosen = [*chosen, *records]
                out.append(chosen)
        return out

    def _from_examples(self, rule: Rule, depth: int) -> list[list[CaseRecord]]:
        """A rule's firing examples, with the findings they give replaced by records reaching them."""
        out: list[list[CaseRecord]] = []
        for example, records in zip(
            [e for e in rule.examples if e.expect == "fires"],
            self.examples.get(rule.id, []),
            strict=False,
        ):
            options = [[records]]
            for subject, value in example.findings.items():
                options.append(self.reach(subject, value, depth + 1)[:3] or [[]])
            for combo in itertools.islice(itertools.product(*options), 4):
                out.append([record for part in combo for record in part])
        return out

    def _satisfy(
        self, rule: Rule, patterns: list[Pattern], depth: int
    ) -> Iterator[list[CaseRecord]]:
        options: list[list[list[CaseRecord]]] = []
        for pattern in patterns:
            if isinstance(pattern, EvidencePattern):
                options.append([[satisfying_record(self.book, pattern, self.year)]])
            elif isinstance(pattern, FindingPattern):
                spec = self.book.conclusions[pattern.finding]
                values = pattern.accepted() or spec.values
                per_value = [self.reach(pattern.finding, value, depth + 1)[:3] for value in values]
                # Interleave the values (met, partly_met, not_met, met, ...) so that early
                # combinations already try every value, not three ways of reaching the first.
                reached = [
                    option
                    for group in itertools.zip_longest(*per_value)
                    for option in group
                    if option is not None
                ]
                if not reached:
                    return
                options.append(reached)
            else:
                options.append(self._block(rule, pattern, depth))
        for combo in _diagonal(options):
            yield [record for part in combo for record in part]

    def _block(self, rule: Rule, pattern: AbsencePattern, depth: int) -> list[list[CaseRecord]]:
        """Ways to keep an absence true: add nothing, or make its producers' own absences false."""
        inner = pattern.none
        if isinstance(inner, EvidencePattern) or (
            rule.otherwise and inner.finding == rule.then.conclude
        ):
            return [[]]
        options: list[list[CaseRecord]] = [[]]
        accepted = inner.accepted()
        for producer in self.producers(inner.finding):
            if accepted is not None and producer.then.value not in accepted:
                continue
            for patterns in producer.alternatives():
                for blocker in patterns:
                    if isinstance(blocker, AbsencePattern):
                        target = blocker.none
                        if isinstance(target, EvidencePattern):
                            options.append([satisfying_record(self.book, target, self.year)])
                        elif target.finding != producer.then.conclude:
                            spec = self.book.conclusions[target.finding]
                            for value in target.accepted() or spec.values:
                                options.extend(self.reach(target.finding, value, depth + 1)[:2])
        return unique_sets(options)[:6]

    def alphabet(self) -> list[CaseRecord]:
        """Records that matter to this year's rules: satisfying records and the examples' records."""
        records: list[CaseRecord] = []
        for rule in self.rules:
            for patterns in rule.alternatives():
                for pattern in patterns:
                    positive = pattern.none if isinstance(pattern, AbsencePattern) else pattern
                    if isinstance(positive, EvidencePattern):
                        records.append(satisfying_record(self.book, positive, self.year))
            for example in self.examples.get(rule.id, []):
                records.extend(example)
        for weighing in self.weighings:
            for term in weighing.weigh.terms:
                if term.when is None:
                    continue
                for patterns in alternatives(term.when):
                    for pattern in patterns:
                        if isinstance(pattern, EvidencePattern):
                            records.append(satisfying_record(self.book, pattern, self.year))
        return [unique[0] for unique in unique_sets([[record] for record in records])]


def _diagonal(options: list[list[list[CaseRecord]]]) -> Iterator[tuple[list[CaseRecord], ...]]:
    """Combinations in order of the sum of their indices: early ones vary every position."""
    sizes = [len(option) for option in options]
    if not sizes:
        yield ()
        return
    if 0 in sizes:
        return

    def indices(position: int, remaining: int) -> Iterator[tuple[int, ...]]:
        if position == len(sizes) - 1:
            if remaining < sizes[position]:
                yield (remaining,)
            return
        for index in range(min(remaining, sizes[position] - 1) + 1):
            for rest in indices(position + 1, remaining - index):
                yield (index, *rest)

    for total in range(sum(size - 1 for size in sizes) + 1):
        for chosen in indices(0, total):
            yield tuple(options[position][index] for position, index in enumerate(chosen))


def _freeze(record: CaseRecord) -> tuple[str, tuple[tuple[str, Any], ...]]:
    return (record.kind, tuple(sorted((k, repr(v)) for k, v in record.values.items())))


def unique_sets(sets: list[list[CaseRecord]]) -> list[list[CaseRecord]]:
    seen: set[frozenset[tuple[str, tuple[tuple[str, Any], ...]]]] = set()
    out: list[list[CaseRecord]] = []
    for records in sets:
        key = frozenset(_freeze(record) for record in records)
        if key not in seen:
            seen.add(key)
            unique: dict[tuple[str, tuple[tuple[str, Any], ...]], CaseRecord] = {}
            for record in records:
                unique.setdefault(_freeze(record), record)
            out.append(list(unique.values()))
    return out


def describe_case(records: list[CaseRecord]) -> str:
    parts = []
    for record in records:
        values = ", ".join(f"{k}: {v}" for k, v in sorted(record.values.items()))
        parts.append(f"{record.kind} {{{values}}}")
    return "; ".join(parts) or "an empty dossier"


_RUNS: dict[tuple[str, int, tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]], CaseResult] = {}
_RUNS_KEPT = 8192


def run_records(book: Rulebook, year: int, records: list[CaseRecord]) -> CaseResult:
    """The generated dossier `records` assessed for `year`, once per rulebook content: the
    reachability search and the conflict check meet the same dossier again and again (about
    half of a lint's runs were repeats), and a run depends on nothing else."""
    key = (book.sha256, year, tuple(_freeze(record) for record in records))
    found = _RUNS.get(key)
    if found is None:
        if len(_RUNS) >= _RUNS_KEPT:
            _RUNS.clear()
        found = _RUNS[key] = run_case(
            book, year, case_inputs(book, records, "g"), explain=False, traces=False
        )
    return found
