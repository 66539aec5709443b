"""`tip-assess cache info|clear`: what the caches hold, and emptying them without touching any
file the tool did not write, or a directory someone else could write to."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import support
from click.testing import CliRunner

from engine.cli.main import main

PERU = "evidence/peru/2007.yaml"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def tip(cache: str, *args: str) -> Done:
    """`tip-assess ARGS` in this process, from the repository, with `TIP_ASSESS_CACHE=cache`
    (`cache` commands only list and remove files; assessments run in a new process, whose
    caches start empty)."""
    with contextlib.chdir(support.ROOT):
        result = CliRunner().invoke(main, list(args), env={"TIP_ASSESS_CACHE": cache})
    return Done(result.exit_code, result.stdout, result.stderr)


def info(cache: Path) -> dict[str, Any]:
    done = tip(str(cache), "cache", "info", "--format", "json")
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A private cache after one assessment of Peru 2007 (rules, era, dossier, history and
    sweep)."""
    cache = tmp_path / "cache"
    done = support.run_process("assess", PERU, env={"TIP_ASSESS_CACHE": str(cache)})
    assert done.returncode == 0, done.stderr
    return cache


def test_info_counts_each_cache_after_an_assessment(filled: Path) -> None:
    found = info(filled)
    assert found["directory"] == str(filled) and found["state"] == "in use"
    counts = {name: kind["entries"] for name, kind in found["kinds"].items()}
    assert counts == {
        "rulebooks": 1,
        "compiled": 1,
        "lint-eras": 0,
        "dossiers": 1,  # with its fragility sweep
        "histories": 1,
    }
    assert all(kind["bytes"] > 0 for kind in found["kinds"].values() if kind["entries"])
    assert found["entries"] == 4
    assert found["bytes"] == sum(kind["bytes"] for kind in found["kinds"].values())
    text = tip(str(filled), "cache", "info").stdout
    assert text.startswith(f"cache: {filled} ($TIP_ASSESS_CACHE; in use)\n"), text
    assert f"\n  {'dossiers':<10}      1 entry   0." in text, text
    assert f"\n  {'lint-eras':<10}      0 entries 0.0 MB\n" in text, text
    assert f"\n  {'total':<10}      4 entries " in text, text


def test_clear_one_kind_leaves_the_others_and_the_next_run_makes_it_again(filled: Path) -> None:
    done = tip(str(filled), "cache", "clear", "--kind", "dossiers", "--kind", "histories")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("removed 2 entries ("), done.stdout
    assert done.stdout.rstrip().endswith(f"of dossiers, histories from {filled}"), done.stdout
    counts = {name: kind["entries"] for name, kind in info(filled)["kinds"].items()}
    assert counts["dossiers"] == counts["histories"] == 0
    assert counts["rulebooks"] == counts["compiled"] == 1
    assert support.store_keys(filled, "dossiers") == support.store_keys(filled, "histories") == []
    assert (
        support.run_process("assess", PERU, env={"TIP_ASSESS_CACHE": str(filled)}).returncode == 0
    )
    assert info(filled)["kinds"]["dossiers"]["entries"] == 1


def test_clear_removes_only_what_the_tool_wrote(filled: Path) -> None:
    mine = filled / "notes.txt"
    mine.write_text("the user's own file", encoding="utf-8")
    folder = filled / "dossiers" / "ab"  # where an earlier engine kept a dossier per file
    folder.mkdir(parents=True)
    legacy = folder / "dossier-abc.pickle"
    legacy.write_bytes(b"an entry of an earlier engine")
    kept_in_folder = folder / "README"
    kept_in_folder.write_text("also not an entry", encoding="utf-8")
    leftover = folder / ".dossier-abc.pickle.123.456"  # a writer killed before its rename
    leftover.write_bytes(b"half an entry")
    outside = filled.parent / "elsewhere.pickle"
    outside.write_bytes(b"not in the cache")
    (filled / "rulebook-link.pickle").symlink_to(outside)
    done = tip(str(filled), "cache", "clear")
    assert done.returncode == 0, done.stderr
    # 4 entries, 1 of an earlier engine, 1 leftover
    assert done.stdout.startswith("removed 6 entries ("), done.stdout
    assert info(filled)["entries"] == 0
    assert mine.read_text(encoding="utf-8") == "the user's own file"
    assert kept_in_folder.exists() and not leftover.exists() and not legacy.exists()
    assert outside.read_bytes() == b"not in the cache"
    assert (filled / "rulebook-link.pickle").is_symlink()


