"""Which files a command read, and where a dossier's sources may lie.

Every file a loader reads is noted here, so that a command never writes its output over one
of its inputs (`assess D.yaml -o D.yaml`). A dossier's source narrative must lie inside the
evidence tree: the directory that holds the dossier's country folder (`evidence/` for
`evidence/peru/2007.yaml`), or the root given with `--sources DIR` or `TIP_ASSESS_SOURCES`. An
assessment can then never read, quote or record an arbitrary file such as `/etc/passwd`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SOURCES_ENV = "TIP_ASSESS_SOURCES"

_read: set[tuple[int, int]] = set()
_sources_root: Path | None = None


def note_input(path: Path) -> None:
    """Remember a file this command read (by device and inode, so links are seen too)."""
    try:
        info = path.stat()
    except OSError:
        return
    _read.add((info.st_dev, info.st_ino))


def note_stat(info: os.stat_result) -> None:
    """Remember a file this command read, from the `stat` its reader already made."""
    _read.add((info.st_dev, info.st_ino))


def is_input(path: Path) -> bool:
    """Whether `path` is (a link to) a file this command read."""
    try:
        info = path.stat()
    except OSError:
        return False
    return (info.st_dev, info.st_ino) in _read


def forget_reads() -> None:
    """Forget the inputs read (at the start of each command)."""
    _read.clear()


def reads() -> frozenset[tuple[int, int]]:
    """The files read so far, as (device, inode): a batch worker process hands them back."""
    return frozenset(_read)


def note_reads(files: Iterable[tuple[int, int]]) -> None:
    """Add files a batch worker read (as returned by `reads`) to this process's inputs."""
    _read.update(files)


def set_sources_root(root: Path | None) -> None:
    global _sources_root
    _sources_root = root


def sources_root() -> Path | None:
    """The root set with --sources, if any (a batch sends it to its worker processes)."""
    return _sources_root


def evidence_root(dossier: Path) -> tuple[Path, str]:
    """The directory a dossier's sources must lie in, and how it was chosen (for messages)."""
    if _sources_root is not None:
        return _sources_root.resolve(), "the root set with --sources"
    configured = os.environ.get(SOURCES_ENV)
    if configured:
        return Path(configured).expanduser().resolve(), f"the root set in {SOURCES_ENV}"
    return (
        dossier.resolve().parent.parent,
        "the evidence tree (the directory that holds the dossier's country folder)",
    )


def inside(path: Path, root: Path) -> bool:
    """Whether the resolved `path` lies in `root` (both resolved: links are followed)."""
    return path == root or root in path.parents
