"""Placement histories in the cache of loaded inputs (`engine/load/history.py`,
`engine/load/input_cache.py`): a cached load is the fresh load, it is never used for other bytes
or for rules that check histories otherwise, and `check` and `log replay` never read it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import support

import engine.load.history as history_module
import engine.load.input_cache as input_cache
from engine.assessment import history_inputs
from engine.errors import InputError
from engine.load.dossier import load_dossier
from engine.load.history import LoadedHistory, load_history
from engine.load.rulebook import Rulebook

WAIVER_2012 = """waivers:
  - year: 2012
    written_plan: true
    plan_would_constitute_significant_efforts: true
    sufficient_resources: true
    source: "a waiver made up for the test"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    return directory


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Peru's history, with a waiver for 2012, beside Peru 2007 in an evidence tree of its own."""
    root = support.peru_tree(tmp_path / "evidence").parents[1]
    path = root / "peru" / "history.yaml"
    text = (support.EVIDENCE / "peru" / "history.yaml").read_text(encoding="utf-8")
    assert text.endswith("waivers: []\n")
    path.write_text(text.replace("waivers: []\n", WAIVER_2012), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def forget_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    new_process(monkeypatch)


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What follows runs as in a new process: the histories checked in this one are forgotten
    (a process checks a history file's bytes once, whatever `cached` says)."""
    monkeypatch.setattr(history_module, "_CHECKED", history_module.OrderedDict())


def entries(cache: Path) -> list[str]:
    return support.store_keys(cache, history_module.HISTORY_FOLDER)


def stored_value(cache: Path, key: str) -> bytes:
    return support.stored_value(cache, history_module.HISTORY_FOLDER, key)


def no_fresh_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> LoadedHistory:
        raise AssertionError("checked afresh, not read from the cache")

    monkeypatch.setattr(history_module, "_check_history", refuse)


def fields(loaded: LoadedHistory) -> dict[str, Any]:
    return {
        "history": loaded.history.model_dump(mode="json"),
        "path": loaded.path,
        "sha256": loaded.sha256,
        "lines": [loaded.lines.line_of(("waivers", 0, "year")), loaded.placement_year_line(3)],
    }


def load_error(path: Path, book: Rulebook, cached: bool) -> str:
    with pytest.raises(InputError) as caught:
        load_history(path, book, cached=cached)
    return "\n".join(problem.render() for problem in caught.value.problems)


def test_a_history_read_from_the_cache_is_its_fresh_load(
    cache: Path, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = support.rulebook()
    dossier = history.parent / "2007.yaml"
    fresh = load_history(history, book)
    expected = {
        year: history_inputs(book, dossier, "Peru", year, None, cached=False)
        for year in (2012, 2013)
    }
    assert expected[2012][0] and expected[2013][0]  # the waiver, the placements before
    assert entries(cache) == []  # not asked to cache: nothing written
    new_process(monkeypatch)
    load_history(history, book, cached=True)
    assert len(entries(cache)) == 1
    new_process(monkeypatch)
    no_fresh_check(monkeypatch)
    assert fields(load_history(history, book, cached=True)) == fields(fresh)
    for year, facts in expected.items():
        assert history_inputs(book, dossier, "Peru", year, None) == facts


def test_an_edited_history_is_checked_afresh(cache: Path, history: Path) -> None:
    book = support.rulebook()
    load_history(history, book, cached=True)
    text = history.read_text(encoding="utf-8")
    history.write_text(
        text.replace("sufficient_resources: true", "sufficient_resources: 1"), encoding="utf-8"
    )
    message = load_error(history, book, cached=True)
    assert message == load_error(history, book, cached=False)
    assert "waivers[0].sufficient_resources" in message, message
    assert len(entries(cache)) == 1  # a history with a problem is never cached


def test_rules_that_check_histories_otherwise_do_not_read_the_entry(
    cache: Path, history: Path
) -> None:
    book = support.rulebook()
    load_history(history, book, cached=True)
    # The rules that read waivers, in force only from 2015: a waiver for 2012 cannot be true.
    later = [
        rule.model_copy(update={"in_force": rule.in_force.model_copy(update={"start": 2015})})
        if rule.id.startswith("automatic-downgrade.")
        else rule
        for rule in book.rules
    ]
    moved = dataclasses.replace(book, rules=later)
    assert moved.history_digest() == book.history_digest()  # the same kinds and settings
    message = load_error(history, moved, cached=True)
    assert "waivers[0].year" in message and "cannot be true" in message, message
    # A waiver kind without the grounds the history gives: the same.
    kinds = {**book.kinds}
    waiver = kinds["downgrade_waiver"]
    kinds["downgrade_waiver"] = waiver.model_copy(
        update={"fields": {k: v for k, v in waiver.fields.items() if k != "sufficient_resources"}}
    )
    fewer_fields = dataclasses.replace(book, kinds=kinds)
    assert fewer_fields.history_digest() != book.history_digest()
    message = load_error(history, fewer_fields, cached=True)
    assert "waivers[0].sufficient_resources" in message, message


def test_check_lint_and_replay_never_read_the_cache(
    cache: Path, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = support.rulebook()
    load_history(history, book, cached=True)
    [key] = entries(cache)
    # a read would be ignored; none should happen at all
    support.overwrite_stored(cache, history_module.HISTORY_FOLDER, key, b"not a pickle")
    read: list[str] = []
    real_read = input_cache.InputEntry.read

    def counting(entry: input_cache.InputEntry) -> object | None:
        read.append(entry.key)
        return real_read(entry)

    monkeypatch.setattr(input_cache.InputEntry, "read", counting)
    dossier = history.parent / "2007.yaml"
    new_process(monkeypatch)
    history_inputs(book, dossier, "Peru", 2012, None, cached=False)  # as `log replay` does
    new_process(monkeypatch)
    load_history(history, book)  # as `check` and `lint` do
    assert read == [] and stored_value(cache, key) == b"not a pickle"
    new_process(monkeypatch)
    history_inputs(book, dossier, "Peru", 2013, history, cached=True)  # a miss, written again
    assert read == [key] and len(stored_value(cache, key)) > 1000


def test_nothing_is_cached_when_the_cache_is_off(
    tmp_path: Path, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    book = support.rulebook()
    loaded = load_history(history, book, cached=True)
    assert loaded.sha256 == load_history(history, book).sha256
    assert list(tmp_path.rglob("*.sqlite3")) == []
    assert load_dossier(history.parent / "2007.yaml", book).dossier.country == "Peru"
