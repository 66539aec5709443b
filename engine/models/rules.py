"""Rules and weighings: what a policy officer writes in rules/*.yaml."""

from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    Tag,
    field_validator,
    model_validator,
)

from engine.models.base import IDENT, RULE_ID, Strict, YearRange, empty_dict, empty_list
from engine.models.conditions import (
    Condition,
    ParamRef,
    Pattern,
    _by_key,
    alternatives,
    no_conclusion,
)


class Conclusion(Strict):
    conclude: Annotated[str, Field(pattern=IDENT)]
    value: str


class ExampleCase(Strict):
    """A small dossier beside a rule or a weighing: records, given findings and completeness."""

    name: str
    year: int | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=empty_list)
    findings: dict[str, str] = Field(default_factory=empty_dict)
    completeness: Literal["complete", "partial"] = "complete"


class RuleExample(ExampleCase):
    """A tiny case beside the rule, checked by the test-suite (like Semgrep's rule tests)."""

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
    references: list[str] = Field(default_factory=empty_list)
    examples: list[RuleExample] = Field(default_factory=empty_list)
    changelog: list[ChangelogEntry] = Field(default_factory=empty_list)

    @model_validator(mode="after")
    def _has_condition(self) -> Self:
        if self.when is None and not self.otherwise:
            raise ValueError("a rule needs 'when' (only an 'otherwise' rule may omit it)")
        return self

    def alternatives(self) -> list[list[Pattern]]:
        """The rule's condition as conjunctions; an `otherwise` rule adds 'no other conclusion'."""
        alts = [[]] if self.when is None else alternatives(self.when)
        if self.otherwise:
            default: Pattern = no_conclusion(self.then.conclude)
            alts = [[*patterns, default] for patterns in alts]
        return alts

    @field_validator("citation", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


# --------------------------------------------------------------------------- weighings

Number = int | float
Threshold = Annotated[
    Annotated[ParamRef, Tag("param")] | Annotated[Number, Tag("scalar")],
    _by_key("param"),
]


class WeighTerm(Strict):
    """One consideration of a weighing: a condition on the evidence worth some points, or a
    finding whose value is worth points (`points` then maps each value to its points)."""

    label: str = Field(min_length=1)
    group: Annotated[str, Field(pattern=IDENT)] | None = None
    when: Condition | None = None
    finding: Annotated[str, Field(pattern=IDENT)] | None = None
    points: Number | dict[str, Number]
    circumstance: bool = Field(
        default=False,
        description="A fact about the country, not an effort or failing of its government "
        "(armed conflict, say): it counts, but an explanation never offers it as a way up",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.when is None) == (self.finding is None):
            raise ValueError("a term needs exactly one of 'when' (evidence) or 'finding'")
        if self.when is not None and isinstance(self.points, dict):
            raise ValueError("a 'when' term is worth a number of points, not a mapping")
        if self.finding is not None and not isinstance(self.points, dict):
            raise ValueError("a 'finding' term maps each value of the finding to its points")
        return self

    def point_range(self) -> tuple[float, float]:
        if isinstance(self.points, dict):
            values = list(self.points.values()) or [0]
            return float(min(values)), float(max(values))
        return float(self.points), float(self.points)


class WeighGroup(Strict):
    """How the terms of one group combine: their sum, or only the largest or smallest, bounded."""

    combine: Literal["sum", "max", "min"] = "sum"
    cap: Number | None = Field(default=None, description="The group counts for at most this much")
    floor: Number | None = Field(default=None, description="The group counts for at least this")
    title: str | None = None


class Band(Strict):
    """A value of the weighed conclusion and the least total that earns it (none: the rest)."""

    value: str
    min: Threshold | None = None


class SilentCase(Strict):
    """What a weighing concludes when none of its evidence terms matched, and why.

    Silence means different things in a complete narrative (nothing reported) and in a partial
    one (unknown): each case says which, with its ground; the first whose condition holds applies.
    Without `value`, the ordinary band for the total is concluded (with the reason shown).
    """

    when: Condition | None = None
    value: str | None = None
    reason: str = Field(min_length=1)


class WeighSpec(Strict):
    conclude: Annotated[str, Field(pattern=IDENT)]
    terms: list[WeighTerm] = Field(min_length=1)
    groups: dict[Annotated[str, Field(pattern=IDENT)], WeighGroup] = Field(
        default_factory=empty_dict
    )
    bands: list[Band] = Field(min_length=1)
    silent: list[SilentCase] = Field(default_factory=empty_list)
    undetermined: str | None = Field(
        default=None,
        description="Concluded when a finding term is unknown and its possible values straddle a band",
    )

    @model_validator(mode="after")
    def _bands_ordered(self) -> Self:
        if self.bands[-1].min is not None:
            raise ValueError("the last band takes every remaining total: it has no 'min'")
        if any(band.min is None for band in self.bands[:-1]):
            raise ValueError("every band but the last needs a 'min'")
        return self


class WeighExample(ExampleCase):
    """A small case beside a weighing, with the value it must conclude."""

    expect: str


class Weighing(Strict):
    """A conclusion weighed from many considerations, each worth points, banded into values.

    The statute gives factors, not formulas (TVPA §108(b): "should be considered as indicia"):
    a weighing states openly which evidence counts for how much and where the lines fall, so
    that a policy officer can follow, and an auditor can diff, every step.
    """

    id: Annotated[str, Field(pattern=RULE_ID)]
    title: str
    citation: str
    text: str = Field(min_length=1)
    in_force: YearRange
    weigh: WeighSpec
    status: Literal["stable", "test", "experimental"] = "stable"
    verified: bool = True
    note: str | None = None
    references: list[str] = Field(default_factory=empty_list)
    examples: list[WeighExample] = Field(default_factory=empty_list)
    changelog: list[ChangelogEntry] = Field(default_factory=empty_list)
    otherwise: bool = (
        False  # never a default: kept so that renderers treat rules and weighings alike
    )

    @field_validator("citation", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @property
    def concludes(self) -> str:
        return self.weigh.conclude

    def values(self) -> list[str]:
        """Every value this weighing can conclude."""
        out = [band.value for band in self.weigh.bands]
        out += [case.value for case in self.weigh.silent if case.value is not None]
        if self.weigh.undetermined is not None:
            out.append(self.weigh.undetermined)
        return list(dict.fromkeys(out))


LawItem = Rule | Weighing
