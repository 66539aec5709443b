"""`tip-assess assess PATH...`: many dossiers, one row each, on a pool of worker processes.

The rows, their order and every byte of the output are the same whatever the number of jobs;
a bad dossier is reported and counted, and the batch goes on.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import json
import multiprocessing
import shutil
from pathlib import Path

import pytest
import support
from audit_support import make_workspace, run, set_parameter
from batch_jobs import Fails, Settings, SlowFirst

from engine.batch import pool
from engine.batch.assess import AssessJob, Fragility, Row, Summary
from engine.batch.dossiers import find_dossiers, sorted_unique
from engine.cli.progress import BAR, LINES, PERIODIC, Progress, progress_for
from engine.errors import InputError
from engine.load import inputs, limits

CORPUS = sorted(p for p in support.EVIDENCE.glob("*/*.yaml") if p.name[0].isdigit())


def batch(*args: str, cwd: Path = support.ROOT) -> support.subprocess.CompletedProcess[str]:
    return support.run_cli("assess", *args, "--no-progress", cwd=cwd)


@pytest.fixture(scope="module")
def corpus_table() -> support.subprocess.CompletedProcess[str]:
    return batch("evidence", "--jobs", "1", "--format", "table")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """evidence/ copied: dossiers, histories and sources, to break at will."""
    shutil.copytree(support.EVIDENCE, tmp_path / "evidence")
    return tmp_path


# --------------------------------------------------------------------------- rows and formats


def test_a_directory_gives_one_row_per_dossier_in_path_order_and_a_summary(
    corpus_table: support.subprocess.CompletedProcess[str],
) -> None:
    lines = corpus_table.stdout.splitlines()
    assert lines[0].startswith("Rules: tvpa ")
    assert lines[2].split() == ["DOSSIER", "COUNTRY", "YEAR", "TIER", "STATUS", "FRAGILITY"]
    rows = lines[3 : 3 + len(CORPUS)]
    assert [row.split()[0] for row in rows] == [
        p.relative_to(support.ROOT).as_posix() for p in CORPUS
    ]
    peru = next(row for row in rows if row.startswith("evidence/peru/2007.yaml"))
    assert peru.split()[1:6] == ["Peru", "2007", "Tier", "2", "determined"]
    assert lines[-1].startswith(f"{len(CORPUS)} dossier(s): ")
    # Two partial narratives leave their placement undetermined: exit 1, as `assess` does.
    assert corpus_table.returncode == 1
    assert "2 undetermined" in lines[-1]


def test_rows_agree_with_single_assessments() -> None:
    # Fragility is not under test here (it is below): --no-fragility keeps the test quick.
    pair = ("evidence/peru/2007.yaml", "evidence/albania/2001.yaml")
    result = batch(*pair, "--format", "jsonl", "--no-fragility")
    assert result.returncode == 0, result.stderr
    *rows, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert [row["dossier"] for row in rows] == [
        "evidence/albania/2001.yaml",
        "evidence/peru/2007.yaml",
    ]  # sorted by path, whatever order they were given in
    for row in rows:
        single = support.run_cli("assess", row["dossier"], "--format", "json", "--no-fragility")
        document = json.loads(single.stdout)
        assert (row["country"], row["report_year"], row["tier"], row["status"]) == (
            document["country"],
            document["report_year"],
            document["tier"],
            document["status"],
        )
        assert row["problems"] == []
    assert summary["schema"] == "tip-assess/batch/1"
    assert summary["summary"]["dossiers"] == 2 and summary["summary"]["errors"] == 0
    assert summary["rulebook"]["sha256"] == support.rulebook().sha256


def test_csv_holds_rows_only_and_the_summary_goes_to_stderr() -> None:
    result = batch("evidence/peru", "evidence/greece", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["dossier"], r["tier"], r["status"]) for r in table] == [
        ("evidence/greece/2001.yaml", "Tier 3", "determined"),
        ("evidence/peru/2007.yaml", "Tier 2", "determined"),
    ]
    fragile = sum(r["fragility"].startswith("fragile") for r in table)
    assert result.stderr == (
        "2 dossier(s): 2 determined; placements: Tier 2: 1, Tier 3: 1"
        + (f"; {fragile} fragile" if fragile else "")
        + ".\n"
    )
    assert all(r["fragility"] == "robust" or r["fragility"].startswith("fragile (") for r in table)


def test_json_is_one_document_and_year_applies_to_every_dossier() -> None:
    result = batch(
        "evidence/peru",
        "evidence/lithuania",
        "--year",
        "2003",
        "--format",
        "json",
        "--no-fragility",
    )
    document = json.loads(result.stdout)
    assert document["schema"] == "tip-assess/batch/1" and document["year"] == 2003
    assert [d["assessed_year"] for d in document["dossiers"]] == [2003, 2003]
    assert [d["report_year"] for d in document["dossiers"]] == [2001, 2007]
    assert document["summary"]["dossiers"] == 2
    assert sum(document["summary"]["statuses"].values()) == 2


def test_a_single_dossier_keeps_its_explanation_unless_a_batch_format_is_asked() -> None:
    single = support.run_cli("assess", "evidence/peru/2007.yaml", "--no-fragility")
    assert single.stdout.startswith("Peru, report year 2007: Tier 2 (determined)\n")
    assert "Why not Tier 1" in single.stdout
    as_row = batch("evidence/peru/2007.yaml", "--format", "table", "--no-fragility")
    assert as_row.stdout.splitlines()[3].startswith("evidence/peru/2007.yaml  Peru")


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    result = batch("evidence/peru", "--format", "jsonl", "--output", str(out), "--no-fragility")
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text() == batch("evidence/peru", "--format", "jsonl", "--no-fragility").stdout


# --------------------------------------------------------------------------- the same output whatever the jobs


@pytest.mark.parametrize("fmt", ["table", "jsonl"])
def test_two_jobs_give_byte_identical_output_to_one(
    fmt: str, corpus_table: support.subprocess.CompletedProcess[str]
) -> None:
    # The table with the fragility sweep, the JSON lines without (quicker; the sweep's rows are
    # compared in the table).
    extra = () if fmt == "table" else ("--no-fragility",)
    one = (
        corpus_table
        if fmt == "table"
        else batch("evidence", "--jobs", "1", "--format", fmt, *extra)
    )
    # A real process: the pool as the command line runs it (fork, one rulebook per worker).
    two = support.run_process(
        "assess", "evidence", "--jobs", "2", "--format", fmt, "--no-progress", *extra
    )
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)


def test_validate_and_impact_give_the_same_output_whatever_the_jobs(tmp_path: Path) -> None:
    args = ["validate", "evidence", "--expected", "evidence/expected.csv", "--format", "json"]
    args.append("--no-fragility")  # the sweep's determinism is checked with `assess` above
    one = support.run_cli(*args, "--jobs", "1")
    two = support.run_cli(*args, "--jobs", "2")
    assert (one.returncode, one.stdout) == (two.returncode, two.stdout)
    assert len(json.loads(one.stdout)["rows"]) == len(CORPUS)
    ws = make_workspace(tmp_path / "ws")
    set_parameter(ws, "incarceration_min_years", 20)  # moves both toy placements
    single = run(ws, "impact", "--base", "git:HEAD", "--jobs", "1", "--format", "json")
    double = run(ws, "impact", "--base", "git:HEAD", "--jobs", "2", "--format", "json")
    assert (single.exit_code, single.stdout) == (double.exit_code, double.stdout)
    assert len(json.loads(single.stdout)["placements_changed"]) == 2


def test_impact_loads_a_dossier_once_when_both_rulebooks_read_it_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    impact = importlib.import_module(
        "engine.audit.impact"
    )  # the package exports a function of that name
    loads: list[str] = []
    real = impact.load_dossier_cached

    def counting(path: Path, book: object, display: str | None = None) -> object:
        loads.append(str(path))
        return real(path, book, display)  # type: ignore[arg-type]

    monkeypatch.setattr(impact, "load_dossier_cached", counting)
    book = support.rulebook()
    before, after, country, year, reused = impact.ImpactJob(book, book)("evidence/peru/2007.yaml")
    assert loads == ["evidence/peru/2007.yaml"]
    assert (country, year, before.tier, after.tier) == ("Peru", 2007, "Tier 2", "Tier 2")
    assert reused  # the same rules: assessed once too
    other = dataclasses.replace(book, kinds={**book.kinds})
    other.kinds.pop("victim_shelter")
    loads.clear()
    _, after, _, _, reused = impact.ImpactJob(book, other)("evidence/peru/2007.yaml")
    assert len(loads) == 2 and not reused
    assert after.error is not None and "unknown evidence kind 'victim_shelter'" in after.error


def test_the_pool_hands_results_on_in_item_order_from_several_processes() -> None:
    items = list(range(40))
    seen: list[tuple[int, int, int]] = []
    pool.run(SlowFirst(len(items)), items, 2, lambda i, item, out: seen.append((i, item, out[0])))
    assert [entry[0] for entry in seen] == items
    assert all(index == item == echoed for index, item, echoed in seen)
    pids: set[int] = set()
    pool.run(SlowFirst(len(items)), items, 2, lambda i, item, out: pids.add(out[1]))
    assert len(pids) == 2


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_load_with_the_settings_of_the_command_and_report_what_they_read(
    method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = []
    for number in range(4):
        files.append(tmp_path / f"{number}.txt")
        files[-1].write_text("x")
    monkeypatch.setattr(pool, "start_context", lambda: multiprocessing.get_context(method))
    limits.override("records=7")
    inputs.set_sources_root(tmp_path)
    inputs.forget_reads()
    try:
        seen: list[tuple[int, str | None]] = []
        pool.run(Settings(), [str(f) for f in files], 2, lambda i, item, out: seen.append(out))
    finally:
        limits.reset_overrides()
        inputs.set_sources_root(None)
    assert seen == [(7, str(tmp_path))] * 4
    assert all(inputs.is_input(f) for f in files)  # the workers' reads came back


def test_a_batch_never_writes_over_a_file_it_read(tmp_path: Path) -> None:
    source = support.EVIDENCE / "sources" / "tip-2007-peru.txt"
    before = source.read_bytes()
    for target, jobs in ((source, "2"), (support.EVIDENCE / "peru" / "2007.yaml", "1")):
        result = batch("evidence/peru", "evidence/greece", "--format", "csv", "--jobs", jobs,
                       "--no-fragility", "-o", str(target))  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert "refusing to write the output over an input" in result.stderr
    assert source.read_bytes() == before


def test_one_job_runs_in_this_process() -> None:
    pids: set[int] = set()
    pool.run(SlowFirst(3, step=0), [0, 1, 2], 1, lambda i, item, out: pids.add(out[1]))
    assert pids == {support.os.getpid()}


def test_an_error_the_job_does_not_handle_stops_the_batch() -> None:
    with pytest.raises(ValueError, match="item 7 is bad"):
        pool.run(Fails(7), list(range(20)), 2, lambda i, item, out: None)


def test_chunks_are_small_enough_to_share_the_work() -> None:
    assert pool.chunk_size(11, 2) == 1
    assert pool.chunk_size(4000, 2) == 16
    assert pool.chunk_size(100, 4) == 3


# --------------------------------------------------------------------------- bad input


def test_a_bad_dossier_is_reported_and_counted_and_the_batch_goes_on(workspace: Path) -> None:
    dossier = workspace / "evidence" / "greece" / "2001.yaml"
    text = dossier.read_text()
    dossier.write_text(text.replace("report_year: 2001", "report_year: soon", 1))
    line = text[: text.index("report_year: 2001")].count("\n") + 1
    result = batch(
        "evidence",
        "--format",
        "csv",
        "--rules",
        str(support.RULES),
        "--no-fragility",
        cwd=workspace,
    )
    assert result.returncode == 2
    rows = {r["dossier"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert len(rows) == len(CORPUS)
    bad = rows["evidence/greece/2001.yaml"]
    assert bad["status"] == "error" and bad["tier"] == ""
    assert bad["problems"].startswith(f"evidence/greece/2001.yaml:{line}: field 'report_year'")
    assert rows["evidence/peru/2007.yaml"]["tier"] == "Tier 2"
    assert f"error: evidence/greece/2001.yaml:{line}: field 'report_year'" in result.stderr
    assert "1 error" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evidence", "nowhere"], "error: nowhere: no such file or directory"),
        (["features"], "error: features: no dossiers (<year>.yaml files) found"),
        (["evidence", "--format", "html"], "--format html is for one dossier"),
        (["evidence/peru", "evidence/greece", "--record"], "--record applies to one dossier"),
        (
            ["evidence", "--record"],
            "error: evidence: --record applies to one dossier, not to a directory",
        ),
        (
            ["evidence", "--detail", "full"],
            "Error: --detail applies to one dossier, not to a batch",
        ),
        (
            ["evidence", "--history", "evidence/peru/history.yaml"],
            "error: evidence: --history applies to one dossier, not to a directory",
        ),
        (["evidence", "--jobs", "0"], "Invalid value for '--jobs'"),
    ],
)
def test_bad_batch_usage(args: list[str], message: str) -> None:
    result = batch(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


# --------------------------------------------------------------------------- parts


def test_find_dossiers_skips_histories_and_hidden_directories(workspace: Path) -> None:
    hidden = workspace / "evidence" / ".drafts"
    hidden.mkdir()
    (hidden / "2001.yaml").write_text("draft")
    found = find_dossiers([workspace / "evidence"])
    assert [p.relative_to(workspace).as_posix() for p in found] == [
        p.relative_to(support.ROOT).as_posix() for p in CORPUS
    ]
    assert sorted_unique([found[1], found[0], found[1]]) == [found[0], found[1]]


def test_fragility_is_read_from_the_document_when_it_is_there() -> None:
    assert Fragility.of({}) is None
    assert Fragility.of({"fragility": {"robust": True, "items": []}}) == Fragility(True, 0)
    fragile = Fragility.of({"fragility": {"robust": False, "items": [{}, {}]}})
    assert fragile is not None and fragile.label() == "fragile (2)"


def test_the_job_turns_bad_input_into_a_row() -> None:
    row = AssessJob(support.rulebook())("evidence/nowhere/2001.yaml")
    assert row.status == "error" and row.failed
    assert row.problems == ("evidence/nowhere/2001.yaml: file not found",)


def test_exit_status_of_a_batch() -> None:
    ok = Row("a", "determined", tier="Tier 1")
    assert Summary.of([ok]).exit_code() == 0
    assert Summary.of([ok, Row("b", "undetermined")]).exit_code() == 1
    assert Summary.of([ok, Row("b", "undetermined"), Row("c", "error")]).exit_code() == 2
    assert Summary.of([Row("c", "error"), Row("d", "fault")]).exit_code() == 3


def test_progress_modes() -> None:
    stream = io.StringIO()
    lines = Progress(stream, LINES, "assess")
    lines(1, 2, "a.yaml")
    assert stream.getvalue() == "assess: [1/2] a.yaml\n"

    now = [0.0]
    stream = io.StringIO()
    periodic = Progress(stream, PERIODIC, "assess", interval=10, clock=lambda: now[0])
    periodic(1, 4, "a.yaml")
    now[0] = 10.5
    periodic(2, 4, "b.yaml")
    now[0] = 12
    periodic(3, 4, "c.yaml")
    assert stream.getvalue() == "assess: 2/4 done (50%), 10 s\n"

    stream = io.StringIO()
    bar = Progress(stream, BAR, "assess", width=4)
    bar(1, 2, "a.yaml")
    bar.finish()
    assert stream.getvalue() == "\r[....] 1/2 a.yaml\r" + " " * 17 + "\r"


def test_progress_defaults_to_a_bar_on_a_terminal_and_a_periodic_line_otherwise() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for("x", False, Terminal()) is None
    assert getattr(progress_for("x", None, Terminal()), "mode", None) == BAR
    assert getattr(progress_for("x", None, io.StringIO()), "mode", None) == PERIODIC
    assert getattr(progress_for("x", True, io.StringIO()), "mode", None) == LINES


def test_input_errors_in_discovery_name_the_path() -> None:
    with pytest.raises(InputError, match="nowhere: no such file or directory"):
        find_dossiers([Path("nowhere")])


def test_a_rows_assessment_leaves_the_findings_out_and_agrees_with_the_full_one() -> None:
    """A batch row reads placement, status and fragility: its assessment builds no findings
    (the document has no `findings` key, so nothing can mistake it for one without any)."""
    from engine.assessment import assess

    book = support.rulebook()
    for country, year in (("Peru", 2007), ("Bolivia", 2007), ("Albania", 2001)):
        loaded = support.dossier(country, year)
        full = assess(book, loaded)
        row = assess(book, loaded, explain=False, findings=False)
        summary = assess(book, loaded, explain=False)
        assert "findings" not in row.document and summary.document["findings"]
        for key in ("tier", "status", "placement_rule", "conflicts", "provenance"):
            assert row.document[key] == full.document[key] == summary.document[key], key
