"""Fragility sweeps kept in the cache, with the dossier's entry (`engine/whatif/fragility.py`,
`attach_fragility`; `engine/load/dossier_cache.py`, `keep_extra`): a stored sweep is the sweep,
and it is never used for other rules, another year, another dossier or narrative, another
history, or a rulebook that is not what its digest says."""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
import support

import engine.whatif.fragility as fragility_module
import engine.whatif.sweep as sweep_module
from engine.assessment import assess, history_inputs
from engine.load import cache as disk
from engine.load import input_cache
from engine.load.dossier import load_dossier
from engine.load.dossier_cache import EXTRAS_KEPT, FOLDER, load_dossier_cached
from engine.load.rulebook import Rulebook
from engine.whatif.fragility import assess_with_fragility, attach_fragility


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rulebook:
    """The real rules read through a private cache (only such a rulebook's sweeps are kept)."""
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(tmp_path / "cache"))
    return disk.load_rulebook_cached(support.RULES, "rules")


@pytest.fixture
def peru(tmp_path: Path) -> Path:
    return support.peru_tree(tmp_path / "evidence", history=True)


def entries(tmp_path: Path) -> list[str]:
    """The keys of the dossier entries of the cache."""
    return support.store_keys(tmp_path / "cache", FOLDER)


def stored_value(tmp_path: Path, key: str) -> bytes:
    return support.stored_value(tmp_path / "cache", FOLDER, key)


def kept_sweeps(tmp_path: Path) -> list[tuple[str, str]]:
    """Each sweep kept with a dossier's entry, by entry and key."""
    found = []
    for entry in entries(tmp_path):
        stored = pickle.loads(stored_value(tmp_path, entry))
        for key, value in stored.extras.items():
            assert set(value) == {"robust", "items"}
            found.append((entry, key))
    return found


class Sweeps:
    """Counts the sweeps actually run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = sweep_module.fragility

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sweep_module, "fragility", counting)


def on_the_watch_list(history: Path, year: int) -> None:
    text = history.read_text(encoding="utf-8")
    entry = f"- year: {year}\n    placement: Tier 2\n"
    assert entry in text
    history.write_text(text.replace(entry, entry.replace("Tier 2", "Tier 2 Watch List")), "utf-8")


def document(book: Rulebook, path: Path, year: int | None = None) -> str:
    """The assessment document, as `tip-assess assess` makes it (a fresh load waits to be
    written with its sweep)."""
    loaded = load_dossier_cached(path, book, defer=True)
    result = assess_with_fragility(book, loaded, path, year)
    return json.dumps(result.document, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize(("country", "year"), [("Peru", 2007), ("Greece", 2001), ("Canada", 2002)])
def test_a_stored_sweep_gives_the_document_of_a_fresh_sweep(
    country: str, year: int, book: Rulebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = support.dossier_path(country, year)
    sweeps = Sweeps(monkeypatch)
    first = document(book, path)  # swept and stored, with the dossier, in one file
    assert (sweeps.count, len(entries(tmp_path)), len(kept_sweeps(tmp_path))) == (1, 1, 1)
    again = document(book, path)
    assert sweeps.count == 1 and again == first
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    assert document(book, path) == first and sweeps.count == 2  # no cache: swept again
    assert len(json.loads(first)["fragility"]["items"]) == len(
        json.loads(again)["fragility"]["items"]
    )


def test_every_input_of_the_sweep_is_in_its_key(
    book: Rulebook, peru: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeps = Sweeps(monkeypatch)

    def swept_again(path: Path, year: int | None = None) -> bool:
        before = sweeps.count
        document(book, path, year)
        return sweeps.count == before + 1

    assert swept_again(peru) and not swept_again(peru)
    assert swept_again(peru, 2008)  # another report year
    copy = peru.parents[1] / "peru-copy" / "2007.yaml"  # the same bytes, another file
    shutil.copytree(peru.parent, copy.parent)  # with the same history
    assert swept_again(copy) and not swept_again(copy)
    # Another narrative: a quote's context changed, the dossier's bytes did not.
    source = peru.parents[1] / "sources" / "tip-2007-peru.txt"
    source.write_text(source.read_text(encoding="utf-8") + "\nA line added.\n", encoding="utf-8")
    assert swept_again(peru)
    # Another history (the 2012 report reads the years on the watch list before it).
    history = peru.parent / "history.yaml"
    on_the_watch_list(history, 2010)
    assert swept_again(peru, 2012) and not swept_again(peru, 2012)
    on_the_watch_list(history, 2011)
    assert swept_again(peru, 2012)
    # Another rulebook: a variant made in memory keeps the digest of the files it came from,
    # so its sweeps are never kept or read.
    rule = book.rules[0]
    variant = dataclasses.replace(
        book, rules=[rule.model_copy(update={"title": "retitled"}), *book.rules[1:]]
    )
    assert variant.sha256 == book.sha256
    document(book, peru)
    kept = kept_sweeps(tmp_path)
    assert not swept_again(peru)  # the real rules: stored
    for _ in range(2):
        before = sweeps.count
        document(variant, peru)
        assert sweeps.count == before + 1
    assert kept_sweeps(tmp_path) == kept


def test_a_replay_sweeps_again(
    book: Rulebook, peru: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`log replay` redoes the work: `attach_fragility` reads no stored sweep unless asked."""
    document(book, peru)
    [entry] = entries(tmp_path)
    stored = stored_value(tmp_path, entry)
    sweeps = Sweeps(monkeypatch)
    loaded = load_dossier(peru, book)
    extra, extra_sha = history_inputs(book, peru, "Peru", 2007, None)
    result = attach_fragility(book, loaded, assess(book, loaded, None, extra, extra_sha))
    assert sweeps.count == 1 and stored_value(tmp_path, entry) == stored
    assert json.dumps(result.document["fragility"], sort_keys=True) == json.dumps(
        json.loads(document(book, peru))["fragility"], sort_keys=True
    )


