"""Parameters, vocabulary and the rulebook section compared between two rulebooks.

A parameter value is compared report year by report year; a change is outcome-affecting only
when some rule reads the parameter. Removing or retyping vocabulary can invalidate dossiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.audit.diff_model import (
    AFFECTING,
    EDITORIAL,
    Change,
    Detail,
    parameters_read,
    words,
)
from engine.load.rulebook import Rulebook
from engine.models import EvidenceKind, FieldSpec, Parameter, year_span

# --------------------------------------------------------------------------- parameters


def _boundaries(params: Iterable[Parameter]) -> list[int]:
    points: set[int] = set()
    for param in params:
        for step in param.values:
            points.add(step.start)
            if step.end is not None:
                points.add(step.end + 1)
    return sorted(points)


def value_changes(old: Parameter | None, new: Parameter | None) -> list[Detail]:
    """Report years (as ranges) in which the parameter's value differs, with both values."""
    params = [p for p in (old, new) if p is not None]
    points = _boundaries(params)
    if not points:
        return []
    details: list[Detail] = []
    # Each interval between boundaries has one value on each side; the last runs on forever.
    intervals = [
        (start, points[i + 1] - 1 if i + 1 < len(points) else None)
        for i, start in enumerate(points)
    ]
    current: tuple[int, int | None, Any, Any] | None = None
    for start, end in intervals:
        before = old.value_for(start) if old else None
        after = new.value_for(start) if new else None
        if before == after:
            if current:
                details.append(_value_detail(*current))
                current = None
            continue
        if current and current[2] == before and current[3] == after:
            current = (current[0], end, before, after)
        else:
            if current:
                details.append(_value_detail(*current))
            current = (start, end, before, after)
    if current:
        details.append(_value_detail(*current))
    return details


def _value_detail(start: int, end: int | None, before: Any, after: Any) -> Detail:
    return Detail("value", AFFECTING, before, after, years=year_span(start, end))


def _readers(books: Iterable[Rulebook], name: str) -> list[str]:
    readers: list[str] = []
    for book in books:
        for rule in book.items():
            if name in parameters_read(rule) and rule.id not in readers:
                readers.append(rule.id)
    return readers


def _step_notes(param: Parameter) -> list[str]:
    return [
        f"{year_span(step.start, step.end)}: "
        + "; ".join(part for part in (step.source, step.note) if part)
        for step in param.values
        if step.source or step.note
    ]


def parameter_changes(base: Rulebook, head: Rulebook) -> list[Change]:
    changes: list[Change] = []
    names = list(head.parameters) + [n for n in base.parameters if n not in head.parameters]
    for name in names:
        old, new = base.parameters.get(name), head.parameters.get(name)
        readers = _readers((base, head), name)
        details = value_changes(old, new)
        if old is not None and new is not None:
            if old.type != new.type:
                details.append(Detail("type", AFFECTING, old.type, new.type))
            for aspect, was, now in (
                ("title", old.title, new.title),
                ("citation", old.citation, new.citation),
                ("description", words(old.description), words(new.description)),
                ("unit", old.unit, new.unit),
                ("verified", old.verified, new.verified),
                ("sources and notes", _step_notes(old), _step_notes(new)),
            ):
                if was != now:
                    details.append(Detail(aspect, EDITORIAL, was, now))
        if not details:
            continue
        if not readers:
            # A value no rule reads cannot move a placement.
            for detail in details:
                detail.grade = EDITORIAL
        shown = new or old
        assert shown is not None
        action = "added" if old is None else "removed" if new is None else "changed"
        changes.append(
            Change(
                kind="parameter",
                action=action,
                id=name,
                title=shown.title,
                citation=shown.citation,
                defined_at=(head if new else base).defined_at(f"parameter:{name}"),
                details=details,
                used_by=readers,
            )
        )
    return changes


# --------------------------------------------------------------------------- vocabulary, rulebook


