"""The evidence vocabulary and the rulebook's identity, as validated models."""

from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from engine.models.base import (
    IDENT,
    RESERVED_FIELDS,
    ScalarValue,
    Strict,
    YearRange,
    empty_dict,
    empty_list,
)

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
    def _enum_has_values(self) -> Self:
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
    generated: bool = Field(
        default=False,
        description="Made by the engine (from the dossier header or the history), never written in a dossier",
    )
    fields: dict[Annotated[str, Field(pattern=IDENT)], FieldSpec] = Field(
        default_factory=empty_dict
    )

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
    not_applicable: list[str] = Field(default_factory=empty_list)
    undetermined: list[str] = Field(default_factory=empty_list)
    unknown_values: list[str] = Field(default_factory=empty_list)
    # Report years in which a ladder value exists at all (e.g. a list created by an amendment);
    # a value not named here exists in every year. `tip-assess lint` holds the rules to it.
    in_force: dict[str, YearRange] = Field(default_factory=empty_dict)


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
        default_factory=empty_dict,
        description="The values every placement made by the automatic downgrade has",
    )


class NarrativeSettings(Strict):
    """Which vocabulary kind carries the dossier header into inference, so rules can read it.

    One fact of this kind is made for every assessment; rules then tell a complete narrative's
    silence (nothing reported) from a partial one's (unknown), openly and in YAML.
    """

    kind: Annotated[str, Field(pattern=IDENT)]
    completeness_field: Annotated[str, Field(pattern=IDENT)] = "completeness"


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
    narrative: NarrativeSettings | None = None
    conclusion_phrases: list[str] = Field(
        default_factory=empty_list,
        description=(
            "Phrases by which the Department states its conclusions; a quote containing one (or a "
            "placement of the ladder) is refused: conclusions are never evidence"
        ),
    )
