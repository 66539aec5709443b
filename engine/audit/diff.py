"""Semantic diff of two rulebooks, in legal terms and by stable rule id.

A line diff of YAML says which characters moved; a reviewer needs to know which rules of law
changed, how their conditions read before and after, for which report years a threshold moved,
and whether a change can alter any placement at all (outcome-affecting) or only the words
around it (editorial). Everything here reads the loaded models, so formatting, comments and
key order never show up as changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.audit.diff_definitions import parameter_changes, rulebook_changes, vocabulary_changes
from engine.audit.diff_model import AFFECTING, LOGIC_ASPECTS, RulesDiff
from engine.audit.diff_rules import rule_changes
from engine.audit.gitsource import side_directory
from engine.audit.versioning import VersionVerdict, declared_version, version_verdict
from engine.errors import InputError, Problem
from engine.load.cache import load_rulebook_cached
from engine.load.rulebook import Rulebook
from engine.reason.describe import shown_value


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
        versioning=version_verdict(changes, base, head),
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


@dataclass
class BaseCheck:
    """`lint --base`: the working rulebook against a base, for the version policy and changelogs."""

    label: str
    verdict: VersionVerdict
    changelog: list[Problem]


def check_against_base(spec: str, rules_dir: Path, head: Rulebook, repo_start: Path) -> BaseCheck:
    """Compare `head` with the base `spec` names (a directory, git:REV or a bare REV).

    A base this engine cannot load is judged as a change of the rule language (breaking), with
    the version its files declare; naming a base that does not exist is an input error.
    """
    with side_directory(spec, rules_dir, repo_start) as (label, path, _commit):
        try:
            base = load_rulebook_cached(path, display_root=label)
        except InputError as exc:
            verdict = version_verdict(
                None,
                None,
                head,
                base_version=declared_version(path),
                base_problem=exc.problems[0].render(),
            )
            return BaseCheck(label, verdict, [])
    diff = semantic_diff(base, head)
    assert diff.versioning is not None
    return BaseCheck(label, diff.versioning, changelog_warnings(base, head))
