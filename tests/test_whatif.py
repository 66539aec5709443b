"""`tip-assess whatif`: variants of a dossier, never written, with the findings that flipped.

Behaviour is asserted on the toy statute (tests/fixtures/whatif, see whatif_support.py); the
relation "no change, same assessment" is also asserted on every dossier of the real corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import support
from audit_support import run
from whatif_support import make_workspace, snapshot, toy, toy_book, toy_path

from engine.assessment import assess, assess_with_history
from engine.corpus.validation import find_dossiers
from engine.errors import InputError
from engine.load.dossier import load_dossier
from engine.reason.cache import compiled_for
from engine.whatif.changes import parse_param, parse_reading, parse_set, parse_without
from engine.whatif.params import parameters_referenced, values_to_try, with_parameter
from engine.whatif.variant import what_if


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def whatif(ws: Path, *args: str) -> tuple[int, str, str]:
    result = run(ws, "whatif", "evidence/ruritania/2007.yaml", "--rules", "rules", *args)
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- relations


def test_no_change_gives_the_same_assessment_on_the_toy_dossiers() -> None:
    for country in ("ruritania", "freedonia", "kafiristan"):
        loaded = toy(country)
        result = what_if(toy_book(), loaded, toy_path(country), [])
        assert not result.moved and result.flips == []
        assert result.variant.document == result.base.document


def test_no_change_gives_the_same_placement_on_every_corpus_dossier() -> None:
    book = support.rulebook()
    for path in find_dossiers([support.EVIDENCE]):
        loaded = load_dossier(path, book)
        result = what_if(book, loaded, path, [])
        assert result.variant.tier == result.base.tier, path
        assert result.variant.status == result.base.status, path
        assert result.flips == [], path


# --------------------------------------------------------------------------- the command


def test_setting_a_judgment_moves_the_placement_and_says_why(ws: Path) -> None:
    before = snapshot(ws)
    code, out, err = whatif(ws, "--set", "j-complicity.extent=widespread")
    assert code == 0, err
    assert "What if: Ruritania, report year 2007" in out
    assert "[judgment] j-complicity: extent 'isolated' → 'widespread'" in out
    assert "Placement: Tier 2 (determined) → Tier 3 (determined) [moved]" in out
    # Findings flip in the rulebook's own words (titles and value labels), not codes.
    assert "Official complicity rules out significant efforts: not serious → serious" in out
    assert "concluded by: complicity.not-serious → complicity.serious" in out
    assert "changed evidence beneath it: j-complicity" in out
    assert "Tier placement: Tier 2 → Tier 3" in out
    assert "follows from: Official complicity rules out significant efforts" in out
    # The variant is reported as `assess` reports it.
    assert "THE VARIANT'S ASSESSMENT" in out
    assert "Ruritania, report year 2007: Tier 3 (determined)" in out
    assert "Why not Tier 2" in out
    assert snapshot(ws) == before, "whatif wrote to the workspace"


def test_removing_a_record_and_taking_a_reading(ws: Path) -> None:
    code, out, _ = whatif(ws, "--without", "sentence-5y")
    assert code == 0 and "Tier 2 (determined) → Tier 3 (determined) [moved]" in out
    assert "[record] record sentence-5y (sentence) removed" in out
    code, out, _ = whatif(ws, "--reading", "general-shelters")
    assert code == 0 and "Tier 2 (determined) → Tier 1 (determined) [moved]" in out
    assert "general-shelters: the other reading (specialized=true)" in out


def test_a_change_that_moves_nothing_says_unchanged(ws: Path) -> None:
    code, out, _ = whatif(ws, "--without", "campaign")
    assert code == 0
    assert "Placement: Tier 2 (determined) → Tier 2 (determined) [unchanged]" in out
    assert "FINDINGS THAT FLIPPED: 0" in out


def test_an_undetermined_variant_exits_1(ws: Path) -> None:
    code, out, _ = whatif(ws, "--set", "j-victims.significant=false")
    assert code == 1
    assert "→ Undetermined (undetermined) [moved]" in out


def test_a_parameter_override_and_its_own_rulebook_digest(ws: Path) -> None:
    code, out, _ = whatif(ws, "--param", "incarceration_min_years=8", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["changes"] == [
        {
            "kind": "parameter",
            "id": "incarceration_min_years",
            "change": "parameter incarceration_min_years: 2 → 8 for report year 2007",
        }
    ]
    assert doc["before"]["tier"] == "Tier 2" and doc["after"]["tier"] == "Tier 3"
    assert doc["before"]["rules_sha256"] != doc["after"]["rules_sha256"]
    assert doc["before"]["compiled_ruleset"] != doc["after"]["compiled_ruleset"]
    flip = next(f for f in doc["flipped"] if f["subject"] == "prosecution")
    assert flip["changed_parameters"] == ["incarceration_min_years"]
    assert doc["assessment"]["parameters"]["incarceration_min_years"] == 8


def test_an_override_never_mixes_with_the_base_in_the_compiled_cache() -> None:
    book, loaded = toy_book(), toy("ruritania")
    base = compiled_for(book, 2007)
    changed = with_parameter(book, "incarceration_min_years", 8, 2007)
    assert changed.sha256 != book.sha256
    assert compiled_for(changed, 2007).sha256 != base.sha256
    assert assess(changed, loaded).tier == "Tier 3"
    assert assess(book, loaded).tier == "Tier 2"
    assert compiled_for(book, 2007) is base
    assert book.parameters["incarceration_min_years"].value_for(2007) == 2


def test_another_year_uses_that_years_rules(ws: Path) -> None:
    code, out, _ = whatif(ws, "--year", "2003", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["changes"][-1] == {
        "kind": "year",
        "id": "2003",
        "change": "assessed under the rules for report year 2003",
    }
    assert doc["after"]["assessed_year"] == 2003
    assert doc["assessment"]["parameters"]["incarceration_min_years"] == 1


def test_records_added_from_a_file(ws: Path) -> None:
    extra = ws / "extra.yaml"
    extra.write_text(
        "records:\n"
        "  - id: trained-staff\n"
        "    kind: victim_shelter\n"
        "    quote: staff trained on trafficking\n"
        "    values: {specialized: true}\n"
    )
    before = snapshot(ws)
    code, out, err = whatif(ws, "--with", "extra.yaml")
    assert code == 0, err
    assert "[record] added from extra.yaml: trained-staff" in out
    assert "Tier 2 (determined) → Tier 1 (determined) [moved]" in out
    assert "changed evidence beneath it: trained-staff" in out
    assert snapshot(ws) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "records:\n  - id: x\n    kind: victim_shelter\n    quote: not in the narrative\n"
            "    values: {specialized: true}\n",
            "extra.yaml:4: field 'records[0].quote': quote does not occur in the source text",
        ),
        (
            "records:\n  - id: convictions\n    kind: sentence\n    quote: One trafficker\n"
            "    values: {prison_years: 1}\n",
            "extra.yaml:2: field 'records[0].id': record id 'convictions' is already in the dossier",
        ),
        (
            "records:\n  - id: y\n    kind: shelter\n    quote: One trafficker\n",
            "extra.yaml:3: field 'records[0].kind': unknown evidence kind 'shelter'",
        ),
        (
            "records:\n  - id: y\n    kind: victim_shelter\n    quote: One trafficker\n"
            "    values: {specialized: maybe}\n",
            "extra.yaml:5: field 'records[0].values.specialized': expected true or false",
        ),
        (
            "records:\n  - id: y\n    kind: victims_significant\n    quote: One trafficker\n"
            "    values: {significant: true}\n",
            "extra.yaml:3: field 'records[0].kind': 'victims_significant' belongs under 'judgments'",
        ),
        ("shelters: []\n", "extra.yaml:1: expected a mapping with 'records:'"),
    ],
)
def test_bad_added_records_are_located(ws: Path, content: str, message: str) -> None:
    (ws / "extra.yaml").write_text(content)
    code, out, err = whatif(ws, "--with", "extra.yaml")
    assert code == 2 and out == ""
    assert f"error: {message}" in err, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--set", "j-complicity.extent=everywhere"],
            "error: evidence/ruritania/2007.yaml:32: field 'judgments[1].values.extent': "
            "--set j-complicity.extent=everywhere: expected one of none_confirmed, isolated, "
            "widespread, got 'everywhere'",
        ),
        (
            ["--set", "sentence-5y.prison_years=five"],
            "error: evidence/ruritania/2007.yaml:12: field 'records[1].values.prison_years': "
            "--set sentence-5y.prison_years=five: expected a number, got 'five'",
        ),
        (
            ["--set", "j-victims.significant=null"],
            "field 'judgments[0].values.significant': --set j-victims.significant=null: "
            "required field is missing",
        ),
        (
            ["--set", "sentence-5y.years=3"],
            "--set sentence-5y.years=3: field not declared for kind 'sentence' (declared: "
            "prison_years)",
        ),
        (["--set", "nosuch.count=3"], "--set nosuch.count=3: no record or judgment 'nosuch'"),
        (["--set", "convictions"], "error: --set: 'convictions': expected ID.FIELD=VALUE\n"),
        (
            ["--without", "nosuch"],
            "--without nosuch: no record or judgment 'nosuch' in the dossier",
        ),
        (
            ["--reading", "convictions"],
            "--reading convictions: the record has no contested reading",
        ),
        (
            ["--param", "incarceration_min_years=long"],
            "error: rules/parameters.yaml:2: field 'parameters.incarceration_min_years': "
            "--param incarceration_min_years=long: value 'long' is not of the parameter's "
            "declared type number",
        ),
        (["--param", "nosuch=1"], "--param nosuch=1: no parameter 'nosuch' in the rulebook"),
        (
            ["--set", "j-complicity.extent=widespread", "--without", "j-complicity"],
            "change the same thing; give one",
        ),
    ],
)
def test_bad_changes_exit_2_with_a_located_message(ws: Path, args: list[str], message: str) -> None:
    before = snapshot(ws)
    code, out, err = whatif(ws, *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert message in err, err
    assert "Traceback" not in err
    assert snapshot(ws) == before


def test_formats_say_the_same_thing(ws: Path) -> None:
    outputs = {}
    for fmt in ("text", "markdown", "html", "json"):
        code, out, _ = whatif(ws, "--set", "j-complicity.extent=widespread", "--format", fmt)
        assert code == 0
        outputs[fmt] = out
    assert "Tier 2 (determined) → Tier 3 (determined) [moved]" in outputs["markdown"]
    # The variant's report nests under its section: one title, no second top-level heading.
    headings = [line for line in outputs["markdown"].splitlines() if line.startswith("#")]
    assert [h for h in headings if h.startswith("# ")] == ["# What if: Ruritania, report year 2007"]
    assert "## The variant's assessment" in headings
    # The list of changes ends before the placement line (else it would join the last item).
    assert "'widespread'\n\n**Placement: Tier 2 (determined)" in outputs["markdown"]
    assert "### Ruritania, report year 2007: Tier 3 (determined)" in headings
    assert "Tier 2 (determined) → Tier 3 (determined) [moved]" in outputs["html"]
    assert outputs["html"].startswith("<!DOCTYPE html>")
    # In HTML the variant is the assess report, led by the what-if section.
    assert '<section id="what-if" class="card"><h1>What if: Ruritania' in outputs["html"]
    assert 'id="summary"' in outputs["html"] and "<title>tip-assess what-if:" in outputs["html"]
    doc = json.loads(outputs["json"])
    assert doc["schema"] == "tip-assess/whatif/1" and doc["moved"] is True
    assert [f["subject"] for f in doc["flipped"]] == ["complicity", "placement", "noted_tier_3"]
    second = whatif(ws, "--set", "j-complicity.extent=widespread", "--format", "json")[1]
    assert second == outputs["json"], "the same what-if must give byte-identical output"


# --------------------------------------------------------------------------- the two paths agree


def test_applying_a_change_to_the_facts_or_to_the_dossier_gives_the_same_placement() -> None:
    """The fast path (edit the input facts) and the full path (edit the dossier) must agree."""
    book, loaded = toy_book(), toy("ruritania")
    base = assess_with_history(book, loaded, toy_path("ruritania"))
    changes = [
        parse_set(book, loaded, "j-complicity.extent=widespread"),
        parse_set(book, loaded, "general-shelters.operator=null"),
        parse_without(loaded, "convictions"),
        parse_reading(book, loaded, "general-shelters"),
        parse_param(book, "incarceration_min_years=8", 2007),
    ]
    from engine.whatif.sweep import Prober

    prober = Prober(book, loaded, base)
    for change in changes:
        assert prober.placement([change]) == prober.full([change]).tier, change.text


def test_parameters_read_and_values_tried() -> None:
    book = toy_book()
    assert parameters_referenced(book, 2007) == {"incarceration_min_years"}
    assert values_to_try(book, "incarceration_min_years", 2007) == [1, 4, 8]
    assert values_to_try(book, "incarceration_min_years", 2003) == [2, 4, 8]


def test_a_reading_on_a_judgment_is_accepted_by_the_model() -> None:
    from engine.models import JudgmentRecord

    judgment = JudgmentRecord.model_validate(
        {
            "id": "j",
            "kind": "complicity_extent",
            "values": {"extent": "widespread", "unpunished": True},
            "rationale": "r",
            "reading": {"rationale": "another reading", "alternative": {"extent": "isolated"}},
        }
    )
    assert judgment.reading is not None and judgment.reading.alternative == {"extent": "isolated"}
    with pytest.raises(ValueError, match="alternative"):
        JudgmentRecord.model_validate(
            {"id": "j", "kind": "k", "rationale": "r", "reading": {"rationale": "x"}}
        )


def test_a_bad_parameter_range_is_refused_at_load(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = ws / "rules" / "parameters.yaml"
    path.write_text(path.read_text().replace("range: [1, 4, 8]", "range: [1, long, 8]"))
    from engine.load.rules import load_rulebook

    with pytest.raises(InputError) as caught:
        load_rulebook(ws / "rules", display_root="rules")
    rendered = caught.value.render()
    assert "rules/parameters.yaml:2" in rendered and "range" in rendered, rendered


def test_a_bad_reading_alternative_is_an_input_error_for_whatif_and_assess(ws: Path) -> None:
    """Checked where the alternative is tried (and, once the loader checks readings, at load):
    either way exit 2, naming the reading's line and field, before anything is assessed."""
    path = ws / "evidence" / "ruritania" / "2007.yaml"
    path.write_text(
        path.read_text().replace(
            "alternative: {specialized: true}", "alternative: {specialized: often}"
        )
    )
    located = "evidence/ruritania/2007.yaml:19: field 'records[2].reading.alternative.specialized'"
    code, out, err = whatif(ws, "--reading", "general-shelters")
    assert code == 2 and out == ""
    assert f"error: {located}" in err and "expected true or false, got 'often'" in err, err
    result = run(ws, "assess", "evidence/ruritania/2007.yaml", "--rules", "rules")
    assert result.exit_code == 2 and result.stdout == ""
    assert f"error: {located}" in result.stderr, result.stderr


def test_a_value_set_to_what_it_already_is_is_said_to_change_nothing(ws: Path) -> None:
    code, out, err = whatif(ws, "--set", "convictions.count=3")
    assert code == 0, err
    assert "  - [record] convictions: count is already 3 (no change)" in out.splitlines()
    placement = next(line for line in out.splitlines() if line.startswith("Placement: "))
    assert placement.endswith("[unchanged]"), placement
    code, out, _ = whatif(ws, "--set", "convictions.count=4")
    assert "  - [record] convictions: count 3 → 4" in out.splitlines()
