"""Lint's check of each era, kept on disk: after a rule change, lint checks again only the eras
the change touches.

An era's check (every placement reachable, no generated dossier placed twice) reads nothing but
what decides assessments in the era's first year (`Rulebook.decisive_digest`), the era's years
(its label is in the messages), the seed, and the engine's code, which holds the search's bounds.
An entry's key is the sha256 of all of them, with the engine's whole source (any change to the
engine checks every era again) and the Python version (the generated dossiers are drawn by
Python's `random`). The entry holds the era's report and its problems before they are located;
they are located against the rules as they are read now, so a rule moved within its file is
reported at its new line.

Entries live in the rulebook cache's directory (`engine.load.cache`: `$TIP_ASSESS_CACHE`, off
with `TIP_ASSESS_CACHE=off`), written whole, and read back only as what this module wrote.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from engine import __version__
from engine.load.cache import (
    ENGINE_DIR,
    cache_dir,
    read_entry,
    source_files_digest,
    touch,
    write_entry,
)
from engine.load.rulebook import Rulebook
from engine.quality.eras import Era

PREFIX = "lint-era-"
KEEP = 64  # entries kept: a few rulebooks' worth of eras
FORMAT = "1"  # the layout of an entry

_SOURCE_DIGEST: str | None = None


def source_digest() -> str:
    """sha256 of every Python file of the engine (computed once per process)."""
    global _SOURCE_DIGEST
    if _SOURCE_DIGEST is None:
        _SOURCE_DIGEST = source_files_digest(sorted(ENGINE_DIR.rglob("*.py")))
    return _SOURCE_DIGEST


def era_key(book: Rulebook, era: Era, seed: int) -> str:
    parts = [
        FORMAT,
        __version__,
        source_digest(),
        f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}",
        book.decisive_digest(era.start),
        era.label,
        str(seed),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _entry(key: str) -> Path | None:
    directory = cache_dir()
    return None if directory is None else directory / f"{PREFIX}{key}.pickle"


def recall(key: str) -> Any | None:
    """What `remember(key, ...)` stored, or None."""
    entry = _entry(key)
    if entry is None:
        return None
    found = read_entry(entry)
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == key):
        return None
    touch(entry)
    return found[1]


def remember(key: str, value: Any) -> None:
    entry = _entry(key)
    if entry is not None:
        write_entry(entry.parent, entry, (key, value), prefix=PREFIX, keep=KEEP)
