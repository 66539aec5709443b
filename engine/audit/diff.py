"""Semantic diff of two rulebooks, in legal terms and by stable rule id.

A line diff of YAML says which characters moved; a reviewer needs to know which rules of law
changed, how their conditions read before and after, for which report years a threshold moved,
and whether a change can alter any placement at all (outcome-affecting) or only the words
around it (editorial). Everything here reads the loaded models, so formatting, comments and
key order never show up as changes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.assessment import canonical_json
from engine.errors import Problem
from engine.load.rulebook import Rulebook
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidenceKind,
    EvidencePattern,
    FieldSpec,
    Parameter,
    Rule,
    alternatives,
)
from engine.reason.inference import describe_pattern, shown_value

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

    def count(self, grade: str) -> int:
        return sum(1 for change in self.changes if change.grade == grade)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "tip-assess/rules-diff/1",
            "base": self.base,
            "head": self.head,
            "summary": {
                "changes": len(self.changes),
                "outcome_affecting": self.count(AFFECTING),
                "editorial": self.count(EDITORIAL),
            },
            "changes": [change.to_dict() for change in self.changes],
            "responsible": self.responsible,
        }


# --------------------------------------------------------------------------- readable forms


def condition_lines(rule: Rule) -> list[str]:
    """The rule's `when` as readable lines; alternatives are numbered."""
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


def conclusion_text(rule: Rule) -> str:
    return f"{rule.then.conclude} = {shown_value(rule.then.value)}"


def parameters_read(rule: Rule) -> set[str]:
    """Names of the parameters a rule's condition reads."""
    names: set[str] = set()
    if rule.when is None:
        return names
    for alt in alternatives(rule.when):
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


def _logic(rule: Rule) -> str:
    """A fingerprint of what a rule decides, to recognise a rule under a new id."""
    dumped = rule.model_dump(mode="json", by_alias=True, include={"when", "then", "otherwise"})
    dumped["in_force"] = rule.in_force.label()
    return canonical_json(dumped)


