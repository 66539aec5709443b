"""Loading a rules directory from YAML: validation errors name file, line and field.

A rules directory holds YAML files whose top-level keys say what they contain: `rulebook`,
`vocabulary` (`evidence` kinds and `conclusions`), `parameters` and `rules`. Any file may hold
several of these; rules keep file order (sorted by path), which is also their firing order.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load import inputs
from engine.load.common import digest_files, validate_model
from engine.load.labels import read_labels
from engine.load.linemap import LineMap, PathKey
from engine.load.rulebook import Origin, Rulebook
from engine.load.vocabulary import check_rulebook
from engine.models import ConclusionSpec, EvidenceKind, Parameter, Rule, RulebookInfo, Weighing

SECTIONS = ("rulebook", "vocabulary", "parameters", "rules", "labels")


def _mapping(
    value: Any, lines: LineMap, path: PathKey, what: str, problems: list[Problem]
) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(
            Problem(
                lines.file,
                lines.line_of(path),
                ".".join(map(str, path)),
                f"{what} must be a mapping",
            )
        )
        return {}
    return value


def _declarations(
    value: Any,
    lines: LineMap,
    section: PathKey,
    declared: Container[Any],
    what: str,
    problems: list[Problem],
) -> Iterator[tuple[Any, Any, PathKey]]:
    """(name, spec, path) of each entry of a mapping section not declared before, in any file.

    A name declared a second time is a problem, and skipped.
    """
    for name, spec in _mapping(
        value, lines, section, ".".join(map(str, section)), problems
    ).items():
        path_key: PathKey = (*section, name)
        if name in declared:
            problems.append(
                Problem(
                    lines.file,
                    lines.line_of(path_key),
                    ".".join(map(str, path_key)),
                    f"{what} declared twice",
                )
            )
            continue
        yield name, spec, path_key


def rule_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file() and not p.name.startswith("."))


def load_rulebook(
    root: Path, display_root: str | None = None, files: list[Path] | None = None
) -> Rulebook:
    """Load, validate and type-check a rules directory; raise InputError with every problem.

    `files` (inside `root`) restricts the rulebook to those files, for `check` on rule files
    outside the rules directory in use.
    """
    if not root.is_dir():
        raise InputError.single(
            str(root),
            None,
            None,
            f"rules directory not found (looked for {root.absolute()}; give --rules DIR or "
            "set TIP_ASSESS_RULES)",
        )
    shown = display_root if display_root is not None else str(root)
    problems: list[Problem] = []
    info: RulebookInfo | None = None
    info_origin: Origin | None = None
    kinds: dict[str, EvidenceKind] = {}
    conclusions: dict[str, ConclusionSpec] = {}
    parameters: dict[str, Parameter] = {}
    rules: list[Rule] = []
    weighings: list[Weighing] = []
    origins: dict[str, Origin] = {}
    raw_files: list[tuple[str, bytes]] = []
    label_sections: list[tuple[Any, LineMap]] = []

    files = rule_files(root) if files is None else sorted(files)
    if not files:
        raise InputError.single(shown, None, None, "no .yaml files in the rules directory")
    for path in files:
        rel = path.relative_to(root).as_posix()
        display = f"{shown.rstrip('/')}/{rel}"
        try:
            from engine.load.yamlsource import load_yaml_file  # PyYAML only to parse (yamlsource)

            data, lines, raw = load_yaml_file(path, display)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        raw_files.append((rel, raw))
        inputs.note_input(path)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(display, 1, None, "a rules file must be a mapping at top level")
            )
            continue
        for key in data:
            if key not in SECTIONS:
                problems.append(
                    Problem(
                        display,
                        lines.line_of((key,)),
                        str(key),
                        f"unknown top-level key; expected one of {', '.join(SECTIONS)}",
                    )
                )
        if "rulebook" in data:
            if info is not None:
                problems.append(
                    Problem(
                        display,
                        lines.line_of(("rulebook",)),
                        "rulebook",
                        "a second 'rulebook' section",
                    )
                )
            else:
                info = validate_model(
                    RulebookInfo, data["rulebook"], lines, ("rulebook",), problems
                )
                info_origin = Origin(display, lines.line_of(("rulebook",)), lines, ("rulebook",))
        if "vocabulary" in data:
            vocab = _mapping(data["vocabulary"], lines, ("vocabulary",), "vocabulary", problems)
            for key in vocab:
                if key not in ("evidence", "conclusions"):
                    problems.append(
                        Problem(
                            display,
                            lines.line_of(("vocabulary", key)),
                            f"vocabulary.{key}",
                            "unknown key; expected 'evidence' or 'conclusions'",
                        )
                    )
            for name, spec, path_key in _declarations(
                vocab.get("evidence"),
                lines,
                ("vocabulary", "evidence"),
                kinds,
                "evidence kind",
                problems,
            ):
                kind = validate_model(EvidenceKind, spec, lines, path_key, problems)
                if kind is not None:
                    kinds[name] = kind
            for name, spec, path_key in _declarations(
                vocab.get("conclusions"),
                lines,
                ("vocabulary", "conclusions"),
                conclusions,
                "conclusion",
                problems,
            ):
                conclusion = validate_model(ConclusionSpec, spec, lines, path_key, problems)
                if conclusion is not None:
                    conclusions[name] = conclusion
                    origins[f"conclusion:{name}"] = Origin(
                        display, lines.line_of(path_key), lines, path_key
                    )
        if "labels" in data:
            label_sections.append((data["labels"], lines))
        if "parameters" in data:
            for name, spec, path_key in _declarations(
                data["parameters"], lines, ("parameters",), parameters, "parameter", problems
            ):
                parameter = validate_model(Parameter, spec, lines, path_key, problems)
                if parameter is not None:
                    for index, step in enumerate(parameter.values):
                        message = parameter.type_error(step.value)
                        if message:
                            where = (*path_key, "values", index, "value")
                            problems.append(
                                Problem(
                                    display,
                                    lines.line_of(where),
                                    ".".join(map(str, where)),
                                    message,
                                )
                            )
                    parameters[name] = parameter
                    origins[f"parameter:{name}"] = Origin(display, lines.line_of(path_key))
        if "rules" in data:
            entries = data["rules"]
            if not isinstance(entries, list):
                problems.append(
                    Problem(display, lines.line_of(("rules",)), "rules", "'rules' must be a list")
                )
                continue
            for index, entry in enumerate(entries):
                path_key = ("rules", index)
                rule_id = entry.get("id") if isinstance(entry, dict) else None
                rule_id = rule_id if isinstance(rule_id, str) else None
                if rule_id is not None and rule_id in origins:
                    first = origins[rule_id]
                    problems.append(
                        Problem(
                            display,
                            lines.line_of((*path_key, "id")),
                            "id",
                            f"duplicate rule id (first defined at {first.file}:{first.line})",
                            rule_id,
                        )
                    )
                    continue
                if isinstance(entry, dict) and "weigh" in entry:
                    weighing = validate_model(Weighing, entry, lines, path_key, problems, rule_id)
                    if weighing is not None:
                        weighings.append(weighing)
                        origins[weighing.id] = Origin(
                            display, lines.line_of(path_key), lines, path_key
                        )
                    continue
                rule = validate_model(Rule, entry, lines, path_key, problems, rule_id)
                if rule is not None:
                    rules.append(rule)
                    origins[rule.id] = Origin(display, lines.line_of(path_key), lines, path_key)
    if info is None and not any(p.field == "rulebook" for p in problems):
        problems.append(Problem(shown, None, "rulebook", "no file has a 'rulebook' section"))
    labels = read_labels(label_sections, conclusions, problems) if label_sections else None
    if problems or info is None:
        raise InputError(problems)
    book = Rulebook(
        info=info,
        kinds=kinds,
        conclusions=conclusions,
        parameters=parameters,
        rules=rules,
        weighings=weighings,
        origins=origins,
        sha256=digest_files(raw_files),
        root=shown,
        info_origin=info_origin,
        labels=labels,
    )
    problems = check_rulebook(book)
    if problems:
        raise InputError(problems)
    book.fill_caches()
    return book
