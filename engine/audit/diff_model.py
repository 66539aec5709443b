"""The semantic diff as data: changes graded outcome-affecting or editorial, and readable forms.

A change is outcome-affecting when it can move a placement (a rule's condition, conclusion,
default flag or years in force, a parameter value some rule reads, the vocabulary a rule or
dossier relies on); everything else (titles, citations, texts, notes, examples) is editorial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidencePattern,
    LawItem,
    ParamRef,
    Weighing,
    alternatives,
)
from engine.reason.describe import describe_pattern, shown_value, weighing_lines

if TYPE_CHECKING:
    from engine.audit.versioning import VersionVerdict

AFFECTING = "outcome-affecting"
EDITORIAL = "editorial"

# Rule fields that decide what a rule concludes, and when: a change to any of them can move a
# placement. Everything else (title, citation, text, explanation, notes, examples) is editorial.
LOGIC_ASPECTS = ("condition", "conclusion", "default", "in force")


@dataclass
class Detail:
    """One aspect of a change, with its readable before and after."""

    aspect: str
    grade: str
    before: Any = None
    after: Any = None
    years: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aspect": self.aspect,
            "grade": self.grade,
            "before": self.before,
            "after": self.after,
        }
        if self.years is not None:
            out["years"] = self.years
        return out


@dataclass
class Change:
    """Everything that changed about one rule, parameter, vocabulary entry or the rulebook."""

    kind: str
    action: str
    id: str
    title: str
    details: list[Detail] = field(default_factory=list)
    old_id: str | None = None
    citation: str | None = None
    defined_at: str | None = None
    changelog: list[dict[str, Any]] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def grade(self) -> str:
        return AFFECTING if any(d.grade == AFFECTING for d in self.details) else EDITORIAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "action": self.action,
            "id": self.id,
            "old_id": self.old_id,
            "title": self.title,
            "grade": self.grade,
            "citation": self.citation,
            "defined_at": self.defined_at,
            "details": [d.to_dict() for d in self.details],
            "changelog": self.changelog,
            "used_by": self.used_by,
            "warnings": self.warnings,
        }


@dataclass
class RulesDiff:
    """The semantic difference between a base and a head rulebook."""

    base: dict[str, Any]
    head: dict[str, Any]
    changes: list[Change]
    # rule id → why the rule now behaves differently (its own logic, or a parameter it reads)
    responsible: dict[str, list[str]]
    # the rulebook version step against what the changes require (docs/versioning.md)
    versioning: VersionVerdict | None = None
    engine_version: str = __version__

    def count(self, grade: str) -> int:
        return sum(1 for change in self.changes if change.grade == grade)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "tip-assess/rules-diff/1",
            "engine_version": self.engine_version,
            "base": self.base,
            "head": self.head,
            "versioning": None if self.versioning is None else self.versioning.to_dict(),
            "summary": {
                "changes": len(self.changes),
                "outcome_affecting": self.count(AFFECTING),
                "editorial": self.count(EDITORIAL),
            },
            "changes": [change.to_dict() for change in self.changes],
            "responsible": self.responsible,
        }


# --------------------------------------------------------------------------- readable forms


def condition_lines(rule: LawItem) -> list[str]:
    """The rule's `when` as readable lines; alternatives are numbered."""
    if isinstance(rule, Weighing):
        return weighing_lines(rule)
    if rule.when is None:
        return []
    alts = alternatives(rule.when)
    if len(alts) == 1:
        return [describe_pattern(p) for p in alts[0]]
    return [
        f"alternative {number}: {describe_pattern(p)}"
        for number, alt in enumerate(alts, 1)
        for p in alt
    ]


def conclusion_text(rule: LawItem) -> str:
    if isinstance(rule, Weighing):
        return f"{rule.concludes} weighed into {', '.join(rule.values())}"
    return f"{rule.then.conclude} = {shown_value(rule.then.value)}"


def parameters_read(rule: LawItem) -> set[str]:
    """Names of the parameters a rule's condition (or a weighing's terms and bands) reads."""
    names: set[str] = set()
    conditions = []
    if isinstance(rule, Weighing):
        names.update(b.min.param for b in rule.weigh.bands if isinstance(b.min, ParamRef))
        conditions = [t.when for t in rule.weigh.terms if t.when is not None]
    elif rule.when is not None:
        conditions = [rule.when]
    for condition in conditions:
        names |= _condition_parameters(condition)
    return names


def _condition_parameters(condition: Any) -> set[str]:
    names: set[str] = set()
    for alt in alternatives(condition):
        for pattern in alt:
            inner = pattern.none if isinstance(pattern, AbsencePattern) else pattern
            if not isinstance(inner, EvidencePattern):
                continue
            for test in inner.where.values():
                if isinstance(test, Comparison):
                    names.update(
                        operand.param
                        for _, operand in test.operators()
                        if hasattr(operand, "param")
                    )
    return names


def words(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())
