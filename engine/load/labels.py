"""Plain-English labels for conclusion values, read from the `labels` section of a rules file.

The words a report shows for a value (`partly_met` -> "Partly met") are part of the rulebook,
not of the Python that renders it. A `labels` section holds:

- `values`: the words for a value wherever it occurs (`met: Met`), optionally with a tone
  (`{label: Met, tone: good}`) that reports use for colour;
- `conclusions`: words for one conclusion's values where they differ (`applicability:
  {applies: Apply}`); the conclusion and each value must be declared in the vocabulary;
- `groups`: the sections of a report's summary table, in order, each with a title and the
  conclusions it shows (names, or patterns such as `criterion_*`).

The loader checks the shape and the per-conclusion entries against the vocabulary (a problem
names file and line); `tip-assess lint` checks that every value of every conclusion has words.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Problem
from engine.load.linemap import LineMap, PathKey
from engine.models import ConclusionSpec

TONES = ("good", "mixed", "bad", "unknown", "neutral")
KEYS = ("values", "conclusions", "groups")


@dataclass(frozen=True)
class Label:
    text: str
    tone: str = "neutral"


@dataclass(frozen=True)
class Group:
    title: str
    match: tuple[str, ...]

    def matches(self, conclusion: str) -> bool:
        return any(fnmatch.fnmatchcase(conclusion, pattern) for pattern in self.match)


@dataclass
class Labels:
    """Every label of a rulebook, with the line each was written on (for lint's messages)."""

    values: dict[str, Label] = field(default_factory=dict)
    conclusions: dict[str, dict[str, Label]] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def label(self, conclusion: str, value: str) -> Label | None:
        """The words for `value` of `conclusion`, or None when the rulebook has none."""
        own = self.conclusions.get(conclusion, {}).get(value)
        return own if own is not None else self.values.get(value)

    def group_of(self, conclusion: str) -> int | None:
        for index, group in enumerate(self.groups):
            if group.matches(conclusion):
                return index
        return None


def _where(path: PathKey) -> str:
    return ".".join(map(str, path))


def _label(value: Any, lines: LineMap, path: PathKey, problems: list[Problem]) -> Label | None:
    def bad(message: str, at: PathKey = path) -> None:
        problems.append(Problem(lines.file, lines.line_of(at), _where(at), message))

    if isinstance(value, str):
        if not value.strip():
            bad("a label must not be blank")
            return None
        return Label(value.strip())
    if not isinstance(value, dict):
        bad("a label is a string or a mapping with 'label' and 'tone'")
        return None
    unknown = sorted(set(value) - {"label", "tone"})
    for key in unknown:
        bad("unknown key; expected 'label' or 'tone'", (*path, key))
    text = value.get("label")
    tone = value.get("tone", "neutral")
    if not isinstance(text, str) or not text.strip():
        bad("'label' must be a non-blank string", (*path, "label"))
        return None
    if tone not in TONES:
        bad(f"tone must be one of {', '.join(TONES)}", (*path, "tone"))
        return None
    return None if unknown else Label(text.strip(), str(tone))


def read_labels(
    sections: list[tuple[Any, LineMap]],
    conclusions: Mapping[str, ConclusionSpec],
    problems: list[Problem],
) -> Labels:
    """Merge every `labels` section (in file order) and check it against the vocabulary."""
    labels = Labels()
    for data, lines in sections:
        labels.files.append(lines.file)
        root: PathKey = ("labels",)
        if not isinstance(data, dict):
            problems.append(
                Problem(lines.file, lines.line_of(root), "labels", "labels must be a mapping")
            )
            continue
        for key in data:
            if key not in KEYS:
                problems.append(
                    Problem(
                        lines.file,
                        lines.line_of((*root, key)),
                        f"labels.{key}",
                        f"unknown key; expected one of {', '.join(KEYS)}",
                    )
                )
        _read_values(data.get("values"), lines, labels, problems)
        _read_conclusions(data.get("conclusions"), lines, conclusions, labels, problems)
        _read_groups(data.get("groups"), lines, labels, problems)
    return labels


def _mapping(value: Any, lines: LineMap, path: PathKey, problems: list[Problem]) -> dict[Any, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    problems.append(Problem(lines.file, lines.line_of(path), _where(path), "must be a mapping"))
    return {}


def _read_values(value: Any, lines: LineMap, labels: Labels, problems: list[Problem]) -> None:
    path: PathKey = ("labels", "values")
    for name, entry in _mapping(value, lines, path, problems).items():
        where = (*path, name)
        if str(name) in labels.values:
            problems.append(
                Problem(lines.file, lines.line_of(where), _where(where), "label given twice")
            )
            continue
        found = _label(entry, lines, where, problems)
        if found is not None:
            labels.values[str(name)] = found


def _read_conclusions(
    value: Any,
    lines: LineMap,
    conclusions: Mapping[str, ConclusionSpec],
    labels: Labels,
    problems: list[Problem],
) -> None:
    path: PathKey = ("labels", "conclusions")
    for name, entries in _mapping(value, lines, path, problems).items():
        where = (*path, name)
        spec = conclusions.get(str(name))
        if spec is None:
            problems.append(
                Problem(
                    lines.file,
                    lines.line_of(where),
                    _where(where),
                    f"labels for '{name}', which the vocabulary does not declare as a conclusion",
                )
            )
            continue
        own = labels.conclusions.setdefault(str(name), {})
        for item, entry in _mapping(entries, lines, where, problems).items():
            at = (*where, item)
            if str(item) not in spec.values:
                problems.append(
                    Problem(
                        lines.file,
                        lines.line_of(at),
                        _where(at),
                        f"'{item}' is not a value of conclusion '{name}' "
                        f"(its values: {', '.join(spec.values)})",
                    )
                )
                continue
            if str(item) in own:
                problems.append(
                    Problem(lines.file, lines.line_of(at), _where(at), "label given twice")
                )
                continue
            found = _label(entry, lines, at, problems)
            if found is not None:
                own[str(item)] = found


def _read_groups(value: Any, lines: LineMap, labels: Labels, problems: list[Problem]) -> None:
    path: PathKey = ("labels", "groups")
    if value is None:
        return
    if not isinstance(value, list):
        problems.append(
            Problem(lines.file, lines.line_of(path), _where(path), "groups must be a list")
        )
        return
    for index, entry in enumerate(value):
        at = (*path, index)
        title = entry.get("title") if isinstance(entry, dict) else None
        match = entry.get("match") if isinstance(entry, dict) else None
        extra = sorted(set(entry) - {"title", "match"}) if isinstance(entry, dict) else []
        if (
            not isinstance(title, str)
            or not title.strip()
            or not isinstance(match, list)
            or not match
            or not all(isinstance(p, str) and p for p in match)
            or extra
        ):
            problems.append(
                Problem(
                    lines.file,
                    lines.line_of(at),
                    _where(at),
                    "a group has a 'title' and a non-empty 'match' list of conclusion names or "
                    "patterns, and nothing else",
                )
            )
            continue
        labels.groups.append(Group(title.strip(), tuple(match)))


def missing_labels(
    labels: Labels | None, conclusions: Mapping[str, ConclusionSpec]
) -> list[tuple[str, str]]:
    """(conclusion, value) pairs that no label covers, in vocabulary order."""
    return [
        (name, value)
        for name, spec in conclusions.items()
        for value in spec.values
        if labels is None or labels.label(name, value) is None
    ]
