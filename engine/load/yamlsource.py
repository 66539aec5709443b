"""YAML loading that remembers where every value stood, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError

PathKey = tuple[str | int, ...]


@dataclass
class LineMap:
    """Line numbers (1-based) of every mapping key and sequence item, keyed by its path."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), None)


def _construct(node: yaml.Node, path: PathKey, lines: LineMap) -> Any:
    lines.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError.single(
                    lines.file,
                    key_node.start_mark.line + 1,
                    None,
                    "YAML merge keys are not supported",
                )
            key = _SCALARS.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool) or isinstance(key, bool):
                key = str(key)
            if key in result:
                raise InputError.single(
                    lines.file,
                    key_node.start_mark.line + 1,
                    ".".join(str(p) for p in (*path, key)),
                    f"duplicate key '{key}'",
                )
            child = (*path, key)
            lines.lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.lines[child] = item.start_mark.line + 1
            items.append(_construct(item, child, lines))
        return items
    return _SCALARS.construct_object(node, deep=True)


_SCALARS = yaml.SafeLoader("")


def load_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse one YAML document; syntax errors become an InputError with the line."""
    lines = LineMap(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise InputError.single(file, line, None, f"malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(file, None, None, f"malformed YAML: {exc}") from None
    if node is None:
        return None, lines
    try:
        return _construct(node, (), lines), lines
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError.single(file, line, None, f"malformed YAML: {exc.problem}") from None


def load_yaml_file(path: Path, display: str | None = None) -> tuple[Any, LineMap, bytes]:
    """Read and parse a YAML file; returns data, line map and the raw bytes (for hashing)."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError.single(name, None, None, "file not found") from None
    except OSError as exc:
        raise InputError.single(name, None, None, f"cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(name, None, None, f"not UTF-8 text ({exc.reason})") from None
    data, lines = load_yaml_text(text, name)
    return data, lines, raw
