"""The loaded rulebook cached on disk, so that a command does not re-parse `rules/` every time.

Parsing and type-checking the rules directory costs far more than reading a pickled result, and
the result depends only on the bytes of the rules and on the engine code that loads them. An
entry is therefore keyed by the sha256 of the rules (the same digest as `Rulebook.sha256`), the
digest of the loader's own source (`engine/__init__.py`, `errors.py`, `models/*.py`, `load/*.py`),
the engine version, the Python and pydantic versions, the input limits in force
(`engine.load.limits`) and the display root. Any change to one of them is a different key: a
stale entry can never be read, and a rulebook is never taken from the cache under limits it was
not loaded under. The rule files are read within the `file_bytes` limit and noted as inputs of
the command, as a fresh load would.

The cache is a directory: `$TIP_ASSESS_CACHE`, else `$XDG_CACHE_HOME/tip-assess`, else
`~/.cache/tip-assess`; `TIP_ASSESS_CACHE=off` turns it off. Writes go to a temporary file in
the same directory, renamed into place, so concurrent runs only ever see whole entries. An entry
that cannot be read (truncated, corrupt, from another engine) is ignored and rebuilt; a cache
that cannot be written is skipped. The cache never changes a result: an invalid rulebook is
never cached, so its problems are reported as without a cache.

Entries are pickles, and reading a pickle can run code: the cache directory is created private
to the user (mode 0700), and a directory that already exists is used only if it is the user's
and no one else may write to it, nor to a directory above it (`trusted`); otherwise the command
runs without a cache and says so once on stderr. Only what this module wrote there is read back.

A process keeps the rulebooks it has read (a few, by cache directory and key), so loading the
same rules again in one process costs only the digest of their files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from engine import __version__
from engine.errors import InputError
from engine.load import inputs, limits
from engine.load.common import digest_files
from engine.load.files import read_bounded
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook, rule_files

ENV = "TIP_ASSESS_CACHE"
OFF = "off"
KEEP = 16  # entries kept; older ones are removed after a write
PREFIX = "rulebook-"
SUFFIX = ".pickle"

# Rulebooks this process read from the cache, by directory and key: a process that loads the
# same rules again (the web app on each request, a test suite running commands in-process) gets
# the same object without unpickling it again. A loaded rulebook is never changed in place.
_LOADED: dict[tuple[str, str], Rulebook] = {}
_LOADED_KEPT = 4

ENGINE_DIR = Path(__file__).resolve().parent.parent
LOADER_SOURCES = ("__init__.py", "errors.py", "models", "load")
_ENGINE_DIGEST: str | None = None


def configured_dir() -> Path | None:
    """The cache directory the environment names (trusted or not), or None when caching is
    turned off."""
    env = os.environ.get(ENV)
    if env is not None:
        if env.strip().lower() in (OFF, ""):
            return None
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "tip-assess"


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is turned off or the directory cannot be
    trusted (`trusted`)."""
    directory = configured_dir()
    return directory if directory is not None and trusted(directory) else None


_WARNED: set[str] = set()


FOREIGN = "another user's"
SHARED = "writable by others"
UNREADABLE = "unreadable"


