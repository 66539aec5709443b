"""The project runs from any checkout: no file names a path of one machine, and tests that need
the shared material find it beside the repository or fail saying where they looked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import support

# An absolute path into a home or work directory: true of one machine only. (Written as a
# pattern so that this file does not match itself.)
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:work|home|root|Users)/[\w.-]")


def tracked_files() -> list[Path]:
    done = subprocess.run(
        ["git", "-C", str(support.ROOT), "ls-files", "-z"],
        capture_output=True,
        check=True,
    )
    names = [name for name in done.stdout.decode().split("\0") if name]
    assert names, "git ls-files listed nothing"
    return [support.ROOT / name for name in names]


def test_no_tracked_file_names_a_machine_path() -> None:
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(support.ROOT)}:{number}: {line.strip()}")
    assert not found, (
        "machine paths (use ../shared/... or a path relative to the repository):\n"
        + ("\n".join(found))
    )


def test_the_pattern_catches_machine_paths() -> None:
    assert MACHINE_PATH.search("see " + "/wo" + "rk/shared/corpus")
    assert MACHINE_PATH.search("/ho" + "me/alice/tip-assess")
    assert not MACHINE_PATH.search("../shared/corpus and /tmp/audit-demo and git:HEAD/rules")


def test_shared_material_is_found_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(support.SHARED_ENV, raising=False)
    assert support.shared_dir() == support.ROOT.parent / "shared"


def test_missing_shared_material_fails_the_test_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(support.SHARED_ENV, str(tmp_path))
    with pytest.raises(pytest.fail.Exception) as failure:
        support.require_shared("corpus", "tiers.csv")
    message = str(failure.value)
    assert f"required shared material is missing: {tmp_path / 'corpus' / 'tiers.csv'}" in message
    assert "../shared" in message and support.SHARED_ENV in message
