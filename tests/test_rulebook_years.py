"""The rulebook across report years: what is in force when, unverified readings, year views."""

from __future__ import annotations

import json

import pytest
import support

from engine.reason import cache
from engine.reason.compiler import MAX_PATTERNS, compile_year

YEARS = range(2001, 2026)


@pytest.mark.parametrize("year", YEARS)
def test_every_report_year_compiles_within_engine_limits(year: int) -> None:
    book = support.rulebook()
    compiled = compile_year(book, year)
    assert 50 <= len(compiled.rule_ids) <= 110, len(compiled.rule_ids)
    expected = 6 if 2004 <= year <= 2018 else 5  # efforts on actions alone: 2004-2018 only
    assert len(compiled.weighings) == expected, [p.weighing.id for p in compiled.weighings]
    assert all(len(rule.patterns) <= MAX_PATTERNS for rule in compiled.engine_rules.values())


def _concluding(year: int, subject: str, value: str | None = None) -> set[str]:
    book = support.rulebook()
    found = {
        rule.id
        for rule in book.rules_in_force(year)
        if rule.then.conclude == subject and (value is None or rule.then.value == value)
    }
    found |= {
        w.id
        for w in book.weighings_in_force(year)
        if w.concludes == subject and (value is None or value in w.values())
    }
    return found


def test_amendments_take_effect_in_their_report_years() -> None:
    assert not _concluding(2003, "placement", "Tier 2 Watch List")
    assert _concluding(2004, "placement", "Tier 2 Watch List") == {"placement.tier-2-watch-list"}
    assert "criterion-1.data-presumption.good-faith-period" in _concluding(2005, "criterion_1")
    presumptions = {r for r in _concluding(2006, "criterion_1", "not_met") if "presumption" in r}
    assert presumptions == {"criterion-1.data-presumption"}
    assert not _concluding(2008, "criterion_12") and _concluding(2009, "criterion_12")
    assert "applicability.significant-number" in _concluding(2008, "applicability")
    assert "applicability.significant-number" not in _concluding(2009, "applicability")
    assert not _concluding(2010, "automatic_downgrade")
    assert "automatic-downgrade.waivers-exhausted" in _concluding(2018, "automatic_downgrade")
    assert "automatic-downgrade.waiver-exhausted" in _concluding(2019, "automatic_downgrade")
    assert not _concluding(2012, "criterion_9") and _concluding(2013, "criterion_9")
    assert _concluding(2003, "significant_efforts") == {"significant-efforts.weighing"}
    assert _concluding(2010, "significant_efforts") == {
        "significant-efforts.weighing.commitments-era"
    }
    assert _concluding(2019, "significant_efforts") == {
        "significant-efforts.weighing.concrete-actions"
    }
    assert not _concluding(2003, "efforts_on_actions_alone")
    assert not _concluding(2019, "efforts_on_actions_alone")
    assert "watch-list.future-commitments" in _concluding(2018, "watch_list_trigger")
    assert "watch-list.future-commitments" not in _concluding(2019, "watch_list_trigger")
    assert not _concluding(2003, "criterion_11") and _concluding(2004, "criterion_11")


def test_statutory_text_follows_the_amendments() -> None:
    book = support.rulebook()
    presumption = {
        year: next(
            r for r in sorted(_concluding(year, "criterion_1", "not_met")) if "presumption" in r
        )
        for year in (2005, 2010, 2020)
    }
    assert "good faith effort" in book.rule(presumption[2005]).text
    assert "demonstrably increasing capacity" not in book.rule(presumption[2010]).text
    assert "demonstrably increasing capacity" in book.rule(presumption[2020]).text


def test_unverified_rules_carry_a_note_and_are_listed() -> None:
    book = support.rulebook()
    unverified = [rule for rule in book.items() if not rule.verified]
    assert all(rule.note for rule in unverified), [r.id for r in unverified if not r.note]
    run = support.run_cli("rules", "list", "--unverified", "--format", "json")
    listed = {row["id"] for row in json.loads(run.stdout)["rules"]}
    assert listed == {rule.id for rule in unverified}
    assert {
        "automatic-downgrade.waiver-exhausted",
        "criterion-9.met",
        "standard-4.met.partnerships",
    } <= listed
    assert "automatic-downgrade.after-earlier-downgrade" not in listed


