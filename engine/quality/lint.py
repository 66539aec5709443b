"""`tip-assess lint`: is the rulebook well-formed, complete over the years, and consistent?

Checks, each reported with file, line and rule id:
- the schema and the vocabulary (the loader's own problems, reused as they are);
- every rule has a citation, a statutory text and years in force (not just present: not blank);
- parameters: no gap and no overlap between the dated values of a parameter;
- the outcome: `in_force` names ladder values, and no rule places a country on a value in a year
  when that value does not exist;
- every rule carries an example that fires and one that does not, and all examples pass;
- per era (a run of years with the same rules and parameters), every placement on the ladder is
  reachable by some dossier, and no generated dossier gets two placements.

Reachability and conflicts are searched with generated dossiers: witnesses built backwards from
each rule's conditions (and from the rules' own examples), then random dossiers and mixtures of
witnesses drawn from a seeded generator, so lint is deterministic.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook
from engine.load.yamlsource import LineMap, load_yaml_file
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
)
from engine.quality.examples import (
    CaseRecord,
    CaseResult,
    ExampleOutcome,
    all_examples,
    case_inputs,
    example_problem,
    missing_expectations,
    run_case,
    run_example,
)
from engine.reason.compiler import compile_year

RANDOM_DOSSIERS = 120  # per era; together with witness mixtures, enough to meet every rule
MAX_CANDIDATES = 80  # witnesses tried per (era, placement) before it is called unreachable
SEED = 20001028  # the TVPA's enactment date: lint's generated dossiers never change


# --------------------------------------------------------------------------- eras


@dataclass(frozen=True)
class Era:
    """Report years with identical rules in force and identical parameter values."""

    start: int
    end: int | None

    @property
    def label(self) -> str:
        if self.end is None:
            return f"{self.start} onwards"
        return str(self.start) if self.end == self.start else f"{self.start}–{self.end}"

    def covers(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)


def eras(book: Rulebook) -> list[Era]:
    """Split the years the rulebook covers where any rule, parameter or outcome value changes."""
    starts: set[int] = set()
    for rule in book.rules:
        starts.add(rule.in_force.start)
        if rule.in_force.end is not None:
            starts.add(rule.in_force.end + 1)
    for param in book.parameters.values():
        for step in param.values:
            starts.add(step.start)
            if step.end is not None:
                starts.add(step.end + 1)
    for years in book.info.outcome.in_force.values():
        starts.add(years.start)
        if years.end is not None:
            starts.add(years.end + 1)
    first = min(rule.in_force.start for rule in book.rules) if book.rules else 2001
    points = sorted(year for year in starts if year >= first)
    return [
        Era(point, points[index + 1] - 1 if index + 1 < len(points) else None)
        for index, point in enumerate(points)
    ]


def era_of(book: Rulebook, year: int) -> Era:
    return next(era for era in eras(book) if era.covers(year))


# --------------------------------------------------------------------------- locations


class Locator:
    """Finer lines than the loader keeps: an example, a parameter value, the outcome section."""

    def __init__(self, book: Rulebook, root: Path) -> None:
        self.book = book
        self.root = root  # where the files are; book.root is how messages name them
        self._maps: dict[str, tuple[Any, LineMap]] = {}

    def _map(self, file: str) -> tuple[Any, LineMap] | None:
        if file not in self._maps:
            shown = self.book.root.rstrip("/")
            real = (
                self.root / file[len(shown) :].lstrip("/") if file.startswith(shown) else Path(file)
            )
            try:
                data, lines, _ = load_yaml_file(real, file)
            except InputError:
                return None
            self._maps[file] = (data if isinstance(data, dict) else {}, lines)
        return self._maps[file]

    def rule_line(self, rule_id: str, *path: str | int) -> int | None:
        origin = self.book.origins.get(rule_id)
        if origin is None:
            return None
        found = self._map(origin.file)
        if found is None:
            return origin.line
        data, lines = found
        for index, entry in enumerate(data.get("rules") or []):
            if isinstance(entry, dict) and entry.get("id") == rule_id:
                return lines.line_of(("rules", index, *path))
        return origin.line

    def rule_problem(
        self, rule_id: str, field_name: str | None, message: str, *path: str | int
    ) -> Problem:
        origin = self.book.origins.get(rule_id)
        return Problem(
            origin.file if origin else self.book.root,
            self.rule_line(rule_id, *path),
            field_name,
            message,
            rule_id,
        )

    def rulebook_problem(self, path: tuple[str, ...], message: str) -> Problem:
        for file in sorted({origin.file for origin in self.book.origins.values()} | self._files()):
            found = self._map(file)
            if found and isinstance(found[0], dict) and "rulebook" in found[0]:
                return Problem(
                    file,
                    found[1].line_of(("rulebook", *path)),
                    ".".join(("rulebook", *path)),
                    message,
                )
        return Problem(self.book.root, None, ".".join(("rulebook", *path)), message)

    def _files(self) -> set[str]:
        shown = self.book.root.rstrip("/")
        return {f"{shown}/{p.relative_to(self.root).as_posix()}" for p in self.root.rglob("*.yaml")}


# --------------------------------------------------------------------------- static checks


def check_texts(book: Rulebook, locate: Locator) -> list[Problem]:
    problems = []
    for rule in book.rules:
        for name in ("citation", "text", "title"):
            if not getattr(rule, name).strip():
                problems.append(
                    locate.rule_problem(rule.id, name, f"the rule's {name} is blank", name)
                )
    return problems


def check_parameters(book: Rulebook) -> list[Problem]:
    """A parameter's dated values must neither leave a gap nor overlap between their years."""
    problems = []
    for name, param in book.parameters.items():
        origin = book.origins.get(f"parameter:{name}")
        file = origin.file if origin else book.root
        line = origin.line if origin else None
        steps = sorted(param.values, key=lambda step: step.start)
        for previous, following in itertools.pairwise(steps):
            if previous.end is None or following.start <= previous.end:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"parameters.{name}.values",
                        f"values from {previous.start} and from {following.start} overlap: "
                        "which one applies is ambiguous",
                    )
                )
            elif following.start > previous.end + 1:
                gap = (
                    str(previous.end + 1)
                    if following.start == previous.end + 2
                    else f"{previous.end + 1}–{following.start - 1}"
                )
                problems.append(
                    Problem(
                        file,
                        line,
                        f"parameters.{name}.values",
                        f"no value for report year(s) {gap}, between the values from "
                        f"{previous.start} and from {following.start}",
                    )
                )
    return problems


