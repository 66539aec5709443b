"""Where a loaded input (a dossier, a placement history) is kept on disk, and under which key;
what layers above work out per input is kept in the input's entry
(`engine.load.dossier_cache.keep_extra`).

A load depends on the input's bytes, the name it is shown under (problems and quotes cite it),
what the loader reads from the rulebook (each caller names that part of the key), the input
limits and the engine code that loads it. The key covers all of them, so an entry is never read
for other bytes, another rulebook vocabulary or other limits; whatever a hit still has to check
(a dossier's narrative, read again) is the caller's.

Entries live in the cache directory of `engine.load.cache` (`TIP_ASSESS_CACHE=off` turns every
cache off), as rows of one store per kind of input (`engine.load.entry_store`), each keeping
its most recently used `KEEP` entries, and at most `KEEP_BYTES` of them. A write is whole or
not at all.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import __version__
from engine.load import entry_store, limits
from engine.load.cache import engine_digest

KEEP = 12_000  # entries kept per kind of input (a dossier's is about 12 kB with its sweep)
KEEP_BYTES = 1_000_000_000  # and at most this many bytes of them, however large the dossiers


@dataclass(frozen=True)
class InputEntry:
    """One input's entry: where it is kept, and under which key."""

    store: entry_store.EntryStore
    key: str

    def read(self) -> object | None:
        """What is kept (and mark it used), or None."""
        return self.store.get(self.key)

    def write(self, value: object) -> None:
        self.store.put(self.key, value)


def input_entry(
    directory: Path, folder: str, reads: Sequence[str], shown: str, raw: bytes
) -> InputEntry:
    """Where the load of an input with bytes `raw`, shown as `shown`, is kept; `reads` names
    what the loader reads from the rulebook (digests), so that a change elsewhere in the rules
    keeps the entry."""
    parts = [
        *reads,
        _engine_part(),
        ",".join(f"{name}={limits.value(name)}" for name in sorted(limits.LIMITS)),
        shown,
        hashlib.sha256(raw).hexdigest(),
    ]
    key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return InputEntry(store_of(directory, folder), key)


def store_of(directory: Path, folder: str) -> entry_store.EntryStore:
    """The store of one kind of input (`folder`) in the cache `directory`, with its limits."""
    return entry_store.store(directory, folder, KEEP, KEEP_BYTES)


_ENGINE_PART: str | None = None


def _engine_part() -> str:
    """The loader's source, the engine, Python and pydantic versions (once per process)."""
    global _ENGINE_PART
    if _ENGINE_PART is None:
        import pydantic

        python = f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}"
        _ENGINE_PART = "\0".join([engine_digest(), __version__, python, pydantic.VERSION])
    return _ENGINE_PART


__all__ = ["KEEP", "KEEP_BYTES", "InputEntry", "input_entry", "store_of"]
