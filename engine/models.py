"""The data model: rules, parameters, vocabulary and evidence as validated pydantic objects.

Everything here is pure data. The law itself (tier names, criteria, thresholds) never appears in
this module: it arrives from `rules/` as instances of these models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"
RULE_ID = r"^[A-Za-z][A-Za-z0-9_.-]*$"
RECORD_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
RESERVED_FIELDS = frozenset({"id", "sid", "t", "kind", "value"})


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- years and parameters


class YearRange(Strict):
    """Report years (inclusive) in which something is in force; `to` absent = still in force."""

    start: int = Field(alias="from", ge=2001, le=2100)
    end: int | None = Field(default=None, alias="to", ge=2001, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> YearRange:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"'to' ({self.end}) is before 'from' ({self.start})")
        return self

    def covers(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)

    def label(self) -> str:
        return f"{self.start}–{self.end}" if self.end is not None else f"{self.start} onwards"


def year_span(start: int, end: int | None) -> str:
    """Report years as messages write them: one year, a range (en dash), or `<year> onwards`."""
    if end is None:
        return f"{start} onwards"
    return str(start) if start == end else f"{start}–{end}"


ScalarValue = bool | int | float | str


class ParameterValue(Strict):
    """One dated value of a parameter, like an OpenFisca parameter step."""

    start: int = Field(alias="from", ge=2001, le=2100)
    end: int | None = Field(default=None, alias="to", ge=2001, le=2100)
    value: ScalarValue
    source: str | None = None
    note: str | None = None


class Parameter(Strict):
    """A named threshold whose value depends on the report year."""

    title: str
    description: str | None = None
    unit: str | None = None
    citation: str | None = None
    type: Literal["integer", "number", "boolean", "string"]
    values: list[ParameterValue] = Field(min_length=1)
    verified: bool = True
    range: list[ScalarValue] | None = Field(
        default=None,
        description="Other values the parameter may reasonably take, tried by sensitivity sweeps",
    )

    @model_validator(mode="after")
    def _range_typed(self) -> Parameter:
        for value in self.range or []:
            message = self.type_error(value)
            if message:
                raise ValueError(f"range: {message}")
        return self

    def type_error(self, value: ScalarValue) -> str | None:
        """Why a value does not fit the declared type (None if it does)."""
        expected = {
            "integer": (int,),
            "number": (int, float),
            "boolean": (bool,),
            "string": (str,),
        }[self.type]
        if (isinstance(value, bool) and self.type != "boolean") or not isinstance(value, expected):
            return f"value {value!r} is not of the parameter's declared type {self.type}"
        return None

    def value_for(self, year: int) -> ScalarValue | None:
        """The value in force for `year`: the latest step starting on or before it, if not ended."""
        chosen: ParameterValue | None = None
        for step in self.values:
            in_force = step.start <= year and (step.end is None or year <= step.end)
            if in_force and (chosen is None or step.start > chosen.start):
                chosen = step
        return None if chosen is None else chosen.value


# --------------------------------------------------------------------------- vocabulary


FieldType = Literal["boolean", "integer", "number", "string", "enum", "date"]


class FieldSpec(Strict):
    """A typed field of an evidence kind."""

    type: FieldType
    description: str | None = None
    required: bool = False
    values: list[str] | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs a non-empty 'values' list")
        if self.type != "enum" and self.values is not None:
            raise ValueError("'values' is only allowed on enum fields")
        return self


class EvidenceKind(Strict):
    """A kind of evidence record (a fact) or of analyst judgment, declared in YAML."""

    title: str
    description: str | None = None
    pillar: Literal["context", "prosecution", "protection", "prevention", "partnership"]
    judgment: bool = False
    fields: dict[Annotated[str, Field(pattern=IDENT)], FieldSpec] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _no_reserved(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        clash = sorted(set(value) & RESERVED_FIELDS)
        if clash:
            raise ValueError(f"field names {clash} are reserved by the engine")
        return value


class ConclusionSpec(Strict):
    """A conclusion the rules may derive (a finding), with the values it may take."""

    title: str
    description: str | None = None
    values: list[str] = Field(min_length=1)
    citation: str | None = None
    required: bool = Field(
        default=False,
        description="Every assessment must conclude it; if no rule does, evidence is missing",
    )


class Outcome(Strict):
    """Which conclusion is the placement, and the order of its values from lowest to highest.

    `undetermined` lists placement values that mean "the evidence does not settle it";
    `unknown_values` lists conclusion values, on any subject, that mean "no evidence": the engine
    reports a placement resting on them as provisional and lists what evidence would settle them.
    """

    conclusion: str
    ladder: list[str] = Field(min_length=2)
    not_applicable: list[str] = Field(default_factory=list)
    undetermined: list[str] = Field(default_factory=list)
    unknown_values: list[str] = Field(default_factory=list)
    # Report years in which a ladder value exists at all (e.g. a list created by an amendment);
    # a value not named here exists in every year. `tip-assess lint` holds the rules to it.
    in_force: dict[str, YearRange] = Field(default_factory=dict)


class HistorySettings(Strict):
    """How a placement history becomes input facts: which vocabulary kinds and derived fields.

    The history file's entries are validated against these kinds, so the law's conditions (for
    example the grounds of a downgrade waiver) live in the vocabulary, never in Python.
    """

    placement_kind: Annotated[str, Field(pattern=IDENT)]
    waiver_kind: Annotated[str, Field(pattern=IDENT)]
    offset_field: Annotated[str, Field(pattern=IDENT)] = Field(
        description="Filled in with how many report years before the year assessed a placement is"
    )
    waived_field: Annotated[str, Field(pattern=IDENT)] | None = Field(
        default=None, description="Set true on a placement whose year had a waiver"
    )
    downgrade_field: Annotated[str, Field(pattern=IDENT)] | None = Field(
        default=None,
        description="A placement flag: the automatic downgrade put the country there",
    )
    downgrade_values: dict[Annotated[str, Field(pattern=IDENT)], ScalarValue] = Field(
        default_factory=dict,
        description="The values every placement made by the automatic downgrade has",
    )


class RulebookInfo(Strict):
    """The rulebook's identity and the name of the conclusion that is the final placement."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    title: str
    version: str
    description: str | None = None
    outcome: Outcome
    engine: str | None = None
    coverage_threshold: float | None = None
    history: HistorySettings | None = None


