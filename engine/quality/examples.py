"""Small cases run through the real engine: rule examples, scenario dossiers, generated dossiers.

A rule's `examples:` are its own tests, like Semgrep's and Sigma's: evidence records plus
findings given as facts, run under the rules in force for one year, and the question is whether
*that* rule fired. The same runner serves the amendment scenarios and lint's generated dossiers,
so every check exercises the compiled durable_rules ruleset, never a Python re-implementation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Problem
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import check_record_values
from engine.models import InputFact, LawItem, RuleExample, WeighExample, Weighing
from engine.reason.cache import compiled_for
from engine.reason.inference import GIVEN, InferenceResult, infer, narrative_fact


@dataclass(frozen=True)
class CaseRecord:
    """One evidence record of a case: a kind and its values (no quote, no source)."""

    kind: str
    values: Mapping[str, Any]


@dataclass
class CaseResult:
    """What the engine derived for a case, and which rules fired (conflicting firings included)."""

    year: int
    result: InferenceResult
    given: dict[str, str]
    fired: set[str] = field(default_factory=set)

    def derived(self) -> dict[str, str]:
        """Conclusions the rules derived, without the findings the case gave as facts."""
        return {
            subject: derived.value
            for subject, derived in self.result.conclusions.items()
            if subject not in self.given
        }

    def value(self, subject: str) -> str | None:
        derived = self.result.conclusions.get(subject)
        return None if derived is None else derived.value


def case_inputs(
    book: Rulebook, records: Iterable[CaseRecord], prefix: str = "x"
) -> list[InputFact]:
    return [
        InputFact(
            f"{prefix}{number}", record.kind, dict(record.values), book.kinds[record.kind].judgment
        )
        for number, record in enumerate(records, 1)
    ]


def run_case(
    book: Rulebook,
    year: int,
    inputs: list[InputFact],
    given: Mapping[str, str] | None = None,
    completeness: str = "complete",
    explain: bool = True,
    traces: bool = True,
) -> CaseResult:
    """Run the rules in force for `year` over `inputs`, with `given` findings asserted first.

    Given findings enter the fact table as conclusions justified by GIVEN, so a rule that would
    conclude the same subject records a duplicate or a conflict instead of a second fact, and an
    `otherwise` rule on that subject stays silent, exactly as if another rule had concluded it.
    `explain` false leaves the explanation sentences out (a search reads only conclusions);
    `traces` false, how each weighing was computed (see `infer`).
    """
    header = narrative_fact(book, completeness)
    if header is not None and not any(fact.kind == header.kind for fact in inputs):
        inputs = [*inputs, header]
    result = infer(
        book, compiled_for(book, year), inputs, given=given, explain=explain, traces=traces
    )
    fired = {
        justification.rule_id
        for derived in result.conclusions.values()
        for justification in derived.justifications
        if justification.rule_id != GIVEN
    }
    for conflict in result.conflicts:
        fired.update(rule_id for rule_id in conflict.rules if rule_id != GIVEN)
    return CaseResult(year, result, dict(given or {}), fired)


# --------------------------------------------------------------------------- rule examples


@dataclass(frozen=True)
class ExampleRef:
    """One example of one rule, with a readable test id (`rule-id: example name`)."""

    rule: LawItem
    index: int
    example: RuleExample | WeighExample

    @property
    def test_id(self) -> str:
        return f"{self.rule.id}: {self.example.name}"

    @property
    def year(self) -> int:
        return self.example.year if self.example.year is not None else self.rule.in_force.start


@dataclass(frozen=True)
class ExampleOutcome:
    ref: ExampleRef
    passed: bool
    message: str
    case: CaseResult | None = None


def all_examples(book: Rulebook) -> list[ExampleRef]:
    refs: list[ExampleRef] = []
    for item in book.items():
        examples: list[RuleExample | WeighExample] = list(item.examples)
        refs.extend(ExampleRef(item, index, example) for index, example in enumerate(examples))
    return refs


def example_problems(book: Rulebook, ref: ExampleRef) -> list[str]:
    """Why an example cannot be run as written: unknown kinds, fields, findings or years."""
    problems: list[str] = []
    if not ref.rule.in_force.covers(ref.year):
        problems.append(
            f"year {ref.year} is outside the rule's years in force ({ref.rule.in_force.label()})"
        )
    for number, entry in enumerate(ref.example.evidence):
        kind_name = entry.get("kind")
        values = entry.get("values", {})
        unknown = sorted(set(entry) - {"kind", "values"})
        if unknown:
            problems.append(
                f"evidence[{number}] has unknown keys {unknown} (expected kind, values)"
            )
        kind = book.kinds.get(kind_name) if isinstance(kind_name, str) else None
        if kind is None:
            problems.append(f"evidence[{number}]: unknown evidence kind {kind_name!r}")
            continue
        if not isinstance(values, dict):
            problems.append(f"evidence[{number}].values must be a mapping")
            continue
        for field_name, message in check_record_values(kind, values):
            if message != "required field is missing":  # examples may stay minimal
                problems.append(f"evidence[{number}].values.{field_name}: {message}")
    for subject, value in ref.example.findings.items():
        spec = book.conclusions.get(subject)
        if spec is None:
            problems.append(f"findings: unknown conclusion '{subject}'")
        elif value not in spec.values:
            problems.append(
                f"findings: '{value}' is not a value of '{subject}' ({', '.join(spec.values)})"
            )
    return problems


def run_example(book: Rulebook, ref: ExampleRef) -> ExampleOutcome:
    """Run one example; it passes when the rule fired exactly as the example expects."""
    problems = example_problems(book, ref)
    if problems:
        return ExampleOutcome(ref, False, "; ".join(problems))
    records = [CaseRecord(e["kind"], e.get("values", {})) for e in ref.example.evidence]
    case = run_case(
        book,
        ref.year,
        case_inputs(book, records),
        ref.example.findings,
        ref.example.completeness,
    )
    if isinstance(ref.rule, Weighing):
        got = case.value(ref.rule.concludes)
        if got == ref.example.expect:
            return ExampleOutcome(ref, True, "ok", case)
        return ExampleOutcome(
            ref,
            False,
            f"expected {ref.rule.concludes} = {ref.example.expect} under the rules for "
            f"{ref.year}, got {got if got is not None else 'nothing'}",
            case,
        )
    fired = ref.rule.id in case.fired
    expected = ref.example.expect == "fires"
    if fired == expected:
        return ExampleOutcome(ref, True, "ok", case)
    derived = ", ".join(f"{k}={v}" for k, v in sorted(case.derived().items())) or "nothing"
    if expected:
        message = (
            f"expected rule {ref.rule.id} to fire under the rules for {ref.year}, but it did not "
            f"(derived: {derived})"
        )
    else:
        message = (
            f"expected rule {ref.rule.id} not to fire under the rules for {ref.year}, but it fired "
            f"(derived: {derived})"
        )
    return ExampleOutcome(ref, False, message, case)


def missing_expectations(rule: LawItem) -> list[str]:
    """The kinds of example a rule lacks: every rule needs one that fires and one that does not;
    a weighing needs examples reaching at least two of its values."""
    kinds = {example.expect for example in rule.examples}
    if isinstance(rule, Weighing):
        return [] if len(kinds) >= 2 else ["two different values"]
    return [expect for expect in ("fires", "does_not_fire") if expect not in kinds]


def example_problem(book: Rulebook, outcome: ExampleOutcome, line: int | None) -> Problem:
    origin = book.origins.get(outcome.ref.rule.id)
    return Problem(
        origin.file if origin else book.root,
        line if line is not None else (origin.line if origin else None),
        f"examples[{outcome.ref.index}]",
        f"example '{outcome.ref.example.name}' fails: {outcome.message}",
        outcome.ref.rule.id,
    )
