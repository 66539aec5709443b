"""The compiled ruleset for a (rulebook, year), compiled once per process.

What a year compiles to depends only on the rules and weighings in force that year and on the
parameters' values for it, and the report years of one era share all three: a year whose
signature was compiled before takes that ruleset, with its own year in the name.
"""

from __future__ import annotations

import dataclasses
import json

from engine.load.rulebook import Rulebook
from engine.reason.compiler import CompiledRuleset, compile_year

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
