"""The case table of the bad-input corpus: placement histories, malformed and impossible, and
inputs of the wrong kind."""

from __future__ import annotations

from pathlib import Path

from bad_cases import history
from hostile_cases import (
    RULES,
    Case,
    D,
    Expect,
    H,
    line_of,
    whole,
)

CANNOT = "cannot be true"


def history_cases() -> list[Case]:
    return [
        history(
            "history-malformed", "placements:", "placements: [", "{year: 2008", "malformed YAML"
        ),
        Case(
            "history-a-list",
            whole(H, "- {year: 2008}\n", 1, "must be a mapping"),
            command="history",
        ),
        history(
            "history-missing-country",
            "country: Ruritania\n",
            "",
            "placements:",
            "country",
            "required key is missing",
        ),
        history(
            "history-unknown-key",
            "country: Ruritania",
            "country: Ruritania\ntiers: []",
            "tiers:",
            "unknown key",
        ),
        history(
            "history-of-another-country",
            "country: Ruritania",
            "country: Freedonia",
            "country:",
            "history is for 'Freedonia', the dossier for 'Ruritania'",
        ),
        history(
            "history-placements-mapping",
            "placements:\n",
            "placements: {}\nold:\n",
            "placements:",
            "valid list",
            count=2,
        ),
        history(
            "history-year-missing",
            "{year: 2008, placement: Tier 2",
            "{placement: Tier 2",
            "{placement: Tier 2",
            "needs a report year",
        ),
        history(
            "history-year-word", "year: 2008", "year: last", "year: last", "needs a report year"
        ),
        history(
            "history-year-too-early",
            "year: 2008",
            "year: 1999",
            "year: 1999",
            "needs a report year between 2001 and 2100",
        ),
        history(
            "history-placement-enum",
            "placement: Tier 2,",
            "placement: Tier 4,",
            "Tier 4",
            "expected one of Tier 1, Tier 2, Tier 3",
        ),
        history(
            "history-flag-text",
            "automatic_downgrade: true",
            "automatic_downgrade: 'yes'",
            "automatic_downgrade",
            "expected true or false",
        ),
        history(
            "history-duplicate-year",
            "year: 2009",
            "year: 2008",
            "year: 2008",
            "a second entry for 2008 in placements",
            occurrence=2,
        ),
        history(
            "history-derived-field-set",
            "{year: 2008,",
            "{year: 2008, years_before: 3,",
            "years_before",
            "is derived from the history",
        ),
        history(
            "history-unknown-entry-field",
            "{year: 2008,",
            "{year: 2008, tier: 2,",
            "tier: 2",
            "tier",
        ),
        history(
            "history-waiver-ground-missing",
            "written_plan: true, ",
            "",
            "{year: 2011",
            "required field is missing",
        ),
        history(
            "history-duplicate-key",
            "{year: 2008,",
            "{year: 2008, year: 2008,",
            "{year: 2008",
            "duplicate key 'year'",
        ),
        history(
            "history-downgrade-to-tier-2",
            "{year: 2008, placement: Tier 2,",
            "{year: 2008, placement: Tier 2, automatic_downgrade: true,",
            "{year: 2008",
            CANNOT,
            "an automatic downgrade in 2008 on placement 'Tier 2'",
            count=2,
        ),
        history(
            "history-downgrade-to-tier-1",
            "{year: 2010, placement: Tier 3,",
            "{year: 2010, placement: Tier 1,",
            "{year: 2010",
            CANNOT,
            "only gives placement 'Tier 3'",
        ),
        history(
            "history-downgrade-before-the-rule",
            "{year: 2008, placement: Tier 2,",
            "{year: 2008, placement: Tier 3, automatic_downgrade: true,",
            "{year: 2008",
            CANNOT,
            "before the automatic downgrade existed",
        ),
        history(
            "history-downgrade-in-2001",
            "{year: 2008, placement: Tier 2,",
            "{year: 2001, placement: Tier 3, automatic_downgrade: true,",
            "{year: 2001",
            CANNOT,
            "an automatic downgrade for 2001, before the automatic downgrade existed",
        ),
        history(
            "history-waiver-before-the-rule",
            "waivers:\n",
            "waivers:\n  - {year: 2005, "
            "written_plan: true, plan_would_constitute_significant_efforts: true, "
            "sufficient_resources: true}\n",
            "{year: 2005",
            CANNOT,
            "a waiver for 2005, before the automatic downgrade existed (first report year "
            "2009, rule downgrade.due)",
        ),
        history(
            "history-waiver-grounds-all-false",
            "written_plan: true, plan_would_constitute_significant_efforts: true, sufficient_resources: true",
            "written_plan: false, plan_would_constitute_significant_efforts: false, sufficient_resources: false",
            "written_plan: false",
            CANNOT,
            "whose grounds are all false",
        ),
        history(
            "history-waiver-after-the-history",
            "{year: 2011, written",
            "{year: 2013, written",
            "{year: 2013",
            CANNOT,
            "a waiver for 2013, after the last placement the history records (2010)",
        ),
        history(
            "history-waiver-far-future",
            "{year: 2011, written",
            "{year: 2030, written",
            "{year: 2030",
            CANNOT,
            "a waiver for 2030",
        ),
        Case("history-impossible-under-check", _impossible_for_check(), command="check"),
        Case("history-given-as-the-dossier", _as_dossier(H), command="dossier-arg"),
        Case("rules-file-given-as-the-dossier", _as_dossier(RULES), command="dossier-arg"),
        Case("dossier-given-as-the-history", _as_history(D), command="history-arg"),
        Case("rules-file-given-as-the-history", _as_history(RULES), command="history-arg"),
    ]


def _impossible_for_check() -> object:
    def build(ws: Path) -> Expect:
        path = ws / H
        text = path.read_text().replace(
            "{year: 2008, placement: Tier 2,",
            "{year: 2008, placement: Tier 1, automatic_downgrade: true,",
        )
        path.write_text(text)
        return Expect(H, line_of(text, "{year: 2008"), (CANNOT, "placement 'Tier 1'"), count=2)

    return build


def _as_dossier(rel: str) -> object:
    def build(ws: Path) -> Expect:
        what = "a placement history" if rel == H else "a rules file"
        return Expect(rel, 1, (f"this is {what}", "not an evidence dossier"))

    return build


def _as_history(rel: str) -> object:
    def build(ws: Path) -> Expect:
        what = "an evidence dossier" if rel == D else "a rules file"
        return Expect(rel, 1, (f"this is {what}", "not a placement history"))

    return build
