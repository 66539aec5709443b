"""`tip-assess consistency`: like findings with unlike placements, and like placements with
far-apart findings, on the toy statute (see whatif_support.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import support
from audit_support import run
from whatif_support import make_workspace, toy_book

from engine import __version__
from engine.whatif.consistency import Case, compared_subjects, distance, downstream_of


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def check(ws: Path, *args: str) -> tuple[int, str, str]:
    result = run(ws, "consistency", "evidence", "--rules", "rules", *args)
    return result.exit_code, result.stdout, result.stderr


def test_compared_findings_leave_out_the_placement_and_what_follows_from_it() -> None:
    book = toy_book()
    assert downstream_of(book, "placement") == {"noted_tier_3"}
    assert compared_subjects(book) == ["applicability", "prosecution", "protection", "complicity"]
    real = support.rulebook()
    outcome = real.info.outcome.conclusion
    assert outcome not in compared_subjects(real)
    assert not set(compared_subjects(real)) & downstream_of(real, outcome)


def test_equivalent_findings_with_different_official_placements(ws: Path) -> None:
    code, out, err = check(ws, "--expected", "expected.csv", "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    # An auditor compares reports across versions: both are named.
    assert doc["engine_version"] == __version__ and doc["rulebook"].startswith("toy")
    assert len(doc["rules_sha256"]) == 64
    assert doc["equivalent_groups"] == [
        ["evidence/graustark/2007.yaml", "evidence/ruritania/2007.yaml"]
    ]
    [group] = doc["like_findings_unlike_placements"]
    assert group["official_placements_differ"] is True
    assert group["engine_placements_differ"] is False
    assert group["findings"] == {
        "applicability": "applies",
        "prosecution": "met",
        "protection": "not_met",
        "complicity": "not_serious",
    }
    assert [(d["country"], d["official"], d["engine"]) for d in group["dossiers"]] == [
        ("Graustark", "Tier 3", "Tier 2"),
        ("Ruritania", "Tier 2", "Tier 2"),
    ]
    # The two narratives record the same facts: nothing in the evidence tells them apart.
    assert all(d["differing_facts"] == [] for d in group["dossiers"])
    _, text, _ = check(ws, "--expected", "expected.csv")
    assert "Like findings, unlike placements: 1 group(s) (of 1 group(s)" in text
    assert "Graustark 2007: engine Tier 2 (determined), official Tier 3" in text


def test_without_official_placements_equal_findings_give_equal_engine_placements(ws: Path) -> None:
    code, out, _ = check(ws)
    assert code == 0
    assert "Like findings, unlike placements: 0 group(s)" in out


def test_differing_facts_are_listed(ws: Path) -> None:
    path = ws / "evidence" / "graustark" / "2007.yaml"
    path.write_text(path.read_text().replace("values: {count: 3}", "values: {count: 7}"))
    _, out, _ = check(ws, "--expected", "expected.csv", "--format", "json")
    [group] = json.loads(out)["like_findings_unlike_placements"]
    facts = {d["country"]: d["differing_facts"] for d in group["dossiers"]}
    assert facts == {
        "Graustark": ["conviction_count(count=7)"],
        "Ruritania": ["conviction_count(count=3)"],
    }


def test_same_placement_far_apart_findings(ws: Path) -> None:
    code, out, _ = check(ws, "--format", "json")
    assert code == 0
    far = json.loads(out)["like_placements_unlike_findings"]
    pair = next(
        p for p in far if {d["country"] for d in p["dossiers"]} == {"Elbonia", "Kafiristan"}
    )
    assert pair["placement"] == "Tier 3" and pair["same"] == ["engine"]
    assert pair["distance"] == 0.75
    assert [f["subject"] for f in pair["differing_findings"]] == [
        "prosecution",
        "protection",
        "complicity",
    ]
    _, out, _ = check(ws, "--format", "json", "--far", "0.8")
    assert json.loads(out)["like_placements_unlike_findings"] == []
    _, markdown, _ = check(ws, "--format", "markdown")
    assert markdown.startswith("# Consistency: like findings, like placements?")
    assert "- Elbonia and Kafiristan 2007: both Tier 3 (engine), distance 0.75" in markdown


def test_chosen_findings(ws: Path) -> None:
    code, out, _ = check(ws, "--findings", "applicability", "--format", "json")
    assert code == 1  # every toy dossier applies, and their placements differ
    doc = json.loads(out)
    assert doc["compared_findings"] == ["applicability"]
    assert len(doc["equivalent_groups"]) == 1 and len(doc["equivalent_groups"][0]) == 5
    code, _, err = check(ws, "--findings", "applicability,nosuch")
    assert code == 2 and "error: --findings: not conclusions of the rulebook: nosuch" in err


def test_distance_is_the_share_of_findings_that_differ() -> None:
    def case(**findings: str | None) -> Case:
        return Case("p", "X", 2007, None, "determined", None, dict(findings), set())

    a = case(one="met", two="met", three=None, four=None)
    b = case(one="met", two="not_met", three="met", four=None)
    assert distance(a, b) == (2 / 3, ["two", "three"])
    assert distance(a, a) == (0.0, [])
    assert distance(case(one=None), case(one=None)) == (0.0, [])
