"""Errors a user can act on: every one names the file, the line and the field at fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file (rules, vocabulary, parameters or evidence)."""

    file: str
    line: int | None
    field: str | None
    message: str
    rule_id: str | None = None

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.rule_id:
            parts.append(f"rule {self.rule_id}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return f"{': '.join(parts)}: {self.message}"

    def to_dict(self) -> dict[str, str | int | None]:
        """The problem by its fields, and as `render` writes it (`check`/`lint --format json`)."""
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "rule": self.rule_id,
            "message": self.message,
            "text": self.render(),
        }


@dataclass
class InputError(Exception):
    """Bad input: the CLI prints every problem and exits with status 2, writing nothing."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)

    @classmethod
    def single(
        cls,
        file: str | Path,
        line: int | None,
        field_name: str | None,
        message: str,
        rule_id: str | None = None,
    ) -> InputError:
        return cls([Problem(str(file), line, field_name, message, rule_id)])


class EngineFault(Exception):
    """An internal failure of the inference engine (a bug, not bad input): exit status 3."""