def distrust(directory: Path) -> str | None:
    """Why entries under `directory` may not be unpickled (`FOREIGN`, `SHARED`, a directory
    above it that is either, or that it cannot be looked at), or None when they may: it
    belongs to this user and no one else may write to it, nor to any directory above it (or
    it does not exist yet: it is then made private)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no POSIX owners (Windows): the user's profile directory protects it
        return None
    uid = getuid()
    try:
        info = directory.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"{UNREADABLE} ({exc.strerror})"  # the write would fail too
    if info is not None:
        if info.st_uid != uid:
            return FOREIGN
        if info.st_mode & 0o022:
            return SHARED
    key = (str(directory), uid)
    if key not in _ABOVE:  # once a process: a dozen system calls, asked at every cache access
        _ABOVE[key] = _distrust_above(directory, uid)
    return _ABOVE[key]


_ABOVE: dict[tuple[str, int], str | None] = {}


def _distrust_above(directory: Path, uid: int) -> str | None:
    """Why a directory above `directory` (as named, and once its links are followed) lets
    someone else put another directory in its place: it belongs to a user other than this one
    or root, or others may write to it without the sticky bit (which, as on /tmp, keeps them
    from renaming what is not theirs). The rule OpenSSH's StrictModes applies to the
    directories above a user's keys. Judged once a process (`distrust` keeps the answer)."""
    named = Path(os.path.abspath(directory))
    try:
        real = directory.resolve()
    except (OSError, RuntimeError):  # a link loop: the directory cannot be used anyway
        real = named
    for above in dict.fromkeys([*named.parents, *real.parents]):
        try:
            info = above.stat()
        except OSError:
            continue  # not there (made with the cache) or not to be looked at: the write fails
        if info.st_uid not in (0, uid):
            return f"inside {above}, which is {FOREIGN}"
        if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
            return f"inside {above}, which is {SHARED}"
    return None


def trusted(directory: Path) -> bool:
    """Whether entries under `directory` may be unpickled (`distrust`). Unpickling runs code,
    so an entry someone else could have written is never read: the command runs without a
    cache and says so once (a directory that cannot even be looked at cannot be written
    either: no cache, silently)."""
    why = distrust(directory)
    if why is None:
        return True
    shown = str(directory)
    if not why.startswith(UNREADABLE) and shown not in _WARNED:
        _WARNED.add(shown)
        print(
            f"tip-assess: not using the cache {shown}: it is {why}, and a cache entry runs "
            f"code when read (set {ENV} to a directory of your own, or {ENV}=off)",
            file=sys.stderr,
        )
    return False


def source_files_digest(paths: Iterable[Path]) -> str:
    """sha256 of engine source files, each named by its path under `engine/` (a cache keyed by
    it is stale as soon as the code that made an entry changes)."""
    files: list[tuple[str, bytes]] = []
    for file in paths:
        try:
            files.append((file.relative_to(ENGINE_DIR).as_posix(), file.read_bytes()))
        except OSError:  # no source (e.g. a frozen build): the version must do
            files.append((file.name, b"unreadable"))
    return digest_files(files)


def engine_digest() -> str:
    """sha256 of the engine source that turns rule files into a Rulebook (computed once)."""
    global _ENGINE_DIGEST
    if _ENGINE_DIGEST is None:
        _ENGINE_DIGEST = source_files_digest(sources(LOADER_SOURCES))
    return _ENGINE_DIGEST


def sources(names: Iterable[str]) -> list[Path]:
    """The engine's source files under `names` (files, or folders of modules, under engine/)."""
    found: list[Path] = []
    for name in names:
        path = ENGINE_DIR / name
        found += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return found


def rules_digest(root: Path) -> str | None:
    """The sha256 a Rulebook loaded from `root` would carry (each file noted as an input); None
    if a file cannot be read within the limits: the fresh load then says why."""
    files: list[tuple[str, bytes]] = []
    try:
        for path in rule_files(root):
            rel = path.relative_to(root).as_posix()
            files.append((rel, read_bounded(path, rel)))
            inputs.note_input(path)
    except (OSError, InputError):
        return None
    return digest_files(files)


def cache_key(rules_sha256: str, display_root: str) -> str:
    import pydantic

    parts = [
        rules_sha256,
        engine_digest(),
        __version__,
        f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}",
        pydantic.VERSION,
        ",".join(f"{name}={limits.value(name)}" for name in sorted(limits.LIMITS)),
        display_root,
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def read_entry(entry: Path) -> object | None:
    """The value pickled in `entry`, or None when it is missing, truncated, corrupt or from an
    incompatible engine (the caller then computes it again)."""
    try:
        with entry.open("rb") as handle:
            value: object = pickle.load(handle)
    except Exception:
        return None
    return value


