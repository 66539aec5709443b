"""Fragility: the single changes that move a placement, in `assess` and in `validate`.

Exact items are asserted on the toy statute (worked out by hand in whatif_support.py); on the real
corpus only relations are asserted (every reported item does what it says), so that the tests
survive changes to the rules and dossiers. The calibration flips table is the exception: the
judgment flips tabulated in docs/calibration.md, reproduced with `whatif`.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest
import support
from audit_support import run
from whatif_support import make_workspace, toy, toy_book, toy_path

from engine.assessment import assess_with_history, history_inputs
from engine.corpus.validation import find_dossiers
from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.reason.cache import compiled_for
from engine.reason.cone import cone_of
from engine.whatif.changes import Change, parse_set
from engine.whatif.sweep import Prober, candidates, compatible, fragility
from engine.whatif.variant import what_if


def _fragility(book: Rulebook, loaded: LoadedDossier, path: Path, **options: object):  # type: ignore[no-untyped-def]
    dossier = loaded.dossier
    extra, sha = history_inputs(book, path, dossier.country, dossier.report_year, None)
    base = assess_with_history(book, loaded, path)
    return base, fragility(book, loaded, base, extra, sha, **options)  # type: ignore[arg-type]


def test_the_toy_dossier_moves_exactly_as_worked_out_by_hand() -> None:
    _, found = _fragility(toy_book(), toy("ruritania"), toy_path("ruritania"))
    assert found.to_dict() == {
        "robust": False,
        "items": [
            {
                "kind": "judgment",
                "id": "j-complicity",
                "change": "j-complicity: extent 'isolated' → 'widespread'",
                "placement": "Tier 3",
                "status": "determined",
            },
            {
                "kind": "judgment",
                "id": "j-victims",
                "change": "j-victims: significant true → false",
                "placement": "Undetermined",
                "status": "undetermined",
            },
            {
                "kind": "judgment",
                "id": "j-victims",
                "change": "judgment j-victims (victims_significant) removed",
                "placement": "Undetermined",
                "status": "undetermined",
            },
            {
                "kind": "reading",
                "id": "general-shelters",
                "change": "general-shelters: the other reading (specialized=true)",
                "placement": "Tier 1",
                "status": "determined",
            },
            {
                "kind": "record",
                "id": "convictions",
                "change": "record convictions (conviction_count) removed",
                "placement": "Tier 3",
                "status": "determined",
            },
            {
                "kind": "record",
                "id": "sentence-5y",
                "change": "record sentence-5y (sentence) removed",
                "placement": "Tier 3",
                "status": "determined",
            },
            {
                "kind": "parameter",
                "id": "incarceration_min_years",
                "change": "parameter incarceration_min_years: 2 → 8 for report year 2007",
                "placement": "Tier 3",
                "status": "determined",
            },
        ],
    }
    # Skipped: the campaign (no rule reads awareness_campaign) and unread_threshold's 2 values.
    assert found.skipped == 3


def test_changes_that_cannot_matter_are_skipped_and_indeed_move_nothing() -> None:
    book = toy_book()
    for country in ("ruritania", "freedonia", "elbonia"):
        loaded = toy(country)
        pruned, skipped = candidates(book, loaded, 2007)
        everything, none_skipped = candidates(book, loaded, 2007, prune=False)
        assert none_skipped == 0 and len(everything) == len(pruned) + skipped
        _, fast = _fragility(book, loaded, toy_path(country))
        _, slow = _fragility(book, loaded, toy_path(country), prune=False)
        assert fast.to_dict() == slow.to_dict(), country


def test_a_robust_placement_and_the_pairs_that_move_it() -> None:
    _, found = _fragility(toy_book(), toy("elbonia"), toy_path("elbonia"), depth=2)
    assert found.to_dict() == {"robust": True, "items": []}
    assert {tuple(c.target for c in pair.changes) for pair in found.pairs} == {
        ("j-victims", "j-victims-flows")
    }
    assert {pair.placement for pair in found.pairs} == {"Undetermined"}
    _, freedonia = _fragility(toy_book(), toy("freedonia"), toy_path("freedonia"), depth=2)
    assert sorted(" + ".join(c.text for c in pair.changes) for pair in freedonia.pairs) == [
        "j-complicity: extent 'none_confirmed' → 'widespread' + "
        "j-complicity: unpunished false → true",
        "record convictions-capital (conviction_count) removed + "
        "record convictions-province (conviction_count) removed",
    ]


def _check_items_move_as_reported(book: Rulebook, loaded: LoadedDossier, path: Path) -> int:
    base, found = _fragility(book, loaded, path)
    prober = Prober(book, loaded, base)
    for item in found.items:
        variant = what_if(book, loaded, path, [item.change])
        assert variant.base.tier == base.tier
        assert variant.variant.tier == item.placement != base.tier, item.change.text
        assert variant.variant.status == item.status, item.change.text
    changes, _ = candidates(book, loaded, base.document["assessed_year"])
    reported = {item.change.text for item in found.items}
    for change in changes:
        if change.text not in reported:
            assert prober.placement([change]) == base.tier, change.text
    return len(found.items)


def test_every_reported_item_moves_the_toy_placement_as_reported() -> None:
    for country in ("ruritania", "freedonia", "kafiristan", "graustark"):
        assert _check_items_move_as_reported(toy_book(), toy(country), toy_path(country)) > 0


def test_every_reported_item_moves_a_corpus_placement_as_reported() -> None:
    book = support.rulebook()
    for path in find_dossiers([support.EVIDENCE]):
        _check_items_move_as_reported(book, load_dossier(path, book), path)


# --------------------------------------------------------------------------- the calibration table

# The judgment flips of docs/calibration.md (the sensitivity section): one judgment recorded the
# other way, and the placement it gives; and flips that must NOT move a placement (same tier).
CALIBRATION_FLIPS = [
    ("Albania", 2001, "j-complicity-extent.extent=widespread", "Tier 2"),
    ("Albania", 2001, "j-complicity-extent.response=punished", "Tier 2"),
    ("Albania", 2001, "j-victims-significant.significant=false", "Not ranked"),
    ("Angola", 2001, "j-prosecution-capability.prosecution_within_capability=true", "Tier 3"),
    ("Angola", 2001, "j-victims-significant.significant=false", "Not ranked"),
    ("Belarus", 2002, "j-complicity-extent.extent=widespread", "Tier 3"),
    ("Belarus", 2002, "j-victims-significant.significant=false", "Not ranked"),
    ("Canada", 2002, "j-victims-significant.significant=false", "Not ranked"),
    ("Greece", 2001, "j-complicity-extent.extent=none_confirmed", "Tier 2"),
    ("Greece", 2001, "j-complicity-extent.extent=isolated", "Tier 3"),
    ("Honduras", 2002, "j-complicity-extent.extent=widespread", "Tier 3"),
    ("Honduras", 2002, "j-complicity-extent.extent=none_confirmed", "Tier 2"),
    ("Lithuania", 2001, "j-complicity-extent.extent=widespread", "Tier 2"),
    ("Romania", 2001, "j-complicity-extent.extent=none_confirmed", "Tier 2"),
    ("Romania", 2001, "j-complicity-extent.response=punished", "Tier 2"),
    ("Romania", 2001, "j-complicity-extent.extent=widespread", "Tier 3"),
]


@pytest.mark.parametrize(("country", "year", "change", "placement"), CALIBRATION_FLIPS)
def test_whatif_reproduces_the_calibration_flips(
    country: str, year: int, change: str, placement: str
) -> None:
    book = support.rulebook()
    path = support.dossier_path(country, year)
    loaded = load_dossier(path, book)
    result = what_if(book, loaded, path, [parse_set(book, loaded, change)])
    assert result.variant.tier == placement, f"{country} {year} with {change}"


def test_no_judgment_flip_moves_peru_2007() -> None:
    book = support.rulebook()
    path = support.dossier_path("Peru", 2007)
    _, found = _fragility(book, load_dossier(path, book), path)
    assert [item.change.text for item in found.items if item.change.kind == "judgment"] == []


def test_the_whatif_command_reproduces_a_calibration_flip() -> None:
    result = support.run_cli(
        "whatif", "evidence/albania/2001.yaml", "--set", "j-complicity-extent.extent=widespread"
    )
    assert result.returncode == 0, result.stderr
    assert "Placement: Tier 3 (determined) → Tier 2 (determined) [moved]" in result.stdout


# --------------------------------------------------------------------------- assess and validate


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def test_assess_shows_the_fragility_and_can_skip_it(ws: Path) -> None:
    args = ("assess", "evidence/ruritania/2007.yaml", "--rules", "rules")
    doc = json.loads(run(ws, *args, "--format", "json").stdout)
    assert set(doc["fragility"]) == {"robust", "items"}
    assert doc["fragility"]["robust"] is False
    assert all(
        set(item) == {"kind", "id", "change", "placement", "status"}
        for item in doc["fragility"]["items"]
    )
    skipped = json.loads(run(ws, *args, "--format", "json", "--no-fragility").stdout)
    assert "fragility" not in skipped
    assert {k: v for k, v in doc.items() if k != "fragility"} == skipped
    text = run(ws, *args).stdout
    assert "\nFragility: 7 single changes would move the placement\n" in text
    assert "  - record sentence-5y (sentence) removed → Tier 3 (determined)\n" in text
    robust = run(ws, "assess", "evidence/elbonia/2007.yaml", "--rules", "rules").stdout
    assert "\nFragility: robust\n  No single change of a judgment, record" in robust
    markdown = run(ws, *args, "--format", "markdown").stdout
    assert "## Fragility" in markdown


def test_validate_lists_deciding_records_and_judgments_in_the_pivotal_column(ws: Path) -> None:
    args = ("validate", "evidence", "--expected", "expected.csv", "--rules", "rules")
    result = run(ws, *args)
    assert result.exit_code == 1  # Graustark's official Tier 3 disagrees
    lines = result.stdout.splitlines()
    row = next(n for n, line in enumerate(lines) if line.startswith("evidence/ruritania"))
    ruritania = lines[row + 1]
    # A record that decides by supporting a rule, and a judgment that decides by blocking one.
    assert "decides: record sentence-5y (sentence) removed → Tier 3" in ruritania
    assert "decides: j-complicity: extent 'isolated' → 'widespread' → Tier 3" in ruritania
    doc = json.loads(run(ws, *args, "--format", "json").stdout)
    row = next(r for r in doc["rows"] if r["country"] == "Ruritania")
    assert len(row["fragility"]["items"]) == 7
    quick = run(ws, *args, "--no-fragility").stdout
    assert "decides:" not in quick


# --------------------------------------------------------------------------- cones


def test_a_change_run_through_its_cone_draws_what_the_whole_ruleset_draws() -> None:
    """Every single change of every corpus dossier (and every pair on the toy statute), run
    through the cone of the kinds it touches with the other conclusions given, against the same
    change run through the whole ruleset: the same conclusions, values and conflicts."""
    cases = [(support.rulebook(), path, 1) for path in find_dossiers([support.EVIDENCE])]
    cases += [(toy_book(), toy_path(c), 2) for c in ("ruritania", "freedonia", "elbonia")]
    coned = 0
    for book, path, depth in cases:
        loaded = load_dossier(path, book)
        base = assess_with_history(book, loaded, path)
        fast, whole = Prober(book, loaded, base), Prober(book, loaded, base, use_cones=False)
        changes, _ = candidates(book, loaded, base.document["assessed_year"])
        tries: list[list[Change]] = [[change] for change in changes]
        if depth == 2:
            tries += [list(pair) for pair in combinations(changes, 2) if compatible(*pair)]
        for tried in tries:
            (_, through_cone), (_, through_all) = fast.run(tried), whole.run(tried)
            assert {s: d.value for s, d in through_cone.conclusions.items()} == {
                s: d.value for s, d in through_all.conclusions.items()
            }, (path, [c.text for c in tried])
            assert [(c.subject, c.values) for c in through_cone.conflicts] == [
                (c.subject, c.values) for c in through_all.conflicts
            ]
            assert fast.outcome(tried) == whole.outcome(tried)
            # A run through a cone gives the conclusions outside it, and derives fewer.
            coned += through_cone.firings < through_all.firings
    assert coned > 300, coned


def test_a_cone_holds_every_producer_of_what_it_concludes() -> None:
    book = support.rulebook()
    compiled = compiled_for(book, 2007)
    cone = cone_of(compiled, frozenset({"official_complicity"}))
    assert "criterion_7" in cone.subjects and book.info.outcome.conclusion in cone.subjects
    kept = {rule.rule.id for rule in cone.compiled.engine_rules.values()}
    for engine_rule in compiled.engine_rules.values():
        if engine_rule.role is None and engine_rule.rule.then.conclude in cone.subjects:
            assert engine_rule.rule.id in kept
    # Evidence no rule in the cone reads is not even asserted.
    assert "e.victim_hotline" not in cone.compiled.consumed_types
    assert len(cone.compiled.engine_rules) < len(compiled.engine_rules)


def test_rulesets_alike_but_for_what_a_rule_concludes_get_cones_of_their_own() -> None:
    """A compiled ruleset's digest covers its patterns, not its conclusions: two rulebooks that
    differ only in what a rule concludes must not share a cone."""
    import dataclasses

    book = toy_book()
    rule = next(r for r in book.rules if r.then.conclude == "complicity")
    other_value = "not_serious" if rule.then.value == "serious" else "serious"
    changed = rule.model_copy(update={"then": rule.then.model_copy(update={"value": other_value})})
    variant = dataclasses.replace(
        book,
        rules=[changed if r is rule else r for r in book.rules],
        sha256=book.sha256 + "-variant",
    )
    first, second = compiled_for(book, 2007), compiled_for(variant, 2007)
    assert first.sha256 == second.sha256  # the patterns are the same
    kinds = frozenset({"complicity_extent"})
    for compiled in (first, second):
        cone = cone_of(compiled, kinds)
        for name, engine_rule in cone.compiled.engine_rules.items():
            assert engine_rule is compiled.engine_rules[name]


def test_a_change_whose_cone_holds_no_placement_leaves_the_placement_as_it_was() -> None:
    """The sweep skips a change whose cone does not reach the placement; run anyway (on the
    whole ruleset), each leaves it as it was."""
    skipped = 0
    cases = [(support.rulebook(), path) for path in find_dossiers([support.EVIDENCE])]
    cases += [(toy_book(), toy_path(c)) for c in ("ruritania", "freedonia", "kafiristan")]
    for book, path in cases:
        loaded = load_dossier(path, book)
        base = assess_with_history(book, loaded, path)
        prober = Prober(book, loaded, base)
        whole = Prober(book, loaded, base, use_cones=False)
        changes, _ = candidates(book, loaded, base.document["assessed_year"])
        for change in changes:
            if prober.cannot_move([change]):
                skipped += 1
                assert whole.placement([change]) == base.tier, (path, change.text)
    assert skipped >= 5, skipped
