"""The compiled ruleset for a (rulebook, year), compiled once per process, and what is worked
out once per compiled rules (`PerRules`).

What a year compiles to depends only on the rules and weighings in force that year and on the
parameters' values for it, and the report years of one era share all three: a year whose
signature was compiled before takes that ruleset, with its own year in the name.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from engine.load.rulebook import Rulebook
from engine.reason.compiler import CompiledRuleset, compile_year

V = TypeVar("V")


class PerRules(Generic[V]):
    """Values worked out once per compiled rules and key, for as long as those rules live.

    Keyed by the engine rules themselves, which the report years of one era share (a ruleset's
    digest covers its patterns, not what its rules conclude, so it cannot be the key); at most
    `size` values are kept."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._found: dict[tuple[int, Hashable], tuple[object, V]] = {}

    def get(self, compiled: CompiledRuleset, key: Hashable, make: Callable[[], V]) -> V:
        rules = compiled.engine_rules
        found = self._found.get((id(rules), key))
        if found is None or found[0] is not rules:
            if len(self._found) > self._size:
                self._found.clear()
            found = self._found[(id(rules), key)] = (rules, make())
        return found[1]


_COMPILED: dict[tuple[str, int], CompiledRuleset] = {}
_BY_SIGNATURE: dict[tuple[str, str], CompiledRuleset] = {}


def compiled_for(book: Rulebook, year: int) -> CompiledRuleset:
    """Compile once per (rulebook content, year) in a process."""
    key = (book.sha256, year)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _compile(book, year)
    return found


def _compile(book: Rulebook, year: int) -> CompiledRuleset:
    parameters = book.parameter_values(year)
    signature = json.dumps(
        [
            [rule.id for rule in book.rules_in_force(year)],
            [weighing.id for weighing in book.weighings_in_force(year)],
            sorted(parameters.items()),
        ],
        default=str,
    )
    same = _BY_SIGNATURE.get((book.sha256, signature))
    if same is None:
        same = _BY_SIGNATURE[(book.sha256, signature)] = compile_year(book, year)
    if same.year == year:
        return same
    return dataclasses.replace(
        same,
        name=f"{book.info.name}-{year}@{same.sha256[:12]}",
        year=year,
        parameters=parameters,
    )
