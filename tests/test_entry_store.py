"""The store of loaded inputs' entries (`engine/load/entry_store.py`): whole entries only, seen
by other processes once committed, bounded, and never an error, whatever is found on disk or
whoever holds the file."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from engine.load import entry_store
from engine.load.entry_store import EntryStore


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / f"dossiers{entry_store.SUFFIX}"


def elsewhere(path: Path) -> EntryStore:
    """The same file as another process opens it."""
    return EntryStore(path, 100)


def test_a_value_written_is_read_back_here_and_by_another_process(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("peru", {"tier": "Tier 2", "quotes": ["..."] * 3})
    assert store.get("peru") == {"tier": "Tier 2", "quotes": ["..."] * 3}
    assert elsewhere(path).get("peru") == {"tier": "Tier 2", "quotes": ["..."] * 3}
    assert store.get("greece") is None
    store.put("peru", "replaced")
    assert elsewhere(path).get("peru") == "replaced" and elsewhere(path).keys_by_use() == ["peru"]


def test_a_path_with_characters_a_uri_escapes_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "a cache?#%20x" / f"dossiers{entry_store.SUFFIX}"
    EntryStore(path, 100).put("peru", "kept")
    assert elsewhere(path).get("peru") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a cache?#%20x"]


def test_the_file_and_its_folder_are_private(path: Path) -> None:
    store = EntryStore(path, 100)  # open: its side files exist until the last one closes
    store.put("peru", 1)
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        assert (path.parent / name).stat().st_mode & 0o777 == 0o600, name


def test_a_read_makes_no_file(path: Path) -> None:
    assert EntryStore(path, 100).get("peru") is None
    assert not path.parent.exists()


def test_a_batch_is_committed_together_and_seen_by_itself_meanwhile(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_store, "PENDING_MAX", 3)
    store = entry_store.store(path.parent, "dossiers", 100)
    with entry_store.batched():
        for name in ("a", "b"):
            store.put(name, name.upper())
        assert store.get("a") == "A" and store.pending() == 2
        assert elsewhere(path).keys_by_use() == []  # not committed yet
        store.put("c", "C")  # the third: committed with the others
        assert store.pending() == 0 and elsewhere(path).keys_by_use() == ["a", "b", "c"]
        store.put("d", "D")
        assert elsewhere(path).get("d") is None
    assert elsewhere(path).get("d") == "D"  # committed on the way out


def test_a_batch_left_by_an_exception_still_commits_what_it_holds(path: Path) -> None:
    store = entry_store.store(path.parent, "dossiers", 100)
    with pytest.raises(KeyboardInterrupt), entry_store.batched():
        store.put("peru", "kept")
        raise KeyboardInterrupt
    assert elsewhere(path).get("peru") == "kept"


def test_the_least_recently_used_entries_beyond_keep_are_deleted(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_store, "CHECK_EVERY", 1)
    monkeypatch.setattr(entry_store, "TOUCH_AFTER_SECONDS", 0)  # every read marks its use
    store = EntryStore(path, 3)
    for name in ("a", "b", "c"):
        store.put(name, name)
    assert store.get("a") == "a"  # used again: now the most recent
    store.put("d", "d")
    assert elsewhere(path).keys_by_use() == ["c", "a", "d"]  # b, the least recently used, went


def test_reading_an_entry_used_recently_writes_nothing(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("peru", "kept")
    before = path.with_name(path.name + "-wal").stat().st_size
    for _ in range(3):
        assert store.get("peru") == "kept"
    assert path.with_name(path.name + "-wal").stat().st_size == before
    assert elsewhere(path).keys_by_use() == ["peru"]


def test_the_least_recently_used_entries_beyond_the_byte_limit_are_deleted(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_store, "CHECK_EVERY", 1000)  # the bytes alone call for a count
    store = EntryStore(path, 100, max_bytes=25_000)
    for name in ("a", "b", "c"):
        store.put(name, name * 8_000)  # about 8 kB each: 24 kB, within the limit
    assert elsewhere(path).keys_by_use() == ["a", "b", "c"]
    store.put("d", "d" * 8_000)  # 32 kB: the least recently used goes
    assert elsewhere(path).keys_by_use() == ["b", "c", "d"]
    store.put("huge", "h" * 30_000)  # more than the whole store holds: not kept
    assert elsewhere(path).get("huge") is None
    assert elsewhere(path).keys_by_use() == ["b", "c", "d"]


def test_a_value_that_cannot_be_pickled_is_not_kept(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("lock", threading.Lock())
    assert store.get("lock") is None and store.pending() == 0


def test_an_entry_that_does_not_unpickle_is_a_miss(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("peru", "whole")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE key = 'peru'", (b"\x80\x05half",))
    assert elsewhere(path).get("peru") is None


def test_a_file_that_is_not_a_store_is_replaced_by_the_next_write(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"not a database, " * 512)
    reader = EntryStore(path, 100)
    assert reader.get("peru") is None and reader.summary() == (0, 0)
    writer = EntryStore(path, 100)
    writer.put("peru", "kept")
    assert elsewhere(path).get("peru") == "kept"


def test_a_damaged_file_is_a_miss_and_replaced_by_the_next_writes(path: Path) -> None:
    store = EntryStore(path, 100)
    for index in range(40):
        store.put(f"k{index}", "x" * 5000)  # pages beyond the first
    store.close()
    with path.open("r+b") as handle:  # the header kept, the pages after it overwritten
        handle.seek(4096)
        handle.write(b"\xff" * (path.stat().st_size - 4096))
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    damaged = EntryStore(path, 100)
    assert damaged.get("k1") is None  # a miss, not an error
    damaged.put("k1", "again")  # the write finds the damage: the file goes
    damaged.put("k1", "again")  # and the next makes a new one
    assert elsewhere(path).get("k1") == "again"
    assert elsewhere(path).keys_by_use() == ["k1"]


def test_a_store_locked_by_another_writer_drops_the_write_and_still_reads(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_store, "BUSY_SECONDS", 0.05)
    store = EntryStore(path, 100)
    store.put("peru", "before")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process in the middle of its own write
        store.put("greece", "dropped")  # waits BUSY_SECONDS, then gives up without raising
        assert store.pending() == 0
        assert store.get("peru") == "before"  # readers never wait for a writer (WAL)
        other.execute("ROLLBACK")
    assert elsewhere(path).get("greece") is None
    store.put("greece", "written")
    assert elsewhere(path).get("greece") == "written"


class _FirstCommitFails:
    """A connection whose first COMMIT fails, as on an I/O error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.failed = False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "COMMIT" and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: object) -> sqlite3.Cursor:
        return self.db.executemany(sql, rows)  # type: ignore[arg-type]

    def close(self) -> None:
        self.db.close()