# --------------------------------------------------------------------------- conditions


class ParamRef(Strict):
    param: Annotated[str, Field(pattern=IDENT)]


class FieldRef(Strict):
    """Another field of the same record (e.g. this year's count against last year's)."""

    field: Annotated[str, Field(pattern=IDENT)]


def _by_key(*keys: str) -> Any:
    """A discriminator that picks a union member by which key a mapping carries.

    Tagged unions give one clear error ("unknown pattern: ...") instead of one per member.
    """

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return next((key for key in keys if hasattr(value, key)), None)
        if isinstance(value, dict):
            return next((key for key in keys if key in value), None)
        return "scalar"

    expected = ", ".join(f"'{key}'" for key in keys)
    return Discriminator(
        pick,
        custom_error_type="unknown_form",
        custom_error_message=f"expected a mapping with one of the keys {expected}",
    )


def _scalar_or(mapping_tag: str) -> Any:
    def pick(value: Any) -> str:
        return mapping_tag if isinstance(value, dict | BaseModel) else "scalar"

    return Discriminator(pick)


Literal_ = bool | int | float | str
Operand = Annotated[
    Annotated[ParamRef, Tag("param")]
    | Annotated[FieldRef, Tag("field")]
    | Annotated[Literal_, Tag("scalar")],
    _by_key("param", "field"),
]


