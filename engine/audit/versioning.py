"""The rulebook's version policy (docs/versioning.md): which bump a change of the rules requires.

The rulebook version is `MAJOR.MINOR.PATCH` and follows the graded semantic diff:

- editorial changes only (titles, citations, texts, notes, examples) → at least a patch bump;
- an outcome-affecting change (a condition, conclusion, default, years in force, a parameter
  value a rule reads, conclusion values, the outcome ladder) → at least a minor bump;
- a breaking change → a major bump: the vocabulary changed so that a dossier valid before may
  no longer load (an evidence kind or field removed, a field retyped, an enum value dropped, a
  field made required, a kind moved between records and judgments), or the rule language
  changed so that the earlier rulebook no longer loads under this engine. While the major
  version is 0 (initial development, as semver allows) a minor bump suffices for it.

A version that goes down is always wrong; a bump larger than required is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.audit.diff_model import AFFECTING, Change
from engine.errors import InputError
from engine.load.rulebook import Rulebook
from engine.load.yamlsource import load_yaml_file

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
LEVELS = ("none", "patch", "minor", "major")
POLICY = "docs/versioning.md"
MAX_REASONS = 3  # shown in a message; the report lists every change anyway


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version | None:
        match = SEMVER.match(text)
        if match is None:
            return None
        return cls(*(int(part) for part in match.groups()))

    def bumped(self, level: str) -> Version:
        if level == "major":
            return Version(self.major + 1, 0, 0)
        if level == "minor":
            return Version(self.major, self.minor + 1, 0)
        if level == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        return self

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def bump_level(old: Version, new: Version) -> str:
    """`major`, `minor`, `patch` or `none` for the step from old to new; `lower` if it goes down."""
    if new < old:
        return "lower"
    if new.major != old.major:
        return "major"
    if new.minor != old.minor:
        return "minor"
    return "patch" if new.patch != old.patch else "none"


def version_format_message(text: str) -> str | None:
    """Why a rulebook version string breaks the policy, or None."""
    if Version.parse(text) is not None:
        return None
    return f"version '{text}' is not MAJOR.MINOR.PATCH (e.g. 0.3.0; see {POLICY})"


def declared_version(root: Path) -> str | None:
    """`rulebook.version` as written in a rules directory, read without validating the rules
    (for a base rulebook that this engine can no longer load)."""
    for path in sorted(root.rglob("*.yaml")):
        try:
            data, _, _ = load_yaml_file(path, str(path))
        except InputError:
            continue
        section = data.get("rulebook") if isinstance(data, dict) else None
        if isinstance(section, dict) and section.get("version") is not None:
            return str(section["version"])
    return None


# --------------------------------------------------------------------------- what a change needs


def dossier_breaking(base: Rulebook, head: Rulebook) -> list[str]:
    """Vocabulary changes after which a dossier (or history) valid under `base` may not load."""
    reasons: list[str] = []
    for name, old in base.kinds.items():
        new = head.kinds.get(name)
        if new is None:
            reasons.append(f"evidence kind {name} removed")
            continue
        if old.judgment != new.judgment:
            reasons.append(f"evidence kind {name} moved between records and judgments")
        for field_name, was in old.fields.items():
            now = new.fields.get(field_name)
            where = f"{name}.{field_name}"
            if now is None:
                reasons.append(f"field {where} removed")
            elif was.type != now.type:
                reasons.append(f"field {where} retyped ({was.type} → {now.type})")
            elif set(was.values or []) - set(now.values or []):
                dropped = sorted(set(was.values or []) - set(now.values or []))
                reasons.append(f"field {where} no longer allows {', '.join(dropped)}")
            elif now.required and not was.required:
                reasons.append(f"field {where} became required")
        for field_name, spec in new.fields.items():
            if field_name not in old.fields and spec.required:
                reasons.append(f"required field {name}.{field_name} added")
    return reasons


def _change_label(change: Change) -> str:
    action = "" if change.action == "changed" else f" {change.action}"
    return f"{change.kind} {change.id}{action}"


def _substantive(changes: Sequence[Change]) -> list[Change]:
    """The changes a version bump answers for: not the version itself."""
    kept = []
    for change in changes:
        if change.kind == "rulebook":
            details = [d for d in change.details if d.aspect != "version"]
            if not details:
                continue
            change = Change(change.kind, change.action, change.id, change.title, details)
        kept.append(change)
    return kept


@dataclass
class VersionVerdict:
    """The rulebook version step between two sides, against what their differences require."""

    base: str
    head: str
    bump: str  # major | minor | patch | none | lower | unknown (a side is not MAJOR.MINOR.PATCH)
    required: str  # none | patch | minor | major
    grade: str  # the class of change that sets the requirement (breaking, outcome-affecting, ...)
    reasons: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. that major version zero lets a minor bump stand for a major one

    @property
    def ok(self) -> bool:
        if self.bump == "unknown":
            return self.required == "none" or self.base != self.head
        if self.bump == "lower":
            return False
        return LEVELS.index(self.bump) >= LEVELS.index(self.required)

    def suggestion(self) -> str | None:
        """The smallest version that satisfies the policy, if the base version is readable."""
        base = Version.parse(self.base)
        if base is None or self.required == "none":
            return None
        return str(base.bumped(self.required))

    def step(self) -> str:
        """`0.2.0 → 0.3.0 (minor)`, the phrase reports print."""
        bump = {"none": "unchanged", "lower": "LOWER", "unknown": "not comparable"}.get(
            self.bump, self.bump
        )
        return f"{self.base} → {self.head} ({bump})"

    def requirement(self) -> str:
        if self.required == "none":
            return "no change requires a new version"
        because = f" ({self.grade}: {'; '.join(self.reasons[:MAX_REASONS])}"
        more = len(self.reasons) - MAX_REASONS
        because += f"; and {more} more)" if more > 0 else ")"
        return f"the changes require at least a {self.required} bump{because}"

    def sentence(self) -> str:
        verdict = "as the policy requires" if self.ok else f"NOT as {POLICY} requires"
        note = f" ({self.note})" if self.note else ""
        return f"rulebook version {self.step()}; {self.requirement()}: {verdict}{note}"

    def problem_message(self, base_label: str) -> str:
        """What lint says when the version did not move as required."""
        if self.bump == "lower":
            return f"version {self.head} is lower than {self.base} in {base_label} (see {POLICY})"
        moved = "unchanged" if self.bump == "none" else f"a {self.bump} bump from {self.base}"
        hint = self.suggestion()
        return (
            f"version {self.head} is {moved} against {base_label}, but "
            f"{self.requirement()}{f': set it to {hint} or higher' if hint else ''} (see {POLICY})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "bump": self.bump,
            "required": self.required,
            "grade": self.grade,
            "reasons": self.reasons,
            "note": self.note,
            "ok": self.ok,
        }


def version_verdict(
    changes: Sequence[Change] | None,
    base: Rulebook | None,
    head: Rulebook,
    *,
    base_version: str | None = None,
    base_problem: str | None = None,
) -> VersionVerdict:
    """Judge the head's version against the base's.

    `changes` is the semantic diff of the two (None when the base did not load: then
    `base_version` is the version its files declare and `base_problem` why it did not load,
    which means the rule language changed under it).
    """
    old_text = base.info.version if base is not None else (base_version or "(none)")
    new_text = head.info.version
    old, new = Version.parse(old_text), Version.parse(new_text)
    bump = bump_level(old, new) if old is not None and new is not None else "unknown"
    breaking = (
        [f"the base rulebook does not load under this engine: {base_problem}"]
        if base is None
        else dossier_breaking(base, head)
    )
    kept = _substantive(changes or [])
    affecting = [_change_label(c) for c in kept if c.grade == AFFECTING]
    editorial = [_change_label(c) for c in kept if c.grade != AFFECTING]
    note = None
    if breaking:
        required, grade, reasons = "major", "breaking", breaking
        if old is not None and old.major == 0:
            required = "minor"
            note = "major version zero: a minor bump stands for a breaking change (semver item 4)"
    elif affecting:
        required, grade, reasons = "minor", "outcome-affecting", affecting
    elif editorial:
        required, grade, reasons = "patch", "editorial", editorial
    else:
        required, grade, reasons = "none", "no change", []
    return VersionVerdict(old_text, new_text, bump, required, grade, reasons, note)
