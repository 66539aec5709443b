"""The evidence tree as the web app sees it: every dossier, assessed exactly as `tip-assess
assess` assesses it (same rulebook, same placement history beside the dossier, the same
fragility check, same JSON).

Nothing here writes a file. Results are kept while no file under the rules or evidence
directories changes (size or modification time); a change rebuilds everything on the next
request. A dossier that does not load keeps its located problems, as the CLI prints them.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load.dossier import LoadedDossier
from engine.load.dossier_cache import load_dossier_cached
from engine.load.history import is_history_file
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook
from engine.report.assessment import render
from engine.report.context import ReportContext, report_context
from engine.whatif.fragility import assess_with_fragility


@dataclass
class Entry:
    """One dossier file: its assessment, or the problems that stopped it."""

    key: str  # path under the evidence directory, without .yaml (e.g. peru/2007)
    path: Path  # as shown to the user (and as the CLI would be given it)
    document: dict[str, Any] | None = None
    loaded: LoadedDossier | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None

    def json(self) -> str:
        """The document exactly as `tip-assess assess --format json` prints it."""
        assert self.document is not None
        return render(self.document, "json")


@dataclass
class Snapshot:
    signature: tuple[tuple[str, int, int], ...]
    book: Rulebook | None
    rule_problems: list[Problem]
    entries: dict[str, Entry]

    def context(self, entry: Entry | None = None) -> ReportContext:
        assert self.book is not None
        return report_context(self.book, entry.loaded if entry else None)


class Catalogue:
    def __init__(self, evidence_dir: Path, rules_dir: Path) -> None:
        self.evidence_dir = evidence_dir
        self.rules_dir = rules_dir
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        files = []
        for root in (self.rules_dir, self.evidence_dir):
            for dirpath, _, names in os.walk(root):
                for name in names:
                    path = Path(dirpath) / name
                    try:
                        stat = path.stat()
                    except OSError:
                        continue
                    files.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(files))

    def snapshot(self) -> Snapshot:
        with self._lock:
            signature = self._signature()
            if self._snapshot is None or self._snapshot.signature != signature:
                self._snapshot = self._build(signature)
            return self._snapshot

    def dossier_files(self) -> list[Path]:
        if not self.evidence_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.evidence_dir.rglob("*.yaml")
            if path.is_file() and not path.name.startswith(".") and not is_history_file(path)
        )

    def _build(self, signature: tuple[tuple[str, int, int], ...]) -> Snapshot:
        try:
            book = load_rulebook(self.rules_dir)
        except InputError as exc:
            return Snapshot(signature, None, list(exc.problems), {})
        entries: dict[str, Entry] = {}
        for path in self.dossier_files():
            key = path.relative_to(self.evidence_dir).with_suffix("").as_posix()
            entry = Entry(key, path)
            try:
                loaded = load_dossier_cached(path, book, defer=True)  # written with its sweep
                entry.loaded = loaded
                entry.document = assess_with_fragility(book, loaded, path).document
            except InputError as exc:
                entry.problems = list(exc.problems)
            entries[key] = entry
        return Snapshot(signature, book, [], entries)
