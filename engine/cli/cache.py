"""`tip-assess cache`: where the caches are, what they hold, and emptying them.

Five caches share one directory (`engine.load.cache.configured_dir`): loaded rulebooks, compiled
eras, lint's era checks, loaded dossiers (with the fragility sweeps worked out from them) and
loaded histories. Each keeps its own bounded number
of entries, so the directory never grows without end; `clear` is for reclaiming the space at
once, or for ruling the caches out when something looks wrong (they never change a result: an
entry is only ever the result of the same inputs).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli.common import EXIT_INPUT, guarded

if TYPE_CHECKING:
    from engine.load.entry_store import EntryStore

# The caches by the names shown; where each keeps its entries comes from the module that owns
# it (`_kinds`), imported only when this command runs.
KINDS = ("rulebooks", "compiled", "lint-eras", "dossiers", "histories")


@dataclass(frozen=True)
class _Kind:
    name: str
    prefix: str  # of its entry files in the cache directory ("" for a kind kept in a store)
    store: str = ""  # its store's name (`engine.load.entry_store`), for a kind kept in one
    legacy: str = ""  # the prefix of the entry files an earlier engine kept in a folder `store`


def _kinds() -> list[_Kind]:
    from engine.load import cache, dossier_cache, history
    from engine.quality import era_cache
    from engine.reason import cache as compiled

    return [
        _Kind("rulebooks", cache.PREFIX),
        _Kind("compiled", compiled.PREFIX),
        _Kind("lint-eras", era_cache.PREFIX),
        _Kind("dossiers", "", dossier_cache.FOLDER, "dossier-"),
        _Kind("histories", "", history.HISTORY_FOLDER, "history-"),
    ]


def _files(directory: Path, kind: _Kind) -> list[Path]:
    """The entry files of `kind` (for a kind kept in a store, those an earlier engine left),
    and temporary files a killed writer left (never a symlink, never a file this tool did not
    name)."""
    from engine.load.cache import SUFFIX

    prefix = kind.legacy or kind.prefix
    folders = [directory]
    if kind.store:
        top = directory / kind.store
        try:
            folders = [Path(e.path) for e in os.scandir(top) if e.is_dir(follow_symlinks=False)]
        except OSError:
            return []
    found = []
    for folder in folders:
        try:
            listed = list(os.scandir(folder))
        except OSError:
            continue
        for item in listed:
            name = item.name
            ours = (name.startswith(prefix) and name.endswith(SUFFIX)) or name.startswith(
                f".{prefix}"
            )
            if ours and item.is_file(follow_symlinks=False):
                found.append(Path(item.path))
    return sorted(found)


def _store(directory: Path, kind: _Kind) -> EntryStore:
    from engine.load.input_cache import store_of

    return store_of(directory, kind.store)


def _store_files(directory: Path, kind: _Kind) -> list[Path]:
    """The store's file and the side files SQLite keeps beside it (never a symlink)."""
    from engine.load.entry_store import store_files, store_path

    paths = store_files(store_path(directory, kind.store))
    return [p for p in paths if p.is_file() and not p.is_symlink()]


def _count(directory: Path, kind: _Kind, trusted: bool) -> tuple[int, int]:
    """How many entries `kind` holds in `directory`, and the bytes they take on disk. A store
    in a directory others could write to is measured, never opened: its entries are not
    counted."""
    files = _files(directory, kind)
    entries, size = len(files), _size(files)
    if kind.store:
        if trusted:
            entries += _store(directory, kind).summary()[0]
        size += _size(_store_files(directory, kind))
    return entries, size


def _size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):  # removed meanwhile by another process's pruning
            total += path.lstat().st_size
    return total


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _entries(count: int, width: int = 0) -> str:
    return f"{count:>{width}} {'entry' if count == 1 else 'entries':<7}"


@click.group("cache")
def cache_group() -> None:
    """Where the caches are, what they hold, and emptying them.

    \b
    Loaded rulebooks, compiled eras, lint's era checks, loaded dossiers (with their fragility
    sweeps) and histories are kept in $TIP_ASSESS_CACHE (default $XDG_CACHE_HOME/tip-assess or
    ~/.cache/tip-assess; TIP_ASSESS_CACHE=off: none). Each keeps a bounded number of entries,
    and an entry is only ever used for the very inputs it was made from.
      tip-assess cache info
      tip-assess cache clear --kind dossiers
    """


