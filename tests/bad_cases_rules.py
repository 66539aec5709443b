"""The case table of the bad-input corpus: broken rules files, and `check` given the wrong things."""

from __future__ import annotations

from pathlib import Path

from bad_cases import rules
from hostile_cases import (
    BOOK,
    PARAMS,
    RULES,
    VOCAB,
    Case,
    Expect,
    line_of,
    whole,
)

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
