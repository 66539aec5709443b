"""Dossiers: evidence records with their quotes, analyst judgments, and the facts inference sees."""

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
)

from engine.models.base import IDENT, RECORD_ID, Strict, empty_dict, empty_list

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
    values: dict[Annotated[str, Field(pattern=IDENT)], Any] = Field(default_factory=empty_dict)
    note: str | None = None
    reading: Reading | None = None


class JudgmentRecord(Strict):
    """An analyst's judgment the law requires (e.g. 'commensurate with rape'), kept apart from facts."""

    id: Annotated[str, Field(pattern=RECORD_ID)]
    kind: Annotated[str, Field(pattern=IDENT)]
    values: dict[Annotated[str, Field(pattern=IDENT)], Any] = Field(default_factory=empty_dict)
    rationale: str = Field(min_length=1)
    basis: list[str] = Field(default_factory=empty_list)
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
    records: list[EvidenceRecord] = Field(default_factory=empty_list)
    judgments: list[JudgmentRecord] = Field(default_factory=empty_list)
    note: str | None = None


@dataclass(frozen=True)
class InputFact:
    """An evidence or judgment record as the engine sees it (dossier, history or test case)."""

    record_id: str
    kind: str
    values: dict[str, Any]
    judgment: bool
    # The values as the engine reads them, written as JSON, by the kind they were converted
    # for: a what-if sweep posts the same fact run after run. Lives and dies with the fact; not
    # an init field, so that `dataclasses.replace` (a what-if changing the values) starts the
    # copy afresh.
    engine_values: dict[int, tuple[Any, str]] = field(
        default_factory=dict, init=False, compare=False, repr=False, hash=False
    )

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the conversions (they hold the kind, and are keyed by this process's
        object ids)."""
        return {**self.__dict__, "engine_values": {}}


def normalise_space(text: str) -> str:
    """Quotes are compared with runs of white space folded, so line wrapping never matters
    (str.split's white space is re's \\s, character for character: a test holds them to it)."""
    return " ".join(text.split())
