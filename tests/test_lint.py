"""`tip-assess lint` on the real rulebook (clean) and on deliberately broken rulebooks (each
problem named with file, line and rule id, exit status 1)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import __version__
from engine.quality.eras import Era, eras
from engine.quality.examples import case_inputs, run_case
from engine.quality.lint import LintResult, lint
from engine.quality.search import Search

BROKEN = Path(__file__).resolve().parent / "broken_rulebooks"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and p.name != "base")
LOCATED = re.compile(r"^error: rules/[\w.-]+\.yaml:\d+: ")


@pytest.fixture(scope="module")
def result() -> object:
    """The lint of the real rulebook, with the corpus histories, as `tip-assess lint` runs it."""
    return lint(support.RULES, "rules", evidence=support.EVIDENCE)


def test_the_rulebook_is_clean(result: object) -> None:
    from engine.quality.lint import LintResult

    assert isinstance(result, LintResult)
    assert result.ok, "\n".join(p.render() for p in result.problems)
    assert result.examples >= 2 * len(support.rulebook().rules)


def test_eras_split_where_the_law_changed() -> None:
    labels = [era.label for era in eras(support.rulebook())]
    assert labels == [
        "2001–2003",
        "2004–2005",
        "2006–2008",
        "2009–2010",
        "2011–2012",
        "2013–2018",
        "2019 onwards",
    ]


def test_every_placement_has_a_witness_in_every_era_where_it_exists(result: object) -> None:
    from engine.quality.lint import LintResult

    assert isinstance(result, LintResult)
    for report in result.eras:
        expected = {"Tier 1", "Tier 2", "Tier 3"}
        if report.era.start <= 2008:
            # "Not ranked" (no significant number of victims) while the threshold is in force.
            expected.add("Not ranked")
        if report.era.start >= 2004:
            expected.add("Tier 2 Watch List")
        assert set(report.witnesses) == expected, report.era.label
        assert all(witness is not None for witness in report.witnesses.values()), report.era.label


def test_a_witness_really_reaches_its_placement(result: object) -> None:
    from engine.quality.lint import LintResult

    assert isinstance(result, LintResult)
    book = support.rulebook()
    for report in result.eras:
        for value, witness in report.witnesses.items():
            assert witness is not None
            case = run_case(book, report.era.start, case_inputs(book, witness))
            assert case.value("placement") == value


def test_lint_command_reports_success(result: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's report of a clean lint. The lint of the real rules is the module's (the tests
    above check it); `.ci/run` runs `tip-assess lint` itself, end to end."""
    import engine.quality.lint as linting

    real = linting.lint

    def once(
        root: Path,
        display: str | None = None,
        seed: int = linting.SEED,
        evidence: Path | None = None,
        jobs: int = 1,
    ) -> object:
        same = (
            root.resolve() == support.RULES
            and display in (None, "rules")
            and seed == linting.SEED
            and evidence is not None
            and evidence.resolve() == support.EVIDENCE
        )
        return result if same else real(root, display, seed, evidence, jobs)

    monkeypatch.setattr(linting, "lint", once)
    run = support.run_cli("lint")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ok: tvpa ")
    assert "no conflicting placements in" in run.stdout


