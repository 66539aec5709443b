"""Shared fixtures and the Gherkin steps every feature may use.

Steps are phrased for policy staff: a dossier is named by country and year, and outcomes are
stated as the tier and as findings with their values.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support

from engine import collector
from engine.assessment import Assessment, assess
from engine.errors import InputError
from engine.load.dossier import LoadedDossier

# Every command the tests run, in this process or in a subprocess, and every pytest-xdist worker
# (they inherit the environment) share one rulebook cache, private to this run: the real rules
# are parsed once, and the user's own cache is never touched.
if not os.environ.get("TIP_ASSESS_TEST_RUN_CACHE"):
    _cache = tempfile.mkdtemp(prefix="tip-assess-test-cache-")
    os.environ["TIP_ASSESS_CACHE"] = os.environ["TIP_ASSESS_TEST_RUN_CACHE"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
    # Parsed here once, before any pytest-xdist worker starts; if the rules are broken, the
    # tests that load them report it.
    with contextlib.suppress(InputError):
        support.rulebook()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector policy the command line runs under (`engine.collector`), for the test
    processes: what collection built (modules, the rulebook, every test item) is frozen, and
    young objects are collected in larger steps. With the interpreter's defaults each full pass
    walked all of it again, about a tenth of the suite's CPU time. Cycles are still collected;
    a test that changes this process's collector restores it (`test_collector.restored`)."""
    gc.freeze()
    gc.set_threshold(collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After the last hook, no collection: the interpreter's exit then frees what the run
    built by reference counts alone, instead of walking it pass after pass (about a second per
    pytest-xdist worker, which the whole run waits for)."""
    gc.disable()
    gc.freeze()


@pytest.fixture
def case() -> dict[str, Any]:
    """Mutable scenario state: the dossier under test and its assessment."""
    return {}


@given(parsers.re(r"the evidence dossier for (?P<country>[A-Z][\w ]*?) (?P<year>\d{4})$"))
def given_dossier(case: dict[str, Any], country: str, year: str) -> None:
    case["dossier"] = support.dossier(country, int(year))


@given(parsers.parse('the dossier without its records of kind "{kind}"'))
def given_without_kind(case: dict[str, Any], kind: str) -> None:
    case["dossier"] = support.without_kind(case["dossier"], kind)


@given("the penalties in the dossier are fines only")
def given_fines_only(case: dict[str, Any]) -> None:
    case["dossier"] = support.fines_only(case["dossier"])


@given("the dossier shows no increase in efforts over the previous year")
def given_no_increase(case: dict[str, Any]) -> None:
    case["dossier"] = support.no_increase(case["dossier"])


@given("credible reports that officials are complicit, and none is prosecuted")
def given_unpunished_complicity(case: dict[str, Any]) -> None:
    case["dossier"] = support.unpunished_complicity(case["dossier"])


@when(parsers.parse("it is assessed under the rules for report year {year:d}"))
def when_assessed(case: dict[str, Any], year: int) -> None:
    loaded: LoadedDossier = case["dossier"]
    case["assessment"] = assess(support.rulebook(), loaded, year)


@when("it is assessed under the rules for its own report year")
def when_assessed_own_year(case: dict[str, Any]) -> None:
    case["assessment"] = assess(support.rulebook(), case["dossier"])


@then(parsers.parse('the tier is "{tier}"'))
def then_tier(case: dict[str, Any], tier: str) -> None:
    result: Assessment = case["assessment"]
    assert result.tier == tier, f"placement is {result.tier}, expected {tier}"


@then(parsers.parse('the tier is not "{tier}"'))
def then_tier_not(case: dict[str, Any], tier: str) -> None:
    assert case["assessment"].tier != tier


@then(parsers.parse('the finding "{subject}" is "{value}"'))
def then_finding(case: dict[str, Any], subject: str, value: str) -> None:
    result: Assessment = case["assessment"]
    assert result.finding(subject) == value, f"{subject} is {result.finding(subject)}"


@then(parsers.parse('standard {number:d} is met on the strength of "{name}"'))
def then_standard_met_by(case: dict[str, Any], number: int, name: str) -> None:
    result: Assessment = case["assessment"]
    subject = f"standard_{number}"
    assert result.finding(subject) == "met"
    doc = result.document
    finding = next(f for f in doc["findings"] if f["subject"] == subject)
    evidence = {e["id"]: e for e in doc["evidence"]}
    cited = [evidence[p] for j in finding["justifications"] for p in j["premises"] if p in evidence]
    assert any(
        name in str(e["values"].get("name", "")) or name in (e["quote"] or "") for e in cited
    ), cited


@then(parsers.parse('the explanation of why not "{target}" names "{text}"'))
def then_why_not_names(case: dict[str, Any], target: str, text: str) -> None:
    why_not = case["assessment"].document["why_not"]
    assert why_not is not None and why_not["target"] == target, why_not
    assert text in repr(why_not), f"'{text}' not in the why-not analysis"


@then(parsers.parse('the placement is "{status}"'))
def then_status(case: dict[str, Any], status: str) -> None:
    assert case["assessment"].status == status