def check_outcome(book: Rulebook, locate: Locator) -> list[Problem]:
    outcome = book.info.outcome
    problems = [
        locate.rulebook_problem(
            ("outcome", "in_force"),
            f"'{value}' is not a value of the ladder ({', '.join(outcome.ladder)})",
        )
        for value in outcome.in_force
        if value not in outcome.ladder
    ]
    for rule in book.rules:
        if rule.then.conclude != outcome.conclusion:
            continue
        exists = outcome.in_force.get(rule.then.value)
        if exists is None:
            continue
        years = rule.in_force
        early = years.start < exists.start
        late = exists.end is not None and (years.end is None or years.end > exists.end)
        if early or late:
            problems.append(
                locate.rule_problem(
                    rule.id,
                    "then.value",
                    f"places a country on '{rule.then.value}' in report years {years.label()}, "
                    f"but that list exists only in {exists.label()}",
                    "then",
                )
            )
    return problems


def check_examples(book: Rulebook, locate: Locator) -> tuple[list[Problem], list[ExampleOutcome]]:
    problems: list[Problem] = []
    outcomes = [run_example(book, ref) for ref in all_examples(book)]
    for outcome in outcomes:
        if not outcome.passed:
            line = locate.rule_line(outcome.ref.rule.id, "examples", outcome.ref.index)
            problems.append(example_problem(book, outcome, line))
    for rule in book.rules:
        for expect in missing_expectations(rule):
            problems.append(
                locate.rule_problem(
                    rule.id,
                    "examples",
                    f"no example where the rule {'fires' if expect == 'fires' else 'does not fire'} "
                    f"(add one with expect: {expect})",
                    "examples" if rule.examples else "id",
                )
            )
    return problems, outcomes


# --------------------------------------------------------------------------- generated dossiers


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
            for rule in self.producers(subject, value):
                for patterns in rule.alternatives():
                    found.extend(itertools.islice(self._satisfy(rule, patterns, depth), 12))
                found.extend(self._from_examples(rule, depth))
        # Confirm candidates with the engine, so that callers combine ones that really work.
        confirmed: list[list[CaseRecord]] = []
        rest: list[list[CaseRecord]] = []
        for records in _unique(found)[:MAX_CANDIDATES]:
            if len(confirmed) < 3 and _run(self.book, self.year, records).value(subject) == value:
                confirmed.append(records)
            else:
                rest.append(records)
        self._memo[key] = confirmed + rest
        return self._memo[key]

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
        return _unique(options)[:6]

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
        return [unique[0] for unique in _unique([[record] for record in records])]


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


