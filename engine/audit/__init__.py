"""Auditing rule changes: semantic diff, impact over every dossier, recorded decisions.

- :mod:`engine.audit.gitsource` loads a rulebook from a directory or a git revision;
- :mod:`engine.audit.diff` compares two rulebooks in legal terms, by stable rule id
  (:mod:`~engine.audit.diff_model` the graded changes, :mod:`~engine.audit.diff_rules` and
  :mod:`~engine.audit.diff_definitions` the comparisons, :mod:`~engine.audit.diff_render` the
  text, markdown and JSON);
- :mod:`engine.audit.impact` assesses dossiers under both and reports what moved
  (:mod:`~engine.audit.scenario_scan` the Gherkin text scan, :mod:`~engine.audit.impact_render`
  the report);
- :mod:`engine.audit.record` builds decision-log entries and replays them;
- :mod:`engine.audit.decision_log` is the log itself (hash chain, locking, crash safety).
"""

from engine.audit.diff import changelog_warnings, semantic_diff
from engine.audit.diff_model import AFFECTING, EDITORIAL, Change, Detail, RulesDiff
from engine.audit.diff_render import render_diff
from engine.audit.gitsource import RulebookSide, load_side
from engine.audit.impact import ImpactReport, dossier_files, impact
from engine.audit.impact_render import render_impact
from engine.audit.record import decision_record, render_replay, replay_entry
from engine.audit.scenario_scan import scan_features

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