def test_a_failed_commit_loses_its_entries_only(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("first", 1)
    assert store._db is not None
    failing = _FirstCommitFails(store._db)
    store._db = failing  # type: ignore[assignment]
    store.put("lost", 2)  # its COMMIT fails: rolled back, not left open
    assert failing.failed
    store.put("after", 3)
    assert elsewhere(path).keys_by_use() == ["first", "after"]


def test_a_removed_file_is_made_again_by_the_next_write(path: Path) -> None:
    store = EntryStore(path, 100)
    store.put("peru", 1)
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink()
    assert store.get("peru") is None  # gone for everyone: not read from the removed file
    store.put("greece", 2)
    assert elsewhere(path).keys_by_use() == ["greece"]


def test_clear_deletes_every_entry_and_says_how_many(path: Path) -> None:
    store = EntryStore(path, 100)
    for name in ("a", "b"):
        store.put(name, "x" * 1000)
    count, size = elsewhere(path).clear() or (0, 0)
    assert count == 2 and size > 2000
    assert store.get("a") is None and store.summary() == (0, 0)
    path.write_bytes(b"not a database, " * 512)
    for name in (path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)
    assert elsewhere(path).clear() is None  # not a store: the caller may remove the file


def _child_writes(path: str) -> None:
    store = entry_store.store(Path(path).parent, "dossiers", 100)
    store.put("child", os.getpid())


def test_a_forked_process_opens_the_store_again_and_commits_only_its_own(path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    parent = entry_store.store(path.parent, "dossiers", 100)
    parent.put("first", 1)  # the parent has the file open
    with entry_store.batched():
        parent.put("held", "the parent's, not yet committed")
        child = multiprocessing.get_context("fork").Process(target=_child_writes, args=(path,))
        child.start()
        child.join(30)
        assert child.exitcode == 0
        assert elsewhere(path).get("held") is None  # the child did not commit it
        assert isinstance(elsewhere(path).get("child"), int)
    assert elsewhere(path).get("held") == "the parent's, not yet committed"
    assert entry_store.store(path.parent, "dossiers", 100) is parent


def _writer(path: str, name: str, count: int) -> None:
    store = entry_store.store(Path(path).parent, "dossiers", 10_000)
    with entry_store.batched():
        for index in range(count):
            store.put(f"{name}-{index}", "x" * 2000)


def test_processes_writing_at_once_each_write_every_entry(path: Path) -> None:
    EntryStore(path, 100).put("made", 0)
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_writer, args=(str(path), name, 300)) for name in ("one", "two")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    assert elsewhere(path).summary()[0] == 601


def test_a_python_without_sqlite_has_no_store_and_no_error(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_store, "AVAILABLE", False)
    store = EntryStore(path, 100)
    store.put("peru", "not kept")
    assert store.get("peru") is None and store.summary() == (0, 0) and store.pending() == 0
    assert not path.exists()


def test_threads_of_one_process_share_a_store(path: Path) -> None:
    """The web app serves requests from several threads, through one store."""
    store = EntryStore(path, 10_000)
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for index in range(50):
                store.put(f"{name}-{index}", index)
                assert store.get(f"{name}-{index}") == index
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and elsewhere(path).summary()[0] == 200