def _words(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _origin(book: Rulebook, key: str) -> str | None:
    origin = book.origins.get(key)
    if origin is None:
        return None
    return f"{origin.file}:{origin.line}" if origin.line else origin.file


def _origin_file(book: Rulebook, key: str) -> str | None:
    origin = book.origins.get(key)
    if origin is None:
        return None
    # Drop the root label (a directory or git:REV/rules): a file keeps its name across sides.
    return origin.file.removeprefix(book.root.rstrip("/") + "/")


def year_label(start: int, end: int | None) -> str:
    if end is None:
        return f"{start} onwards"
    return str(start) if start == end else f"{start}–{end}"


# --------------------------------------------------------------------------- rules


def _rule_details(old: Rule, new: Rule) -> list[Detail]:
    details: list[Detail] = []
    before, after = condition_lines(old), condition_lines(new)
    if before != after:
        details.append(Detail("condition", AFFECTING, before, after))
    if old.then != new.then:
        details.append(Detail("conclusion", AFFECTING, conclusion_text(old), conclusion_text(new)))
    if old.otherwise != new.otherwise:
        details.append(Detail("default", AFFECTING, old.otherwise, new.otherwise))
    if old.in_force != new.in_force:
        details.append(Detail("in force", AFFECTING, old.in_force.label(), new.in_force.label()))
    for aspect, was, now in (
        ("citation", old.citation, new.citation),
        ("statutory text", _words(old.text), _words(new.text)),
        ("title", old.title, new.title),
        ("explanation", _words(old.explain), _words(new.explain)),
        ("note", _words(old.note), _words(new.note)),
        ("verified", old.verified, new.verified),
        ("status", old.status, new.status),
        ("references", old.references, new.references),
    ):
        if was != now:
            details.append(Detail(aspect, EDITORIAL, was, now))
    old_examples = [e.model_dump(mode="json", by_alias=True) for e in old.examples]
    new_examples = [e.model_dump(mode="json", by_alias=True) for e in new.examples]
    if old_examples != new_examples:
        details.append(
            Detail(
                "examples",
                EDITORIAL,
                [f"{e.name}: {e.expect}" for e in old.examples],
                [f"{e.name}: {e.expect}" for e in new.examples],
            )
        )
    return details


def _changelog(old: Rule | None, new: Rule) -> list[dict[str, Any]]:
    known = {entry.model_dump_json() for entry in old.changelog} if old else set()
    return [
        {**entry.model_dump(), "new": entry.model_dump_json() not in known}
        for entry in new.changelog
    ]


def _has_new_changelog(old: Rule, new: Rule) -> bool:
    return any(entry["new"] for entry in _changelog(old, new))


def _rule_change(
    base: Rulebook, head: Rulebook, old: Rule, new: Rule, action: str
) -> Change | None:
    details = _rule_details(old, new)
    moved = _origin_file(base, old.id) != _origin_file(head, new.id)
    if moved:
        details.append(
            Detail("defined in", EDITORIAL, _origin_file(base, old.id), _origin_file(head, new.id))
        )
    if action == "renamed":
        details.insert(0, Detail("id", EDITORIAL, old.id, new.id))
    if not details:
        return None
    change = Change(
        kind="rule",
        action=action,
        id=new.id,
        old_id=old.id if action == "renamed" else None,
        title=new.title,
        citation=new.citation,
        defined_at=_origin(head, new.id),
        details=details,
        changelog=_changelog(old, new),
    )
    if any(d.aspect in LOGIC_ASPECTS for d in details) and not _has_new_changelog(old, new):
        change.warnings.append("its logic changed but its changelog has no new entry")
    return change


def _pair_renames(removed: list[Rule], added: list[Rule]) -> list[tuple[Rule, Rule]]:
    """Match removed and added rules that decide the same thing: a new id for an old rule."""
    pairs: list[tuple[Rule, Rule]] = []
    free = list(added)
    for old in removed:
        match = next((new for new in free if _logic(new) == _logic(old)), None)
        if match is not None:
            pairs.append((old, match))
            free.remove(match)
    return pairs


def rule_changes(base: Rulebook, head: Rulebook) -> list[Change]:
    """Rules added, removed, renamed and changed, in the head rulebook's order."""
    old_by_id = {rule.id: rule for rule in base.rules}
    new_by_id = {rule.id: rule for rule in head.rules}
    removed = [rule for rule in base.rules if rule.id not in new_by_id]
    added = [rule for rule in head.rules if rule.id not in old_by_id]
    renames = _pair_renames(removed, added)
    renamed_old = {old.id: new for old, new in renames}
    renamed_new = {new.id: old for old, new in renames}
    changes: list[Change] = []
    for new in head.rules:
        if new.id in old_by_id:
            change = _rule_change(base, head, old_by_id[new.id], new, "changed")
        elif new.id in renamed_new:
            change = _rule_change(base, head, renamed_new[new.id], new, "renamed")
        else:
            change = Change(
                kind="rule",
                action="added",
                id=new.id,
                title=new.title,
                citation=new.citation,
                defined_at=_origin(head, new.id),
                details=[
                    Detail("condition", AFFECTING, None, condition_lines(new)),
                    Detail("conclusion", AFFECTING, None, conclusion_text(new)),
                    Detail("in force", AFFECTING, None, new.in_force.label()),
                ],
                changelog=_changelog(None, new),
            )
        if change is not None:
            changes.append(change)
    for old in base.rules:
        if old.id in new_by_id or old.id in renamed_old:
            continue
        changes.append(
            Change(
                kind="rule",
                action="removed",
                id=old.id,
                title=old.title,
                citation=old.citation,
                defined_at=_origin(base, old.id),
                details=[
                    Detail("condition", AFFECTING, condition_lines(old), None),
                    Detail("conclusion", AFFECTING, conclusion_text(old), None),
                    Detail("in force", AFFECTING, old.in_force.label(), None),
                ],
            )
        )
    return changes


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
    return Detail("value", AFFECTING, before, after, years=year_label(start, end))


def _readers(books: Iterable[Rulebook], name: str) -> list[str]:
    readers: list[str] = []
    for book in books:
        for rule in book.rules:
            if name in parameters_read(rule) and rule.id not in readers:
                readers.append(rule.id)
    return readers


def _step_notes(param: Parameter) -> list[str]:
    return [
        f"{year_label(step.start, step.end)}: "
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
                ("description", _words(old.description), _words(new.description)),
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
                defined_at=_origin(head if new else base, f"parameter:{name}"),
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
            if (_words(was.description), was.unit) != (_words(now.description), now.unit):
                details.append(
                    Detail(
                        f"field {name} description",
                        EDITORIAL,
                        _words(was.description),
                        _words(now.description),
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
                ("description", _words(old.description), _words(new.description)),
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
                ("description", _words(old_c.description), _words(new_c.description)),
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
    for aspect, before, after in (
        ("name", old.name, new.name),
        ("title", old.title, new.title),
        ("version", old.version, new.version),
        ("description", _words(old.description), _words(new.description)),
        ("engine", old.engine, new.engine),
        ("coverage threshold", old.coverage_threshold, new.coverage_threshold),
    ):
        if before != after:
            details.append(Detail(aspect, EDITORIAL, before, after))
    if not details:
        return []
    return [Change("rulebook", "changed", new.name, new.title, details)]


# --------------------------------------------------------------------------- the whole diff


def semantic_diff(
    base: Rulebook,
    head: Rulebook,
    base_info: dict[str, Any] | None = None,
    head_info: dict[str, Any] | None = None,
) -> RulesDiff:
    """Compare two rulebooks; `*_info` describe the sides (labels, commits) for the report."""
    changes = [
        *rulebook_changes(base, head),
        *vocabulary_changes(base, head),
        *parameter_changes(base, head),
        *rule_changes(base, head),
    ]
    responsible: dict[str, list[str]] = {}
    for change in changes:
        if change.grade != AFFECTING:
            continue
        if change.kind == "rule":
            aspects = [d.aspect for d in change.details if d.grade == AFFECTING]
            reason = (
                change.action
                if change.action in ("added", "removed")
                else (f"{' and '.join(aspects)} changed")
            )
            responsible.setdefault(change.id, []).append(reason)
            if change.old_id:
                responsible.setdefault(change.old_id, []).append(f"renamed to {change.id}")
        elif change.kind == "parameter":
            values = "; ".join(
                f"{shown_value(d.before) if d.before is not None else 'none'} → "
                f"{shown_value(d.after) if d.after is not None else 'none'} "
                f"for report years {d.years}"
                for d in change.details
                if d.aspect == "value"
            )
            reason = f"reads parameter {change.id}" + (f" ({values})" if values else "")
            for rule_id in change.used_by:
                responsible.setdefault(rule_id, []).append(reason)
    return RulesDiff(
        base=base_info or _book_info(base),
        head=head_info or _book_info(head),
        changes=changes,
        responsible=responsible,
    )


def _book_info(book: Rulebook) -> dict[str, Any]:
    return {
        "label": book.root,
        "name": book.info.name,
        "version": book.info.version,
        "rules_sha256": book.sha256,
    }


def changelog_warnings(base_book: Rulebook, head_book: Rulebook) -> list[Problem]:
    """Rules whose logic changed against the base without a new changelog entry.

    A rule's logic is its condition, conclusion, default flag and years in force; a new or
    renamed id counts as the same rule when its logic is unchanged. New rules are not warned
    about: they have no earlier logic to explain.
    """
    problems: list[Problem] = []
    base_label = base_book.root or "the base rulebook"
    for change in rule_changes(base_book, head_book):
        if change.action not in ("changed", "renamed") or not change.warnings:
            continue
        aspects = [d.aspect for d in change.details if d.aspect in LOGIC_ASPECTS]
        origin = head_book.origins.get(change.id)
        problems.append(
            Problem(
                file=origin.file if origin else head_book.root,
                line=origin.line if origin else None,
                field="changelog",
                message=(
                    f"{', '.join(aspects)} changed against {base_label} but the changelog has no "
                    "new entry (add one with date, author and reason)"
                ),
                rule_id=change.id,
            )
        )
    return problems


# --------------------------------------------------------------------------- rendering


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value) if value else "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return canonical_json(value)
    return shown_value(value)


def _detail_lines(detail: Detail, indent: str) -> list[str]:
    if detail.aspect == "value":
        return [
            f"{indent}value for report years {detail.years}: "
            f"{_shown(detail.before)} → {_shown(detail.after)}"
        ]
    if detail.aspect == "condition":
        before = detail.before or []
        after = detail.after or []
        lines = [f"{indent}condition:"]
        for line in difflib.ndiff(before, after):
            tag = line[:1]
            if tag == "?":
                continue
            mark = {"-": "-", "+": "+"}.get(tag, " ")
            lines.append(f"{indent}  {mark} {line[2:]}")
        if not before and not after:
            lines.append(f"{indent}    (no condition)")
        return lines
    if (
        isinstance(detail.before, str)
        and isinstance(detail.after, str)
        and (len(detail.before) + len(detail.after) > 80)
    ):
        return [
            f"{indent}{detail.aspect}:",
            f"{indent}  before: {detail.before}",
            f"{indent}  after:  {detail.after}",
        ]
    return [f"{indent}{detail.aspect}: {_shown(detail.before)} → {_shown(detail.after)}"]


def _heading(change: Change) -> str:
    action = {
        "renamed": f"renamed from {change.old_id}",
    }.get(change.action, change.action)
    return f"{change.kind} {change.id} ({action}): {change.title}"


def _change_lines(change: Change, indent: str = "  ") -> list[str]:
    lines = [f"{indent}{_heading(change)}"]
    sub = indent + "  "
    if change.citation and not any(d.aspect == "citation" for d in change.details):
        lines.append(f"{sub}citation: {change.citation}")
    if change.defined_at:
        lines.append(f"{sub}defined at {change.defined_at}")
    for detail in change.details:
        lines.extend(_detail_lines(detail, sub))
    if change.kind == "parameter":
        lines.append(
            f"{sub}read by: {', '.join(change.used_by)}"
            if change.used_by
            else f"{sub}read by no rule"
        )
    if change.changelog:
        lines.append(f"{sub}changelog:")
        for entry in change.changelog:
            mark = "  (new)" if entry["new"] else ""
            lines.append(f"{sub}  {entry['date']} {entry['author']}: {entry['reason']}{mark}")
    for warning in change.warnings:
        lines.append(f"{sub}warning: {warning}")
    return lines


def _side(info: dict[str, Any]) -> str:
    return f"{info['label']} ({info['name']} {info['version']}, sha256 {info['rules_sha256'][:12]})"


def render_diff(diff: RulesDiff, fmt: str) -> str:
    if fmt == "json":
        return canonical_json(diff.to_dict(), indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(diff)
    lines = [
        f"Rules diff: {_side(diff.base)} → {_side(diff.head)}",
        f"{len(diff.changes)} change(s): {diff.count(AFFECTING)} outcome-affecting, "
        f"{diff.count(EDITORIAL)} editorial",
    ]
    if not diff.changes:
        lines.append("The rulebooks are the same in substance.")
    for grade in (AFFECTING, EDITORIAL):
        group = [c for c in diff.changes if c.grade == grade]
        if not group:
            continue
        lines += ["", grade.upper()]
        for change in group:
            lines.extend(_change_lines(change))
    return "\n".join(lines) + "\n"


def _markdown(diff: RulesDiff) -> str:
    lines = [
        "# Rules diff",
        "",
        f"- base: `{diff.base['label']}` ({diff.base['name']} {diff.base['version']}, "
        f"sha256 `{diff.base['rules_sha256'][:12]}`)",
        f"- head: `{diff.head['label']}` ({diff.head['name']} {diff.head['version']}, "
        f"sha256 `{diff.head['rules_sha256'][:12]}`)",
        f"- {len(diff.changes)} change(s): **{diff.count(AFFECTING)} outcome-affecting**, "
        f"{diff.count(EDITORIAL)} editorial",
    ]
    for grade in (AFFECTING, EDITORIAL):
        group = [c for c in diff.changes if c.grade == grade]
        if not group:
            continue
        lines += ["", f"## {grade.capitalize()}"]
        for change in group:
            lines += ["", f"### {change.kind} `{change.id}` — {change.action}", ""]
            if change.old_id:
                lines.append(f"Renamed from `{change.old_id}`.  ")
            lines.append(f"{change.title}  ")
            if change.citation:
                lines.append(f"*{change.citation}*  ")
            if change.defined_at:
                lines.append(f"Defined at `{change.defined_at}`")
            lines.append("")
            for detail in change.details:
                if detail.aspect == "condition":
                    lines += ["Condition:", "", "```diff"]
                    lines += [line[2:] for line in _detail_lines(detail, "")[1:]]
                    lines += ["```", ""]
                else:
                    text = _detail_lines(detail, "")
                    lines += [f"- {line.strip()}" for line in text]
            if change.kind == "parameter":
                lines.append(
                    "- read by: " + (", ".join(f"`{r}`" for r in change.used_by) or "no rule")
                )
            if change.changelog:
                lines += ["", "Changelog:", ""]
                for entry in change.changelog:
                    mark = " **(new)**" if entry["new"] else ""
                    lines.append(f"- {entry['date']} {entry['author']}: {entry['reason']}{mark}")
            for warning in change.warnings:
                lines += ["", f"> **Warning:** {warning}"]
    return "\n".join(lines) + "\n"
