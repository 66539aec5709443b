"""Auditing rule changes: semantic diff, impact over every dossier, recorded decisions.

- :mod:`engine.audit.gitsource` loads a rulebook from a directory or a git revision;
- :mod:`engine.audit.diff` compares two rulebooks in legal terms, by stable rule id;
- :mod:`engine.audit.impact` assesses dossiers under both and reports what moved;
- :mod:`engine.audit.record` builds decision-log entries and replays them.

The decision log itself (hash chain, locking, crash safety) is :mod:`engine.decision_log`.
"""

from engine.audit.diff import (
    AFFECTING,
    EDITORIAL,
    Change,
    Detail,
    RulesDiff,
    changelog_warnings,
    render_diff,
    semantic_diff,
)
from engine.audit.gitsource import RulebookSide, load_side
from engine.audit.impact import ImpactReport, dossier_files, impact, render_impact, scan_features
from engine.audit.record import decision_record, render_replay, replay_entry

__all__ = [
    "AFFECTING",
    "EDITORIAL",
    "Change",
    "Detail",
    "ImpactReport",
    "RulebookSide",
    "RulesDiff",
    "changelog_warnings",
    "decision_record",
    "dossier_files",
    "impact",
    "load_side",
    "render_diff",
    "render_impact",
    "render_replay",
    "replay_entry",
    "scan_features",
    "semantic_diff",
]