class Comparison(Strict):
    """Field tests. Several operators in one mapping must all hold."""

    eq: Operand | None = None
    ne: Operand | None = None
    lt: Operand | None = None
    lte: Operand | None = None
    gt: Operand | None = None
    gte: Operand | None = None
    one_of: list[bool | int | float | str] | None = Field(default=None, alias="in")
    exists: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Comparison:
        if not self.operators():
            raise ValueError(
                "a field test needs at least one of eq, ne, lt, lte, gt, gte, in, exists"
            )
        return self

    def operators(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for name in ("eq", "ne", "lt", "lte", "gt", "gte", "one_of", "exists"):
            value = getattr(self, name)
            if value is not None:
                out.append(("in" if name == "one_of" else name, value))
        return out


FieldTest = Annotated[
    Annotated[Comparison, Tag("test")] | Annotated[Literal_, Tag("scalar")],
    _scalar_or("test"),
]


class EvidencePattern(Strict):
    """Matches one evidence record (or judgment record) of a kind."""

    evidence: Annotated[str, Field(pattern=IDENT)]
    binding: Annotated[str, Field(pattern=IDENT)] | None = Field(default=None, alias="as")
    where: dict[Annotated[str, Field(pattern=IDENT)], FieldTest] = Field(default_factory=dict)


class FindingPattern(Strict):
    """Matches a conclusion derived by another rule."""

    finding: Annotated[str, Field(pattern=IDENT)]
    binding: Annotated[str, Field(pattern=IDENT)] | None = Field(default=None, alias="as")
    value_is: str | None = Field(default=None, alias="is")
    value_in: list[str] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_test(self) -> FindingPattern:
        if self.value_is is not None and self.value_in is not None:
            raise ValueError("use either 'is' or 'in', not both")
        return self

    def accepted(self) -> list[str] | None:
        if self.value_is is not None:
            return [self.value_is]
        return self.value_in


PositivePattern = Annotated[
    Annotated[EvidencePattern, Tag("evidence")] | Annotated[FindingPattern, Tag("finding")],
    _by_key("evidence", "finding"),
]


class AbsencePattern(Strict):
    """Holds when no fact matches: negation as failure, always stratified by the compiler."""

    none: PositivePattern


Pattern = Annotated[
    Annotated[EvidencePattern, Tag("evidence")]
    | Annotated[FindingPattern, Tag("finding")]
    | Annotated[AbsencePattern, Tag("none")],
    _by_key("evidence", "finding", "none"),
]


class AllOf(Strict):
    all: list[Pattern] = Field(min_length=1)


class AnyOf(Strict):
    """Alternatives; each is compiled into a rule of its own (durable_rules' `any` misfires)."""

    any: list[AllOf] = Field(min_length=1)


Condition = Annotated[
    Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")], _by_key("all", "any")
]


def alternatives(condition: Condition) -> list[list[Pattern]]:
    """The condition as a list of conjunctions."""
    if isinstance(condition, AllOf):
        return list(map(list, [condition.all]))
    return [list(alt.all) for alt in condition.any]


class Conclusion(Strict):
    conclude: Annotated[str, Field(pattern=IDENT)]
    value: str


class RuleExample(Strict):
    """A tiny case beside the rule, checked by the test-suite (like Semgrep's rule tests)."""

    name: str
    year: int | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    findings: dict[str, str] = Field(default_factory=dict)
    expect: Literal["fires", "does_not_fire"]


class ChangelogEntry(Strict):
    date: str
    author: str
    reason: str


class Rule(Strict):
    """One rule: a condition, the conclusion it licenses, and the law it implements."""

    id: Annotated[str, Field(pattern=RULE_ID)]
    title: str
    citation: str
    text: str = Field(min_length=1)
    in_force: YearRange
    when: Condition | None = None
    then: Conclusion
    otherwise: bool = Field(
        default=False,
        description="Conclude only when no other rule in force concludes the same subject",
    )
    explain: str | None = None
    status: Literal["stable", "test", "experimental"] = "stable"
    verified: bool = True
    note: str | None = None
    references: list[str] = Field(default_factory=list)
    examples: list[RuleExample] = Field(default_factory=list)
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_condition(self) -> Rule:
        if self.when is None and not self.otherwise:
            raise ValueError("a rule needs 'when' (only an 'otherwise' rule may omit it)")
        return self

    def alternatives(self) -> list[list[Pattern]]:
        """The rule's condition as conjunctions; an `otherwise` rule adds 'no other conclusion'."""
        alts = [[]] if self.when is None else alternatives(self.when)
        if self.otherwise:
            default: Pattern = AbsencePattern(none=FindingPattern(finding=self.then.conclude))
            alts = [[*patterns, default] for patterns in alts]
        return alts

    @field_validator("citation", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


# --------------------------------------------------------------------------- evidence


class SourceRef(Strict):
    """The narrative a dossier is drawn from; the file is relative to the dossier."""

    file: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None


class Reading(Strict):
    """An analyst's contested reading of a sentence: why this one, and what the other would give.

    `alternative` is the values the other reading would record, or "omit" when it would record
    nothing; what-if and sensitivity analyses try it, and explanations flag placements it moves.
    """

    rationale: str = Field(min_length=1)
    alternative: dict[Annotated[str, Field(pattern=IDENT)], Any] | Literal["omit"]


class EvidenceRecord(Strict):
    """A typed fact drawn from the narrative, with the verbatim quote it rests on."""

    id: Annotated[str, Field(pattern=RECORD_ID)]
    kind: Annotated[str, Field(pattern=IDENT)]
    quote: str = Field(min_length=1)
    section: str | None = None
    values: dict[Annotated[str, Field(pattern=IDENT)], Any] = Field(default_factory=dict)
    note: str | None = None
    reading: Reading | None = None


class JudgmentRecord(Strict):
    """An analyst's judgment the law requires (e.g. 'commensurate with rape'), kept apart from facts."""

    id: Annotated[str, Field(pattern=RECORD_ID)]
    kind: Annotated[str, Field(pattern=IDENT)]
    values: dict[Annotated[str, Field(pattern=IDENT)], Any] = Field(default_factory=dict)
    rationale: str = Field(min_length=1)
    basis: list[str] = Field(default_factory=list)
    quote: str | None = None
    section: str | None = None
    by: str | None = None
    reading: Reading | None = None


class Dossier(Strict):
    """All evidence for one country and one report year."""

    country: str
    report_year: int = Field(ge=2001, le=2100)
    source: SourceRef
    completeness: Literal["complete", "partial"] = "complete"
    records: list[EvidenceRecord] = Field(default_factory=list)
    judgments: list[JudgmentRecord] = Field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class InputFact:
    """An evidence or judgment record as the engine sees it (dossier, history or test case)."""

    record_id: str
    kind: str
    values: dict[str, Any]
    judgment: bool


def normalise_space(text: str) -> str:
    """Quotes are compared with runs of white space folded, so line wrapping never matters."""
    return re.sub(r"\s+", " ", text).strip()
