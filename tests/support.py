"""Helpers shared by tests and feature steps: load the real rulebook and dossiers, and derive
counterfactual dossiers by editing records (never by editing the rules)."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.load.cache import load_rulebook_cached
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.models import EvidenceRecord

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EVIDENCE = ROOT / "evidence"
SHARED_ENV = "TIP_ASSESS_SHARED"


def shared_dir() -> Path:
    """The project's shared material: `../shared` beside the repository root (as in every
    checkout, CI's clean clone included), or wherever $TIP_ASSESS_SHARED points."""
    explicit = os.environ.get(SHARED_ENV)
    return Path(explicit) if explicit else ROOT.parent / "shared"


def require_shared(*parts: str) -> Path:
    """A path under the shared material; the calling test FAILS (never skips) when it is absent."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"required shared material is missing: {path} (expected the shared folder at "
            f"../shared beside the repository root {ROOT}; set {SHARED_ENV} to its location "
            "if it lives elsewhere)",
            pytrace=False,
        )
    return path


@cache
def rulebook() -> Rulebook:
    """The real rulebook, once per test process (from the test run's rulebook cache)."""
    return load_rulebook_cached(RULES, display_root="rules")


def dossier_path(country: str, year: int) -> Path:
    return EVIDENCE / country.lower().replace(" ", "-") / f"{year}.yaml"


def peru_tree(root: Path, history: bool = False) -> Path:
    """Peru 2007 and its narrative (and its history), copied into an evidence tree of their
    own under `root`; the dossier's path."""
    (root / "peru").mkdir(parents=True)
    (root / "sources").mkdir()
    for name in ("2007.yaml", *(["history.yaml"] if history else [])):
        shutil.copy(EVIDENCE / "peru" / name, root / "peru" / name)
    narrative = "tip-2007-peru.txt"
    shutil.copy(EVIDENCE / "sources" / narrative, root / "sources" / narrative)
    return root / "peru" / "2007.yaml"


def dossier(country: str, year: int) -> LoadedDossier:
    """A corpus dossier, loaded once per test process; each caller gets its own copy."""
    return copy.deepcopy(_loaded(country, year))


@cache
def _loaded(country: str, year: int) -> LoadedDossier:
    return load_dossier(dossier_path(country, year), rulebook())


def with_records(loaded: LoadedDossier, records: Iterable[EvidenceRecord]) -> LoadedDossier:
    new = loaded.dossier.model_copy(update={"records": list(records)})
    return dataclasses.replace(loaded, dossier=new)


def without_kind(loaded: LoadedDossier, kind: str) -> LoadedDossier:
    return with_records(loaded, [r for r in loaded.dossier.records if r.kind != kind])


def edit_kind(
    loaded: LoadedDossier, kind: str, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> LoadedDossier:
    """Replace the values of every record of `kind` by edit(values)."""
    records = [
        r.model_copy(update={"values": edit(dict(r.values))}) if r.kind == kind else r
        for r in loaded.dossier.records
    ]
    return with_records(loaded, records)


def add_record(
    loaded: LoadedDossier, record_id: str, kind: str, values: dict[str, Any]
) -> LoadedDossier:
    record = EvidenceRecord(id=record_id, kind=kind, quote="(counterfactual)", values=values)
    return with_records(loaded, [*loaded.dossier.records, record])


def fines_only(loaded: LoadedDossier) -> LoadedDossier:
    """Every prescribed penalty becomes a fine, with no prison term."""

    def edit(values: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in values.items() if k not in ("min_years", "max_years")}
        return {**values, "imprisonment": False, "fine_only": True}

    return edit_kind(loaded, "prescribed_penalty", edit)


def no_increase(loaded: LoadedDossier) -> LoadedDossier:
    """Case counts flat on the previous year, and nothing new: no new law, programme or service."""
    records = []
    for record in loaded.dossier.records:
        values = dict(record.values)
        if "new_in_period" in values:
            values["new_in_period"] = False
        if record.kind == "law_enforcement_count":
            values["previous_count"] = values["count"]
        records.append(record.model_copy(update={"values": values}))
    return with_records(loaded, records)


def unpunished_complicity(loaded: LoadedDossier) -> LoadedDossier:
    """Credible reports of complicit officials, none investigated or prosecuted."""
    stripped = without_kind(loaded, "official_complicity")
    stripped = with_records(stripped, stripped.dossier.records)
    judgments = [j for j in stripped.dossier.judgments if j.kind != "complicity_extent"]
    stripped = dataclasses.replace(
        stripped, dossier=stripped.dossier.model_copy(update={"judgments": judgments})
    )
    return add_record(
        stripped,
        "complicity-unpunished",
        "official_complicity",
        {"confirmed_reports": True, "officials_investigated": 0, "officials_prosecuted": 0},
    )


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `tip-assess ARGS` in this process, from `cwd`, as a user would from that directory:
    stdout, stderr and the exit code, shaped like a finished subprocess. Tests that need a real
    process (exit codes as the shell sees them, hash seeds, concurrency) use `run_process`."""
    environment: dict[str, str | None] = {"TIP_ASSESS_DEBUG": None, **(env or {})}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(
            main, list(args), env=environment, prog_name="tip-assess", catch_exceptions=False
        )
    return subprocess.CompletedProcess(
        ["tip-assess", *args], result.exit_code, result.stdout, result.stderr
    )


def run_process(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m engine` in a new process, capturing stdout, stderr and the exit code."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("TIP_ASSESS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- the stores of loaded inputs


def store_file(cache: Path, folder: str) -> Path:
    """The file of a cache's store of loaded inputs (`dossiers`, `histories`)."""
    from engine.load.entry_store import SUFFIX

    return cache / f"{folder}{SUFFIX}"


def store_keys(cache: Path, folder: str) -> list[str]:
    """The keys of the entries a new process would find, the least recently used first."""
    from engine.load import entry_store, input_cache

    return entry_store.EntryStore(store_file(cache, folder), input_cache.KEEP).keys_by_use()


def stored_value(cache: Path, folder: str, key: str) -> bytes:
    import sqlite3

    with contextlib.closing(sqlite3.connect(store_file(cache, folder))) as db:
        (value,) = db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
    return bytes(value)


def overwrite_stored(cache: Path, folder: str, key: str, value: bytes) -> None:
    """What a crash of the disk, or someone who can write to the cache, could leave."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(store_file(cache, folder))) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (value, key))