def test_a_damaged_entry_is_swept_again_and_rewritten(
    book: Rulebook, peru: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = document(book, peru)
    [entry] = entries(tmp_path)
    support.overwrite_stored(tmp_path / "cache", FOLDER, entry, b"not a pickle")
    sweeps = Sweeps(monkeypatch)
    assert document(book, peru) == first and sweeps.count == 1
    assert stored_value(tmp_path, entry) != b"not a pickle" and len(kept_sweeps(tmp_path)) == 1


def _engine_imports(module: str) -> set[str]:
    """The engine modules `module` imports, directly or not (top level or inside functions)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = support.ROOT / Path(*name.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for found in names:
                parts = found.split(".")
                exists = (support.ROOT / Path(*parts)).with_suffix(".py").is_file() or (
                    support.ROOT / Path(*parts) / "__init__.py"
                ).is_file()
                if parts[0] == "engine" and exists:
                    todo.append(found)
    return seen


def test_the_key_covers_every_module_the_sweep_runs() -> None:
    """A change to any module the sweep imports must make new keys: each is among the sources
    the key reads (`SWEEP_SOURCES`)."""
    covered = {path.resolve() for path in disk.sources(fragility_module.SWEEP_SOURCES)}
    imported = _engine_imports("engine.whatif.fragility")
    assert "engine.reason.inference" in imported and "engine.load.dossier" in imported
    for name in sorted(imported):
        path = support.ROOT / Path(*name.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        assert source.resolve() in covered, name


def test_a_first_batch_writes_one_entry_per_dossier_and_a_second_sweeps_nothing(
    book: Rulebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each dossier's load and sweep go into one entry, written once; run again, every row is
    read back."""
    from engine.batch.assess import AssessJob

    paths = [str(support.dossier_path(c, y)) for c, y in (("Peru", 2007), ("Greece", 2001))]
    writes: list[input_cache.InputEntry] = []
    real = input_cache.InputEntry.write

    def counting(entry: input_cache.InputEntry, value: object) -> None:
        writes.append(entry)
        real(entry, value)

    monkeypatch.setattr(input_cache.InputEntry, "write", counting)
    sweeps = Sweeps(monkeypatch)
    job = AssessJob(book)
    first = [job(path) for path in paths]
    dossier_writes = [entry for entry in writes if entry.store.path.stem == FOLDER]
    assert sweeps.count == 2 and len(dossier_writes) == 2 and len(kept_sweeps(tmp_path)) == 2
    assert [e for e in writes if e not in dossier_writes] == [
        e for e in writes if e.store.path.stem == "histories"
    ]  # Peru's placement history, read by the rules of 2007
    again = [AssessJob(book)(path) for path in paths]
    assert again == first and sweeps.count == 2 and len(writes) == len(dossier_writes) + 1


def test_a_load_waiting_for_its_sweep_is_written_without_one(
    book: Rulebook, peru: Path, tmp_path: Path
) -> None:
    """`--no-fragility` after a load that waited for a sweep: the load is written alone."""
    loaded = load_dossier_cached(peru, book, defer=True)
    assert entries(tmp_path) == []
    assess_with_fragility(book, loaded, peru, with_fragility=False)
    assert len(entries(tmp_path)) == 1 and kept_sweeps(tmp_path) == []


def test_an_entry_keeps_the_most_recent_sweeps(
    book: Rulebook, peru: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One dossier assessed for many report years: the oldest sweeps make way."""
    sweeps = Sweeps(monkeypatch)
    years = list(range(2007, 2008 + EXTRAS_KEPT))
    for year in years:
        document(book, peru, year)
    assert sweeps.count == len(years) and len(kept_sweeps(tmp_path)) == EXTRAS_KEPT
    document(book, peru, years[-1])  # still kept
    assert sweeps.count == len(years)
    document(book, peru, years[0])  # the oldest made way
    assert sweeps.count == len(years) + 1
