"""The dossier cache (`engine/load/dossier_cache.py`): a cached load is the fresh load, and an
entry is never used for other bytes, another source, another vocabulary or another evidence
tree; a problem is always reported by a fresh load."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import support

import engine.load.cache as cache_module
import engine.load.dossier_cache as dossier_cache
import engine.load.entry_store as entry_store
import engine.load.input_cache as input_cache
from engine.assessment import assess
from engine.errors import InputError
from engine.load import inputs
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    return directory


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    return support.peru_tree(tmp_path / "evidence")


def store_file(cache: Path) -> Path:
    return support.store_file(cache, dossier_cache.FOLDER)


def entries(cache: Path) -> list[str]:
    return support.store_keys(cache, dossier_cache.FOLDER)


def stored_value(cache: Path, key: str) -> bytes:
    return support.stored_value(cache, dossier_cache.FOLDER, key)


def overwrite(cache: Path, key: str, value: bytes) -> None:
    support.overwrite_stored(cache, dossier_cache.FOLDER, key, value)


def no_fresh_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on a load that is not read from the cache fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> LoadedDossier:
        raise AssertionError("loaded afresh, not from the cache")

    monkeypatch.setattr(dossier_cache, "load_dossier", refuse)


def fields(loaded: LoadedDossier) -> dict[str, Any]:
    values = dataclasses.asdict(loaded)
    values["dossier"] = loaded.dossier.model_dump(mode="json")
    return values


def document(book: Rulebook, loaded: LoadedDossier) -> str:
    result = assess(book, loaded, loaded.dossier.report_year)
    return json.dumps(result.document, sort_keys=True, ensure_ascii=False)


def load_error(path: Path, book: Rulebook, loader: Any) -> str:
    with pytest.raises(InputError) as caught:
        loader(path, book)
    return "\n".join(problem.render() for problem in caught.value.problems)


def test_every_corpus_dossier_read_from_the_cache_is_its_fresh_load(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = support.rulebook()
    paths = sorted(p for p in support.EVIDENCE.glob("*/*.yaml") if p.name != "history.yaml")
    fresh = {path: load_dossier(path, book) for path in paths}
    for path in paths:
        dossier_cache.load_dossier_cached(path, book)  # a miss: loads and writes the entry
    assert len(entries(cache)) == len(paths) >= 15
    no_fresh_load(monkeypatch)
    for path in paths:
        cached = dossier_cache.load_dossier_cached(path, book)
        assert fields(cached) == fields(fresh[path]), path
        assert document(book, cached) == document(book, fresh[path]), path


def test_a_changed_narrative_is_loaded_afresh_and_its_problem_reported(
    cache: Path, evidence: Path
) -> None:
    book = support.rulebook()
    first = dossier_cache.load_dossier_cached(evidence, book)
    source = evidence.parent.parent / "sources" / "tip-2007-peru.txt"
    text = source.read_text(encoding="utf-8")
    assert "primarily a source country" in text
    source.write_text(text.replace("primarily a source country", "a source country"), "utf-8")
    message = load_error(evidence, book, dossier_cache.load_dossier_cached)
    assert message == load_error(evidence, book, load_dossier)
    assert "quote does not occur in the source text" in message, message
    source.write_text(text + "\nA line added at the end.\n", encoding="utf-8")
    again = dossier_cache.load_dossier_cached(evidence, book)  # the quotes all occur again
    assert again.sha256 != first.sha256 and again.source_text.endswith("at the end.\n")


def test_a_narrative_outside_the_evidence_tree_is_refused_as_by_a_fresh_load(
    cache: Path, evidence: Path, tmp_path: Path
) -> None:
    book = support.rulebook()
    dossier_cache.load_dossier_cached(evidence, book)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    inputs.set_sources_root(elsewhere)  # `--sources DIR`: the narrative now lies outside it
    try:
        message = load_error(evidence, book, dossier_cache.load_dossier_cached)
        assert message == load_error(evidence, book, load_dossier)
        assert "is outside" in message, message
    finally:
        inputs.set_sources_root(None)


def test_an_edited_dossier_gets_an_entry_of_its_own(cache: Path, evidence: Path) -> None:
    book = support.rulebook()
    dossier_cache.load_dossier_cached(evidence, book)
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace("country: Peru", "country: Peru "), encoding="utf-8")
    edited = dossier_cache.load_dossier_cached(evidence, book)
    assert len(entries(cache)) == 2
    assert edited.sha256 == load_dossier(evidence, book).sha256


def test_entries_serve_rulebooks_that_load_alike_and_no_others(
    cache: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = support.rulebook()
    dossier_cache.load_dossier_cached(evidence, book)
    # Another rule, the same vocabulary: a change to the rules keeps the entries.
    rule = book.rules[0]
    changed_rules = dataclasses.replace(
        book, rules=[rule.model_copy(update={"title": "retitled"}), *book.rules[1:]]
    )
    assert changed_rules.loading_digest() == book.loading_digest()
    with monkeypatch.context() as patch:
        no_fresh_load(patch)
        dossier_cache.load_dossier_cached(evidence, changed_rules)
    # A kind the dossier uses taken out of the vocabulary: a fresh load, which refuses it.
    fewer_kinds = dataclasses.replace(book, kinds={**book.kinds})
    fewer_kinds.kinds.pop("victim_shelter")
    assert fewer_kinds.loading_digest() != book.loading_digest()
    message = load_error(evidence, fewer_kinds, dossier_cache.load_dossier_cached)
    assert "unknown evidence kind 'victim_shelter'" in message, message
    # A phrase quotes may not contain, added: the same.
    info = book.info.model_copy(
        update={"conclusion_phrases": [*book.info.conclusion_phrases, "primarily a source"]}
    )
    more_phrases = dataclasses.replace(book, info=info)
    message = load_error(evidence, more_phrases, dossier_cache.load_dossier_cached)
    assert "the quote contains 'primarily a source'" in message, message


def test_a_damaged_entry_is_loaded_afresh_and_written_again(cache: Path, evidence: Path) -> None:
    book = support.rulebook()
    first = dossier_cache.load_dossier_cached(evidence, book)
    [key] = entries(cache)
    overwrite(cache, key, stored_value(cache, key)[:100])
    again = dossier_cache.load_dossier_cached(evidence, book)
    assert fields(again) == fields(first)
    assert entries(cache) == [key] and len(stored_value(cache, key)) > 1000


def test_a_dossier_with_a_problem_is_never_cached(cache: Path, evidence: Path) -> None:
    book = support.rulebook()
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace("report_year: 2007", "report_year: 2006"), encoding="utf-8")
    message = load_error(evidence, book, dossier_cache.load_dossier_cached)
    assert "report_year 2006 contradicts the source" in message, message
    assert message == load_error(evidence, book, dossier_cache.load_dossier_cached)
    assert entries(cache) == []


def test_nothing_is_cached_when_the_cache_is_off(
    tmp_path: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    book = support.rulebook()
    loaded = dossier_cache.load_dossier_cached(evidence, book)
    assert loaded.sha256 == load_dossier(evidence, book).sha256
    assert list(tmp_path.rglob(f"*{entry_store.SUFFIX}")) == []


def test_a_cache_that_cannot_be_written_is_no_cache(
    tmp_path: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache would be", encoding="utf-8")
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(blocked))
    book = support.rulebook()
    for _ in range(2):
        assert dossier_cache.load_dossier_cached(evidence, book).sha256 == (
            load_dossier(evidence, book).sha256
        )
    assert blocked.read_text(encoding="utf-8") == "a file where the cache would be"


def test_a_cache_removed_while_a_process_runs_is_made_again(cache: Path, evidence: Path) -> None:
    book = support.rulebook()
    dossier_cache.load_dossier_cached(evidence, book)
    shutil.rmtree(cache)
    dossier_cache.load_dossier_cached(evidence, book)  # a miss: the store is made again
    assert len(entries(cache)) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    assert store_file(cache).stat().st_mode & 0o777 == 0o600


def test_the_store_keeps_its_most_recently_used_entries(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_cache, "KEEP", 2)
    monkeypatch.setattr(entry_store, "CHECK_EVERY", 1)  # count the entries at every write
    monkeypatch.setattr(entry_store, "TOUCH_AFTER_SECONDS", 0)  # and mark every use
    book = support.rulebook()
    peru, greece, canada = (
        support.dossier_path(c, y) for c, y in (("Peru", 2007), ("Greece", 2001), ("Canada", 2002))
    )

    def key_of(path: Path) -> str:
        return dossier_cache.entry_path(cache, book, str(path), path.read_bytes()).key

    for path in (peru, greece):
        dossier_cache.load_dossier_cached(path, book)
    assert entries(cache) == [key_of(peru), key_of(greece)]
    dossier_cache.load_dossier_cached(peru, book)  # a hit: Peru's entry is now the most recent
    assert entries(cache) == [key_of(greece), key_of(peru)]
    dossier_cache.load_dossier_cached(canada, book)  # a third entry: the least recent goes
    assert entries(cache) == [key_of(peru), key_of(canada)]


class _Planted:
    """A pickle that, when read, makes a directory: what someone who can write to a cache could
    leave there."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def plant(entry: input_cache.InputEntry, marker: Path) -> None:
    entry.write(_Planted(marker))
    assert entry.store.path.exists()


