"""Steps for the corpus features (features/corpus/*.feature): each case of the calibration
corpus, assessed under the rules for its own report year and compared with its official placement.

Steps speak of what a reviewer checks in the table of `tip-assess validate`: the tier, the
findings, the pivotal findings and the missing evidence.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from engine.assessment import Assessment, assess
from engine.corpus.expected import country_key
from engine.corpus.pivotal import pivotal_findings
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "evidence" / "expected.csv"

scenarios("corpus")


@cache
def rulebook() -> Rulebook:
    """The project's rules, or $TIP_ASSESS_RULES (e.g. to try a proposed calibration)."""
    rules = os.environ.get("TIP_ASSESS_RULES")
    return load_rulebook(Path(rules) if rules else ROOT / "rules", display_root="rules")


def dossier_path(country: str, year: int) -> Path:
    return ROOT / "evidence" / country.lower().replace(" ", "-") / f"{year}.yaml"


def official(country: str, year: int) -> dict[str, str]:
    with EXPECTED.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if country_key(row["country"]) == country_key(country) and int(row["year"]) == year:
                return row
    raise AssertionError(f"no official placement for {country} {year} in {EXPECTED}")


@given(
    parsers.re(r"the evidence dossier for (?P<country>[A-Z][\w ]*?) (?P<year>\d{4})$"),
    target_fixture="case",
)
def given_dossier(country: str, year: str) -> dict[str, Any]:
    loaded = load_dossier(dossier_path(country, int(year)), rulebook())
    return {"dossier": loaded, "country": country, "year": int(year)}


@when("it is assessed under the rules for its own report year")
def when_assessed(case: dict[str, Any]) -> None:
    loaded: LoadedDossier = case["dossier"]
    case["assessment"] = assess(rulebook(), loaded)


def _assessment(case: dict[str, Any]) -> Assessment:
    result: Assessment = case["assessment"]
    return result


@then(parsers.parse('the tier is "{tier}"'))
def then_tier(case: dict[str, Any], tier: str) -> None:
    assert _assessment(case).tier == tier, f"placement is {_assessment(case).tier}"


@then(parsers.parse('the tier is not "{tier}"'))
def then_tier_not(case: dict[str, Any], tier: str) -> None:
    assert _assessment(case).tier != tier


@then("the tier agrees with the official placement")
def then_agrees(case: dict[str, Any]) -> None:
    expected = official(case["country"], case["year"])["tier"]
    assert _assessment(case).tier == expected, f"{_assessment(case).tier} against {expected}"


@then("the official placement is a stated exception")
def then_stated_exception(case: dict[str, Any]) -> None:
    row = official(case["country"], case["year"])
    assert row["tier"] != _assessment(case).tier
    assert (row.get("exception") or "").strip(), "no exception is stated in expected.csv"


@then(parsers.parse('the placement is "{status}"'))
def then_status(case: dict[str, Any], status: str) -> None:
    assert _assessment(case).status == status, f"status is {_assessment(case).status}"


@then("the placement is provisional or undetermined")
def then_not_determined(case: dict[str, Any]) -> None:
    assert _assessment(case).status in ("provisional", "undetermined")


@then(parsers.parse('the finding "{subject}" is "{value}"'))
def then_finding(case: dict[str, Any], subject: str, value: str) -> None:
    found = _assessment(case).finding(subject)
    assert found == value, f"{subject} is {found}"


@then(parsers.parse('the explanation names "{name}" as pivotal'))
def then_pivotal(case: dict[str, Any], name: str) -> None:
    """A pivot names `name` if it is its finding subject or evidence kind, or, for a pivotal
    judgment, the kind of a fact the judgment is based on ("official corruption")."""
    document = _assessment(case).document
    evidence = {e["id"]: e for e in document["evidence"]}
    wanted = name.replace(" ", "_")
    named: set[str] = set()
    for pivot in pivotal_findings(document, rulebook()):
        if pivot.node.startswith("finding:"):
            named.add(pivot.node.removeprefix("finding:"))
            continue
        entry = evidence[pivot.node]
        named.add(entry["kind"])
        named.update(evidence[f"evidence:{ref}"]["kind"] for ref in entry.get("basis", []))
    assert wanted in named, f"{wanted} not among {sorted(named)}"


@then(parsers.parse('the missing evidence includes "{subject}", settled by "{kind}"'))
def then_missing(case: dict[str, Any], subject: str, kind: str) -> None:
    missing = {m["subject"]: m for m in _assessment(case).document["missing_evidence"]}
    assert subject in missing, f"{subject} not among {sorted(missing)}"
    assert kind in missing[subject]["settle_with"], missing[subject]["settle_with"]


@then(parsers.parse('the explanation of why not "{target}" names "{text}"'))
def then_why_not_names(case: dict[str, Any], target: str, text: str) -> None:
    why_not = _assessment(case).document["why_not"]
    assert why_not is not None and why_not["target"] == target, why_not
    assert text in repr(why_not), f"'{text}' not in the why-not analysis"