@cache_group.command("info")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@guarded
def info_command(fmt: str) -> None:
    """Show the cache directory, whether it is used, and each cache's entries and size.

    A directory not used because others could write to it is only measured: the entries of
    its dossier and history stores are not counted, as that would open them.
    """
    from engine.load.cache import ENV, configured_dir, distrust

    directory = configured_dir()
    why = distrust(directory) if directory is not None else None
    if directory is None:
        state = "off"
    elif why is not None:
        state = f"not used: {why}"
    elif directory.is_dir():
        state = "in use"
    elif directory.exists():
        state = "not used: not a directory (nothing can be written there)"
    else:
        state = "not made yet (made by the first write)"
    kinds = {}
    if directory is not None:
        for kind in _kinds():
            entries, size = _count(directory, kind, why is None)
            kinds[kind.name] = {"entries": entries, "bytes": size}
    if fmt == "json":
        document = {
            "directory": None if directory is None else str(directory),
            "state": state,
            "kinds": kinds,
            "entries": sum(k["entries"] for k in kinds.values()),
            "bytes": sum(k["bytes"] for k in kinds.values()),
        }
        click.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    if directory is None:
        click.echo(f"cache: off ({ENV}=off)")
        return
    source = f"${ENV}" if os.environ.get(ENV) else "the default"
    click.echo(f"cache: {directory} ({source}; {state})")
    for name, figures in kinds.items():
        click.echo(f"  {name:<10} {_entries(figures['entries'], 6)} {_megabytes(figures['bytes'])}")
    total_entries = sum(k["entries"] for k in kinds.values())
    total_bytes = sum(k["bytes"] for k in kinds.values())
    click.echo(f"  {'total':<10} {_entries(total_entries, 6)} {_megabytes(total_bytes)}")


@cache_group.command("clear")
@click.option(
    "--kind",
    "chosen",
    type=click.Choice(KINDS),
    multiple=True,
    help="Clear only this cache (repeatable; default: all of them).",
)
@guarded
def clear_command(chosen: tuple[str, ...]) -> None:
    """Remove the caches' entries (all, or those of --kind); other files are left alone.

    Safe while other commands run: they read a missing entry as a miss and make it again.
    A directory that belongs to another user, or that others may write to, is not touched
    (exit 2).
    """
    from engine.load.cache import ENV, configured_dir, distrust

    directory = configured_dir()
    if directory is None:
        click.echo(f"the cache is off ({ENV}=off): nothing to clear")
        return
    why = distrust(directory)
    if why is not None:
        click.echo(f"error: {directory}: not clearing a cache directory that is {why}", err=True)
        sys.exit(EXIT_INPUT)
    removed = 0
    size = 0
    for kind in _kinds():
        if chosen and kind.name not in chosen:
            continue
        files = _files(directory, kind)
        size += _size(files)
        for path in files:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass  # pruned meanwhile
        if kind.store:
            _remove_empty_folders(directory / kind.store)
            before = _size(_store_files(directory, kind))
            removed += _clear_store(directory, kind)
            size += max(0, before - _size(_store_files(directory, kind)))
    names = ", ".join(chosen) if chosen else "all caches"
    click.echo(
        f"removed {_entries(removed).rstrip()} ({_megabytes(size)}) of {names} from {directory}"
    )


def _clear_store(directory: Path, kind: _Kind) -> int:
    """Delete a store's entries (others using it meanwhile miss and make them again); a file
    that is not a store at all is removed. How many entries went."""
    cleared = _store(directory, kind).clear()
    if cleared is not None:
        return int(cleared[0])
    for path in _store_files(directory, kind):
        with contextlib.suppress(OSError):
            path.unlink()
    return 0


def _remove_empty_folders(top: Path) -> None:
    """The two-digit folders left empty, then `top` itself if empty (a writer makes them
    again when it needs them)."""
    try:
        folders = [Path(e.path) for e in os.scandir(top) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for folder in [*folders, top]:
        with contextlib.suppress(OSError):  # not empty (a file not ours, a new entry): left
            folder.rmdir()


def register(main: click.Group) -> None:
    """Add `cache info|clear` to the top-level group."""
    main.add_command(cache_group)
