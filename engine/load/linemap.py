"""Where every key and list item of a YAML file stands, so that a problem found later (by the
type checker, by lint) names its file and line."""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its lines packed by marshal and unpacked on first use: the line maps are
        half of a cached rulebook's pickle, and an assessment reads none of them."""
        return (_packed_line_map, (self.file, marshal.dumps(self.lines)))

    if not TYPE_CHECKING:  # mypy still sees `lines` as the field it is

        def __getattr__(self, name: str) -> Any:
            packed = self.__dict__.pop("_packed", None) if name == "lines" else None
            if packed is None:
                raise AttributeError(name)
            self.lines = marshal.loads(packed)
            return self.lines


def _packed_line_map(file: str, packed: bytes) -> LineMap:
    line_map = LineMap.__new__(LineMap)
    line_map.__dict__.update(file=file, _packed=packed)
    return line_map