def _read(entry: Path, rules_sha256: str, display_root: str) -> Rulebook | None:
    book = read_entry(entry)
    if not isinstance(book, Rulebook) or book.sha256 != rules_sha256 or book.root != display_root:
        return None
    return book


def write_entry(
    directory: Path, entry: Path, value: object, prefix: str = PREFIX, keep: int = KEEP
) -> None:
    """Pickle `value` into `entry` whole (a temporary file named for the process and thread,
    renamed into place), then keep the `keep` most recently used entries named `prefix*` in
    `directory`, the entry's folder. Missing folders are made, private, when the write finds
    them missing. A cache that cannot be written is no cache: nothing is raised."""
    temporary = directory / f".{entry.name}.{os.getpid()}.{threading.get_ident()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    made = False
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            descriptor = os.open(temporary, flags, 0o600)
        except FileNotFoundError:
            make_private(directory)
            made = True
            descriptor = os.open(temporary, flags, 0o600)
        try:
            view = memoryview(data)
            while view:  # a plain write(2): a file object would query the descriptor first
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, entry)
    except Exception:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    _prune(directory, prefix, keep, made)


def make_private(folder: Path) -> None:
    """Make `folder` and its missing parents, each private to the user (mode 0700)."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def touch(entry: Path) -> None:
    """Mark an entry most recently used (kept by the pruning)."""
    with contextlib.suppress(OSError):
        os.utime(entry)


# How many entries named (folder, prefix) this process last found, plus those it wrote since:
# the folder is listed again only once that could pass the limit (other processes writing to it
# meanwhile may take it past the limit until the next listing), not after every write.
_COUNTED: dict[tuple[str, str], int] = {}


def _prune(directory: Path, prefix: str, keep: int, made: bool = False) -> None:
    key = (str(directory), prefix)
    counted = 0 if made else _COUNTED.get(key)
    if counted is not None and counted + 1 <= keep:
        _COUNTED[key] = counted + 1
        return
    try:
        with os.scandir(directory) as listing:
            found = [e for e in listing if e.name.startswith(prefix) and e.name.endswith(SUFFIX)]
        if len(found) <= keep:
            _COUNTED[key] = len(found)
            return
        found.sort(key=lambda e: e.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in found[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(old.path)
    _COUNTED[key] = keep


def from_cache(book: Rulebook) -> bool:
    """Whether `book` is a rulebook this process loaded through the cache (not a variant made
    from one, such as a what-if's): what is worked out for it may be kept beside it."""
    return any(loaded is book for loaded in _LOADED.values())


def forget_loaded() -> None:
    """Drop the rulebooks this process remembers: the next load reads the disk (tests use it to
    act as a new process would)."""
    _LOADED.clear()


def load_rulebook_cached(root: Path, display_root: str | None = None) -> Rulebook:
    """`load_rulebook(root, display_root)`, read from the cache when the same rules were loaded
    by the same engine before."""
    shown = display_root if display_root is not None else str(root)
    directory = cache_dir()
    if directory is None or not root.is_dir():
        return load_rulebook(root, display_root)
    rules_sha256 = rules_digest(root)
    if rules_sha256 is None:
        return load_rulebook(root, display_root)
    try:
        key = cache_key(rules_sha256, shown)
    except InputError:  # a malformed limit in the environment: the fresh load reports it
        return load_rulebook(root, display_root)
    remembered = (str(directory), key)
    book = _LOADED.get(remembered)
    if book is not None:
        return book
    entry = directory / f"{PREFIX}{key}{SUFFIX}"
    book = _read(entry, rules_sha256, shown)
    if book is not None:
        touch(entry)
    else:
        book = load_rulebook(root, display_root)
        if book.sha256 != rules_sha256:  # the files changed while they were read
            return book
        write_entry(directory, entry, book)
    if len(_LOADED) >= _LOADED_KEPT:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[remembered] = book
    return book


__all__ = ["cache_dir", "load_rulebook_cached"]