def _field_details(old: EvidenceKind, new: EvidenceKind) -> list[Detail]:
    """Removed, retyped or newly required fields can invalidate dossiers; the rest is wording."""
    details: list[Detail] = []
    for name in [*new.fields, *[f for f in old.fields if f not in new.fields]]:
        was, now = old.fields.get(name), new.fields.get(name)
        if was is None and now is not None:
            grade = AFFECTING if now.required else EDITORIAL
            details.append(Detail(f"field {name}", grade, None, _field_type(now)))
        elif now is None and was is not None:
            details.append(Detail(f"field {name}", AFFECTING, _field_type(was), None))
        elif was is not None and now is not None:
            if _field_type(was) != _field_type(now):
                details.append(
                    Detail(f"field {name}", AFFECTING, _field_type(was), _field_type(now))
                )
            if was.required != now.required:
                grade = AFFECTING if now.required else EDITORIAL
                details.append(Detail(f"field {name} required", grade, was.required, now.required))
            if (words(was.description), was.unit) != (words(now.description), now.unit):
                details.append(
                    Detail(
                        f"field {name} description",
                        EDITORIAL,
                        words(was.description),
                        words(now.description),
                    )
                )
    return details


def _field_type(spec: FieldSpec) -> str:
    return spec.type + (f" {spec.values}" if spec.values else "")


def vocabulary_changes(base: Rulebook, head: Rulebook) -> list[Change]:
    """Evidence kinds and conclusions: removing or retyping can invalidate dossiers or rules."""
    changes: list[Change] = []
    for name in list(head.kinds) + [k for k in base.kinds if k not in head.kinds]:
        old, new = base.kinds.get(name), head.kinds.get(name)
        if old == new:
            continue
        details: list[Detail] = []
        if old is None or new is None:
            action = "added" if old is None else "removed"
            grade = EDITORIAL if old is None else AFFECTING
            details.append(
                Detail(
                    "evidence kind",
                    grade,
                    None if old is None else name,
                    None if new is None else name,
                )
            )
        else:
            action = "changed"
            details += _field_details(old, new)
            for aspect, before, after in (
                ("title", old.title, new.title),
                ("description", words(old.description), words(new.description)),
                ("pillar", old.pillar, new.pillar),
                ("judgment", old.judgment, new.judgment),
            ):
                if before != after:
                    grade = AFFECTING if aspect == "judgment" else EDITORIAL
                    details.append(Detail(aspect, grade, before, after))
        if details:
            shown = new or old
            assert shown is not None
            changes.append(Change("evidence kind", action, name, shown.title, details))
    for name in list(head.conclusions) + [c for c in base.conclusions if c not in head.conclusions]:
        old_c, new_c = base.conclusions.get(name), head.conclusions.get(name)
        if old_c == new_c:
            continue
        details = []
        if old_c is None or new_c is None:
            action = "added" if old_c is None else "removed"
            details.append(
                Detail(
                    "values",
                    AFFECTING,
                    None if old_c is None else old_c.values,
                    None if new_c is None else new_c.values,
                )
            )
        else:
            action = "changed"
            if old_c.values != new_c.values:
                details.append(Detail("values", AFFECTING, old_c.values, new_c.values))
            for aspect, before, after in (
                ("title", old_c.title, new_c.title),
                ("citation", old_c.citation, new_c.citation),
                ("description", words(old_c.description), words(new_c.description)),
            ):
                if before != after:
                    details.append(Detail(aspect, EDITORIAL, before, after))
        shown_c = new_c or old_c
        assert shown_c is not None
        changes.append(Change("conclusion", action, name, shown_c.title, details))
    return changes


def rulebook_changes(base: Rulebook, head: Rulebook) -> list[Change]:
    old, new = base.info, head.info
    details: list[Detail] = []
    old_outcome = old.outcome.model_dump(mode="json", by_alias=True, exclude_none=True)
    new_outcome = new.outcome.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key in new_outcome:
        if old_outcome.get(key) != new_outcome[key]:
            details.append(
                Detail(f"outcome {key}", AFFECTING, old_outcome.get(key), new_outcome[key])
            )
    # The history settings decide which facts a placement history becomes, and which histories
    # are accepted: a change can move a placement.
    old_history = old.history.model_dump(mode="json") if old.history else None
    new_history = new.history.model_dump(mode="json") if new.history else None
    if old_history != new_history:
        details.append(Detail("history settings", AFFECTING, old_history, new_history))
    for aspect, before, after in (
        ("name", old.name, new.name),
        ("title", old.title, new.title),
        ("version", old.version, new.version),
        ("description", words(old.description), words(new.description)),
        ("engine", old.engine, new.engine),
        ("coverage threshold", old.coverage_threshold, new.coverage_threshold),
    ):
        if before != after:
            details.append(Detail(aspect, EDITORIAL, before, after))
    if not details:
        return []
    return [Change("rulebook", "changed", new.name, new.title, details)]
