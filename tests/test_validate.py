"""`tip-assess validate`: the agreement table, its exit codes, its formats and its bad input.

Each test builds a small workspace (the real rules, the Peru 2007 dossier and its source) so that
agreement and disagreement are set by the expected-placements file, never by editing rules.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import support

from engine.assessment import assess
from engine.corpus.expected import country_key, load_expected
from engine.corpus.pivotal import pivotal_findings
from engine.errors import InputError

HEADER = "country,year,tier,source,exception\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "evidence" / "peru").mkdir(parents=True)
    shutil.copytree(support.EVIDENCE / "sources", tmp_path / "evidence" / "sources")
    shutil.copy(support.EVIDENCE / "peru" / "2007.yaml", tmp_path / "evidence" / "peru")
    (tmp_path / "expected.csv").write_text(HEADER + "Peru,2007,Tier 2,test,\n")
    return tmp_path


def validate(
    workspace: Path, *args: str, expected: str = "expected.csv"
) -> subprocess.CompletedProcess[str]:
    return support.run_cli(
        "validate",
        "evidence",
        "--expected",
        expected,
        "--rules",
        str(support.RULES),
        *args,
        cwd=workspace,
    )


def set_expected(workspace: Path, *rows: str) -> None:
    (workspace / "expected.csv").write_text(HEADER + "".join(f"{row}\n" for row in rows))


def mark_partial(workspace: Path) -> None:
    dossier = workspace / "evidence" / "peru" / "2007.yaml"
    text = dossier.read_text()
    dossier.write_text(text.replace("completeness: complete", "completeness: partial", 1))


# --------------------------------------------------------------------------- the table


def test_agreement_exits_0_and_shows_the_row(workspace: Path) -> None:
    result = validate(workspace)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "peru/2007.yaml" in line)
    assert row.split()[1:] == ["complete", "Tier", "2", "Tier", "2", "determined", "agree"]
    assert "pivotal: applicability=applies" in result.stdout
    assert "significant_efforts=making" in result.stdout
    assert "Agreement: 1 of 1 complete dossiers (100%); 0 disagree." in result.stdout


def test_a_disagreement_in_a_complete_dossier_exits_1(workspace: Path) -> None:
    set_expected(workspace, "Peru,2007,Tier 1,test,")
    result = validate(workspace)
    assert result.returncode == 1
    assert "disagree" in result.stdout
    assert "Agreement: 0 of 1 complete dossiers (0%); 1 disagree." in result.stdout


def test_a_partial_dossier_is_shown_but_not_counted(workspace: Path) -> None:
    mark_partial(workspace)
    set_expected(workspace, "Peru,2007,Tier 1,test,")
    result = validate(workspace)
    assert result.returncode == 0, result.stdout
    assert "disagree (not counted: partial)" in result.stdout
    # Marked partial, Peru's surviving text still weighs, but silence is now unknown: the watch
    # list cannot be decided, so the placement is undetermined and the missing evidence listed.
    assert "Undetermined" in result.stdout
    assert "watch_list_trigger" in result.stdout
    assert "no complete dossier has an official placement" in result.stdout
    assert "not counted: Peru 2007 undetermined" in result.stdout


def test_a_stated_exception_is_shown_and_does_not_fail(workspace: Path) -> None:
    set_expected(workspace, "Peru,2007,Tier 1,test,argued in docs/calibration.md")
    result = validate(workspace)
    assert result.returncode == 0
    assert "stated exception" in result.stdout
    assert "exception: argued in docs/calibration.md" in result.stdout
    assert "0 disagree; 1 stated exception(s)" in result.stdout


def test_a_dossier_without_official_placement_is_not_counted(workspace: Path) -> None:
    set_expected(workspace, "Bolivia,2007,Tier 2,test,")
    result = validate(workspace)
    assert result.returncode == 0
    assert "no official placement" in result.stdout


def test_country_names_match_without_case_or_spacing(workspace: Path) -> None:
    set_expected(workspace, "  PERU ,2007,Tier 2,test,")
    assert validate(workspace).returncode == 0
    assert country_key(" Costa  Rica ") == country_key("costa rica")


def test_markdown_is_a_table_for_the_readme(workspace: Path) -> None:
    result = validate(workspace, "--format", "markdown")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Dossier"))
    assert lines[header + 1].startswith("| --- |")
    row = lines[header + 2].split(" | ")
    assert row[0] == "| Peru 2007"
    assert row[2:6] == ["Tier 2", "Tier 2", "determined", "agree"]


def test_json_holds_rows_and_summary(workspace: Path) -> None:
    result = validate(workspace, "--format", "json")
    document = json.loads(result.stdout)
    assert document["schema"] == "tip-assess/validation/1"
    assert document["summary"]["agreement_rate"] == 1.0
    (row,) = document["rows"]
    assert (row["official"], row["engine"], row["verdict"]) == ("Tier 2", "Tier 2", "agree")
    assert {"node": "finding:significant_efforts", "role": "premise"}.items() <= next(
        p for p in row["pivotal"] if p["node"] == "finding:significant_efforts"
    ).items()
    assert str(workspace) not in result.stdout  # no absolute paths


def test_progress_goes_to_stderr_only(workspace: Path) -> None:
    quiet = validate(workspace, "--no-progress")
    loud = validate(workspace, "--progress")
    assert quiet.stderr == ""
    assert loud.stderr == "validate: [1/1] evidence/peru/2007.yaml\n"
    assert loud.stdout == quiet.stdout


def test_output_file_is_written(workspace: Path) -> None:
    result = validate(workspace, "--format", "markdown", "-o", "table.md")
    assert result.returncode == 0 and result.stdout == ""
    assert (workspace / "table.md").read_text().startswith("Validation against `expected.csv`")


# --------------------------------------------------------------------------- bad input


def assert_input_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_missing_expected_file(workspace: Path) -> None:
    result = validate(workspace, expected="nope.csv")
    assert_input_error(result, "error: nope.csv: expected-placements file not found")


def test_expected_file_without_a_tier_column(workspace: Path) -> None:
    (workspace / "expected.csv").write_text("country,year,placement\nPeru,2007,Tier 2\n")
    result = validate(workspace)
    assert_input_error(result, "error: expected.csv:1: missing column(s) tier")


def test_expected_file_with_a_bad_year(workspace: Path) -> None:
    set_expected(workspace, "Peru,2007,Tier 2,test,", "Peru,twenty,Tier 2,test,")
    result = validate(workspace)
    assert_input_error(result, "error: expected.csv:3: field 'year': expected a year, got 'twenty'")


def test_expected_file_with_conflicting_rows(workspace: Path) -> None:
    set_expected(workspace, "Peru,2007,Tier 2,a,", "Peru,2007,Tier 3,b,", "Peru,2007,Tier 2,c,")
    result = validate(workspace)
    assert_input_error(
        result, "error: expected.csv:3: field 'tier': Peru 2007 is 'Tier 3' here but 'Tier 2'"
    )
    assert result.stderr.count("error:") == 1  # the agreeing duplicate is not an error


def test_a_path_that_does_not_exist(workspace: Path) -> None:
    result = support.run_cli(
        "validate", "missing", "--expected", "expected.csv", "--rules", str(support.RULES),
        cwd=workspace,
    )  # fmt: skip
    assert_input_error(result, "error: missing: no such file or directory")


def test_a_directory_without_dossiers(workspace: Path) -> None:
    (workspace / "empty").mkdir()
    (workspace / "empty" / "history.yaml").write_text("country: Peru\n")
    result = support.run_cli(
        "validate", "empty", "--expected", "expected.csv", "--rules", str(support.RULES),
        cwd=workspace,
    )  # fmt: skip
    assert_input_error(result, "error: empty: no dossiers (<year>.yaml files) found")


def test_a_bad_dossier_is_reported_with_file_line_and_field(workspace: Path) -> None:
    dossier = workspace / "evidence" / "peru" / "2007.yaml"
    text = dossier.read_text()
    dossier.write_text(text.replace("opened 11 trafficking cases", "opened 12 trafficking cases"))
    line = text[: text.index("opened 11 trafficking cases")].count("\n") + 1
    result = validate(workspace)
    assert_input_error(
        result,
        f"error: evidence/peru/2007.yaml:{line}: field 'records[",
        "quote does not occur in the source text",
    )


def test_expected_is_required(workspace: Path) -> None:
    result = support.run_cli("validate", "evidence", cwd=workspace)
    assert result.returncode == 2
    assert "Missing option '--expected'" in result.stderr


def test_an_official_tier_the_rulebook_does_not_have_is_an_input_error(workspace: Path) -> None:
    set_expected(
        workspace,
        "Peru,2007,tier 2,x,",
        "Chad,2007,Tier 9,x,",
        "Chile,2003,Tier 2 Watch List,x,",
        "Cuba,1990,Tier 3,x,",
    )
    result = validate(workspace)
    assert result.returncode == 2, result.stdout
    placements = "expected one of: Tier 3, Tier 2 Watch List, Tier 2, Tier 1, Not ranked"
    assert result.stderr.splitlines() == [
        f"error: expected.csv:2: field 'tier': 'tier 2' is not a placement of the rulebook; "
        f"{placements}",
        f"error: expected.csv:3: field 'tier': 'Tier 9' is not a placement of the rulebook; "
        f"{placements}",
        "error: expected.csv:4: field 'tier': 'Tier 2 Watch List' is not a placement of report "
        "year 2003 (it exists 2004 onwards)",
        "error: expected.csv:5: field 'year': 1990 is not a report year (2001 to 2100)",
    ]
    assert result.stdout == ""


def test_load_expected_keeps_the_first_of_agreeing_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("country,year,tier\nPeru,2007,Tier 2\nperu,2007,Tier 2\n")
    table = load_expected(path)
    official = table.lookup("PERU", 2007)
    assert official is not None and official.line == 2
    with pytest.raises(InputError):
        load_expected(tmp_path / "absent.csv")


# --------------------------------------------------------------------------- pivotal findings


def test_pivotal_findings_follow_the_justification_graph() -> None:
    document = assess(support.rulebook(), support.dossier("Peru", 2007)).document
    shallow = {p.label for p in pivotal_findings(document, support.rulebook(), depth=1)}
    deep = {p.label for p in pivotal_findings(document, support.rulebook(), depth=2)}
    assert "significant_efforts=making" in shallow
    assert "prosecution_effort=substantial" not in shallow
    assert {"prosecution_effort=substantial", "prevention_effort=substantial"} <= deep


def test_a_judgment_that_rules_out_an_alternative_is_pivotal() -> None:
    loaded = support.dossier("Peru", 2007)
    judgments = [
        j.model_copy(update={"values": {"extent": "pervasive", "response": "none_reported"}})
        if j.kind == "complicity_extent"
        else j
        for j in loaded.dossier.judgments
    ]
    changed = dataclasses.replace(
        loaded, dossier=loaded.dossier.model_copy(update={"judgments": judgments})
    )
    document = assess(support.rulebook(), changed).document
    pivots = pivotal_findings(document, support.rulebook())
    blockers = [p for p in pivots if p.role == "blocker"]
    # Pervasive corruption weighs against Peru's efforts (-3) but does not outweigh them: the
    # judgment is then no blocker, and the placement stays Tier 2.
    assert document["tier"] == "Tier 2"
    assert [p.node for p in blockers] == []


def test_an_undetermined_placement_names_the_open_findings() -> None:
    empty = support.with_records(support.dossier("Peru", 2007), [])
    empty = dataclasses.replace(empty, dossier=empty.dossier.model_copy(update={"judgments": []}))
    document = assess(support.rulebook(), empty).document
    assert document["status"] == "undetermined"
    labels = [p.label for p in pivotal_findings(document, support.rulebook())]
    assert "applicability=undetermined" in labels
    assert all(p.role == "open" for p in pivotal_findings(document, support.rulebook()))


def test_a_placement_history_beside_a_dossier_is_read_as_assess_reads_it(
    workspace: Path,
) -> None:
    history = workspace / "evidence" / "peru" / "history.yaml"
    history.write_text("country: Ruritania\nsource: test\nplacements: []\n")
    result = validate(workspace)
    assert_input_error(result, "history is for 'Ruritania', the dossier for 'Peru'")
    assert validate(workspace, "--no-history").returncode == 0
