"""The pieces of a report's reading of an assessment: table rows, sections, tree nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.load.labels import Label
from engine.report.context import split_title


@dataclass
class Row:
    """One finding in the summary table."""

    subject: str
    title: str
    value: str | None
    label: Label
    reason: str
    rules: list[str]
    unverified: list[str]
    justifications: int
    default: bool = False
    weighing: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return split_title(self.title)[0]

    @property
    def topic(self) -> str:
        return split_title(self.title)[1]


@dataclass
class Section:
    title: str
    rows: list[Row]


@dataclass
class Node:
    """A line of an explanation tree.

    kind: finding | justification | rule | holds | fails | miss | record | text | note | ref
    """

    kind: str
    text: str
    rule: str | None = None
    record: str | None = None
    subject: str | None = None
    unverified: bool = False
    children: list[Node] = field(default_factory=list)


@dataclass
class Missing:
    subject: str
    title: str
    value: Label
    settle_with: list[str]
