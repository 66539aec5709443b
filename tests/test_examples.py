"""Rule examples as tests, like Semgrep's and Sigma's: one test per example, named by rule id
and example name, each run through the compiled durable_rules ruleset of its year."""

from __future__ import annotations

import pytest
import support

from engine.models import RuleExample
from engine.quality.examples import (
    CaseRecord,
    ExampleRef,
    all_examples,
    case_inputs,
    missing_expectations,
    run_case,
    run_example,
)

BOOK = support.rulebook()
REFS = all_examples(BOOK)


@pytest.mark.parametrize("ref", REFS, ids=[ref.test_id for ref in REFS])
def test_rule_example(ref: ExampleRef) -> None:
    outcome = run_example(BOOK, ref)
    assert outcome.passed, outcome.message


def test_every_rule_has_an_example_that_fires_and_one_that_does_not() -> None:
    lacking = {rule.id: missing_expectations(rule) for rule in BOOK.rules}
    assert not {rule: kinds for rule, kinds in lacking.items() if kinds}


def test_given_findings_are_facts_that_silence_defaults() -> None:
    # standard-4.not-met is an `otherwise` default: a given standard_4 keeps it from firing,
    # and the given value is reported as given, not derived.
    case = run_case(BOOK, 2007, [], {"standard_4": "met"})
    assert "standard-4.not-met" not in case.fired
    assert case.value("standard_4") == "met"
    assert "standard_4" not in case.derived()
    assert case.derived()["standard_1"] == "not_met"


def test_a_rule_contradicting_a_given_finding_is_counted_as_fired() -> None:
    records = [
        CaseRecord(
            "anti_trafficking_law", {"name": "X", "criminal": True, "prohibits_all_forms": True}
        )
    ]
    case = run_case(BOOK, 2007, case_inputs(BOOK, records), {"standard_1": "not_met"})
    assert "standard-1.met" in case.fired
    assert [c.subject for c in case.result.conflicts] == ["standard_1"]


def _ref(rule_id: str, **example: object) -> ExampleRef:
    rule = BOOK.rule(rule_id)
    return ExampleRef(rule, 99, RuleExample.model_validate({"name": "probe", **example}))


def test_a_failing_example_says_what_the_engine_derived() -> None:
    outcome = run_example(BOOK, _ref("standard-1.met", expect="fires"))
    assert not outcome.passed
    assert outcome.message.startswith(
        "expected rule standard-1.met to fire under the rules for 2001, but it did not (derived: "
    )
    assert "standard_1=not_met" in outcome.message


def test_an_example_that_cannot_run_is_reported_not_crashed() -> None:
    outcome = run_example(
        BOOK,
        _ref(
            "placement.tier-3.automatic-downgrade",
            year=2005,
            evidence=[{"kind": "no_such_kind", "values": {}}],
            findings={"watch_list": "maybe"},
            expect="fires",
        ),
    )
    assert not outcome.passed
    assert "year 2005 is outside the rule's years in force (2011–2018)" in outcome.message
    assert "evidence[0]: unknown evidence kind 'no_such_kind'" in outcome.message
    assert "findings: 'maybe' is not a value of 'watch_list' (listed)" in outcome.message


def test_example_values_are_type_checked() -> None:
    outcome = run_example(
        BOOK,
        _ref(
            "criterion-9.met",
            evidence=[
                {
                    "kind": "partnership",
                    "values": {"partner": "neighbours", "concrete_outcomes": "yes"},
                }
            ],
            expect="fires",
        ),
    )
    assert not outcome.passed
    assert "evidence[0].values.partner: expected one of domestic_civil_society" in outcome.message
    assert (
        "evidence[0].values.concrete_outcomes: expected true or false, got 'yes'" in outcome.message
    )


def test_an_absence_sees_the_record_a_positive_pattern_matched() -> None:
    """criterion-7.not-met needs a confirmed report and no record with officials prosecuted;
    durable_rules hides a record already bound from later `$not` tests unless the compiler puts
    absences first. One record with both must leave the rule silent."""
    records = [
        CaseRecord("official_complicity", {"confirmed_reports": True, "officials_prosecuted": 3})
    ]
    case = run_case(BOOK, 2007, case_inputs(BOOK, records))
    assert "criterion-7.not-met" not in case.fired
    assert case.value("criterion_7") == "partly_met"


def test_a_default_with_no_other_producer_still_fires() -> None:
    """applicability.all-countries is the only rule on its subject from 2009: it must not wait
    for a phase that is never asserted."""
    case = run_case(BOOK, 2009, [])
    assert case.value("applicability") == "applies"
    # A complete narrative that reports nothing: no effort reported in any pillar, so no
    # significant efforts (the weighing reads silence as nothing reported), and Tier 3.
    assert case.value("significant_efforts") == "not_making"
    assert case.value("placement") == "Tier 3"
    partial = run_case(BOOK, 2009, [], completeness="partial")
    assert partial.value("significant_efforts") == "undetermined"
    assert partial.value("placement") == "Undetermined"
