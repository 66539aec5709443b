"""Loading rules and evidence from YAML: validation errors name file, line and field.

A rules directory holds YAML files whose top-level keys say what they contain: `rulebook`,
`vocabulary` (`evidence` kinds and `conclusions`), `parameters` and `rules`. Any file may hold
several of these; rules keep file order (sorted by path), which is also their firing order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, Problem
from engine.load.rulebook import Origin, Rulebook
from engine.load.vocabulary import check_record_values, check_rulebook
from engine.load.yamlsource import LineMap, PathKey, load_yaml_file
from engine.models import (
    ConclusionSpec,
    Dossier,
    EvidenceKind,
    Parameter,
    Rule,
    RulebookInfo,
    normalise_space,
)

Model = TypeVar("Model", bound=BaseModel)

SECTIONS = ("rulebook", "vocabulary", "parameters", "rules")


def _yaml_path(data: Any, loc: Sequence[int | str]) -> PathKey:
    """Drop pydantic's union tags from an error location, keeping only real YAML keys."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]  # type: ignore[index]
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # A tag, or the name of a missing/extra field: keep field names, drop tags.
            if part in {"scalar", "test", "evidence", "finding", "none", "all", "any"} and not (
                isinstance(node, dict) and part in node
            ):
                continue
            path.append(part)
            node = None
        else:
            path.append(part)
            node = None
    return tuple(path)


def validation_problems(
    exc: ValidationError, data: Any, lines: LineMap, prefix: PathKey, rule_id: str | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[PathKey, str]] = set()
    for error in exc.errors(include_url=False):
        path = _yaml_path(data, error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "required key is missing"
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        full = (*prefix, *path)
        problems.append(
            Problem(
                file=lines.file,
                line=lines.line_of(full),
                field=".".join(str(part) for part in full) or None,
                message=message,
                rule_id=rule_id,
            )
        )
    return problems


def _validate(
    model: type[Model],
    data: Any,
    lines: LineMap,
    prefix: PathKey,
    problems: list[Problem],
    rule_id: str | None = None,
) -> Model | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, data, lines, prefix, rule_id))
        return None


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


def digest_files(files: Iterable[tuple[str, bytes]]) -> str:
    """One sha256 over named files, independent of where the directory lives."""
    hasher = hashlib.sha256()
    for name, raw in sorted(files):
        hasher.update(name.encode() + b"\0" + hashlib.sha256(raw).hexdigest().encode() + b"\n")
    return hasher.hexdigest()


def rule_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file() and not p.name.startswith("."))


def load_rulebook(root: Path, display_root: str | None = None) -> Rulebook:
    """Load, validate and type-check a rules directory; raise InputError with every problem."""
    if not root.is_dir():
        raise InputError.single(str(root), None, None, "rules directory not found")
    shown = display_root if display_root is not None else str(root)
    problems: list[Problem] = []
    info: RulebookInfo | None = None
    kinds: dict[str, EvidenceKind] = {}
    conclusions: dict[str, ConclusionSpec] = {}
    parameters: dict[str, Parameter] = {}
    rules: list[Rule] = []
    origins: dict[str, Origin] = {}
    raw_files: list[tuple[str, bytes]] = []

    files = rule_files(root)
    if not files:
        raise InputError.single(shown, None, None, "no .yaml files in the rules directory")
    for path in files:
        rel = path.relative_to(root).as_posix()
        display = f"{shown.rstrip('/')}/{rel}"
        try:
            data, lines, raw = load_yaml_file(path, display)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        raw_files.append((rel, raw))
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
                info = _validate(RulebookInfo, data["rulebook"], lines, ("rulebook",), problems)
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
            for name, spec in _mapping(
                vocab.get("evidence"),
                lines,
                ("vocabulary", "evidence"),
                "vocabulary.evidence",
                problems,
            ).items():
                path_key: PathKey = ("vocabulary", "evidence", name)
                if name in kinds:
                    problems.append(
                        Problem(
                            display,
                            lines.line_of(path_key),
                            f"vocabulary.evidence.{name}",
                            "evidence kind declared twice",
                        )
                    )
                    continue
                kind = _validate(EvidenceKind, spec, lines, path_key, problems)
                if kind is not None:
                    kinds[name] = kind
            for name, spec in _mapping(
                vocab.get("conclusions"),
                lines,
                ("vocabulary", "conclusions"),
                "vocabulary.conclusions",
                problems,
            ).items():
                path_key = ("vocabulary", "conclusions", name)
                if name in conclusions:
                    problems.append(
                        Problem(
                            display,
                            lines.line_of(path_key),
                            f"vocabulary.conclusions.{name}",
                            "conclusion declared twice",
                        )
                    )
                    continue
                conclusion = _validate(ConclusionSpec, spec, lines, path_key, problems)
                if conclusion is not None:
                    conclusions[name] = conclusion
        if "parameters" in data:
            for name, spec in _mapping(
                data["parameters"], lines, ("parameters",), "parameters", problems
            ).items():
                path_key = ("parameters", name)
                if name in parameters:
                    problems.append(
                        Problem(
                            display,
                            lines.line_of(path_key),
                            f"parameters.{name}",
                            "parameter declared twice",
                        )
                    )
                    continue
                parameter = _validate(Parameter, spec, lines, path_key, problems)
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
                rule = _validate(Rule, entry, lines, path_key, problems, rule_id)
                if rule is not None:
                    rules.append(rule)
                    origins[rule.id] = Origin(display, lines.line_of(path_key), lines, path_key)
    if info is None and not any(p.field == "rulebook" for p in problems):
        problems.append(Problem(shown, None, "rulebook", "no file has a 'rulebook' section"))
    if problems or info is None:
        raise InputError(problems)
    book = Rulebook(
        info=info,
        kinds=kinds,
        conclusions=conclusions,
        parameters=parameters,
        rules=rules,
        origins=origins,
        sha256=digest_files(raw_files),
        root=shown,
    )
    problems = check_rulebook(book)
    if problems:
        raise InputError(problems)
    return book


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class QuoteLocation:
    """Where a quote stands in the source narrative: line and paragraph (1-based)."""

    line: int
    paragraph: int


