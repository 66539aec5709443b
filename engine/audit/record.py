"""Recording tier decisions in the decision log, and replaying them byte for byte.

An entry pins its inputs by digest; its ``replay`` object says where to find them again: the
commit holding the rules and the dossier when they were committed unmodified (so a later edit
of the working tree does not stop a replay), the paths as shown in the output (the output quotes
them, so a replay must show them the same way), the year, the format, and the sha256 of the
exact output bytes.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import __version__
from engine.assessment import Assessment, assess, canonical_json, history_inputs
from engine.audit.gitsource import extract, is_clean, relative_in_repo, repo_root, resolve_commit
from engine.document import digest
from engine.errors import InputError
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook
from engine.models import InputFact
from engine.report.assessment import render
from engine.report.context import report_context
from engine.whatif.fragility import attach_fragility

REPLAY_SCHEMA = "tip-assess/replay/1"


def default_user() -> str:
    """The OS user, for ``--by``; never fails (containers may have no passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


def _tier_label(result: Assessment) -> str:
    """The tier as recorded, and as a replay compares it."""
    return result.tier or f"no placement ({result.status})"


class _Pins:
    """Pins groups of paths to the HEAD commit holding them. One record pins three groups (the
    rules, the dossier with its narrative, the history), mostly in one work tree: git is asked
    for a directory's work tree and for a work tree's HEAD once each, not once a group."""

    def __init__(self) -> None:
        self._roots: dict[Path, Path | None] = {}
        self._heads: dict[Path, str | None] = {}

    def pin(self, paths: list[Path]) -> dict[str, Any] | None:
        """The HEAD commit holding `paths`, if every one is committed there unmodified."""
        start = paths[0]
        directory = start if start.is_dir() else start.parent
        if directory not in self._roots:
            self._roots[directory] = repo_root(start)
        repo = self._roots[directory]
        if repo is None:
            return None
        relative = [relative_in_repo(repo, path) for path in paths]
        if any(rel is None for rel in relative):
            return None
        inside = [rel for rel in relative if rel is not None]
        if repo not in self._heads:
            self._heads[repo] = resolve_commit(repo, "HEAD")
        commit = self._heads[repo]
        if commit is None or not is_clean(repo, inside):
            return None
        return {"repo": str(repo), "commit": commit, "paths": inside}


def decision_record(
    result: Assessment,
    book: Rulebook,
    loaded: LoadedDossier,
    output: str,
    *,
    dossier: Path,
    rules_dir: Path,
    year: int | None,
    fmt: str,
    by: str,
    history: Path | None = None,
    detail: str = "standard",
) -> dict[str, object]:
    """The log record for one assessment, with what a replay needs.

    `history` is the placement history file the assessment read, if any; `detail` the level of
    the text or markdown output (recorded when it is not the default).
    """
    doc = result.document
    source = (dossier.parent / loaded.dossier.source.file).resolve()
    pins = _Pins()
    replay: dict[str, Any] = {
        "schema": REPLAY_SCHEMA,
        "format": fmt,
        **({"detail": detail} if detail != "standard" else {}),
        "year": year,
        "fragility": "fragility" in doc,
        "output_sha256": digest(output),
        "output_bytes": len(output.encode("utf-8")),
        "rules": {
            "dir": str(rules_dir.resolve()),
            "shown": book.root,
            "git": pins.pin([rules_dir.resolve()]),
        },
        "dossier": {
            "path": str(dossier.resolve()),
            "shown": loaded.path,
            "git": pins.pin([dossier.resolve(), source]),
        },
        "history": None
        if history is None
        else {
            "path": str(history.resolve()),
            "sha256": doc["provenance"].get("history_sha256"),
            "git": pins.pin([history.resolve()]),
        },
    }
    return {
        "by": by,
        "country": doc["country"],
        "report_year": doc["report_year"],
        "tier": _tier_label(result),
        "explanation_digest": digest(result.to_json()),
        "rules_sha256": book.sha256,
        "evidence_sha256": loaded.sha256,
        "engine_version": __version__,
        "rules_version": book.info.version,
        "replay": replay,
    }


# --------------------------------------------------------------------------- replay


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class ReplayReport:
    """Whether a recorded decision reproduces, check by check."""

    seq: int
    entry: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    output: str | None = None

    @property
    def reproduced(self) -> bool:
        return self.output is not None and all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPLAY_SCHEMA,
            "seq": self.seq,
            "reproduced": self.reproduced,
            "checks": [check.to_dict() for check in self.checks],
            "notes": self.notes,
        }


