"""Lines finer than the loader keeps (an example, a parameter value, the outcome section),
for lint's messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load.linemap import LineMap
from engine.load.rulebook import Rulebook
from engine.load.yamlsource import load_yaml_file


class Locator:
    """Finer lines than the loader keeps: an example, a parameter value, the outcome section."""

    def __init__(self, book: Rulebook, root: Path) -> None:
        self.book = book
        self.root = root  # where the files are; book.root is how messages name them
        self._maps: dict[str, tuple[Any, LineMap]] = {}

    def _map(self, file: str) -> tuple[Any, LineMap] | None:
        if file not in self._maps:
            shown = self.book.root.rstrip("/")
            real = (
                self.root / file[len(shown) :].lstrip("/") if file.startswith(shown) else Path(file)
            )
            try:
                data, lines, _ = load_yaml_file(real, file)
            except InputError:
                return None
            self._maps[file] = (data if isinstance(data, dict) else {}, lines)
        return self._maps[file]

    def rule_line(self, rule_id: str, *path: str | int) -> int | None:
        origin = self.book.origins.get(rule_id)
        if origin is None:
            return None
        found = self._map(origin.file)
        if found is None:
            return origin.line
        data, lines = found
        for index, entry in enumerate(data.get("rules") or []):
            if isinstance(entry, dict) and entry.get("id") == rule_id:
                return lines.line_of(("rules", index, *path))
        return origin.line

    def rule_problem(
        self, rule_id: str, field_name: str | None, message: str, *path: str | int
    ) -> Problem:
        origin = self.book.origins.get(rule_id)
        return Problem(
            origin.file if origin else self.book.root,
            self.rule_line(rule_id, *path),
            field_name,
            message,
            rule_id,
        )

    def rulebook_problem(self, path: tuple[str, ...], message: str) -> Problem:
        for file in sorted({origin.file for origin in self.book.origins.values()} | self._files()):
            found = self._map(file)
            if found and isinstance(found[0], dict) and "rulebook" in found[0]:
                return Problem(
                    file,
                    found[1].line_of(("rulebook", *path)),
                    ".".join(("rulebook", *path)),
                    message,
                )
        return Problem(self.book.root, None, ".".join(("rulebook", *path)), message)

    def _files(self) -> set[str]:
        shown = self.book.root.rstrip("/")
        return {f"{shown}/{p.relative_to(self.root).as_posix()}" for p in self.root.rglob("*.yaml")}
