"""The compiled ruleset for a (rulebook, year), compiled once per process and kept on disk, and
what is worked out once per compiled rules (`PerRules`).

What a year compiles to depends only on the rules and weighings in force that year and on the
parameters' values for it, and the report years of one era share all three: a year whose
signature was compiled before takes that ruleset, with its own year in the name.

A new process reads an era's compiled ruleset from the rulebook cache's directory
(`engine.load.cache`) instead of compiling it again (about 20 ms of a cold `assess`). An entry is
keyed by everything the compilation reads: the rulebook cache's key (the rules' bytes, the
loader's code, the engine, Python and pydantic versions, the limits, the display root), the
source of `engine/reason/`, and the era's signature. It holds the compiled ruleset with each
rule, weighing and pattern of the rulebook written as its place in the rulebook (a pickle
persistent id), so that the ruleset read back refers to the very objects of the rulebook in
memory, as a fresh compile does. An entry that cannot be read is compiled again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import pickle
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

from engine.errors import InputError
from engine.load import cache as disk
from engine.load.rulebook import Rulebook
from engine.models import AbsencePattern, Pattern, alternatives
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
        same = _BY_SIGNATURE[(book.sha256, signature)] = _stored(book, year, signature)
    if same.year == year:
        return same
    return dataclasses.replace(
        same,
        name=f"{book.info.name}-{year}@{same.sha256[:12]}",
        year=year,
        parameters=parameters,
    )


# --------------------------------------------------------------------------- on disk

PREFIX = "compiled-"
KEEP = 64  # compiled eras kept (a rulebook has about seven)
_REASON_DIGEST: str | None = None


def _reason_digest() -> str:
    """sha256 of `engine/reason/*.py`: the compiler and what it reads (computed once)."""
    global _REASON_DIGEST
    if _REASON_DIGEST is None:
        _REASON_DIGEST = disk.source_files_digest(sorted(Path(__file__).parent.glob("*.py")))
    return _REASON_DIGEST


def _entry(book: Rulebook, signature: str) -> Path | None:
    """Where an era of `book` is kept; None for a rulebook not read through the cache (a
    what-if's variant, tried once, is not worth writing down)."""
    directory = disk.cache_dir()
    if directory is None or not disk.from_cache(book):
        return None
    try:
        book_key = disk.cache_key(book.sha256, book.root)
    except InputError:  # a malformed limit: the rulebook's own load reports it
        return None
    parts = [book_key, _reason_digest(), signature]
    key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return directory / f"{PREFIX}{key}{disk.SUFFIX}"


def _book_objects(book: Rulebook) -> dict[int, tuple[Any, object]]:
    """The rulebook's rules, weighings and the patterns of their alternatives, each by id with
    its place in the rulebook (the persistent id of a compiled ruleset's entry)."""
    places: dict[int, tuple[Any, object]] = {}

    def patterns(prefix: tuple[Any, ...], alts: list[list[Pattern]]) -> None:
        for a, alt in enumerate(alts):
            for k, pattern in enumerate(alt):
                places.setdefault(id(pattern), ((*prefix, a, k), pattern))
                if isinstance(pattern, AbsencePattern):
                    places.setdefault(id(pattern.none), ((*prefix, a, k, "none"), pattern.none))

    for i, rule in enumerate(book.rules):
        places[id(rule)] = (("rule", i), rule)
        if rule.when is not None:
            patterns(("rule", i), alternatives(rule.when))
    for j, weighing in enumerate(book.weighings):
        places[id(weighing)] = (("weighing", j), weighing)
        for t, term in enumerate(weighing.weigh.terms):
            if term.when is not None:
                patterns(("term", j, t), alternatives(term.when))
        for c, case in enumerate(weighing.weigh.silent):
            if case.when is not None:
                patterns(("silent", j, c), alternatives(case.when))
    return places


class _Pickler(pickle.Pickler):
    """Writes the rulebook's own objects as their place in it (see `_book_objects`)."""

    def __init__(self, file: io.BytesIO, places: dict[int, tuple[Any, object]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._places = places

    def persistent_id(self, obj: Any) -> Any:
        found = self._places.get(id(obj))
        return found[0] if found is not None and found[1] is obj else None


class _Unpickler(pickle.Unpickler):
    """Reads a place in the rulebook back as the rulebook's own object."""

    def __init__(self, file: io.BytesIO, by_place: dict[Any, object]) -> None:
        super().__init__(file)
        self._by_place = by_place

    def persistent_load(self, pid: Any) -> Any:
        return self._by_place[pid]


def _dumps(compiled: CompiledRuleset, book: Rulebook) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, _book_objects(book)).dump(compiled)
    return buffer.getvalue()


def _loads(payload: bytes, book: Rulebook) -> Any:
    by_place = {place: obj for place, obj in _book_objects(book).values()}
    return _Unpickler(io.BytesIO(payload), by_place).load()


def _stored(book: Rulebook, year: int, signature: str) -> CompiledRuleset:
    """The era's compiled ruleset from disk, or compiled (and stored) now."""
    entry = _entry(book, signature)
    if entry is None:
        return compile_year(book, year)
    payload = disk.read_entry(entry)
    if isinstance(payload, bytes):
        try:
            found = _loads(payload, book)
        except Exception:  # truncated, corrupt, or from another rulebook: compile again
            found = None
        if isinstance(found, CompiledRuleset) and found.rule_ids == _ids_in_force(book, year):
            disk.touch(entry)
            return found
    compiled = compile_year(book, year)
    try:
        payload = _dumps(compiled, book)
    except Exception:  # a cache that cannot be written is no cache: the run goes on
        return compiled
    disk.write_entry(entry.parent, entry, payload, PREFIX, KEEP)
    return compiled


def forget_compiled() -> None:
    """Drop what this process compiled: the next `compiled_for` reads the disk, as a new process
    would (tests use it)."""
    _COMPILED.clear()
    _BY_SIGNATURE.clear()


def _ids_in_force(book: Rulebook, year: int) -> list[str]:
    return [r.id for r in book.rules_in_force(year)] + [w.id for w in book.weighings_in_force(year)]
