"""The rulebook cached on disk: the same Rulebook as a fresh load, never stale, never a crash.

Most tests use the small rulebook of the audit fixture (cheap to parse again and again); the
first checks the real rulebook."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import support

from engine.errors import InputError
from engine.load import cache, inputs
from engine.load.cache import cache_dir, cache_key, load_rulebook_cached
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook

TOY_RULES = support.ROOT / "tests" / "fixtures" / "audit" / "rules"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of its own, and a private copy of the toy rules."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(directory))
    shutil.copytree(TOY_RULES, tmp_path / "rules")
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("rulebook-*.pickle")) if directory.is_dir() else []


def fail_if_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rules were parsed, not read from the cache")

    monkeypatch.setattr(cache, "load_rulebook", parse)


def test_a_cached_rulebook_is_the_rulebook_a_fresh_load_gives(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = support.RULES  # the real rulebook
    fresh = load_rulebook(rules, "rules")
    first = load_rulebook_cached(rules, "rules")
    assert len(entries(store)) == 1
    fail_if_parsed(monkeypatch)
    second = load_rulebook_cached(rules, "rules")
    for book in (first, second):
        assert same(book, fresh)


def test_line_maps_are_read_back_on_first_use_and_whole(store: Path) -> None:
    """An entry's line maps are unpacked only when a problem is located (an assessment reads
    none), and then give every line a fresh load gives."""
    fresh = load_rulebook(support.RULES, "rules")
    load_rulebook_cached(support.RULES, "rules")
    cache.forget_loaded()
    cached = load_rulebook_cached(support.RULES, "rules")
    maps = [origin.lines for origin in cached.origins.values() if "lines" in vars(origin)]
    packed = {id(m): m for m in maps if m is not None}
    assert packed and all("lines" not in vars(m) for m in packed.values())
    assert same(cached, fresh)
    assert all("lines" in vars(m) and "_packed" not in vars(m) for m in packed.values())
    rule = fresh.rules[0]
    for book in (fresh, cached):
        origin = book.origins[rule.id]
        assert origin.lines is not None
        assert origin.line_of("then.value") == fresh.origins[rule.id].line_of("then.value")
        assert origin.line_of("then.value") != origin.line


def same(book: Rulebook, other: Rulebook) -> bool:
    """Every field equal, the line maps behind each origin included."""
    lines = {key: origin.lines and origin.lines.lines for key, origin in book.origins.items()}
    other_lines = {
        key: origin.lines and origin.lines.lines for key, origin in other.origins.items()
    }
    return book == other and lines == other_lines and book.origins == other.origins


def test_a_cached_rulebook_notes_its_files_as_inputs(store: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    load_rulebook_cached(rules, "rules")
    inputs.forget_reads()
    load_rulebook_cached(rules, "rules")  # from the cache
    assert entries(store) and all(inputs.is_input(p) for p in rules.glob("*.yaml"))


def test_limits_are_part_of_the_key_and_bound_the_files_read(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    load_rulebook_cached(rules, "rules")
    monkeypatch.setenv("TIP_ASSESS_MAX_FILE_BYTES", "64")
    with pytest.raises(InputError, match="limit 'file_bytes' = 64"):
        load_rulebook_cached(rules, "rules")  # refused as by a fresh load, not served
    monkeypatch.setenv("TIP_ASSESS_MAX_FILE_BYTES", "100000")
    load_rulebook_cached(rules, "rules")
    assert len(entries(store)) == 2


def test_any_change_to_the_rules_is_a_new_entry(store: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    before = load_rulebook_cached(rules, "rules")
    parameters = rules / "parameters.yaml"
    parameters.write_text(parameters.read_text() + "\n# a comment is a change too\n")
    after = load_rulebook_cached(rules, "rules")
    assert after.sha256 != before.sha256
    assert after.sha256 == load_rulebook(rules, "rules").sha256
    assert len(entries(store)) == 2


def test_the_key_covers_the_engine_and_the_display_root(monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_key("a" * 64, "rules")
    assert cache_key("a" * 64, "other/rules") != key
    assert cache_key("b" * 64, "rules") != key
    monkeypatch.setattr(cache, "_ENGINE_DIGEST", "another engine")
    assert cache_key("a" * 64, "rules") != key


def test_the_engine_digest_reads_the_loader_source() -> None:
    digest = cache.engine_digest()
    assert len(digest) == 64 and digest == cache.engine_digest()
    # Every source the key names exists: a renamed module (models.py became models/) must not
    # drop out of the key silently, or a changed model would be read from a stale entry.
    engine_root = support.ROOT / "engine"
    for name in cache.LOADER_SOURCES:
        assert (engine_root / name).exists(), name
    for package in ("models", "load"):
        assert package in cache.LOADER_SOURCES and (engine_root / package).is_dir()


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a pickle", pickle.dumps({"rules": []}), pickle.dumps("x")[:-3]],
    ids=["empty", "garbage", "wrong-object", "truncated"],
)
def test_a_corrupt_entry_is_ignored_and_rebuilt(store: Path, tmp_path: Path, damage: bytes) -> None:
    rules = tmp_path / "rules"
    good = load_rulebook_cached(rules, "rules")
    (entry,) = entries(store)
    entry.write_bytes(damage)
    cache.forget_loaded()  # as a new process: read the entry
    again = load_rulebook_cached(rules, "rules")
    assert again.sha256 == good.sha256 and len(again.rules) == len(good.rules)
    assert pickle.loads(entry.read_bytes()).sha256 == good.sha256  # repaired


def test_an_entry_for_other_rules_under_the_same_name_is_not_trusted(
    store: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    load_rulebook_cached(rules, "rules")
    (entry,) = entries(store)
    other = pickle.loads(entry.read_bytes())
    other.sha256 = "0" * 64
    entry.write_bytes(pickle.dumps(other))
    cache.forget_loaded()
    assert load_rulebook_cached(rules, "rules").sha256 == load_rulebook(rules).sha256


def test_a_process_reads_an_entry_once_and_keeps_the_rulebook(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    first = load_rulebook_cached(rules, "rules")
    cache.forget_loaded()
    second = load_rulebook_cached(rules, "rules")  # read from the entry
    assert second is not first and second.sha256 == first.sha256

    def unpickle(entry: Path) -> None:
        raise AssertionError("the entry was read again")

    monkeypatch.setattr(cache, "read_entry", unpickle)
    assert load_rulebook_cached(rules, "rules") is second
    edit = rules / "parameters.yaml"
    edit.write_text(edit.read_text() + "\n# a comment: other bytes, another rulebook\n")
    monkeypatch.setattr(cache, "read_entry", lambda entry: None)
    changed = load_rulebook_cached(rules, "rules")  # other rules: never served from memory
    assert changed is not second and changed.sha256 != second.sha256


def test_an_unwritable_cache_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(blocker / "cache"))
    book = load_rulebook_cached(TOY_RULES, "rules")
    assert book.sha256 == load_rulebook(TOY_RULES).sha256


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    assert cache_dir() is None
    monkeypatch.delenv("TIP_ASSESS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "tip-assess"


def test_an_invalid_rulebook_is_reported_as_without_a_cache_and_never_cached(
    store: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    (rules / "broken.yaml").write_text("rules: [\n")
    with pytest.raises(InputError) as cached:
        load_rulebook_cached(rules, "rules")
    with pytest.raises(InputError) as fresh:
        load_rulebook(rules, "rules")
    assert cached.value.render() == fresh.value.render()
    assert "broken.yaml:" in cached.value.render()
    assert entries(store) == []


def test_old_entries_are_pruned(store: Path, tmp_path: Path) -> None:
    store.mkdir()
    for number in range(cache.KEEP + 3):
        old = store / f"rulebook-{number:064d}.pickle"
        old.write_bytes(b"old")
        os.utime(old, (number, number))
    load_rulebook_cached(tmp_path / "rules", "rules")
    kept = entries(store)
    assert len(kept) == cache.KEEP
    assert store / f"rulebook-{0:064d}.pickle" not in kept


def test_a_folder_is_listed_again_only_when_it_could_pass_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch writes thousands of entries: the folder is listed when this process does not
    know its count, or when the count it knows, plus what it wrote since, could pass the
    limit; entries another process adds meanwhile are pruned at that listing."""
    folder = tmp_path / "entries"
    listings = []
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        listings.append(path)
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(cache.os, "scandir", scandir)

    def write(number: int) -> None:
        entry = folder / f"x-{number:03d}{cache.SUFFIX}"
        cache.write_entry(folder, entry, number, prefix="x-", keep=4)
        os.utime(entry, (number, number))  # the order the pruning keeps by

    def stored() -> list[str]:  # os.listdir: Path.glob would list through os.scandir
        return sorted(n for n in os.listdir(folder) if n.startswith("x-"))

    write(1)  # the folder is made by this write: its count is known without a listing
    write(2)
    write(3)
    write(4)
    assert listings == [] and len(stored()) == 4
    write(5)  # could pass the limit: listed, the oldest pruned
    assert len(listings) == 1 and stored() == [f"x-{n:03d}{cache.SUFFIX}" for n in (2, 3, 4, 5)]
    for number in (90, 91):  # written by another process
        planted = folder / f"x-{number:03d}{cache.SUFFIX}"
        planted.write_bytes(pickle.dumps(number))
        os.utime(planted, (number, number))
    write(6)  # the count known is at the limit: listed, the planted entries pruned with the rest
    assert len(listings) == 2
    assert stored() == [f"x-{n:03d}{cache.SUFFIX}" for n in (5, 6, 90, 91)]
    cache._COUNTED.clear()  # a new process does not know the count: it lists once
    listings.clear()
    write(7)
    assert len(listings) == 1 and len(stored()) == 4


