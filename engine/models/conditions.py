"""Rule conditions: patterns on evidence and findings, with field tests and operands."""

from functools import lru_cache
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from engine.models.base import IDENT, Strict, empty_dict

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
    def _not_empty(self) -> Self:
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
    where: dict[Annotated[str, Field(pattern=IDENT)], FieldTest] = Field(default_factory=empty_dict)


class FindingPattern(Strict):
    """Matches a conclusion derived by another rule."""

    finding: Annotated[str, Field(pattern=IDENT)]
    binding: Annotated[str, Field(pattern=IDENT)] | None = Field(default=None, alias="as")
    value_is: str | None = Field(default=None, alias="is")
    value_in: list[str] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_test(self) -> Self:
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


@lru_cache(maxsize=4096, typed=True)
def equals(value: Literal_) -> Comparison:
    """A literal where-test as the comparison it stands for: made once per literal (patterns are
    immutable), without validation (the literal was validated with its rule)."""
    return Comparison.model_construct(eq=value)


@lru_cache(maxsize=4096)
def no_conclusion(subject: str) -> AbsencePattern:
    """'No conclusion on `subject`': what an `otherwise` rule adds, and what a weighing waits for
    (made once per subject)."""
    return AbsencePattern.model_construct(none=FindingPattern.model_construct(finding=subject))