def _unique(sets: list[list[CaseRecord]]) -> list[list[CaseRecord]]:
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


@dataclass
class EraReport:
    era: Era
    witnesses: dict[str, list[CaseRecord] | None]
    dossiers: int = 0
    conflicting_findings: dict[str, int] = field(default_factory=dict)


def _run(book: Rulebook, year: int, records: list[CaseRecord]) -> CaseResult:
    return run_case(book, year, case_inputs(book, records, "g"))


def check_era(
    book: Rulebook, era: Era, locate: Locator, rng: random.Random
) -> tuple[list[Problem], EraReport]:
    """Reachability of every placement in force, and conflicting placements, in one era."""
    year = era.start
    outcome = book.info.outcome
    search = Search(book, year)
    problems: list[Problem] = []
    report = EraReport(era, {})
    tried: list[list[CaseRecord]] = []
    for value in outcome.ladder:
        exists = outcome.in_force.get(value)
        if exists is not None and not exists.covers(year):
            continue
        witness = None
        contested = False  # reached, but only together with another placement
        candidates = search.reach(outcome.conclusion, value)
        for records in candidates:
            result = _run(book, year, records)
            tried.append(records)
            clashes = [c for c in result.result.conflicts if c.subject == outcome.conclusion]
            if any(value in clash.values for clash in clashes):
                contested = True
            elif result.value(outcome.conclusion) == value and not result.result.conflicts:
                witness = records
                break
        report.witnesses[value] = witness
        if witness is None and not contested:  # a contested value is reported as a conflict
            producers = search.producers(outcome.conclusion, value)
            message = (
                f"no dossier reaches '{value}' under the rules for report years {era.label} "
                f"({len(candidates)} generated dossiers tried)"
            )
            if producers:
                problems.append(
                    locate.rule_problem(
                        producers[0].id,
                        "when",
                        message + f"; rules that conclude it: {', '.join(r.id for r in producers)}",
                    )
                )
            else:
                problems.append(
                    locate.rulebook_problem(
                        ("outcome", "ladder"), message + "; no rule in force concludes it"
                    )
                )
    # Conflicts: witnesses, their pairwise mixtures, and random dossiers over the era's alphabet.
    alphabet = search.alphabet()
    found = [records for records in report.witnesses.values() if records is not None]
    pool: list[list[CaseRecord]] = [*found, *tried]
    pool += [a + b for a, b in itertools.combinations(found, 2)]
    for _ in range(RANDOM_DOSSIERS):
        size = rng.randint(1, min(14, len(alphabet))) if alphabet else 0
        base = rng.choice(found) if found and rng.random() < 0.5 else []
        pool.append(base + rng.sample(alphabet, size))
    seen: set[frozenset[str]] = set()
    for records in _unique(pool):
        result = _run(book, year, records)
        report.dossiers += 1
        for conflict in result.result.conflicts:
            if conflict.subject != outcome.conclusion:
                report.conflicting_findings[conflict.subject] = (
                    report.conflicting_findings.get(conflict.subject, 0) + 1
                )
                continue
            key = frozenset(conflict.rules)
            if key in seen:
                continue
            seen.add(key)
            problems.append(
                locate.rule_problem(
                    conflict.rules[-1],
                    "then",
                    f"two placements for one dossier under the rules for report years {era.label}: "
                    f"{' and '.join(repr(v) for v in conflict.values)} by rules {', '.join(dict.fromkeys(conflict.rules))}; "
                    f"dossier: {describe_case(records)}",
                    "then",
                )
            )
    return problems, report


# --------------------------------------------------------------------------- the whole lint


@dataclass
class LintResult:
    problems: list[Problem]
    book: Rulebook | None = None
    examples: int = 0
    eras: list[EraReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def lint(root: Path, display: str | None = None, seed: int = SEED) -> LintResult:
    """Lint a rules directory; loading problems are reported as they are, then nothing else runs."""
    try:
        book = load_rulebook(root, display)
    except InputError as exc:
        return LintResult(list(exc.problems))
    locate = Locator(book, root)
    problems = check_texts(book, locate) + check_parameters(book) + check_outcome(book, locate)
    for era in eras(book):
        try:
            compile_year(book, era.start)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        return LintResult(problems, book)
    example_problems, outcomes = check_examples(book, locate)
    problems.extend(example_problems)
    rng = random.Random(seed)
    reports = []
    for era in eras(book):
        era_problems, report = check_era(book, era, locate, rng)
        problems.extend(era_problems)
        reports.append(report)
    return LintResult(problems, book, len(outcomes), reports)