def test_concurrent_processes_share_one_entry_and_leave_no_temporary_file(
    store: Path, tmp_path: Path
) -> None:
    code = (
        "import sys; from pathlib import Path; from engine.load.cache import load_rulebook_cached;"
        "print(load_rulebook_cached(Path(sys.argv[1]), 'rules').sha256)"
    )
    env = {**os.environ, "TIP_ASSESS_CACHE": str(store)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "rules")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=support.ROOT,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert {out.strip() for out, _ in outputs} == {load_rulebook(tmp_path / "rules").sha256}
    assert len(entries(store)) == 1
    assert [p.name for p in store.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------- compiled rulesets


def test_a_compiled_year_read_from_disk_is_the_fresh_compile_on_the_rulebooks_own_objects(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process reads an era's compiled ruleset instead of compiling it: the same
    definition, tables and plans, and every rule, weighing and pattern it refers to is the very
    object of the rulebook in memory, as after a fresh compile."""
    from engine.reason import cache as compiled_cache
    from engine.reason.compiler import compile_year

    book = load_rulebook_cached(support.RULES, "rules")
    compiled_cache.forget_compiled()
    written = compiled_cache.compiled_for(book, 2007)
    assert len(sorted(store.glob("compiled-*.pickle"))) == 1
    compiled_cache.forget_compiled()
    monkeypatch.setattr(compiled_cache, "compile_year", _refuse_to_compile)
    read = compiled_cache.compiled_for(book, 2008)  # the same era: read, renamed for 2008
    fresh = compile_year(book, 2008)
    assert (read.name, read.year, read.sha256, read.parameters, read.strata) == (
        fresh.name,
        fresh.year,
        fresh.sha256,
        fresh.parameters,
        fresh.strata,
    )
    assert read.definition == fresh.definition and read.consumed_types == fresh.consumed_types
    assert read.rule_ids == fresh.rule_ids and written.sha256 == fresh.sha256
    assert list(read.engine_rules) == list(fresh.engine_rules)
    for name, rule in read.engine_rules.items():
        other = fresh.engine_rules[name]
        assert (rule.rule.id, rule.alternative, rule.stratum, rule.role) == (
            other.rule.id,
            other.alternative,
            other.stratum,
            other.role,
        )
        if rule.role is None:
            assert rule.rule is book.item(rule.rule.id)
        for info, fresh_info in zip(rule.patterns, other.patterns, strict=True):
            assert info.alias == fresh_info.alias and info.pattern == fresh_info.pattern
    for plan, fresh_plan in zip(read.weighings, fresh.weighings, strict=True):
        assert plan.weighing is fresh_plan.weighing and plan.thresholds == fresh_plan.thresholds


def _refuse_to_compile(*_: object) -> None:
    raise AssertionError("compiled again: the entry on disk was not read")


def test_an_assessment_on_a_compiled_ruleset_read_from_disk_is_byte_identical(
    store: Path,
) -> None:
    from engine.assessment import assess_with_history
    from engine.load.dossier import load_dossier
    from engine.reason import cache as compiled_cache

    path = support.EVIDENCE / "peru" / "2007.yaml"
    documents = []
    for _ in range(2):
        compiled_cache.forget_compiled()
        book = load_rulebook_cached(support.RULES, "rules")
        result = assess_with_history(book, load_dossier(path, book), path)
        documents.append(json.dumps(result.document, sort_keys=True))
    assert len(sorted(store.glob("compiled-*.pickle"))) == 1
    assert documents[0] == documents[1]


def test_a_damaged_compiled_entry_is_compiled_again(store: Path) -> None:
    from engine.reason import cache as compiled_cache

    book = load_rulebook_cached(support.RULES, "rules")
    compiled_cache.forget_compiled()
    fresh = compiled_cache.compiled_for(book, 2007)
    [entry] = store.glob("compiled-*.pickle")
    for damaged in (entry.read_bytes()[:200], b"not a pickle", pickle.dumps(b"\x80\x05junk")):
        entry.write_bytes(damaged)
        compiled_cache.forget_compiled()
        again = compiled_cache.compiled_for(book, 2007)
        assert again.sha256 == fresh.sha256 and again.definition == fresh.definition


def test_the_compiled_entry_is_keyed_by_the_compilers_source_and_the_rules(
    store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from engine.reason import cache as compiled_cache

    book = load_rulebook_cached(support.RULES, "rules")
    compiled_cache.forget_compiled()
    compiled_cache.compiled_for(book, 2007)
    monkeypatch.setattr(compiled_cache, "_REASON_DIGEST", "another compiler")
    compiled_cache.forget_compiled()
    compiled_cache.compiled_for(book, 2007)
    assert len(sorted(store.glob("compiled-*.pickle"))) == 2
    toy = load_rulebook_cached(tmp_path / "rules", "rules")
    compiled_cache.forget_compiled()
    compiled_cache.compiled_for(toy, toy.rules[0].in_force.start)
    assert len(sorted(store.glob("compiled-*.pickle"))) == 3


def test_a_what_if_variant_of_the_rulebook_is_compiled_but_not_kept_on_disk(store: Path) -> None:
    from engine.reason import cache as compiled_cache
    from engine.whatif.params import with_parameter

    book = load_rulebook_cached(support.RULES, "rules")
    name = sorted(book.parameters)[0]
    variant = with_parameter(book, name, 12345, 2007)
    compiled_cache.forget_compiled()
    compiled = compiled_cache.compiled_for(variant, 2007)
    assert compiled.parameters[name] is not None
    assert sorted(store.glob("compiled-*.pickle")) == []


def test_a_compiled_ruleset_that_cannot_be_written_is_not_kept_and_the_run_goes_on(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.reason import cache as compiled_cache

    def refuse(*_: object) -> bytes:
        raise pickle.PicklingError("cannot write this")

    book = load_rulebook_cached(support.RULES, "rules")
    compiled_cache.forget_compiled()
    monkeypatch.setattr(compiled_cache, "_dumps", refuse)
    assert compiled_cache.compiled_for(book, 2007).rule_ids
    assert sorted(store.glob("compiled-*.pickle")) == []
