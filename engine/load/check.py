"""`tip-assess check`: validate dossiers, placement histories and rules files without assessing.

Each file is sorted by its content (:mod:`engine.load.kinds`), never by its name: a rules file
given among the dossiers is checked as a rules file, a history as a history. Rules files inside
the rules directory in use were validated when the rulebook was loaded; rules files elsewhere
are validated together with the other rules files of their directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InputError, Problem
from engine.load.dossier import load_dossier
from engine.load.history import load_history
from engine.load.inputs import inside
from engine.load.kinds import DESCRIPTIONS, Kind, classify
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook, rule_files
from engine.load.yamlsource import load_yaml_file

YAML_SUFFIXES = (".yaml", ".yml")
EXPECTED = f"{DESCRIPTIONS['dossier']}, {DESCRIPTIONS['history']} or {DESCRIPTIONS['rules']}"


@dataclass
class CheckResult:
    counts: dict[Kind, int] = field(
        default_factory=lambda: {"dossier": 0, "history": 0, "rules": 0}
    )
    problems: list[Problem] = field(default_factory=list)


def _yaml_files(path: Path) -> list[Path]:
    return sorted(
        candidate
        for candidate in path.rglob("*")
        if candidate.suffix in YAML_SUFFIXES
        and candidate.is_file()
        and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
    )


def _sniff(file: Path) -> tuple[Kind | None, Problem | None]:
    """The kind of a file, or the problem that keeps it from being read."""
    try:
        data, _, _ = load_yaml_file(file)
    except InputError as exc:
        return None, exc.problems[0]
    kind = classify(data)
    if kind is not None:
        return kind, None
    what = "the file is empty" if data is None else "cannot tell what this file holds"
    return None, Problem(str(file), 1, None, f"{what}: expected {EXPECTED}")


def check_paths(paths: list[Path], book: Rulebook, rules_root: Path) -> CheckResult:
    """Sort every file under `paths` by content and validate it; collect every problem."""
    result = CheckResult()
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = _yaml_files(path)
            if not found:
                result.problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        "no YAML file here to check: give dossiers, placement histories or rules "
                        "files (or directories holding them); a source narrative is checked "
                        "through the dossier that quotes it",
                    )
                )
            files.extend(found)
        elif path.exists() and path.suffix not in YAML_SUFFIXES:
            result.problems.append(
                Problem(
                    str(path),
                    None,
                    None,
                    "not a YAML file: give dossiers, placement histories or rules files; a "
                    "source narrative is checked through the dossier that quotes it",
                )
            )
        else:
            files.append(path)
    root = rules_root.resolve()
    elsewhere: dict[Path, list[Path]] = {}
    for file in files:
        if file.is_file() and inside(file.resolve(), root):
            result.counts["rules"] += 1  # validated when the rulebook in use was loaded
            continue
        kind, problem = _sniff(file)
        if problem is not None:
            result.problems.append(problem)
            continue
        try:
            if kind == "history":
                load_history(file, book)
            elif kind == "dossier":
                load_dossier(file, book)
        except InputError as exc:
            result.problems.extend(exc.problems)
            continue
        if kind == "rules":
            elsewhere.setdefault(file.parent, []).append(file)
        else:
            assert kind is not None
            result.counts[kind] += 1
    for directory, given in elsewhere.items():
        group = [f for f in rule_files(directory) if _sniff(f)[0] == "rules"]
        if not any(_has_rulebook(f) for f in group):
            result.problems.extend(
                Problem(
                    str(file),
                    1,
                    None,
                    f"this is a rules file, outside the rules directory in use ({rules_root}), "
                    "and no file beside it has a 'rulebook' section: move it into the rules "
                    "directory, or check its own rules directory with --rules DIR",
                )
                for file in given
            )
            continue
        result.counts["rules"] += len(group)
        try:
            load_rulebook(directory, str(directory), files=group)
        except InputError as exc:
            result.problems.extend(exc.problems)
    return result


def _has_rulebook(file: Path) -> bool:
    try:
        data, _, _ = load_yaml_file(file)
    except InputError:
        return False
    return isinstance(data, dict) and "rulebook" in data
