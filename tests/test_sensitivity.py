"""`tip-assess sensitivity`: every single change over a corpus, its summary, the section of
docs/calibration.md it regenerates, and the executors (local processes, Dask) giving identical
results.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import support
from audit_support import run
from whatif_support import COUNTRIES, make_workspace, toy, toy_book

from engine import __version__
from engine.cli.whatif import BEGIN, END
from engine.corpus.validation import find_dossiers, load_all
from engine.whatif.executor import InProcess, LocalProcesses, executor_for
from engine.whatif.render import render_sensitivity
from engine.whatif.sensitivity import sensitivity


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def sweep(ws: Path, *args: str) -> tuple[int, str, str]:
    result = run(ws, "sensitivity", "evidence", "--rules", "rules", *args)
    return result.exit_code, result.stdout, result.stderr


def test_the_toy_corpus_summary(ws: Path) -> None:
    code, out, err = sweep(ws, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "tip-assess/sensitivity/1" and doc["depth"] == 1
    rows = {row["country"]: row for row in doc["dossiers"]}
    assert sorted(rows) == sorted(c.capitalize() for c in COUNTRIES)
    assert rows["Elbonia"]["robust"] is True and rows["Elbonia"]["items"] == []
    assert rows["Ruritania"]["deciding"] == [
        {"kind": "record", "id": "convictions"},
        {"kind": "reading", "id": "general-shelters"},
        {"kind": "parameter", "id": "incarceration_min_years"},
        {"kind": "judgment", "id": "j-complicity"},
        {"kind": "judgment", "id": "j-victims"},
        {"kind": "record", "id": "sentence-5y"},
    ]
    summary = doc["summary"]
    assert summary["dossiers"] == 5
    assert summary["robust"] == 1 and summary["resting_on_one_item"] == 4
    assert summary["deciding_items_per_dossier"] == {"0": 1, "2": 1, "3": 1, "6": 2}
    assert summary["deciding_most_often"][:3] == [
        {"category": "victims_significant.significant = false", "dossiers": 4},
        {"category": "without victims_significant", "dossiers": 4},
        {"category": "without sentence", "dossiers": 3},
    ]
    assert summary["pairs_tried"] == 0 and summary["deciding_pairs"] == []


def test_text_and_markdown(ws: Path) -> None:
    _, text, _ = sweep(ws)
    assert "evidence/elbonia/2007.yaml: Tier 3 (determined): robust; 13 change(s) tried" in text
    assert "evidence/ruritania/2007.yaml: Tier 2 (determined): fragile (6 deciding item(s))" in text
    assert "    [reading] general-shelters: the other reading (specialized=true) → Tier 1" in text
    assert "4 of 5 placements rest on a single item (one change moves them); 1 are robust." in text
    _, markdown, _ = sweep(ws, "--format", "markdown")
    assert "| Dossier | Placement | Robust | Single changes that move it |" in markdown
    assert "| Elbonia 2007 | Tier 3 (determined) | yes | - |" in markdown
    assert "| without sentence | 3 |" in markdown


def test_pairs_are_opt_in_and_only_those_neither_of_which_moves_alone(ws: Path) -> None:
    code, out, _ = sweep(ws, "--format", "json", "--depth", "2")
    assert code == 0
    doc = json.loads(out)
    assert doc["engine_version"] == __version__
    assert doc["summary"]["pairs_tried"] > 0
    for row in doc["dossiers"]:
        single = {item["change"] for item in row["items"]}
        for pair in row["pairs"]:
            assert not single & {change["change"] for change in pair["changes"]}
            assert pair["placement"] != row["tier"]
    elbonia = next(row for row in doc["dossiers"] if row["country"] == "Elbonia")
    assert len(elbonia["pairs"]) == 4  # each way of dropping both victims judgments
    assert {"categories": "without conviction_count + without conviction_count", "dossiers": 1} in (
        doc["summary"]["deciding_pairs"]
    )


def test_update_rewrites_only_the_marked_section(ws: Path) -> None:
    doc = ws / "calibration.md"
    doc.write_text(f"# Calibration\n\nBefore.\n\n{BEGIN}\nold table\n{END}\n\nAfter.\n")
    code, out, err = sweep(ws, "--format", "markdown", "--update", "calibration.md")
    assert code == 0 and out == "" and "updated the sensitivity section" in err
    text = doc.read_text()
    _, markdown, _ = sweep(ws, "--format", "markdown")
    assert text == f"# Calibration\n\nBefore.\n\n{BEGIN}\n{markdown}{END}\n\nAfter.\n"
    sweep(ws, "--format", "markdown", "--update", "calibration.md")
    assert doc.read_text() == text  # regenerating is idempotent


def test_update_needs_markers_and_markdown(ws: Path) -> None:
    doc = ws / "notes.md"
    doc.write_text("no markers here\n")
    code, out, err = sweep(ws, "--format", "markdown", "--update", "notes.md")
    assert code == 2 and out == ""
    assert f"error: notes.md: --update needs the markers '{BEGIN}' and '{END}'" in err
    assert doc.read_text() == "no markers here\n"
    code, _, err = sweep(ws, "--update", "notes.md")
    assert code == 2 and "--update writes markdown: add --format markdown" in err


def test_bad_input_exits_2(ws: Path) -> None:
    code, _, err = sweep(ws, "--workers", "0")
    assert code == 2 and "--workers" in err
    (ws / "evidence" / "ruritania" / "2007.yaml").write_text("country: [\n")
    code, out, err = sweep(ws)
    assert code == 2 and out == "" and "evidence/ruritania/2007.yaml" in err


# --------------------------------------------------------------------------- executors


def test_local_processes_give_the_results_of_this_process() -> None:
    dossiers = [toy(country) for country in COUNTRIES]
    here = sensitivity(toy_book(), dossiers, 2, InProcess())
    there = sensitivity(toy_book(), dossiers, 2, LocalProcesses(2))
    assert render_sensitivity(here, "json") == render_sensitivity(there, "json")
    assert isinstance(executor_for(1), InProcess)
    assert isinstance(executor_for(3), LocalProcesses)


def test_the_command_gives_identical_bytes_for_one_and_two_workers(ws: Path) -> None:
    one = sweep(ws, "--format", "json", "--depth", "2")[1]
    two = sweep(ws, "--format", "json", "--depth", "2", "--workers", "2")[1]
    assert one == two


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        # ":0": the scheduler's HTTP server on a free port (":8787" clashes with a cluster started by
        # another pytest-xdist worker at the same time).
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def test_a_dask_cluster_gives_byte_identical_results(ws: Path, dask_scheduler: str) -> None:
    for fmt in ("json", "markdown"):
        local = sweep(ws, "--format", fmt, "--depth", "2")
        remote = sweep(ws, "--format", fmt, "--depth", "2", "--scheduler", dask_scheduler)
        assert remote[0] == 0, remote[2]
        assert remote[1] == local[1]


def test_the_corpus_on_a_dask_cluster_matches_the_local_run(dask_scheduler: str) -> None:
    book = support.rulebook()
    dossiers = load_all(book, find_dossiers([support.EVIDENCE]))
    local = sensitivity(book, dossiers)
    remote = sensitivity(book, dossiers, executor=executor_for(scheduler=dask_scheduler))
    assert render_sensitivity(remote, "json") == render_sensitivity(local, "json")


def test_an_unreachable_scheduler_is_an_input_error(ws: Path) -> None:
    pytest.importorskip("distributed")
    code, out, err = sweep(ws, "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1")
    assert code == 2 and out == ""
    assert "error: --scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err


@pytest.mark.parametrize(
    "address",
    [
        *("notanaddress", "tcp://host", "[::1]:8786x", "host:port", ""),
        *("tls://127.0.0.1:1", "ucx://127.0.0.1:1", "host:99999", "host:0"),
    ],
)
def test_a_scheduler_address_without_a_port_is_an_input_error(ws: Path, address: str) -> None:
    code, out, err = sweep(ws, "--scheduler", address)
    assert code == 2, err
    assert err == (
        f"error: --scheduler: not a scheduler address: {address!r}; expected [tcp://]HOST:PORT "
        "with a port from 1 to 65535, e.g. tcp://127.0.0.1:8786\n"
    )
    assert out == ""


# --------------------------------------------------------------------------- docs/calibration.md


def test_the_calibration_section_is_regenerated_by_the_command() -> None:
    text = (support.ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    section = text[text.index(BEGIN) + len(BEGIN) + 1 : text.index(END)]
    book = support.rulebook()
    dossiers = load_all(book, find_dossiers([support.EVIDENCE]))
    expected = render_sensitivity(sensitivity(book, dossiers), "markdown")
    assert section == expected, (
        "the sensitivity section of docs/calibration.md is stale: run "
        "`tip-assess sensitivity evidence/ --format markdown --update docs/calibration.md`"
    )
