"""Loaded dossiers cached on disk, so that assessing the same evidence again does not parse,
validate and locate every quote again.

Policy staff assess the same dossiers again and again: a batch after each rule change, `impact`
of each proposed change over the same corpus, `validate` in CI. Reading a pickled load takes
about a tenth of the time of the load itself (measured on the benchmark's dossiers: 0.23 ms
against 3.15 ms).

A load depends on the dossier's bytes, the bytes of its source narrative, what it is checked
against in the rulebook (the evidence kinds, and the conclusions a quote may not contain:
`Rulebook.loading_digest`, so that a change to the rules leaves the entries usable), the name it
is shown under, the input limits and the engine code that loads it. An entry is keyed by all
of them but the source narrative, whose file name is inside the dossier. On every hit the
source is read again, through the same checks as a fresh load (inside the evidence tree, within
the size limit), and the dossier's digest over both files (`LoadedDossier.sha256`, the evidence
digest an assessment records) must come out the same; else the dossier is loaded afresh. So
an entry is never used for other bytes, and a problem is always reported by a fresh load: only
dossiers that load cleanly are cached.

An entry holds the load without its narrative's text, which a hit reads anyway (a sixth of the
size on the benchmark's dossiers). Entries live under `dossiers/` in the cache directory,
as `engine.load.input_cache` keeps them: at most about 12,000 dossiers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from engine.errors import InputError
from engine.load import input_cache, inputs
from engine.load.cache import cache_dir, read_entry, touch
from engine.load.common import digest_files
from engine.load.dossier import LoadedDossier, load_dossier, read_source
from engine.load.files import decode_utf8, read_bounded
from engine.load.rulebook import Rulebook

FOLDER = "dossiers"
PREFIX = "dossier-"


def entry_path(directory: Path, book: Rulebook, shown: str, raw: bytes) -> Path:
    """Where the load of a dossier with these bytes, shown as `shown`, is kept for rulebooks
    that load dossiers as `book` does."""
    # Not the whole rulebook: a change to the rules keeps the entries.
    return input_cache.input_entry(directory, FOLDER, PREFIX, [book.loading_digest()], shown, raw)


def _still_valid(stored: object, path: Path, shown: str, raw: bytes) -> LoadedDossier | None:
    """The cached load with its narrative, if the narrative is still the one it was loaded
    with and may still be read (the checks of a fresh load); None otherwise."""
    if not isinstance(stored, LoadedDossier) or stored.path != shown:
        return None
    try:
        source_raw = read_source(path, stored.dossier.source.file, shown, stored.source_path)
    except InputError:
        return None  # the fresh load says why
    if digest_files([("dossier", raw), ("source", source_raw)]) != stored.sha256:
        return None
    return dataclasses.replace(stored, source_text=decode_utf8(source_raw, stored.source_path))


def load_dossier_cached(path: Path, book: Rulebook, display: str | None = None) -> LoadedDossier:
    """`load_dossier(path, book, display)`, read from the cache when the same dossier and source
    were loaded before under a rulebook that loads dossiers alike."""
    directory = cache_dir()
    if directory is None:
        return load_dossier(path, book, display)
    shown = display or str(path)
    try:
        raw = read_bounded(path, shown)
        entry = entry_path(directory, book, shown, raw)
    except InputError:  # unreadable, too large, a malformed limit: the fresh load reports it
        return load_dossier(path, book, display)
    loaded = _still_valid(read_entry(entry), path, shown, raw)
    if loaded is not None:
        inputs.note_input(path)
        touch(entry)
        return loaded
    # The bytes read for the key are the bytes loaded: the entry holds their load.
    loaded = load_dossier(path, book, display, raw)
    stored = dataclasses.replace(loaded, source_text="")
    input_cache.store_input(entry, stored, PREFIX)
    return loaded


__all__ = ["entry_path", "load_dossier_cached"]
