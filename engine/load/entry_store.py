"""The per-input caches' entries (a loaded dossier with its sweeps, a loaded history), kept as
rows of one SQLite file per kind of input, not one file each.

Why: a first batch over the benchmark's 4,000 dossiers created 4,000 entry files, and on the
benchmark machine's ext4 creating a file cost 0.3-0.9 ms of CPU, a sixth of a batch row. A row
costs a fraction of that, the more so when a batch's writes are committed together
(`batched`): the pool commits each chunk's entries in one transaction.

The file is `<cache>/<folder>.sqlite3` in WAL mode: readers never wait for a writer, and every
write is a whole transaction, so concurrent processes (a batch's workers, another command) only
ever read whole entries. A row holds the key, the time of its last use and the pickled value;
the least recently used rows beyond `keep` rows or `max_bytes` of values are deleted. A store
is best effort, as the other caches are: one that cannot be opened or read (locked for long, a
full disk) is no cache, reads miss and writes are dropped, and a file that is not a database is
replaced.

A store is opened once per process (`store`); a process forked from one that had it open opens
its own, as SQLite requires, and never commits what its parent held back.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from engine.load.cache import make_private

try:
    import sqlite3
except ImportError:  # pragma: no cover - a Python built without SQLite: no cache of inputs
    AVAILABLE = False
else:
    AVAILABLE = True

SUFFIX = ".sqlite3"
BUSY_SECONDS = 5.0  # how long a write waits for another process's transaction
PENDING_MAX = 64  # writes `batched` holds back before it commits them
CHECK_EVERY = 256  # writes between two counts of the rows (pruning)
MAX_BYTES = 1_000_000_000  # the values' bytes a store keeps, by default
# A read marks its entry used (a write) only when its last use is older than this: reading the
# same entries again and again (the web app, a loop of assessments) writes nothing.
TOUCH_AFTER_SECONDS = 600
SIDE_FILES = ("-wal", "-shm", "-journal")

_SCHEMA = (
    # `used` before `value`: SQLite reads a row's columns in order, and a value is large.
    "CREATE TABLE IF NOT EXISTS entries "
    "(key TEXT PRIMARY KEY, used INTEGER NOT NULL, value BLOB NOT NULL)"
)


class EntryStore:
    """One kind of input's entries: pickled values by key, the most recently used `keep`."""

    def __init__(self, path: Path, keep: int, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.keep = keep
        self.max_bytes = max_bytes
        self.pid = os.getpid()
        self._lock = threading.Lock()  # the web app reads and writes from several threads
        self._db: sqlite3.Connection | None = None
        self._not_a_store = False  # the last open found a file that is not a database
        self._pending: dict[str, bytes] = {}
        self._touched: set[str] = set()
        self._since_count = CHECK_EVERY  # the first commit counts the rows
        self._since_bytes = 0
        self._last_used = 0
        self._identity: tuple[int, int] = (0, 0)  # the file's device and inode, once open

    # ------------------------------------------------------------------ reading and writing

    def get(self, key: str) -> object | None:
        """The value kept under `key` (marked used, unless it was within
        `TOUCH_AFTER_SECONDS`), or None: missing, unreadable, or a pickle of an incompatible
        engine (the caller then computes it again)."""
        with self._lock:
            blob = self._pending.get(key)
            if blob is None:
                found = self._select(key)
                if found is None:
                    return None
                blob, used = found
                if time.time_ns() - used > TOUCH_AFTER_SECONDS * 1_000_000_000:
                    self._touched.add(key)
        _commit_unless_batched(self)
        try:
            value: object = pickle.loads(blob)
        except Exception:
            return None
        return value

    def put(self, key: str, value: object) -> None:
        """Keep `value` under `key`, replacing what was there: committed now, or with the rest
        of a batch (`batched`). A value that cannot be pickled is not kept."""
        try:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        if len(blob) > self.max_bytes:
            return  # more than the whole store may hold
        with self._lock:
            self._pending[key] = blob
            self._touched.discard(key)
        _commit_unless_batched(self)

    def commit(self) -> None:
        """Write what is held back (new entries, and the use of those read) in one transaction,
        then prune. Nothing is raised: a failed write is a lost cache entry, not an error."""
        with self._lock:
            if not self._pending and not self._touched:
                return
            pending, touched = self._pending, self._touched
            self._pending, self._touched = {}, set()
            if self._db is not None and not self._same_file():
                self._release()  # the file was removed (the cache deleted by hand): a new one
            db = self._connect(create=True)
            if db is None:
                return
            used = self._now()
            try:
                with _transaction(db):
                    db.executemany(
                        "INSERT OR REPLACE INTO entries (key, used, value) VALUES (?, ?, ?)",
                        [(key, used, blob) for key, blob in pending.items()],
                    )
                    db.executemany(
                        "UPDATE entries SET used = ? WHERE key = ?",
                        [(used, key) for key in sorted(touched)],
                    )
                    self._since_count += len(pending)
                    self._since_bytes += sum(len(blob) for blob in pending.values())
                    # Counted every CHECK_EVERY entries, and after an eighth of the byte limit
                    # (a few huge dossiers could otherwise pass it by far).
                    if self._since_count >= CHECK_EVERY or self._since_bytes >= self.max_bytes // 8:
                        self._since_count = self._since_bytes = 0
                        self._prune(db)
            except sqlite3.Error as error:
                if _damaged(error):  # the next write makes a new file
                    self._release()
                    remove_files(self.path)

    def pending(self) -> int:
        """Entries written by this process and not yet committed."""
        with self._lock:
            return len(self._pending)

    # ------------------------------------------------------------------ inspecting

    def summary(self) -> tuple[int, int]:
        """How many entries the file holds, and their bytes (0, 0 when there is no file)."""
        with self._lock:
            db = self._connect(create=False)
            if db is None:
                return 0, 0
            try:
                return _totals(db)
            except sqlite3.Error:
                return 0, 0

    def keys_by_use(self) -> list[str]:
        """The keys of the committed entries, the least recently used first."""
        with self._lock:
            db = self._connect(create=False)
            if db is None:
                return []
            try:
                rows = db.execute("SELECT key FROM entries ORDER BY used, key").fetchall()
            except sqlite3.Error:
                return []
            return [row[0] for row in rows]

    def clear(self) -> tuple[int, int] | None:
        """Delete every entry (safe while other processes use the store: they miss, and make
        the entry again); what was deleted, as `summary` counts it. None when the file is not
        a store, or a damaged one (the caller may remove it)."""
        with self._lock:
            self._pending.clear()
            self._touched.clear()
            db = self._connect(create=False)
            if db is None:
                return None if self._not_a_store else (0, 0)
            try:
                with _transaction(db):
                    cleared = _totals(db)
                    db.execute("DELETE FROM entries")
            except sqlite3.Error as error:
                return None if _damaged(error) else (0, 0)
            with contextlib.suppress(sqlite3.Error):  # the space back, unless others read it
                db.execute("VACUUM")
        return cleared

    def __del__(self) -> None:
        # A connection closed when its store goes, not left to the garbage collector (Python
        # 3.13 warns of it), and never in a process forked from the one that opened it.
        try:  # noqa: SIM105 (not contextlib: at interpreter shutdown, modules may be gone)
            self._release()
        except Exception:  # pragma: no cover
            pass

    def _release(self) -> None:
        if self._db is None:
            return
        if self.pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        else:
            _INHERITED.append(self._db)  # the parent's: kept, unclosed, for this process's life
        self._db = None

    def close(self) -> None:
        """Commit what is held back and close the file (only in the process that opened it)."""
        self.commit()
        with self._lock:
            self._release()

    # ------------------------------------------------------------------ internals

    def _select(self, key: str) -> tuple[bytes, int] | None:
        if self._db is not None and not self._same_file():
            self._release()  # the file was removed: what it held is gone for everyone else too
        db = self._connect(create=False)
        if db is None:
            return None
        try:
            row = db.execute("SELECT value, used FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else (bytes(row[0]), int(row[1]))

    def _same_file(self) -> bool:
        try:
            found = os.stat(self.path)
        except OSError:
            return False
        return (found.st_dev, found.st_ino) == self._identity

    def _now(self) -> int:
        """A time of use: the clock, strictly after this store's previous one."""
        self._last_used = max(time.time_ns(), self._last_used + 1)
        return self._last_used

    def _prune(self, db: sqlite3.Connection) -> None:
        """Delete the least recently used entries beyond `keep` entries or `max_bytes`."""
        count, size = _totals(db)
        rows, size = count - self.keep, size - self.max_bytes  # what is over each limit
        if rows <= 0 and size <= 0:
            return
        doomed = []
        for key, length in db.execute(
            "SELECT key, length(value) FROM entries ORDER BY used, key"
        ).fetchall():
            if rows <= 0 and size <= 0:
                break
            doomed.append((key,))
            rows, size = rows - 1, size - length
        db.executemany("DELETE FROM entries WHERE key = ?", doomed)

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        """The open file; without `create`, None when there is none yet (a read makes
        nothing). A file that is not a database (left by a crash of the disk, or not ours) is
        replaced once."""
        if self._db is not None:
            return self._db
        self._not_a_store = False
        if not AVAILABLE or not (create or self.path.exists()):
            return None
        for attempt in range(2):
            try:
                if create:
                    _make_file(self.path)
                # A read opens only a file that is there (mode=rw makes none).
                where = str(self.path) if create else f"file:{quote(str(self.path))}?mode=rw"
                db = sqlite3.connect(
                    where,
                    timeout=BUSY_SECONDS,
                    isolation_level=None,
                    check_same_thread=False,
                    uri=not create,
                )
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")  # a cache needs no fsync per commit
                    db.execute(_SCHEMA)
                except BaseException:
                    db.close()
                    raise
            except sqlite3.DatabaseError as error:
                if attempt == 0 and create and not isinstance(error, sqlite3.OperationalError):
                    remove_files(self.path)
                    continue
                self._not_a_store = not isinstance(error, sqlite3.OperationalError)
                return None
            except OSError:
                return None
            try:
                found = os.stat(self.path)
            except OSError:
                db.close()
                return None
            self._identity = (found.st_dev, found.st_ino)
            self._db = db
            return db
        return None


def _totals(db: sqlite3.Connection) -> tuple[int, int]:
    """How many entries the store holds, and the bytes of their values."""
    count, size = db.execute(
        "SELECT count(*), coalesce(sum(length(value)), 0) FROM entries"
    ).fetchone()
    return int(count), int(size)


def store_path(directory: Path, folder: str) -> Path:
    """The file of `folder`'s store in the cache `directory`."""
    return directory / f"{folder}{SUFFIX}"


def store_files(path: Path) -> list[Path]:
    """A store's file and the side files SQLite keeps beside it (whether or not they exist)."""
    return [path, *(path.with_name(path.name + side) for side in SIDE_FILES)]


def _damaged(error: Exception) -> bool:
    """Whether SQLite found the file damaged (not a database, a malformed page), rather than
    busy or out of space, which pass."""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.OperationalError
    )


def _make_file(path: Path) -> None:
    """The store's file, private to the user, and its folder (private too) when missing:
    SQLite would make the file readable by all, and its side files take the file's mode."""
    if path.exists():
        return
    make_private(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(path, flags, 0o600))


def remove_files(path: Path) -> None:
    """Remove a store's file and its side files (a store found damaged, or dropped whole)."""
    for each in store_files(path):
        with contextlib.suppress(OSError):
            each.unlink()


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")  # the write lock at once: no upgrade that could deadlock
    try:
        yield
        db.execute("COMMIT")
    except BaseException:  # a failed COMMIT too: the connection must not stay in the transaction
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


# ---------------------------------------------------------------------- this process's stores

_STORES: dict[Path, EntryStore] = {}
# Connections a forked process inherited: never used nor closed there (closing one could
# checkpoint or remove the parent's write-ahead log), only kept from the garbage collector.
_INHERITED: list[sqlite3.Connection] = []
_STORES_KEPT = 8  # tests make many cache directories; a command uses one or two stores
_BATCH_DEPTH = 0
_BATCH_PID = os.getpid()


def store(directory: Path, folder: str, keep: int, max_bytes: int = MAX_BYTES) -> EntryStore:
    """The store of `folder`'s entries in the cache `directory`, opened once per process."""
    path = store_path(directory, folder)
    found = _STORES.get(path)
    if found is not None and found.pid == os.getpid():
        return found
    if found is None and len(_STORES) >= _STORES_KEPT:
        for old in list(_STORES.values()):
            if old.pid == os.getpid():
                old.close()
        _STORES.clear()
    made = EntryStore(path, keep, max_bytes)
    _STORES[path] = made
    return made


def commit_all() -> None:
    """Commit what every store of this process holds back."""
    for each in list(_STORES.values()):
        if each.pid == os.getpid():
            each.commit()


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Hold writes back and commit them together (every `PENDING_MAX` entries, and on the way
    out, however it is left): a batch writes thousands of entries."""
    global _BATCH_DEPTH, _BATCH_PID
    if os.getpid() != _BATCH_PID:  # forked from inside a batch: the batch was the parent's
        _BATCH_DEPTH, _BATCH_PID = 0, os.getpid()
    _BATCH_DEPTH += 1
    try:
        yield
    finally:
        _BATCH_DEPTH -= 1
        if _BATCH_DEPTH == 0:
            commit_all()


def _commit_unless_batched(each: EntryStore) -> None:
    batching = _BATCH_DEPTH > 0 and os.getpid() == _BATCH_PID
    if not batching or each.pending() >= PENDING_MAX:
        each.commit()


__all__ = [
    "EntryStore",
    "batched",
    "commit_all",
    "remove_files",
    "store",
    "store_files",
    "store_path",
]