@dataclass
class LoadedDossier:
    """A validated dossier with its source text and the location of every quote."""

    dossier: Dossier
    path: str
    source_path: str
    source_text: str
    locations: dict[str, QuoteLocation]
    sha256: str
    record_lines: dict[str, int]


def _locate(source: str, quote: str) -> QuoteLocation | None:
    folded_source = normalise_space(source)
    folded_quote = normalise_space(quote)
    at = folded_source.find(folded_quote)
    if at < 0:
        return None
    # Map the folded offset back to the original text by walking both in step.
    original = 0
    folded = 0
    text = source.strip()
    lead = len(source) - len(source.lstrip())
    while folded < at and original < len(text):
        if text[original].isspace():
            while original < len(text) and text[original].isspace():
                original += 1
            folded += 1
        else:
            original += 1
            folded += 1
    prefix = source[: lead + original]
    line = prefix.count("\n") + 1
    paragraphs = [block for block in prefix.split("\n\n") if block.strip()]
    return QuoteLocation(line=line, paragraph=max(1, len(paragraphs)))


def load_dossier(path: Path, book: Rulebook, display: str | None = None) -> LoadedDossier:
    """Load one dossier, check it against the vocabulary and every quote against its source."""
    shown = display or str(path)
    data, lines, raw = load_yaml_file(path, shown)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError.single(
            shown, 1, None, "a dossier must be a mapping with country, report_year, source, records"
        )
    dossier = _validate(Dossier, data, lines, (), problems)
    if dossier is None:
        raise InputError(problems)
    source_file = (path.parent / dossier.source.file).resolve()
    source_display = str(Path(shown).parent / dossier.source.file)
    try:
        source_raw = source_file.read_bytes()
        source_text = source_raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError.single(
            shown,
            lines.line_of(("source", "file")),
            "source.file",
            f"source text not found: {source_display}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(
            shown,
            lines.line_of(("source", "file")),
            "source.file",
            f"cannot read source text: {exc}",
        ) from None

    ids: dict[str, int | None] = {}
    locations: dict[str, QuoteLocation] = {}
    record_lines: dict[str, int] = {}
    entries: list[tuple[str, int, Any]] = [("records", i, r) for i, r in enumerate(dossier.records)]
    entries += [("judgments", i, j) for i, j in enumerate(dossier.judgments)]
    for section, index, entry in entries:
        base: PathKey = (section, index)
        line = lines.line_of(base)
        record_lines[entry.id] = line or 0
        if entry.id in ids:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "id")),
                    f"{section}[{index}].id",
                    f"duplicate record id '{entry.id}' (first at line {ids[entry.id]})",
                )
            )
            continue
        ids[entry.id] = line
        kind = book.kinds.get(entry.kind)
        if kind is None:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"unknown evidence kind '{entry.kind}' (not declared in the vocabulary)",
                )
            )
            continue
        if section == "records" and kind.judgment:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"'{entry.kind}' is a judgment kind: put it under 'judgments' with a rationale",
                )
            )
        if section == "judgments" and not kind.judgment:
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "kind")),
                    f"{section}[{index}].kind",
                    f"'{entry.kind}' is a kind of fact, not of judgment: put it under 'records'",
                )
            )
        for field_name, message in check_record_values(kind, entry.values):
            problems.append(
                Problem(
                    shown,
                    lines.line_of((*base, "values", field_name)),
                    f"{section}[{index}].values.{field_name}",
                    message,
                )
            )
        if entry.quote is not None:
            found = _locate(source_text, entry.quote)
            if found is None:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of((*base, "quote")),
                        f"{section}[{index}].quote",
                        f"quote does not occur in the source text {source_display}",
                    )
                )
            else:
                locations[entry.id] = found
    for index, judgment in enumerate(dossier.judgments):
        for ref in judgment.basis:
            if ref not in ids:
                problems.append(
                    Problem(
                        shown,
                        lines.line_of(("judgments", index, "basis")),
                        f"judgments[{index}].basis",
                        f"basis names unknown record '{ref}'",
                    )
                )
    if problems:
        raise InputError(problems)
    sha = digest_files([("dossier", raw), ("source", source_raw)])
    return LoadedDossier(dossier, shown, source_display, source_text, locations, sha, record_lines)
