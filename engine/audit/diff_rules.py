"""Rules compared by stable id: added, removed, renamed (same logic, new id) and changed."""

from __future__ import annotations

from typing import Any

from engine.assessment import canonical_json
from engine.audit.diff_model import (
    AFFECTING,
    EDITORIAL,
    LOGIC_ASPECTS,
    Change,
    Detail,
    conclusion_text,
    condition_lines,
    words,
)
from engine.load.rulebook import Rulebook
from engine.models import LawItem, Weighing


def _logic(rule: LawItem) -> str:
    """A fingerprint of what a rule decides, to recognise a rule under a new id."""
    fields = {"weigh"} if isinstance(rule, Weighing) else {"when", "then", "otherwise"}
    dumped = rule.model_dump(mode="json", by_alias=True, include=fields)
    dumped["in_force"] = rule.in_force.label()
    return canonical_json(dumped)


def _origin_file(book: Rulebook, key: str) -> str | None:
    origin = book.origins.get(key)
    if origin is None:
        return None
    # Drop the root label (a directory or git:REV/rules): a file keeps its name across sides.
    return origin.file.removeprefix(book.root.rstrip("/") + "/")


def _rule_details(old: LawItem, new: LawItem) -> list[Detail]:
    details: list[Detail] = []
    before, after = condition_lines(old), condition_lines(new)
    if before != after:
        aspect = "weighing" if isinstance(new, Weighing) else "condition"
        details.append(Detail(aspect, AFFECTING, before, after))
    if conclusion_text(old) != conclusion_text(new):
        details.append(Detail("conclusion", AFFECTING, conclusion_text(old), conclusion_text(new)))
    if old.otherwise != new.otherwise:
        details.append(Detail("default", AFFECTING, old.otherwise, new.otherwise))
    if old.in_force != new.in_force:
        details.append(Detail("in force", AFFECTING, old.in_force.label(), new.in_force.label()))
    for aspect, was, now in (
        ("citation", old.citation, new.citation),
        ("statutory text", words(old.text), words(new.text)),
        ("title", old.title, new.title),
        ("explanation", words(getattr(old, "explain", None)), words(getattr(new, "explain", None))),
        ("note", words(old.note), words(new.note)),
        ("verified", old.verified, new.verified),
        ("status", old.status, new.status),
        ("references", old.references, new.references),
        ("circumstances", _circumstances(old), _circumstances(new)),
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


def _circumstances(item: LawItem) -> list[str]:
    """A weighing's terms that explanations never offer as a way up (editorial: the total,
    and so every placement, is the same)."""
    if not isinstance(item, Weighing):
        return []
    return [term.label for term in item.weigh.terms if term.circumstance]


def _changelog(old: LawItem | None, new: LawItem) -> list[dict[str, Any]]:
    known = {entry.model_dump_json() for entry in old.changelog} if old else set()
    return [
        {**entry.model_dump(), "new": entry.model_dump_json() not in known}
        for entry in new.changelog
    ]


def _has_new_changelog(old: LawItem, new: LawItem) -> bool:
    return any(entry["new"] for entry in _changelog(old, new))


def _rule_change(
    base: Rulebook, head: Rulebook, old: LawItem, new: LawItem, action: str
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
        defined_at=head.defined_at(new.id),
        details=details,
        changelog=_changelog(old, new),
    )
    if any(d.aspect in LOGIC_ASPECTS for d in details) and not _has_new_changelog(old, new):
        change.warnings.append("its logic changed but its changelog has no new entry")
    return change


def _pair_renames(removed: list[LawItem], added: list[LawItem]) -> list[tuple[LawItem, LawItem]]:
    """Match removed and added rules that decide the same thing: a new id for an old rule."""
    pairs: list[tuple[LawItem, LawItem]] = []
    free = list(added)
    for old in removed:
        match = next((new for new in free if _logic(new) == _logic(old)), None)
        if match is not None:
            pairs.append((old, match))
            free.remove(match)
    return pairs


def _whole_rule(book: Rulebook, rule: LawItem, action: str) -> Change:
    """A rule `added` (it is only in the head `book`) or `removed` (only in the base `book`)."""
    added = action == "added"
    logic = (
        ("condition", condition_lines(rule)),
        ("conclusion", conclusion_text(rule)),
        ("in force", rule.in_force.label()),
    )
    return Change(
        kind="rule",
        action=action,
        id=rule.id,
        title=rule.title,
        citation=rule.citation,
        defined_at=book.defined_at(rule.id),
        details=[
            Detail(aspect, AFFECTING, None, text)
            if added
            else Detail(aspect, AFFECTING, text, None)
            for aspect, text in logic
        ],
        changelog=_changelog(None, rule) if added else [],
    )


def rule_changes(base: Rulebook, head: Rulebook) -> list[Change]:
    """Rules added, removed, renamed and changed, in the head rulebook's order."""
    old_by_id = {rule.id: rule for rule in base.items()}
    new_by_id = {rule.id: rule for rule in head.items()}
    removed = [rule for rule in base.items() if rule.id not in new_by_id]
    added = [rule for rule in head.items() if rule.id not in old_by_id]
    renames = _pair_renames(removed, added)
    renamed_old = {old.id: new for old, new in renames}
    renamed_new = {new.id: old for old, new in renames}
    changes: list[Change] = []
    for new in head.items():
        if new.id in old_by_id:
            change = _rule_change(base, head, old_by_id[new.id], new, "changed")
        elif new.id in renamed_new:
            change = _rule_change(base, head, renamed_new[new.id], new, "renamed")
        else:
            change = _whole_rule(head, new, "added")
        if change is not None:
            changes.append(change)
    for old in base.items():
        if old.id in new_by_id or old.id in renamed_old:
            continue
        changes.append(_whole_rule(base, old, "removed"))
    return changes
