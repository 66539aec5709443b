"""bench/run.py keeps running as the engine changes: one tiny run, every figure measured.

Nothing here is timed (benchmarks are never timed tests); it checks that each row of the
table has a figure, so that a change of an engine signature cannot leave the benchmark broken
until the next time someone measures.
"""

from __future__ import annotations

import re
import subprocess
import sys

import support

# One job: the benchmark only passes --jobs on to the commands it times, and worker pools are
# tested with the batch (tests/test_batch.py); three pools would cost this test seconds.
TINY = [
    "--dossiers", "6", "--jobs", "1", "--assessments", "5", "--sizes", "20,40",
    "--cap", "120", "--repeat", "1", "--runs", "2",
]  # fmt: skip


def test_a_tiny_benchmark_run_measures_every_figure() -> None:
    run = subprocess.run(
        [sys.executable, str(support.ROOT / "bench" / "run.py"), *TINY],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    figures = [row.split(" | ") for row in rows[1:]]
    assert len(figures) == 8, run.stdout
    for cells in figures:
        measured = cells[2]
        assert measured.strip() and "failed" not in measured and "not loaded" not in measured, cells
    assert "20: load" in run.stdout and "40: load" in run.stdout, run.stdout
    # The floors the figures are read against: raw durable_rules per size, the libraries' imports.
    assert run.stdout.count("(raw durable_rules ") == 2, run.stdout
    assert re.search(
        r"importing click and pydantic alone \(one model\): \d+\.\d{3} s wall", run.stdout
    ), run.stdout
    # Each batch figure beside its floor: durable_rules' own C calls and libyaml's events.
    assert run.stdout.count("; floor (in one process, 6 dossiers): a row ") == 2, run.stdout
    assert run.stdout.count("durable_rules' C calls ") == 2, run.stdout
    # Of the C calls, the part spent creating and deleting sessions' state: some, never all.
    parts = re.findall(
        r"durable_rules' C calls ([\d.]+) ms \(\d+ calls, ([\d.]+) ms of them creating and "
        r"deleting sessions' state\)",
        run.stdout,
    )
    assert len(parts) == 2, run.stdout
    assert all(0 < float(state) <= float(calls) for calls, state in parts), parts
    # Each batch and impact run again with the dossiers cached (the batch with the sweep, their
    # sweeps too); the cold start also without its sweep cached, and without anything cached.
    assert run.stdout.count("; again with the dossiers cached") == 3, run.stdout
    assert "; again with the dossiers cached and their sweeps: " in run.stdout, run.stdout
    assert re.search(
        r"; the sweep not cached: \d+\.\d{3} s wall; the dossier, its history and its sweep "
        r"not cached: \d+\.\d{3} s wall",
        run.stdout,
    ), run.stdout
    assert run.stdout.count("; the dossier read from the cache: ") == 2, run.stdout
    assert re.search(
        r"as a batch row computes it \(load, inference and placement; no explanation, report "
        r"or sweep\): \d+\.\d%, \d+\.\d% with the dossier read from the cache",
        run.stdout,
    ), run.stdout
    assert "5 sequential assessments in one process | resident memory flat | 5: " in run.stdout


def test_the_probe_count_checks_every_probe_against_the_engine() -> None:
    """bench/bench_probes.py keeps working: a few dossiers, each probe also run in the engine."""
    run = subprocess.run(
        [
            sys.executable,
            str(support.ROOT / "bench" / "bench_probes.py"),
            *("--corpus", "30", "--dossiers", "4", "--check"),
        ],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0] == "4 dossiers swept (seed 1)", run.stdout
    counts = {
        name.strip(): int(rest.split()[0])
        for name, _, rest in (line.partition(":") for line in lines[1:])
    }
    assert counts["probes"] > 0
    assert counts["agree with durable_rules"] == counts["probes"]
    assert "DISAGREE" not in counts and run.stderr == ""
