"""`tip-assess impact`: every dossier under both rulebooks, and exactly what moved and why."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from audit_support import FIXTURE, edit, git, make_workspace, run, set_parameter

from engine.audit.scenario_scan import scan_features, scenarios_expecting
from engine.cli.progress import BAR, Progress


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def test_a_threshold_change_moves_a_placement_and_the_report_says_why(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 10)
    result = run(ws, "impact", "--base", "git:HEAD")
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    assert out.startswith("Impact of rules (toy 1.0.0, sha256 ")
    assert "against git:HEAD/rules" in out and "on 2 dossier(s)" in out
    assert "rule changes: 1 outcome-affecting, 0 editorial" in out
    assert "PLACEMENTS THAT CHANGE: 1\n" in out
    assert (
        "  Ruritania 2007 (evidence/ruritania/2007.yaml): Tier 2 (determined) → Tier 3 (determined)"
        in out
    )
    assert "    placement rule: placement.tier-2 → placement.tier-3" in out
    assert (
        "      prosecution: met → not_met  (The government convicts and imprisons traffickers)"
        in out
    )
    assert "        concluded by: prosecution.met → prosecution.not-met" in out
    assert (
        "        changed rule prosecution.met: reads parameter incarceration_min_years "
        "(1 → 10 for report years 2001 onwards)"
    ) in out
    assert "      placement: Tier 2 → Tier 3  (Tier placement)\n" in out
    assert "        follows from: prosecution" in out
    assert "    Gherkin scenarios that would now fail (text scan):" in out
    assert "      features/toy.feature:6  Ruritania is on Tier 2" in out
    assert "Ruritania is not on Tier 1" not in out  # expects "not Tier 1": still holds
    assert "Freedonia" not in out.split("FINDINGS THAT CHANGE")[0]
    assert out.endswith("unchanged: 1 dossier(s)\n")


def test_json_report(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 10)
    result = run(ws, "impact", "--base", "git:HEAD", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema"] == "tip-assess/impact/1"
    assert doc["base"]["commit"] == git(ws, "rev-parse", "HEAD").strip()
    assert doc["head"]["commit"] is None
    assert doc["dossiers"] == 2
    [moved] = doc["placements_changed"]
    assert moved["dossier"] == "evidence/ruritania/2007.yaml"
    assert moved["before"] == {
        "tier": "Tier 2",
        "status": "determined",
        "placement_rule": "placement.tier-2",
    }
    assert moved["after"]["tier"] == "Tier 3"
    assert [(f["subject"], f["before"], f["after"]) for f in moved["flipped"]] == [
        ("prosecution", "met", "not_met"),
        ("placement", "Tier 2", "Tier 3"),
    ]
    assert list(moved["flipped"][0]["changed_rules"]) == ["prosecution.met"]
    assert moved["scenarios_that_would_fail"] == [
        {"file": "features/toy.feature", "line": 6, "name": "Ruritania is on Tier 2"}
    ]
    assert doc["unchanged"] == ["evidence/freedonia/2007.yaml"]


def test_markdown_report(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 10)
    result = run(ws, "impact", "--base", "git:HEAD", "--format", "markdown")
    assert result.exit_code == 1
    assert "### Ruritania 2007 — Tier 2 (determined) → Tier 3 (determined)" in result.stdout
    assert (
        "| `prosecution` | met | not_met | prosecution.met → prosecution.not-met |" in result.stdout
    )
    assert "- `features/toy.feature:6` Ruritania is on Tier 2" in result.stdout


def test_a_larger_change_moves_both_and_finds_scenarios_under_rules_and_outlines(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 20)
    doc = json.loads(run(ws, "impact", "--base", "git:HEAD", "--format", "json").stdout)
    moved = {m["country"]: m for m in doc["placements_changed"]}
    assert set(moved) == {"Freedonia", "Ruritania"}
    assert moved["Freedonia"]["after"]["tier"] == "Tier 3"
    assert [s["name"] for s in moved["Freedonia"]["scenarios_that_would_fail"]] == [
        "Freedonia is on Tier 1",
        "Freedonia keeps its tier in <year>",
    ]


def test_findings_can_change_without_moving_a_placement(ws: Path) -> None:
    set_parameter(ws, "severe_sentence_min_years", 10)
    result = run(ws, "impact", "--base", "git:HEAD")
    assert result.exit_code == 0, result.stdout
    assert "PLACEMENTS THAT CHANGE: 0" in result.stdout
    assert "FINDINGS THAT CHANGE, SAME PLACEMENT: 1" in result.stdout
    assert "Ruritania 2007 (evidence/ruritania/2007.yaml): Tier 2 (determined) → Tier 2" in (
        result.stdout
    )
    assert "sentencing: severe → lenient" in result.stdout
    assert "changed rule sentencing.severe: reads parameter severe_sentence_min_years" in (
        result.stdout
    )


def test_no_change_exits_zero(ws: Path) -> None:
    result = run(ws, "impact", "--base", "git:HEAD")
    assert result.exit_code == 0
    assert "PLACEMENTS THAT CHANGE: 0" in result.stdout
    assert result.stdout.endswith(
        "unchanged: 2 dossier(s)\nrules identical in both rulebooks for report year 2007: "
        "their 2 dossier(s) were assessed once\n"
    )
    doc = json.loads(run(ws, "impact", "--base", "git:HEAD", "--format", "json").stdout)
    assert doc["rules_identical_for_years"] == [2007]


def test_both_sides_from_git_and_named_dossiers(ws: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 20)
    git(ws, "commit", "-qam", "raise incarceration threshold")
    set_parameter(ws, "incarceration_min_years", 1)  # the working tree no longer matters
    result = run(ws, "impact", "--base", "git:HEAD~1", "--head", "git:HEAD", "evidence/freedonia")
    assert result.exit_code == 1
    assert "on 1 dossier(s)" in result.stdout
    assert "Freedonia 2007 (evidence/freedonia/2007.yaml): Tier 1 (determined) → Tier 3" in (
        result.stdout
    )


def test_progress_goes_to_stderr_only_when_asked_or_on_a_terminal(ws: Path) -> None:
    quiet = run(ws, "impact", "--base", "git:HEAD")
    assert quiet.stderr == ""
    loud = run(ws, "impact", "--base", "git:HEAD", "--progress")
    assert loud.stderr == (
        "impact: [1/2] evidence/freedonia/2007.yaml\nimpact: [2/2] evidence/ruritania/2007.yaml\n"
    )
    assert loud.stdout == quiet.stdout


def test_progress_bar_redraws_in_place_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress(stream, BAR, "impact", width=4)
    bar(1, 2, "a.yaml")
    bar(2, 2, "b.yaml")
    bar.finish()
    assert stream.getvalue().split("\r")[1:] == [
        "[....] 1/2 a.yaml",
        "[##..] 2/2 b.yaml",
        " " * len("[##..] 2/2 b.yaml"),
        "",
    ]


def test_a_dossier_that_breaks_under_the_new_rules_is_a_change(ws: Path) -> None:
    edit(
        ws / "rules" / "vocabulary.yaml",
        "        specialized: {type: boolean, required: true}",
        "        specialized: {type: boolean, required: true}\n"
        "        capacity: {type: integer, required: true}",
    )
    result = run(ws, "impact", "--base", "git:HEAD", "evidence/ruritania/2007.yaml")
    assert result.exit_code == 1
    assert "Tier 2 (determined) → not assessable" in result.stdout
    assert "under the head rules: evidence/ruritania/2007.yaml:" in result.stdout
    assert "capacity" in result.stdout


def test_a_new_conclusion_phrase_that_a_quote_contains_breaks_the_dossier_under_the_head(
    ws: Path,
) -> None:
    # Loading reads the rulebook's conclusion phrases (a quote may not state the Department's
    # conclusion): a dossier is loaded once for both sides only when they agree on them too.
    edit(
        ws / "rules" / "rulebook.yaml",
        "    unknown_values: [no_evidence]\n",
        '    unknown_values: [no_evidence]\n  conclusion_phrases: ["general shelters"]\n',
    )
    result = run(ws, "impact", "--base", "git:HEAD", "evidence/ruritania/2007.yaml")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Tier 2 (determined) → not assessable" in result.stdout
    assert "under the head rules: evidence/ruritania/2007.yaml:15:" in result.stdout
    assert "general shelters" in result.stdout


def test_a_dossier_invalid_under_both_is_listed_and_is_an_input_error(ws: Path) -> None:
    edit(ws / "evidence" / "ruritania" / "2007.yaml", "values: {count: 3}", "values: {count: many}")
    result = run(ws, "impact", "--base", "git:HEAD")
    assert result.exit_code == 2, result.stderr  # bad input, though the others were assessed
    assert "NOT ASSESSABLE UNDER EITHER RULEBOOK: 1" in result.stdout
    assert "evidence/ruritania/2007.yaml: evidence/ruritania/2007.yaml:" in result.stdout
    assert "unchanged: 1 dossier(s)" in result.stdout
    assert result.stderr.startswith("error: evidence/ruritania/2007.yaml:")
    assert "'many'" in result.stderr and result.stderr.count("\n") == 1


def test_history_files_are_read_with_their_dossier_not_as_dossiers(ws: Path) -> None:
    result = run(ws, "impact", "--base", "git:HEAD")
    assert "on 2 dossier(s)" in result.stdout and "history.yaml" not in result.stdout
    # The rule reading the history fires under both rulebooks until it changes.
    edit(
        ws / "rules" / "rules.yaml",
        "where: {years_before: 1, placement: Tier 3}",
        "where: {years_before: 1, placement: Tier 2}",
    )
    result = run(ws, "impact", "--base", "git:HEAD")
    assert result.exit_code == 0
    assert "previously_tier_3: yes → no" in result.stdout
    ignored = run(ws, "impact", "--base", "git:HEAD", "--no-history")
    assert "previously_tier_3" not in ignored.stdout
    assert "unchanged: 2 dossier(s)" in ignored.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "git:HEAD", "nowhere.yaml"], "nowhere.yaml: no such dossier file or directory"),
        (["--base", "git:HEAD", "features"], "features: no dossiers (*.yaml) found"),
        (["--base", "git:bogus"], "'bogus' is not a revision"),
    ],
)
def test_bad_input(ws: Path, args: list[str], message: str) -> None:
    result = run(ws, "impact", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_base_is_required(ws: Path) -> None:
    result = run(ws, "impact")
    assert result.exit_code == 2
    assert "Missing option '--base'" in result.stderr


# --------------------------------------------------------------------------- the scenario scan


def test_scan_features_keeps_backgrounds_rules_and_outlines() -> None:
    scenarios = scan_features(FIXTURE / "features", "features")
    assert [(s.file, s.line, s.name) for s in scenarios] == [
        ("features/toy.feature", 6, "Ruritania is on Tier 2"),
        ("features/toy.feature", 10, "Ruritania is not on Tier 1"),
        ("features/toy.feature", 19, "Freedonia is on Tier 1"),
        ("features/toy.feature", 23, "Freedonia keeps its tier in <year>"),
    ]
    assert scenarios[0].expected_tiers() == ["Tier 2"]
    assert scenarios[1].expected_tiers() == []
    assert "Given the evidence dossier for Freedonia 2007" in scenarios[3].text
    assert "| 2007 |" in scenarios[3].text

    hits = scenarios_expecting(scenarios, "ruritania", 2007, "Tier 2")
    assert [s.name for s in hits] == ["Ruritania is on Tier 2"]
    assert scenarios_expecting(scenarios, "Ruritania", 2008, "Tier 2") == []
    assert scan_features(FIXTURE / "no-such-dir") == []


def test_the_years_assessed_once_are_written_as_spans() -> None:
    from engine.audit.impact_render import year_spans

    assert year_spans([2001, 2002, 2003, 2009, 2011, 2012]) == "2001–2003, 2009, 2011–2012"
    assert year_spans([2007]) == "2007"


def test_the_output_may_not_replace_a_scenario_the_scan_read(ws: Path) -> None:
    scenario = sorted((ws / "features").rglob("*.feature"))[0]
    before = scenario.read_bytes()
    target = scenario.relative_to(ws).as_posix()
    result = run(ws, "impact", "--base", "git:HEAD", "-o", target)
    assert result.exit_code == 2, result.stdout
    assert f"{target}: refusing to write the output over an input" in result.stderr
    assert scenario.read_bytes() == before
