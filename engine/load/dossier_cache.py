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
size on the benchmark's dossiers), and what layers above worked out from that load under their
own keys (`extra`, `keep_extra`: a fragility sweep, keyed by the rules, year and history it was
worked out with), the most recent `EXTRAS_KEPT` of them. Keeping them in the dossier's entry
writes one entry per dossier, not two. A caller that will keep an extra right after the load
asks for the write to wait for it (`defer`). Entries are kept in the store `dossiers` of the
cache directory, as `engine.load.input_cache` keeps them: at most about 12,000 dossiers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.load import input_cache, inputs
from engine.load.cache import cache_dir
from engine.load.common import digest_files
from engine.load.dossier import LoadedDossier, load_dossier, read_source
from engine.load.files import decode_utf8, read_bounded
from engine.load.rulebook import Rulebook

FOLDER = "dossiers"
EXTRAS_KEPT = 8


@dataclass(frozen=True)
class _Stored:
    """What an entry holds: the load (without its narrative's text) and the extras worked out
    from it, by key, the most recent last."""

    loaded: LoadedDossier
    extras: dict[str, object]


# The loads this process read or made through the cache, by identity, with their entry, what it
# holds and whether it is still to be written (`defer`): the last few only.
_KNOWN: dict[int, tuple[LoadedDossier, input_cache.InputEntry, _Stored, bool]] = {}
_KNOWN_MAX = 16


def entry_path(directory: Path, book: Rulebook, shown: str, raw: bytes) -> input_cache.InputEntry:
    """Where the load of a dossier with these bytes, shown as `shown`, is kept for rulebooks
    that load dossiers as `book` does."""
    # Not the whole rulebook: a change to the rules keeps the entries.
    return input_cache.input_entry(directory, FOLDER, [book.loading_digest()], shown, raw)


def _still_valid(stored: object, path: Path, shown: str, raw: bytes) -> LoadedDossier | None:
    """The cached load with its narrative, if the narrative is still the one it was loaded
    with and may still be read (the checks of a fresh load); None otherwise."""
    if not isinstance(stored, _Stored) or not isinstance(stored.loaded, LoadedDossier):
        return None
    kept = stored.loaded
    if kept.path != shown or not isinstance(stored.extras, dict):
        return None
    try:
        source_raw = read_source(path, kept.dossier.source.file, shown, kept.source_path)
    except InputError:
        return None  # the fresh load says why
    if digest_files([("dossier", raw), ("source", source_raw)]) != kept.sha256:
        return None
    return dataclasses.replace(kept, source_text=decode_utf8(source_raw, kept.source_path))


def load_dossier_cached(
    path: Path, book: Rulebook, display: str | None = None, defer: bool = False
) -> LoadedDossier:
    """`load_dossier(path, book, display)`, read from the cache when the same dossier and source
    were loaded before under a rulebook that loads dossiers alike. `defer`: a fresh load is
    written with the extra the caller keeps next (`keep_extra`), not at once."""
    directory = cache_dir()
    if directory is None:
        return load_dossier(path, book, display)
    shown = display or str(path)
    try:
        raw = read_bounded(path, shown)
        entry = entry_path(directory, book, shown, raw)
    except InputError:  # unreadable, too large, a malformed limit: the fresh load reports it
        return load_dossier(path, book, display)
    stored = entry.read()
    loaded = _still_valid(stored, path, shown, raw)
    if loaded is not None:
        assert isinstance(stored, _Stored)
        inputs.note_input(path)
        _remember(loaded, entry, stored, False)
        return loaded
    # The bytes read for the key are the bytes loaded: the entry holds their load.
    loaded = load_dossier(path, book, display, raw)
    fresh = _Stored(dataclasses.replace(loaded, source_text=""), {})
    if not defer:
        entry.write(fresh)
    _remember(loaded, entry, fresh, defer)
    return loaded


def _remember(
    loaded: LoadedDossier, entry: input_cache.InputEntry, stored: _Stored, pending: bool
) -> None:
    if len(_KNOWN) >= _KNOWN_MAX:
        for key, (_, _, _, waiting) in list(_KNOWN.items()):
            if waiting:  # written now rather than never
                flush(_KNOWN[key][0])
        _KNOWN.clear()
    _KNOWN[id(loaded)] = (loaded, entry, stored, pending)


def _known(
    loaded: LoadedDossier,
) -> tuple[LoadedDossier, input_cache.InputEntry, _Stored, bool] | None:
    found = _KNOWN.get(id(loaded))
    return found if found is not None and found[0] is loaded else None


def extra(loaded: LoadedDossier, key: str) -> object | None:
    """What was kept under `key` with this load's entry (None: nothing, or a load not read or
    made through the cache)."""
    found = _known(loaded)
    return None if found is None else found[2].extras.get(key)


def keep_extra(loaded: LoadedDossier, key: str, value: object) -> None:
    """Keep `value` under `key` in this load's entry (with the load itself, if its write was
    deferred); the oldest extras beyond `EXTRAS_KEPT` go. Nothing for a load not read or made
    through the cache."""
    found = _known(loaded)
    if found is None:
        return
    _, entry, stored, _ = found
    extras = {k: v for k, v in stored.extras.items() if k != key}
    extras[key] = value
    while len(extras) > EXTRAS_KEPT:
        del extras[next(iter(extras))]
    kept = _Stored(stored.loaded, extras)
    entry.write(kept)
    _KNOWN[id(loaded)] = (loaded, entry, kept, False)


def flush(loaded: LoadedDossier) -> None:
    """Write a deferred load's entry now (a caller that deferred and will keep no extra)."""
    found = _known(loaded)
    if found is not None and found[3]:
        _, entry, stored, _ = found
        entry.write(stored)
        _KNOWN[id(loaded)] = (found[0], entry, stored, False)


def forget_extras(directory: Path) -> int:
    """Drop the extras kept with every entry of the cache `directory` (the fragility sweeps),
    keeping the loads; how many entries held some. The benchmark times a sweep afresh so."""
    store = input_cache.store_of(directory, FOLDER)
    dropped = 0
    for key in store.keys_by_use():
        stored = store.get(key)
        if isinstance(stored, _Stored) and stored.extras:
            store.put(key, _Stored(stored.loaded, {}))
            dropped += 1
    return dropped


__all__ = [
    "EXTRAS_KEPT",
    "entry_path",
    "extra",
    "flush",
    "forget_extras",
    "keep_extra",
    "load_dossier_cached",
]
