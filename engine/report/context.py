"""What a report needs beside the assessment document: the rulebook's words and the narrative.

The assessment document (JSON) is the record of a decision; a report also shows the
plain-English label of each value (rules/labels.yaml), the titles of evidence kinds and
conclusions, each rule's references, and the narrative the quotes come from. A `ReportContext`
carries these. Without one (e.g. a rulebook without labels) a report still renders, with the
vocabulary's own value names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from engine.load.dossier import LoadedDossier
from engine.load.labels import Group, Label, Labels
from engine.load.rulebook import Rulebook


@dataclass(frozen=True)
class Links:
    """Where a report points for a quote, a record or a rule (the HTML report: its own anchors)."""

    quote: str = "#quote-{id}"
    record: str = "#record-{id}"
    rule: str = "#rule-{id}"
    narrative_line: str = "#line-{line}"

    def to_quote(self, record: str) -> str:
        return self.quote.format(id=anchor(record))

    def to_record(self, record: str) -> str:
        return self.record.format(id=anchor(record))

    def to_rule(self, rule: str) -> str:
        return self.rule.format(id=anchor(rule))

    def to_line(self, line: int) -> str:
        return self.narrative_line.format(line=line)


@dataclass
class ReportContext:
    labels: Labels | None = None
    kind_titles: dict[str, str] = field(default_factory=dict)
    conclusion_titles: dict[str, str] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)
    narrative: str | None = None
    narrative_name: str | None = None
    links: Links = field(default_factory=Links)

    def label(self, subject: str, value: str | None) -> Label:
        if value is None:
            return Label("Not concluded", "unknown")
        found = self.labels.label(subject, value) if self.labels else None
        return found if found is not None else Label(value.replace("_", " "), "neutral")

    def title(self, subject: str, doc: dict[str, Any] | None = None) -> str:
        if doc is not None:
            for finding in doc.get("findings", []):
                if finding["subject"] == subject:
                    return str(finding["title"])
        return self.conclusion_titles.get(subject, subject.replace("_", " "))

    def kind(self, kind: str) -> str:
        return kind.replace("_", " ")

    @property
    def groups(self) -> list[Group]:
        return list(self.labels.groups) if self.labels else []


def report_context(book: Rulebook, loaded: LoadedDossier | None = None) -> ReportContext:
    """The rulebook's words and the dossier's narrative, for rendering its assessment."""
    return ReportContext(
        labels=book.labels,
        kind_titles={name: kind.title for name, kind in book.kinds.items()},
        conclusion_titles={name: spec.title for name, spec in book.conclusions.items()},
        references={rule.id: list(rule.references) for rule in book.rules},
        narrative=loaded.source_text if loaded is not None else None,
        narrative_name=display_path(loaded.source_path) if loaded is not None else None,
    )


def display_path(path: str) -> str:
    """A path as a report shows it: without `..` steps, and relative to the working directory
    when it lies inside it, so that a circulated report does not carry the machine's folders."""
    normal = os.path.normpath(os.path.abspath(path))
    try:
        relative = os.path.relpath(normal)
    except ValueError:  # another drive (Windows)
        return normal
    return normal if relative.startswith("..") else relative


def anchor(text: str) -> str:
    """An id safe in a URL fragment and an HTML id attribute."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def split_title(title: str) -> tuple[str, str]:
    """'Criterion 2, protection of victims' -> ('Criterion 2', 'protection of victims')."""
    name, sep, topic = title.partition(", ")
    return (name, topic) if sep and len(name) <= 24 else (title, "")


def natural_key(text: str) -> list[Any]:
    """item_2 < item_10: numbers compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


_FINDING = re.compile(r"^finding '([^']+)' is (.+)$")
_ANY_FINDING = re.compile(r"^any finding on '([^']+)'$")
_NO_FINDING = re.compile(r"^no finding (?:on )?'([^']+)'(?: is (.+))?$")
_EVIDENCE = re.compile(r"^(no )?evidence '([^']+)'(?: with (.+))?$")
_DETAIL_FINDING = re.compile(r"^'([^']+)' (is (.+)|not concluded)$")
_DETAIL_COUNT = re.compile(r"^(\d+) '([^']+)' record\(s\), none with the required values$")
_DETAIL_NONE = re.compile(r"^no '([^']+)' record in the dossier$")


def _values(text: str) -> list[str]:
    return [part.strip().strip("'") for part in text.split(" or ")]


def condition_text(ctx: ReportContext, condition: str, doc: dict[str, Any] | None = None) -> str:
    """A rule condition in words: "<conclusion's name> is <value's label>" for "finding 'x' is 'v'"."""
    found = _FINDING.match(condition)
    if found:
        subject = found.group(1)
        words = " or ".join(ctx.label(subject, v).text for v in _values(found.group(2)))
        return f"{split_title(ctx.title(subject, doc))[0]} is {words}"
    found = _NO_FINDING.match(condition)
    if found:
        subject, values = found.groups()
        name = split_title(ctx.title(subject, doc))[0]
        if values is None:
            return f"no conclusion on {name}"
        return f"{name} is not {' or '.join(ctx.label(subject, v).text for v in _values(values))}"
    found = _ANY_FINDING.match(condition)
    if found:
        return f"{split_title(ctx.title(found.group(1), doc))[0]} is concluded"
    found = _EVIDENCE.match(condition)
    if found:
        negated, kind, tests = found.groups()
        head = f"{'no' if negated else 'a'} record of {ctx.kind(kind)}"
        return f"{head} with {tests}" if tests else head
    return condition


def detail_text(ctx: ReportContext, detail: str, doc: dict[str, Any] | None = None) -> str:
    """What was found instead, in words."""
    found = _DETAIL_FINDING.match(detail)
    if found:
        subject = found.group(1)
        if found.group(3) is None:
            return "it is not concluded"
        return f"it is {ctx.label(subject, _values(found.group(3))[0]).text}"
    found = _DETAIL_COUNT.match(detail)
    if found:
        count = int(found.group(1))
        noun = "record" if count == 1 else "records"
        return f"{count} {ctx.kind(found.group(2))} {noun}, none with the required values"
    found = _DETAIL_NONE.match(detail)
    if found:
        return f"no record of {ctx.kind(found.group(1))} in the dossier"
    return detail