@pytest.mark.parametrize("why", ["writable by others", "another user's"])
def test_a_cache_someone_else_could_write_is_never_read(
    why: str,
    tmp_path: Path,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "shared-cache"
    directory.mkdir()
    book = support.rulebook()
    marker = tmp_path / "the planted pickle ran"
    plant(dossier_cache.entry_path(directory, book, str(evidence), evidence.read_bytes()), marker)
    if why == "writable by others":
        directory.chmod(0o777)
    else:
        owner = directory.stat().st_uid
        monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    monkeypatch.setattr(cache_module, "_WARNED", set())
    for _ in range(2):
        loaded = dossier_cache.load_dossier_cached(evidence, book)
        assert loaded.sha256 == load_dossier(evidence, book).sha256
    assert not marker.exists()
    key = dossier_cache.entry_path(directory, book, str(evidence), evidence.read_bytes()).key
    assert entries(directory) == [key]  # the planted entry, left alone
    warned = capsys.readouterr().err
    assert warned.count(f"tip-assess: not using the cache {directory}: it is {why}") == 1, warned


def test_a_cache_of_ones_own_is_read(
    tmp_path: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the check: the same planted entry in a private cache is read (and
    refused as no load), so the test above fails if the check goes."""
    directory = tmp_path / "own-cache"
    directory.mkdir(mode=0o700)
    book = support.rulebook()
    marker = tmp_path / "the planted pickle ran"
    plant(dossier_cache.entry_path(directory, book, str(evidence), evidence.read_bytes()), marker)
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    loaded = dossier_cache.load_dossier_cached(evidence, book)
    assert marker.exists()
    assert loaded.sha256 == load_dossier(evidence, book).sha256


@pytest.mark.parametrize(
    ("mode", "read"),
    [(0o777, False), (0o775, False), (0o1777, True), (0o755, True)],
    ids=["writable by all", "writable by its group", "sticky as /tmp", "private to its owner"],
)
def test_a_cache_inside_a_directory_others_may_write_to_is_never_read(
    mode: int,
    read: bool,
    tmp_path: Path,
    evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Whoever may write to a directory above the cache may put another cache in its place
    (unless the sticky bit stops them): the rule of OpenSSH's StrictModes."""
    parent = tmp_path / "parent"
    directory = parent / "cache"
    directory.mkdir(parents=True, mode=0o700)
    book = support.rulebook()
    marker = tmp_path / "the planted pickle ran"
    plant(dossier_cache.entry_path(directory, book, str(evidence), evidence.read_bytes()), marker)
    parent.chmod(mode)
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    monkeypatch.setattr(cache_module, "_WARNED", set())
    loaded = dossier_cache.load_dossier_cached(evidence, book)
    assert loaded.sha256 == load_dossier(evidence, book).sha256
    assert marker.exists() == read
    warned = capsys.readouterr().err
    expected = (
        f"not using the cache {directory}: it is inside {parent}, which is writable by others"
    )
    assert (expected in warned) == (not read), warned


def test_a_cache_reached_through_a_link_is_judged_where_it_lies(
    tmp_path: Path, evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    directory = shared / "cache"
    directory.mkdir(parents=True, mode=0o700)
    shared.chmod(0o777)
    link = tmp_path / "mine" / "cache"
    link.parent.mkdir(mode=0o700)
    link.symlink_to(directory)
    assert cache_module.distrust(link) == f"inside {shared}, which is writable by others"
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(link))
    assert cache_module.cache_dir() is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_inside_another_users_directory_is_never_read(tmp_path: Path) -> None:
    parent = tmp_path / "theirs"
    directory = parent / "cache"
    directory.mkdir(parents=True, mode=0o700)
    os.chown(parent, 54321, -1)
    assert cache_module.distrust(directory) == f"inside {parent}, which is another user's"
    os.chown(parent, 0, -1)  # root's: trusted, as / and /usr are
    assert cache_module.distrust(directory) == f"inside {parent}, which is another user's"
    cache_module._ABOVE.clear()  # the directories above are judged once a process
    assert cache_module.distrust(directory) is None
