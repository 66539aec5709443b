"""`impact` assesses a dossier once when its report year's deciding rules are identical in both
rulebooks; that must never change what it reports.

Each rule change below is applied to a copy of the real rules; the corpus dossiers, restamped to
report years on both sides of the change, are then run through the impact job with the reuse
and without it. Both must give the same outcomes, dossier by dossier, and the reuse must happen
exactly in the years the change leaves alone.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import support

from engine.audit.impact import ImpactJob
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook

sys.path.insert(0, str(support.ROOT / "bench"))
from corpus import restamp

YEARS = [2008, 2009, 2016]
ORIGINALS = ["peru/2007.yaml", "albania/2001.yaml", "colombia/2002.yaml"]

# name: (edits to the rules as (file, old text, new text), years whose rules stay identical)
CHANGES: dict[str, tuple[list[tuple[str, str, str]], set[int]]] = {
    # significant_victims_min, dated 2001-2008: moves Peru in those years only.
    "a threshold of 2001-2008": (
        [("parameters.yaml", "value: 100, source", "value: 500, source")],
        {2009, 2016},
    ),
    # The rulebook's own name, version and description decide nothing.
    "a new version and description": (
        [
            ("rulebook.yaml", 'version: "0.3.1"', 'version: "0.4.0"'),
            (
                "rulebook.yaml",
                "as amended, for report years",
                "as amended (edited), for report years",
            ),
        ],
        set(YEARS),
    ),
    # A setting every year reads: no year is identical.
    "a history setting": (
        [
            (
                "rulebook.yaml",
                'downgrade_values: {placement: "Tier 3"}',
                'downgrade_values: {placement: "Tier 2"}',
            )
        ],
        set(),
    ),
}


@pytest.fixture(scope="module")
def base() -> Rulebook:
    return support.rulebook()


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    dest = tmp_path_factory.mktemp("restamped")
    made: list[Path] = []
    for original in ORIGINALS:
        made += restamp(support.ROOT / "evidence" / original, YEARS, dest)
    return made


def variant(tmp: Path, edits: list[tuple[str, str, str]]) -> Rulebook:
    rules = tmp / "rules"
    shutil.copytree(support.ROOT / "rules", rules)
    for file, old, new in edits:
        path = rules / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is no longer in rules/{file}: update the test's change"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_rulebook(rules, display_root="rules")


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_reusing_identical_years_reports_what_assessing_twice_reports(
    change: str, base: Rulebook, dossiers: list[Path], tmp_path: Path
) -> None:
    edits, identical_years = CHANGES[change]
    head = variant(tmp_path, edits)
    reusing = ImpactJob(base, head)
    twice = ImpactJob(base, head, reuse_identical_years=False)
    moved = set()
    for path in dossiers:
        year = int(path.stem)
        *shown, reused = reusing(str(path))
        *expected, assessed_twice = twice(str(path))
        assert shown == expected, f"{change}: {path}"
        assert not assessed_twice
        assert reused == (year in identical_years), f"{change}: {path}"
        assert (base.decisive_digest(year) == head.decisive_digest(year)) == reused
        before, after = shown[0], shown[1]
        assert before.problems is None and after.problems is None, (path, before, after)
        if before.placement() != after.placement():
            moved.add((path.parent.name, year))
    if change == "a threshold of 2001-2008":
        # The change has teeth: it moves Peru where it is in force, and only there.
        assert moved == {("peru-2007", 2008)}


def test_a_rulebooks_digest_is_the_same_for_years_of_one_era_and_changes_with_the_rules(
    base: Rulebook, tmp_path: Path
) -> None:
    assert base.decisive_digest(2009) == base.decisive_digest(2009)
    assert base.decisive_digest(2005) != base.decisive_digest(2016)  # other rules in force
    edits, _ = CHANGES["a threshold of 2001-2008"]
    head = variant(tmp_path, edits)
    assert [
        head.decisive_digest(y) == base.decisive_digest(y) for y in (2001, 2008, 2009, 2025)
    ] == [
        False,
        False,
        True,
        True,
    ]


def test_an_outcome_read_from_the_inference_is_what_the_document_says(base: Rulebook) -> None:
    """`Outcome.of` reads the findings, their rules and premises from the inference; the
    assessment document's findings must say the same, for every corpus dossier."""
    from engine.assessment import assess_with_history
    from engine.audit.impact import Outcome
    from engine.load.dossier import load_dossier

    paths = sorted(support.EVIDENCE.glob("*/20*.yaml"))
    assert len(paths) >= 15
    for path in paths:
        result = assess_with_history(base, load_dossier(path, base), path, explain=False)
        findings = result.document["findings"]
        outcome = Outcome.of(result)
        assert outcome.findings == {f["subject"]: f["value"] for f in findings}, path
        assert outcome.by_rule == {
            f["subject"]: sorted({j["rule"] for j in f["justifications"]}) for f in findings
        }, path
        assert outcome.premises == {
            f["subject"]: sorted(
                {
                    p.removeprefix("finding:")
                    for j in f["justifications"]
                    for p in j["premises"]
                    if p.startswith("finding:")
                }
            )
            for f in findings
        }, path
