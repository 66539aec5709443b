"""What a YAML input holds, told by its content (top-level keys), never by its file name.

A rules file has `rulebook`, `vocabulary`, `parameters` or `rules`; a dossier has `report_year`,
`records` or `judgments` (or `country` and `source` alone); a placement history has `placements` or `waivers`.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.load.linemap import PathKey

Kind = Literal["rules", "dossier", "history"]

RULES_KEYS = frozenset({"rulebook", "vocabulary", "parameters", "rules"})
DOSSIER_KEYS = frozenset({"report_year", "records", "judgments", "completeness"})
HISTORY_KEYS = frozenset({"placements", "waivers"})

# The lists whose items count against the 'records' limit.
RECORD_SECTIONS: frozenset[PathKey] = frozenset({("records",), ("judgments",)})
HISTORY_SECTIONS: frozenset[PathKey] = frozenset({("placements",), ("waivers",)})

DESCRIPTIONS: dict[Kind, str] = {
    "rules": "a rules file (rulebook, vocabulary, parameters, rules)",
    "dossier": "an evidence dossier (country, report_year, source, records)",
    "history": "a placement history (country, placements, waivers)",
}


def classify(data: Any) -> Kind | None:
    """The kind of input `data` is, or None when its top-level keys do not tell."""
    if not isinstance(data, dict):
        return None
    keys = {key for key in data if isinstance(key, str)}
    if keys & DOSSIER_KEYS:
        return "dossier"
    if keys & HISTORY_KEYS:
        return "history"
    if keys & RULES_KEYS:
        return "rules"
    if "source" in keys and "country" in keys:  # a history may have a `source` too
        return "dossier"
    return None


def misfiled(data: Any, expected: Kind) -> str | None:
    """A message when `data` is plainly another kind of input than the one expected."""
    found = classify(data)
    if found is None or found == expected:
        return None
    advice = {
        "rules": "rules files belong in the rules directory (--rules DIR)",
        "history": "pass a placement history with --history FILE",
        "dossier": "pass a dossier as the DOSSIER argument",
    }[found]
    return f"this is {DESCRIPTIONS[found]}, not {DESCRIPTIONS[expected]}: {advice}"
