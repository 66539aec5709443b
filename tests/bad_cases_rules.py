"""The case table of the bad-input corpus, end: placement histories (malformed and impossible),
rules files, inputs of the wrong kind, and `check` given the wrong things."""

from __future__ import annotations

from pathlib import Path

from bad_cases import history, rules
from hostile_cases import BOOK, PARAMS, RULES, VOCAB, Case, D, Expect, H, line_of, whole

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


# --------------------------------------------------------------------------- rules files


def rules_cases() -> list[Case]:
    missing = "required key is missing"
    return [
        rules(
            "rules-malformed",
            RULES,
            "    title: Sentences are severe",
            "    title: [Sentences are severe",
            "citation: Toy Act §1(b)",
            "malformed YAML",
            occurrence=1,
        ),
        rules(
            "rules-unknown-section", RULES, "rules:\n", "rulez:\n", "rulez", "unknown top-level key"
        ),
        Case(
            "rules-a-list",
            whole("rules/list.yaml", "- id: x\n", 1, "a rules file must be a mapping"),
            command="check",
        ),
        rules(
            "rules-missing-citation",
            RULES,
            "    citation: Toy Act §1(b)\n",
            "",
            "id: sentencing.severe",
            "citation",
            missing,
        ),
        rules(
            "rules-blank-title",
            RULES,
            "title: Sentences are severe",
            "title: '  '",
            "title: '  '",
            "must not be blank",
        ),
        rules(
            "rules-bad-id",
            RULES,
            "id: sentencing.severe",
            "id: Sentencing Severe",
            "Sentencing Severe",
            "should match pattern",
        ),
        rules(
            "rules-duplicate-id",
            RULES,
            "id: sentencing.lenient",
            "id: sentencing.severe",
            "id: sentencing.severe",
            "duplicate rule id",
            occurrence=2,
        ),
        rules(
            "rules-duplicate-key",
            RULES,
            "    title: Sentences are severe\n",
            "    title: Sentences are severe\n    title: again\n",
            "title: again",
            "duplicate key 'title'",
        ),
        rules(
            "rules-years-word",
            RULES,
            "in_force: {from: 2001}\n    when:\n      all:\n        - evidence: sentence\n          where: {prison_years",
            "in_force: {from: ever}\n    when:\n      all:\n        - evidence: sentence\n          where: {prison_years",
            "from: ever",
            "valid integer",
        ),
        rules(
            "rules-years-reversed",
            RULES,
            "    in_force: {from: 2001}\n    otherwise: true\n    when:",
            "    in_force: {from: 2010, to: 2005}\n    otherwise: true\n    when:",
            "to: 2005",
            "in_force",
        ),
        rules(
            "rules-unknown-pattern",
            RULES,
            "- evidence: victim_shelter",
            "- evidnce: victim_shelter",
            "evidnce",
            "expected a mapping with one of the keys",
        ),
        rules(
            "rules-unknown-evidence-kind",
            RULES,
            "- evidence: victim_shelter",
            "- evidence: victim_shelters",
            "victim_shelters",
            "victim_shelters",
        ),
        rules(
            "rules-undeclared-field",
            RULES,
            "where: {specialized: true}",
            "where: {specialised: true}",
            "where: {specialised",
            "does not declare",
        ),
        rules(
            "rules-undeclared-conclusion-value",
            RULES,
            "then: {conclude: sentencing, value: severe}",
            "then: {conclude: sentencing, value: harsh}",
            "value: harsh",
            "harsh",
        ),
        rules(
            "rules-unknown-conclusion",
            RULES,
            "then: {conclude: sentencing, value: severe}",
            "then: {conclude: sentence_level, value: severe}",
            "sentence_level",
            "sentence_level",
        ),
        rules(
            "rules-unknown-parameter",
            RULES,
            "{param: severe_sentence_min_years}",
            "{param: severe_sentence_max_years}",
            "severe_sentence_max",
            "severe_sentence_max_years",
        ),
        rules("rules-parameter-type", PARAMS, "value: 4}", "value: four}", "value: four", "four"),
        rules(
            "rules-parameter-declared-twice",
            "rules/rules_extra.yaml",
            "vocabulary:",
            "parameters:\n  incarceration_min_years:\n    title: again\n    unit: years\n"
            "    type: number\n    values: [{from: 2001, value: 1}]\nvocabulary:",
            "  incarceration_min_years:",
            "parameter declared twice",
        ),
        rules(
            "rules-second-rulebook",
            "rules/rules_extra.yaml",
            "vocabulary:",
            "rulebook: {name: other, title: x, version: '1', outcome: {conclusion: placement, "
            "ladder: [a, b]}}\nvocabulary:",
            "rulebook:",
            "a second 'rulebook' section",
        ),
        rules(
            "rules-list-is-a-mapping",
            RULES,
            "rules:\n",
            "rules: {}\nold:\n",
            "rules:",
            "'rules' must be a list",
            count=2,
        ),
        rules(
            "rules-field-type-unknown",
            VOCAB,
            "count: {type: integer",
            "count: {type: integr",
            "type: integr",
            "Input should be 'boolean', 'integer'",
        ),
        rules(
            "rules-enum-without-values",
            VOCAB,
            'placement: {type: enum, required: true, values: ["Tier 1", "Tier 2", "Tier 3"]}',
            "placement: {type: enum, required: true}",
            "placement: {type: enum",
            "an enum field needs a non-empty 'values' list",
        ),
        rules(
            "rules-merge-key",
            RULES,
            "    title: Sentences are severe\n",
            "    <<: {title: Sentences are severe}\n",
            "<<:",
            "merge keys are not supported",
        ),
        rules(
            "rules-undefined-alias",
            RULES,
            "title: Sentences are severe",
            "title: *severe",
            "title: *severe",
            "undefined alias",
        ),
        rules(
            "rules-history-unknown-kind",
            BOOK,
            "placement_kind: prior_placement",
            "placement_kind: earlier_placement",
            "history:",
            "earlier_placement",
        ),
        rules(
            "rules-history-downgrade-values",
            BOOK,
            "downgrade_values: {placement: Tier 3}",
            "downgrade_values: {placement: Tier 9}",
            "downgrade_values",
            "expected one of",
        ),
        rules(
            "rules-history-downgrade-field",
            BOOK,
            "downgrade_field: automatic_downgrade",
            "downgrade_field: auto_downgrade",
            "history:",
            "declares no field 'auto_downgrade'",
        ),
        rules(
            "rules-vocabulary-unknown-key",
            VOCAB,
            "  conclusions:",
            "  findings: {}\n  conclusions:",
            "findings:",
            "unknown key; expected 'evidence' or 'conclusions'",
        ),
        rules(
            "rules-reserved-field-name",
            VOCAB,
            "count: {type: integer, required: true}",
            "kind: {type: integer, required: true}",
            "fields:",
            "reserved by the engine",
        ),
        rules(
            "rules-pillar-enum",
            VOCAB,
            "pillar: prosecution",
            "pillar: punishment",
            "pillar: punishment",
            "pillar",
        ),
    ]