def test_rules_show_says_whether_a_rule_is_in_force_in_a_year() -> None:
    run = support.run_cli(
        "rules", "show", "automatic-downgrade.waivers-exhausted", "--year", "2020"
    )
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[2] == "  in force:  report years 2011–2018"
    assert lines[3] == "  2020:      NOT in force for report year 2020 (in force 2011–2018)"
    assert "in force that year instead: automatic-downgrade.two-years" in lines[4]
    assert "Statutory text:" in run.stdout
    run = support.run_cli("rules", "show", "placement.tier-2", "--year", "2007", "--format", "json")
    data = json.loads(run.stdout)
    assert data["in_force_in_year"] is True and data["year"] == 2007
    assert data["in_force"] == {"from": 2004, "to": 2018}
    assert data["text"].startswith("(B) a list of those countries")


def test_rules_list_for_a_year_shows_that_year_only() -> None:
    run = support.run_cli("rules", "list", "--year", "2003", "--format", "json")
    ids = {row["id"] for row in json.loads(run.stdout)["rules"]}
    assert "placement.tier-2.before-watch-list" in ids and "placement.tier-2" not in ids


def test_a_year_that_shares_its_eras_signature_gets_what_a_fresh_compile_gives() -> None:
    """compiled_for compiles once per era (rules, weighings and parameter values in force)
    and renames the ruleset for each year; a fresh compile of each year must be the same."""
    book = support.rulebook()
    for year in range(2001, 2027):
        fresh, shared = compile_year(book, year), cache.compiled_for(book, year)
        assert (fresh.name, fresh.year, fresh.sha256, fresh.parameters) == (
            shared.name,
            shared.year,
            shared.sha256,
            shared.parameters,
        )
        assert fresh.definition == shared.definition and fresh.rule_ids == shared.rule_ids
        assert [(p.weighing.id, p.stratum, p.thresholds) for p in fresh.weighings] == [
            (p.weighing.id, p.stratum, p.thresholds) for p in shared.weighings
        ]
    eras = {key for key in cache._BY_SIGNATURE if key[0] == book.sha256}
    assert len(eras) < 26 / 2, len(eras)


def test_the_rule_pages_are_markdown_and_html_pages() -> None:
    """`rules list` and `rules show` in Markdown are documents (a heading, a table or sections),
    and in HTML that Markdown on a page with the reports' stylesheet."""
    listed = support.run_cli(
        "rules", "list", "--unverified", "--year", "2007", "--format", "markdown"
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("# TVPA minimum standards")
    assert lines[2].startswith(
        "rules in force for report year 2007 whose legal basis is unverified: "
    )
    assert lines[4:6] == [
        "| id | in force | citation | title | verified |",
        "| --- | --- | --- | --- | --- |",
    ]
    assert all(line.endswith("| no |") for line in lines[6:])
    shown = support.run_cli("rules", "show", "standard-1.met", "--format", "markdown")
    assert shown.stdout.startswith("# `standard-1.met`: ")
    assert "\n## Statutory text\n" in shown.stdout and "\n## Conditions" in shown.stdout
    assert "```" not in shown.stdout
    for args in (["rules", "list"], ["rules", "show", "standard-1.met"]):
        page = support.run_cli(*args, "--format", "html").stdout
        assert page.startswith("<!DOCTYPE html>") and "<style>" in page, page[:200]
        assert ("<table>" in page) == (args[1] == "list")
        assert "<h2>Statutory text</h2>" in page or args[1] == "list"


def test_rules_show_marks_a_circumstance() -> None:
    shown = support.run_cli("rules", "show", "significant-efforts.weighing").stdout
    marked = [line for line in shown.splitlines() if "(a circumstance:" in line]
    assert len(marked) == 1 and "beyond the government's reach" in marked[0], shown
    as_json = json.loads(
        support.run_cli("rules", "show", "significant-efforts.weighing", "--format", "json").stdout
    )
    assert sum("(a circumstance:" in line for line in as_json["conditions"][0]) == 1
