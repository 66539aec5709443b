"""Where a loaded input (a dossier, a placement history) is kept on disk, and under which key;
`entry_at` also places what is worked out per input above this layer (a dossier's fragility
sweep, `engine.whatif.fragility`), under a key its owner composes.

A load depends on the input's bytes, the name it is shown under (problems and quotes cite it),
what the loader reads from the rulebook (each caller names that part of the key), the input
limits and the engine code that loads it. The key covers all of them, so an entry is never read
for other bytes, another rulebook vocabulary or other limits; whatever a hit still has to check
(a dossier's narrative, read again) is the caller's.

Entries live in the cache directory of `engine.load.cache` (`TIP_ASSESS_CACHE=off` turns every
cache off), one folder per kind of input, spread over 256 folders by the first two hex digits
of their key, each keeping its most recently used `KEEP_PER_FOLDER` entries: a write never
lists more than one folder. They are written as the rulebook's are
(`engine.load.cache.write_entry`): whole, or not at all.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from engine import __version__
from engine.load import limits
from engine.load.cache import SUFFIX, engine_digest, write_entry

FOLDER_DIGITS = 2  # entries are spread over 16 ** FOLDER_DIGITS folders per kind of input
KEEP_PER_FOLDER = 48


def input_entry(
    directory: Path, folder: str, prefix: str, reads: Sequence[str], shown: str, raw: bytes
) -> Path:
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
    return entry_at(directory, folder, prefix, parts)


def entry_at(directory: Path, folder: str, prefix: str, parts: Sequence[str]) -> Path:
    """Where an entry keyed by `parts` (every input of what it holds) is kept in `folder`."""
    key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return directory / folder / key[:FOLDER_DIGITS] / f"{prefix}{key}{SUFFIX}"


def store_input(entry: Path, value: object, prefix: str) -> None:
    write_entry(entry.parent, entry, value, prefix=prefix, keep=KEEP_PER_FOLDER)


_ENGINE_PART: str | None = None


def _engine_part() -> str:
    """The loader's source, the engine, Python and pydantic versions (once per process)."""
    global _ENGINE_PART
    if _ENGINE_PART is None:
        import pydantic

        python = f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}"
        _ENGINE_PART = "\0".join([engine_digest(), __version__, python, pydantic.VERSION])
    return _ENGINE_PART


__all__ = ["KEEP_PER_FOLDER", "entry_at", "input_entry", "store_input"]