# --------------------------------------------------------------------------- check


def check_cases() -> list[Case]:
    def given(rel: str, text: str | None, *fragments: str, line: int | None = None) -> Case:
        def build(ws: Path) -> Expect:
            if rel.endswith("-dir"):
                (ws / rel).mkdir()
            elif text is not None:
                path = ws / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            return Expect(rel, line, fragments)

        return Case("check-" + rel.replace("/", "-").replace(".", "-"), build, command="check")

    def other_rules(ws: Path) -> Expect:
        other = ws / "other-rules"
        other.mkdir()
        for name in ("rulebook.yaml", "vocabulary.yaml", "parameters.yaml", "rules.yaml"):
            (other / name).write_text((ws / "rules" / name).read_text())
        text = (other / "rules.yaml").read_text().replace("    citation: Toy Act §2\n", "", 1)
        (other / "rules.yaml").write_text(text)
        return Expect(
            "other-rules/rules.yaml",
            line_of(text, "id: protection.met"),
            ("citation", "required key is missing"),
        )

    return [
        given("evidence/sources", None, "no YAML file here to check"),
        given("evidence/sources/ruritania-2011.txt", None, "not a YAML file"),
        given("evidence/empty.yaml", "", "the file is empty", line=1),
        given(
            "evidence/notes.yaml",
            "title: notes\nitems: [1, 2]\n",
            "cannot tell what this file holds",
            line=1,
        ),
        given("evidence/nothing-here.yaml", None, "file not found"),
        given("evidence/empty-dir", None, "no YAML file here to check"),
        Case("check-rules-of-another-directory", other_rules, command="check"),
    ]
