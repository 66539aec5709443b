"""What every loader shares: pydantic errors as located problems, and content digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import Problem
from engine.load.linemap import LineMap, PathKey

Model = TypeVar("Model", bound=BaseModel)


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
        elif isinstance(node, list) and isinstance(part, str):
            continue  # a union tag inside a list: list items are numbered, never named
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # A tag, or the name of a missing/extra field: keep field names, drop tags.
            if part in {"scalar", "test", "evidence", "finding", "none", "all", "any"} and not (
                isinstance(node, dict) and part in node
            ):
                continue
            path.append(part)
            node = None
        elif node is None or isinstance(node, dict | list):
            path.append(part)
            node = None
        # else: a scalar has no keys, so what follows it are union tags ('int', 'float')
    return tuple(path)


def validation_problems(
    exc: ValidationError, data: Any, lines: LineMap, prefix: PathKey, rule_id: str | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[PathKey, str]] = set()
    errors = [(_yaml_path(data, error["loc"]), error) for error in exc.errors(include_url=False)]
    # `.inf` or `.nan` where a number may stand: that is the problem, whatever else the value's
    # union would have accepted.
    infinite = {path for path, error in errors if error["type"] == "finite_number"}
    for path, error in errors:
        if path in infinite and error["type"] != "finite_number":
            continue
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


def validate_model(
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


def digest_files(files: Iterable[tuple[str, bytes]]) -> str:
    """One sha256 over named files, independent of where the directory lives."""
    hasher = hashlib.sha256()
    for name, raw in sorted(files):
        hasher.update(name.encode() + b"\0" + hashlib.sha256(raw).hexdigest().encode() + b"\n")
    return hasher.hexdigest()