def _broken_workspace(tmp_path: Path, case: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(BROKEN / "base", rules)
    for file in (BROKEN / case).glob("*.yaml"):
        shutil.copy(file, rules / file.name)
    return tmp_path


def test_the_base_of_the_broken_rulebooks_is_clean(tmp_path: Path) -> None:
    run = support.run_cli("lint", cwd=_broken_workspace(tmp_path, "base"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(
        f"ok: mini 1.0.0 (engine tip-assess {__version__}): 6 rules and 0 weighings, "
        "12 examples pass"
    )


@pytest.mark.parametrize("case", CASES)
def test_a_broken_rulebook_fails_lint_with_located_messages(tmp_path: Path, case: str) -> None:
    expected = [line for line in (BROKEN / case / "expected.txt").read_text().splitlines() if line]
    assert expected, f"{case}/expected.txt is empty"
    run = support.run_cli("lint", cwd=_broken_workspace(tmp_path, case))
    assert run.returncode == 1, run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    for line in expected:
        assert any(line in error for error in errors), f"missing: {line}\ngot:\n{run.stderr}"
    for error in errors:
        assert LOCATED.match(error), f"not located by file and line: {error}"
    assert run.stderr.rstrip().endswith(f"lint: {len(errors)} problem(s)")
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("case", CASES)
def test_lint_as_json_gives_the_same_problems_each_by_its_fields(tmp_path: Path, case: str) -> None:
    workspace = _broken_workspace(tmp_path, case)
    text = support.run_cli("lint", cwd=workspace)
    run = support.run_cli("lint", "--format", "json", cwd=workspace)
    assert run.returncode == text.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    assert document["ok"] is False
    errors = [line.removeprefix("error: ") for line in text.stderr.splitlines()]
    shown = [problem["text"] for problem in document["problems"]]
    assert shown == [line for line in errors if not line.startswith("lint: ")]
    for problem in document["problems"]:
        assert problem["file"].startswith("rules/") and isinstance(problem["line"], int)
        assert problem["text"].startswith(f"{problem['file']}:{problem['line']}: ")
        assert problem["message"] in problem["text"]


def test_lint_of_a_clean_rulebook_as_json(tmp_path: Path) -> None:
    run = support.run_cli("lint", "--format", "json", cwd=_broken_workspace(tmp_path, "base"))
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert (document["ok"], document["problems"], document["examples"]) == (True, [], 12)
    assert document["rulebook"]["name"] == "mini" and document["eras"]
    for era in document["eras"]:
        assert era["generated_dossiers"] > 0
        assert all(witness is not None for witness in era["witnesses"].values())


def test_lint_without_a_rules_directory_is_a_usage_error(tmp_path: Path) -> None:
    run = support.run_cli("lint", "--rules", "nowhere", cwd=tmp_path)
    assert run.returncode == 2
    assert "rules directory not found: nowhere" in run.stderr


# --------------------------------------------------------------------------- property test

ERAS = eras(support.rulebook())
ALPHABETS = {era.start: Search(support.rulebook(), era.start).alphabet() for era in ERAS}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_generated_dossier_gets_two_placements(data: st.DataObject) -> None:
    """Hypothesis draws dossiers from the records the rules test for; none may get two tiers."""
    era: Era = data.draw(st.sampled_from(ERAS), label="era")
    year = data.draw(
        st.integers(era.start, era.end if era.end is not None else era.start + 6), label="year"
    )
    alphabet = ALPHABETS[era.start]
    records = data.draw(st.lists(st.sampled_from(alphabet), max_size=16), label="records")
    book = support.rulebook()
    case = run_case(book, year, case_inputs(book, records))
    placements = [c for c in case.result.conflicts if c.subject == "placement"]
    assert not placements, placements
    assert case.value("placement") is not None


# --------------------------------------------------------------------------- the era cache


@pytest.fixture
def era_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The eras lint checks (not read from its cache), with a cache of the test's own in
    `tmp_path / "cache"`."""
    import engine.quality.lint as linting

    monkeypatch.setenv("TIP_ASSESS_CACHE", str(tmp_path / "cache"))
    checked: list[str] = []
    real = linting.check_era

    def counting(book: object, era: Era, rng: object) -> object:
        checked.append(era.label)
        return real(book, era, rng)  # type: ignore[arg-type]

    monkeypatch.setattr(linting, "check_era", counting)
    return checked


def _reports(result: LintResult) -> list[tuple[object, ...]]:
    return [(r.era, r.witnesses, r.dossiers, r.conflicting_findings) for r in result.eras]


def test_a_second_lint_reads_every_era_from_the_cache_and_says_the_same(
    tmp_path: Path, era_checks: list[str]
) -> None:
    checked = era_checks
    rules = _broken_workspace(tmp_path, "conflicting-placements") / "rules"
    first = lint(rules, "rules")
    assert checked == ["2001–2003", "2004 onwards"] and first.problems
    checked.clear()
    second = lint(rules, "rules")
    assert checked == []
    assert second.problems == first.problems
    assert _reports(second) == _reports(first)


def test_a_change_to_rules_of_one_era_checks_only_that_era_again(
    tmp_path: Path, era_checks: list[str]
) -> None:
    checked = era_checks
    rules = _broken_workspace(tmp_path, "base") / "rules"
    assert lint(rules, "rules").ok
    path = rules / "rules.yaml"
    text = path.read_text()
    old = "title: Low, partial compliance (before the watch list)"  # in force 2001-2003 only
    path.write_text(text.replace(old, old + " (edited)", 1))
    checked.clear()
    assert lint(rules, "rules").ok
    assert checked == ["2001–2003"]
    # A different seed draws other dossiers: not the same check.
    checked.clear()
    lint(rules, "rules", seed=7)
    assert checked == ["2001–2003", "2004 onwards"]


def test_problems_read_from_the_cache_are_located_where_the_rules_now_stand(
    tmp_path: Path, era_checks: list[str]
) -> None:
    checked = era_checks
    workspace = _broken_workspace(tmp_path, "unreachable-tier")
    before = support.run_cli("lint", cwd=workspace)
    assert "rules/rules.yaml:34: rule placement.high: field 'when': no dossier reaches" in (
        before.stderr
    )
    path = workspace / "rules" / "rules.yaml"
    path.write_text("# three lines of comment\n#\n#\n" + path.read_text())
    checked.clear()
    after = support.run_cli("lint", cwd=workspace)
    assert checked == []  # comments decide nothing: both eras came from the cache
    assert after.returncode == 1
    assert after.stderr == before.stderr.replace("rules/rules.yaml:34:", "rules/rules.yaml:37:")


def test_an_unreadable_cache_entry_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, era_checks: list[str]
) -> None:
    cache, checked = tmp_path / "cache", era_checks
    rules = _broken_workspace(tmp_path, "base") / "rules"
    first = lint(rules, "rules")
    entries = sorted(cache.glob("lint-era-*.pickle"))
    assert len(entries) == 2
    entries[0].write_bytes(b"not a pickle")
    entries[1].write_bytes(entries[1].read_bytes()[:20])  # truncated
    checked.clear()
    second = lint(rules, "rules")
    assert sorted(checked) == ["2001–2003", "2004 onwards"]
    assert second.problems == first.problems
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    checked.clear()
    lint(rules, "rules")
    assert len(checked) == 2


def test_eras_checked_on_two_processes_give_what_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIP_ASSESS_CACHE", "off")
    rules = _broken_workspace(tmp_path, "conflicting-placements") / "rules"
    one, two = lint(rules, "rules", jobs=1), lint(rules, "rules", jobs=2)
    assert one.problems and two.problems == one.problems
    assert _reports(two) == _reports(one)
