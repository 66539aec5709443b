"""Named limits on the work one input may cause: every YAML input and source text is bounded.

Each limit has a default (see docs/limits.md for the reasons), an environment variable
`TIP_ASSESS_MAX_<NAME>` and a command-line override (`tip-assess --limit NAME=N ...`). A limit
that is hit is bad input: the loader raises an InputError naming the file, the line where the
limit was crossed, the limit's name and how to raise it. Nothing is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.errors import InputError


@dataclass(frozen=True)
class Limit:
    name: str
    default: int
    what: str

    @property
    def env(self) -> str:
        return f"TIP_ASSESS_MAX_{self.name.upper()}"


LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("file_bytes", 1_048_576, "bytes in one input file (dossier, history, rules file)"),
        Limit("source_bytes", 4_194_304, "bytes in one source narrative a dossier quotes"),
        Limit("depth", 32, "levels of nested YAML collections"),
        Limit("nodes", 50_000, "YAML nodes in one file, aliases counted as expanded"),
        Limit("alias_nodes", 10_000, "YAML nodes that aliases add to one rules file"),
        Limit("records", 500, "records and judgments in a dossier, entries in a history"),
        Limit("int_digits", 18, "digits of one integer"),
    )
}

_overrides: dict[str, int] = {}


def value(name: str) -> int:
    """The limit in force: a command-line override, else the environment, else the default."""
    limit = LIMITS[name]
    if name in _overrides:
        return _overrides[name]
    raw = os.environ.get(limit.env)
    if raw is None or not raw.strip():
        return limit.default
    parsed = _parse(raw)
    if parsed is None:
        raise InputError.single(
            limit.env,
            None,
            None,
            f"the limit '{name}' must be a positive whole number (got {raw.strip()[:40]!r})",
        )
    return parsed


def check_environment() -> None:
    """Every limit set in the environment, read once before a command's work: a bad value is
    one error naming its variable, not one per file the limit would have been read for."""
    problems = []
    for name in LIMITS:
        try:
            value(name)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)


def _parse(raw: str) -> int | None:
    text = raw.strip().replace("_", "")
    if not text.isdigit() or len(text) > 15:
        return None
    number = int(text)
    return number if number > 0 else None


def override(setting: str) -> tuple[str, int]:
    """Apply `NAME=N` from the command line; raises ValueError with a readable reason."""
    name, sep, raw = setting.partition("=")
    name = name.strip().lower().replace("-", "_")
    if not sep or name not in LIMITS:
        raise ValueError(f"expected NAME=N with NAME one of {', '.join(LIMITS)} (got {setting!r})")
    parsed = _parse(raw)
    if parsed is None:
        raise ValueError(f"the limit '{name}' must be a positive whole number (got {raw!r})")
    _overrides[name] = parsed
    return name, parsed


def reset_overrides() -> None:
    _overrides.clear()


def overrides() -> dict[str, int]:
    """The command-line overrides in force (a batch sends them to its worker processes)."""
    return dict(_overrides)


def restore_overrides(values: dict[str, int]) -> None:
    """Put back overrides taken with `overrides` (in a batch worker process)."""
    _overrides.clear()
    _overrides.update(values)


def exceeded(name: str, detail: str) -> str:
    """The message for a limit that was hit: what, the limit, and how to raise it."""
    limit = LIMITS[name]
    return (
        f"{detail} (limit '{name}' = {value(name)}: {limit.what}; raise it with "
        f"`tip-assess --limit {name}=N ...` or {limit.env}=N, see docs/limits.md)"
    )