@contextmanager
def _materialise(spec: dict[str, Any], what: str, notes: list[str]) -> Iterator[Path]:
    """The recorded input on disk: extracted from its commit if pinned, else its recorded path.

    A pinned input is extracted with everything pinned alongside it (a dossier with its source
    narrative) and the first path is returned.
    """
    pin = spec.get("git")
    if pin and _available(pin):
        with tempfile.TemporaryDirectory(prefix="tip-assess-replay-") as tmp:
            extract(Path(pin["repo"]), pin["commit"], pin["paths"], Path(tmp))
            notes.append(f"{what} from commit {pin['commit'][:12]} ({pin['paths'][0]})")
            yield Path(tmp) / pin["paths"][0]
            return
    if pin:
        notes.append(f"commit {pin['commit'][:12]} is not available; {what} read from disk")
    path = spec.get("dir") or spec.get("path")
    if not path:
        raise InputError.single("replay", None, f"replay.{what}", f"the entry names no {what}")
    notes.append(f"{what} from {path} (not pinned to a commit)")
    yield Path(path)


def _available(pin: dict[str, Any]) -> bool:
    repo = Path(pin.get("repo", ""))
    return repo.is_dir() and resolve_commit(repo, str(pin.get("commit", ""))) is not None


def _same(name: str, recorded: Any, now: Any, short: int = 12) -> Check:
    def show(value: Any) -> str:
        text = str(value)
        return text[:short] if short and len(text) == 64 else text

    if recorded == now:
        return Check(name, True, f"{show(now)} (as recorded)")
    return Check(name, False, f"now {show(now)}, recorded {show(recorded)}")


def replay_entry(entry: dict[str, Any], where: str = "decision log") -> ReplayReport:
    """Re-run a recorded decision and compare every digest; the output is kept for display."""
    seq = int(entry.get("seq", 0))
    report = ReplayReport(seq, entry)
    replay = entry.get("replay")
    if not isinstance(replay, dict) or "format" not in replay:
        raise InputError.single(
            where,
            None,
            None,
            f"entry {seq} has no replay information (it was not recorded by assess --record)",
        )
    rules = replay.get("rules") or {}
    dossier = replay.get("dossier") or {}
    history = replay.get("history")
    with ExitStack() as stack:
        rules_dir = stack.enter_context(_materialise(rules, "rules", report.notes))
        book = load_rulebook(rules_dir, display_root=rules.get("shown") or "rules")
        dossier_path = stack.enter_context(_materialise(dossier, "evidence", report.notes))
        loaded = load_dossier(dossier_path, book, display=dossier.get("shown"))
        year = replay.get("year")
        extra: list[InputFact] = []
        extra_sha: str | None = None
        if history:
            history_path = stack.enter_context(_materialise(history, "history", report.notes))
            assessed = year if year is not None else loaded.dossier.report_year
            extra, extra_sha = history_inputs(  # afresh, as the rules and the dossier
                book, dossier_path, loaded.dossier.country, assessed, history_path, cached=False
            )
        result = assess(book, loaded, year, extra, extra_sha)
        if replay.get("fragility"):
            attach_fragility(book, loaded, result, extra, extra_sha)
        output = render(
            result.document,
            str(replay["format"]),
            report_context(book, loaded),
            str(replay.get("detail", "standard")),
        )
    report.output = output
    report.checks = [
        _same("rules sha256", entry.get("rules_sha256"), book.sha256),
        _same("evidence sha256", entry.get("evidence_sha256"), loaded.sha256),
        *([_same("history sha256", history.get("sha256"), extra_sha)] if history else []),
        *(
            [_same("rulebook version", entry["rules_version"], book.info.version)]
            if "rules_version" in entry
            else []
        ),
        _same("engine version", entry.get("engine_version"), __version__),
        _same("tier", entry.get("tier"), _tier_label(result)),
        _same("explanation digest", entry.get("explanation_digest"), digest(result.to_json())),
        _same(
            f"output ({replay['format']}) sha256",
            replay.get("output_sha256"),
            digest(output),
        ),
    ]
    return report


def render_replay(report: ReplayReport, fmt: str) -> str:
    if fmt == "json":
        return canonical_json(report.to_dict(), indent=2) + "\n"
    entry = report.entry
    lines = [
        f"replaying entry {report.seq}: {entry.get('country')} {entry.get('report_year')} -> "
        f"{entry.get('tier')}, recorded {entry.get('time')} by {entry.get('by')}",
        *[f"  {note}" for note in report.notes],
    ]
    width = max((len(check.name) for check in report.checks), default=0)
    for check in report.checks:
        mark = "ok  " if check.ok else "DIFF"
        lines.append(f"  {mark} {check.name:<{width}}  {check.detail}")
    if report.reproduced:
        lines.append("reproduced byte for byte")
    else:
        lines.append("NOT reproduced")
    return "\n".join(lines) + "\n"
