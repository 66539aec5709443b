"""The amendment scenarios (features/amendments/*.feature), run by pytest-bdd.

The step language lives in engine/quality/scenarios.py, shared with `tip-assess coverage`; these step
definitions only hand each step's text to it, so a scenario means the same in both places.
"""

from __future__ import annotations

import pytest
import support
from pytest_bdd import given, parsers, scenarios, then, when

from engine.quality.scenarios import PROFILES_FILE, ScenarioState, load_profiles, run_step

FEATURES = support.ROOT / "features" / "amendments"

scenarios("amendments")


@pytest.fixture
def amendment_case() -> ScenarioState:
    book = support.rulebook()
    return ScenarioState(book, load_profiles(FEATURES / PROFILES_FILE, book))


@given(parsers.re(r"(?P<text>.+)"))
def given_step(amendment_case: ScenarioState, text: str) -> None:
    run_step(amendment_case, "given", text)


@when(parsers.re(r"(?P<text>.+)"))
def when_step(amendment_case: ScenarioState, text: str) -> None:
    run_step(amendment_case, "when", text)


@then(parsers.re(r"(?P<text>.+)"))
def then_step(amendment_case: ScenarioState, text: str) -> None:
    run_step(amendment_case, "then", text)
