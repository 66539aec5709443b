"""Shared model machinery: strict models, identifiers, report years and dated parameters."""

import math
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"
RULE_ID = r"^[A-Za-z][A-Za-z0-9_.-]*$"
RECORD_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
RESERVED_FIELDS = frozenset({"id", "sid", "t", "kind", "value"})


def empty_list() -> list[Any]:
    """A default factory pydantic can inspect cheaply: `model_construct` reads a factory's
    signature on every call, and for the builtin `list` that means parsing its text signature
    (a third of the time of compiling a year's rules went there)."""
    return []


def empty_dict() -> dict[Any, Any]:
    """As `empty_list`, for mappings."""
    return {}


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored.

    Validators are built when a model is first validated (`defer_build`): a command that reads
    the rulebook from the on-disk cache never validates a rule, and spares building them. Code
    that makes a model from values already validated uses `model_construct`, which builds none.
    Numbers are finite: YAML reads `.inf` and `.nan` as numbers, which neither a comparison nor
    JSON can carry.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, defer_build=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- years and parameters


class YearRange(Strict):
    """Report years (inclusive) in which something is in force; `to` absent = still in force."""

    start: int = Field(alias="from", ge=2001, le=2100)
    end: int | None = Field(default=None, alias="to", ge=2001, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
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

    # The value is checked against the parameter's type, finiteness included, by
    # `Parameter.type_error`: one clear message instead of one per member of the value's union.
    model_config = ConfigDict(**{**Strict.model_config, "allow_inf_nan": True})

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
    def _range_typed(self) -> Self:
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
        if isinstance(value, float) and not math.isfinite(value):
            # YAML reads .inf and .nan as numbers; the engine's JSON cannot carry them.
            return f"value {value!r} is not a finite number"
        return None

    def value_for(self, year: int) -> ScalarValue | None:
        """The value in force for `year`: the latest step starting on or before it, if not ended."""
        chosen: ParameterValue | None = None
        for step in self.values:
            in_force = step.start <= year and (step.end is None or year <= step.end)
            if in_force and (chosen is None or step.start > chosen.start):
                chosen = step
        return None if chosen is None else chosen.value
