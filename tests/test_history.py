"""Placement history as input: validated like evidence, turned into facts relative to the year
assessed, used by the watch-list and downgrade rules, and cited in explanations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import support
from click.testing import CliRunner

from engine.assessment import assess
from engine.cli.main import main
from engine.errors import InputError
from engine.load.history import History, history_facts, history_settings, load_history

PERU_HISTORY = support.EVIDENCE / "peru" / "history.yaml"


def test_peru_history_holds_the_official_placements() -> None:
    history = load_history(PERU_HISTORY, support.rulebook()).history
    placements = {entry["year"]: entry["placement"] for entry in history.placements}
    assert sorted(placements) == list(range(2004, 2025))
    assert {year for year, tier in placements.items() if tier != "Tier 2"} == {2004, 2006}
    assert placements[2004] == placements[2006] == "Tier 2 Watch List"
    assert all(entry["source"] for entry in history.placements)
    assert history.waivers == []


def test_facts_are_relative_to_the_year_assessed() -> None:
    history = History(
        country="X",
        placements=[
            {"year": 2009, "placement": "Tier 2 Watch List"},
            {"year": 2010, "placement": "Tier 2 Watch List"},
            {"year": 2011, "placement": "Tier 2 Watch List"},
        ],
        waivers=[
            {
                "year": 2011,
                "written_plan": True,
                "plan_would_constitute_significant_efforts": True,
                "sufficient_resources": True,
            },
            {
                "year": 2012,
                "written_plan": True,
                "plan_would_constitute_significant_efforts": True,
                "sufficient_resources": False,
            },
        ],
    )
    settings = history_settings(support.rulebook())
    facts = {fact.record_id: fact for fact in history_facts(history, 2012, settings)}
    assert set(facts) == {"history-2009", "history-2010", "history-2011", "history-waiver-2012"}
    assert facts["history-2011"].values["years_before"] == 1
    assert facts["history-2011"].values["downgrade_waived"] is True
    assert "downgrade_waived" not in facts["history-2010"].values
    assert facts["history-2009"].values["years_before"] == 3
    assert facts["history-waiver-2012"].values["sufficient_resources"] is False
    assert history_facts(history, 2009, settings) == []


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.yaml"
    path.write_text(text)
    return path


def test_a_placement_not_in_the_vocabulary_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "country: X\nplacements:\n  - {year: 2010, placement: Tier 2}\n  - year: 2011\n    placement: Tier 4\n",
    )
    with pytest.raises(InputError) as caught:
        load_history(path, support.rulebook(), "history.yaml")
    (problem,) = caught.value.problems
    assert problem.render().startswith(
        "history.yaml:5: field 'placements[1].placement': expected one of Tier 1, Tier 2"
    )
    assert "got 'Tier 4'" in problem.message


def test_duplicate_years_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "country: X\nplacements:\n  - {year: 2010, placement: Tier 2}\n  - {year: 2010, placement: Tier 3}\n",
    )
    with pytest.raises(InputError) as caught:
        load_history(path, support.rulebook(), "h.yaml")
    assert caught.value.render() == (
        "h.yaml:4: field 'placements[1].year': a second entry for 2010 in placements (first at line 3)"
    )
    path = _write(tmp_path, "country: X\nplacement: []\n")
    with pytest.raises(InputError) as caught:
        load_history(path, support.rulebook(), "h.yaml")
    assert caught.value.render() == "h.yaml:2: field 'placement': unknown key"


# --------------------------------------------------------------------------- through the CLI


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_peru_2007_is_placed_for_every_report_year_and_names_the_rulebook() -> None:
    dossier = str(support.dossier_path("Peru", 2007))
    for year in range(2001, 2026):
        # The placement per year is the point here; fragility is tested in test_fragility.py.
        code, out, err = _cli(
            "assess", dossier, "--year", str(year), "--format", "json", "--no-fragility"
        )
        assert code == 0, (year, err)
        document = json.loads(out)
        assert document["tier"] == "Tier 2", year
        label = document["rulebook"]["label"]
        version = support.rulebook().info.version
        assert label.startswith(f"tvpa {version} as in force for report year {year} (sha256 "), (
            label
        )
        assert document["assessed_year"] == year


def test_peru_2007_under_its_own_year_keeps_its_reasons() -> None:
    code, out, _ = _cli("assess", str(support.dossier_path("Peru", 2007)), "--format", "json")
    assert code == 0
    document = json.loads(out)
    findings = {f["subject"]: f for f in document["findings"]}
    assert document["tier"] == "Tier 2"
    assert findings["standard_1"]["value"] == "met"
    standard_1 = findings["standard_1"]["justifications"][0]
    assert standard_1["rule"] == "standard-1.met" and "evidence:law-28950" in standard_1["premises"]
    assert findings["criterion_2"]["value"] == "partly_met"
    assert document["why_not"]["target"] == "Tier 1"
    assert "criterion_2" in json.dumps(document["why_not"])
    assert findings["increasing_efforts"]["value"] == "shown"
    assert "watch_list_trigger" not in findings
    # From 2004 appreciable progress (criterion 11) compares with last year's placement, so the
    # history is read and named in the provenance; before 2004 no rule reads it.
    assert findings["criterion_11"]["value"] == "met"
    assert document["provenance"]["history_sha256"]
    code, out, _ = _cli(
        "assess", str(support.dossier_path("Peru", 2007)), "--year", "2003", "--format", "json"
    )
    assert code == 0 and "history_sha256" not in json.loads(out)["provenance"]


def test_history_options() -> None:
    dossier = str(support.dossier_path("Peru", 2007))
    code, out, _ = _cli("assess", dossier, "--format", "json", "--year", "2012")
    document = json.loads(out)
    assert code == 0 and document["provenance"]["history_sha256"]
    records = [e["record"] for e in document["evidence"] if e["section"] == "history"]
    assert records == [f"history-{year}" for year in range(2004, 2012)]
    code, out, _ = _cli("assess", dossier, "--format", "json", "--year", "2012", "--no-history")
    assert code == 0 and "history_sha256" not in json.loads(out)["provenance"]
    code, out, _ = _cli(
        "assess", dossier, "--format", "json", "--year", "2012", "--history", str(PERU_HISTORY)
    )
    assert (
        json.loads(out)["provenance"]["history_sha256"] == document["provenance"]["history_sha256"]
    )
    code, _, err = _cli("assess", dossier, "--history", str(PERU_HISTORY), "--no-history")
    assert code == 2 and "--history and --no-history exclude each other" in err


def test_a_history_of_another_country_is_refused(tmp_path: Path) -> None:
    other = _write(tmp_path, "country: Bolivia\nplacements: []\n")
    dossier = str(support.dossier_path("Peru", 2007))
    code, _, err = _cli("assess", dossier, "--history", str(other))
    assert code == 2
    assert err.strip() == (
        f"error: {other}:1: field 'country': history is for 'Bolivia', the dossier for 'Peru'"
    )


def test_check_validates_histories_beside_dossiers() -> None:
    code, out, _ = _cli("check", str(support.EVIDENCE / "peru"))
    assert code == 0, out
    assert "1 dossier(s), 1 placement history(ies) and 0 rules file(s) are valid" in out


def test_two_watch_list_years_in_the_history_downgrade_peru_in_2011(tmp_path: Path) -> None:
    """Peru 2007's evidence without its increase, with a made-up history of two watch-list
    years: under the 2011 rules the automatic downgrade applies and cites the history."""
    (tmp_path / "peru").mkdir()
    shutil.copytree(support.EVIDENCE / "sources", tmp_path / "sources")
    loaded = support.no_increase(support.dossier("Peru", 2007))
    history = _write(
        tmp_path / "peru",
        "country: Peru\nplacements:\n"
        "  - {year: 2009, placement: Tier 2 Watch List, source: test}\n"
        "  - {year: 2010, placement: Tier 2 Watch List, source: test}\n",
    )
    book = support.rulebook()
    facts = history_facts(load_history(history, book).history, 2011, history_settings(book))
    result = assess(book, loaded, 2011, facts, "test")
    assert result.tier == "Tier 3"
    assert result.document["placement_rule"] == "placement.tier-3.automatic-downgrade"
    downgrade = next(
        f for f in result.document["findings"] if f["subject"] == "automatic_downgrade"
    )
    justification = downgrade["justifications"][0]
    assert set(justification["premises"]) >= {"evidence:history-2009", "evidence:history-2010"}
    assert "On the Tier 2 Watch List in 2009 and 2010" in justification["explanation"]
    cited = {e["record"] for e in result.document["evidence"] if e["used"]}
    assert {"history-2009", "history-2010"} <= cited
    assert (
        assess(
            book,
            loaded,
            2010,
            history_facts(load_history(history, book).history, 2010, history_settings(book)),
        ).tier
        == "Tier 2 Watch List"
    )


def test_waiver_grounds_are_read_from_the_vocabulary_not_from_code(tmp_path: Path) -> None:
    """A new statutory ground for a waiver is a YAML edit: the history accepts it, typed."""
    import shutil

    from engine.load.rules import load_rulebook

    rules = tmp_path / "rules"
    shutil.copytree(support.RULES, rules)
    vocabulary = rules / "vocabulary_amendments.yaml"
    text = vocabulary.read_text()
    marker = "        sufficient_resources: {type: boolean, required: true"
    assert marker in text
    vocabulary.write_text(
        text.replace(marker, "        congress_notified: {type: boolean}\n" + marker, 1)
    )
    book = load_rulebook(rules)
    good = _write(
        tmp_path,
        "country: X\nwaivers:\n  - {year: 2012, written_plan: true, "
        "plan_would_constitute_significant_efforts: true, sufficient_resources: true, "
        "congress_notified: true}\n",
    )
    facts = history_facts(load_history(good, book).history, 2012, history_settings(book))
    assert facts[0].values["congress_notified"] is True
    bad = _write(
        tmp_path,
        "country: X\nwaivers:\n  - {year: 2012, written_plan: true,\n"
        "     plan_would_constitute_significant_efforts: true, sufficient_resources: true,\n"
        "     congress_notified: soon}\n",
    )
    with pytest.raises(InputError) as caught:
        load_history(bad, book, "h.yaml")
    assert caught.value.render() == (
        "h.yaml:5: field 'waivers[0].congress_notified': expected true or false, got 'soon'"
    )