def test_a_cache_someone_else_could_write_is_not_cleared(filled: Path) -> None:
    filled.chmod(0o777)
    done = tip(str(filled), "cache", "clear")
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {filled}: not clearing a cache directory that is writable by others\n"
    )
    assert done.stdout == ""
    shared = info(filled)
    assert shared["state"] == "not used: writable by others"
    # Its stores are measured, never opened (someone else could have put any file there).
    assert shared["kinds"]["dossiers"]["entries"] == 0 < shared["kinds"]["dossiers"]["bytes"]
    assert shared["entries"] == 2  # the rulebook and the compiled era, as files
    filled.chmod(0o700)
    assert info(filled)["entries"] == 4


def test_a_cache_turned_off_has_nothing_to_show_or_clear() -> None:
    done = tip("off", "cache", "info")
    assert (done.returncode, done.stdout) == (0, "cache: off (TIP_ASSESS_CACHE=off)\n")
    found = json.loads(tip("off", "cache", "info", "--format", "json").stdout)
    assert found == {"bytes": 0, "directory": None, "entries": 0, "kinds": {}, "state": "off"}
    done = tip("off", "cache", "clear")
    assert (done.returncode, done.stdout) == (
        0,
        "the cache is off (TIP_ASSESS_CACHE=off): nothing to clear\n",
    )


def test_a_cache_not_made_yet_is_shown_as_such_and_left_unmade(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    found = info(cache)
    assert found["state"] == "not made yet (made by the first write)" and found["entries"] == 0
    done = tip(str(cache), "cache", "clear")
    assert done.returncode == 0 and done.stdout.startswith("removed 0 entries (0.0 MB)")
    assert not cache.exists()


def test_a_cache_path_that_is_a_file_is_shown_as_unusable_and_left_alone(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache would be", encoding="utf-8")
    assert info(blocked)["state"] == "not used: not a directory (nothing can be written there)"
    done = tip(str(blocked), "cache", "clear")
    assert done.returncode == 0 and done.stdout.startswith("removed 0 entries (0.0 MB)")
    assert blocked.read_text(encoding="utf-8") == "a file where the cache would be"


def test_an_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    done = tip(str(tmp_path / "cache"), "cache", "clear", "--kind", "everything")
    assert done.returncode == 2
    assert "Invalid value for '--kind': 'everything' is not one of" in done.stderr
    assert not (tmp_path / "cache").exists()


def test_a_store_that_is_not_a_database_is_removed_by_clear(filled: Path) -> None:
    damaged = support.store_file(filled, "dossiers")
    for side in ("-wal", "-shm"):
        damaged.with_name(damaged.name + side).unlink(missing_ok=True)
    damaged.write_bytes(b"not a database, " * 512)  # what a crash of the disk could leave
    assert info(filled)["kinds"]["dossiers"]["entries"] == 0
    done = tip(str(filled), "cache", "clear", "--kind", "dossiers")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("removed 0 entries (0.0 MB) of dossiers"), done.stdout
    assert not damaged.exists()
    assert (
        support.run_process("assess", PERU, env={"TIP_ASSESS_CACHE": str(filled)}).returncode == 0
    )
    assert info(filled)["kinds"]["dossiers"]["entries"] == 1
