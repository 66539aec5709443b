"""The compiled ruleset for a (rulebook, year), compiled once per process."""

from __future__ import annotations

from engine.load.rulebook import Rulebook
from engine.reason.compiler import CompiledRuleset, compile_year

_COMPILED: dict[tuple[str, int], CompiledRuleset] = {}


def compiled_for(book: Rulebook, year: int) -> CompiledRuleset:
    """Compile once per (rulebook content, year) in a process."""
    key = (book.sha256, year)
    if key not in _COMPILED:
        _COMPILED[key] = compile_year(book, year)
    return _COMPILED[key]
