"""`assess --record` and `log show|verify|replay`, through the command line, on real files."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import support
from audit_support import GIT_ENV, ROOT, edit, git, make_workspace, run, run_process, set_parameter

from engine import __version__
from engine.assessment import assess, history_inputs
from engine.audit.decision_log import GENESIS_HASH, DecisionLog, canonical_json, entry_hash
from engine.document import digest
from engine.load.dossier import load_dossier
from engine.load.rules import load_rulebook
from engine.whatif.fragility import attach_fragility

RURITANIA = "evidence/ruritania/2007.yaml"
FREEDONIA = "evidence/freedonia/2007.yaml"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "state" / "decisions.jsonl"


def record(ws: Path, log: Path, *args: str, by: str = "alice") -> Any:
    result = run(ws, "assess", *args, "--record", "--log", str(log), "--by", by)
    assert result.exit_code == 0, result.stderr
    return result


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines(keepends=True)


def entries(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines(log)]


# --------------------------------------------------------------------------- recording


def test_record_appends_an_entry_pinning_every_input(ws: Path, log: Path) -> None:
    plain = run(ws, "assess", RURITANIA)
    result = record(ws, log, RURITANIA)
    assert result.stdout == plain.stdout  # recording never changes the output
    assert result.stderr.startswith(f"recorded decision 1 in {log} (hash ")

    [entry] = entries(log)
    book = load_rulebook(ws / "rules", display_root="rules")
    loaded = load_dossier(ws / RURITANIA, book, display=RURITANIA)
    history = ws / "evidence/ruritania/history.yaml"
    extra, extra_sha = history_inputs(book, ws / RURITANIA, "Ruritania", 2007, history)
    expected = attach_fragility(
        book, loaded, assess(book, loaded, None, extra, extra_sha), extra, extra_sha
    )
    assert {k: entry[k] for k in ("by", "country", "report_year", "tier", "seq", "prev_hash")} == {
        "by": "alice",
        "country": "Ruritania",
        "report_year": 2007,
        "tier": "Tier 2",
        "seq": 1,
        "prev_hash": GENESIS_HASH,
    }
    assert entry["rules_sha256"] == book.sha256
    assert entry["evidence_sha256"] == loaded.sha256
    assert entry["explanation_digest"] == digest(expected.to_json())
    assert entry["engine_version"] == __version__
    assert entry["hash"] == entry_hash(entry)
    assert entry["time"].endswith("Z")
    replay = entry["replay"]
    head = git(ws, "rev-parse", "HEAD").strip()
    assert replay["format"] == "text" and replay["year"] is None
    assert replay["fragility"] is True  # assess computed it, so a replay computes it too
    assert replay["output_sha256"] == hashlib.sha256(plain.stdout.encode()).hexdigest()
    assert replay["rules"] == {
        "dir": str((ws / "rules").resolve()),
        "shown": "rules",
        "git": {"repo": str(ws.resolve()), "commit": head, "paths": ["rules"]},
    }
    assert replay["dossier"]["shown"] == RURITANIA
    assert replay["dossier"]["git"]["paths"] == [RURITANIA, "evidence/sources/ruritania-2007.txt"]

    second = record(ws, log, FREEDONIA, "--format", "json", by="bob")
    assert second.stderr.startswith(f"recorded decision 2 in {log}")
    first, then = entries(log)
    assert then["prev_hash"] == first["hash"] and then["tier"] == "Tier 1"
    assert then["replay"]["output_sha256"] == digest(second.stdout)


def test_the_placement_history_read_is_recorded(ws: Path, log: Path) -> None:
    record(ws, log, RURITANIA)
    record(ws, log, RURITANIA, "--no-history")
    with_history, without = (e["replay"]["history"] for e in entries(log))
    assert without is None
    assert with_history["path"] == str((ws / "evidence/ruritania/history.yaml").resolve())
    assert with_history["git"]["paths"] == ["evidence/ruritania/history.yaml"]
    assert len(with_history["sha256"]) == 64
    assert entries(log)[0]["explanation_digest"] != entries(log)[1]["explanation_digest"]


def test_a_record_asks_git_for_each_work_tree_and_its_head_once(
    ws: Path, log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three groups are pinned (the rules, the dossier and its narrative, the history), all in
    one work tree: git is asked where the work tree is once per directory and for HEAD once,
    then whether each group is clean. The pins are those of a group pinned alone."""
    from engine.audit import gitsource

    asked: list[list[str]] = []
    real = subprocess.run

    def counting(command: list[str], *args: Any, **kwargs: Any) -> Any:
        if command[0] == "git":
            asked.append(command[3:])
        return real(command, *args, **kwargs)

    monkeypatch.setattr(gitsource.subprocess, "run", counting)
    record(ws, log, RURITANIA)
    replay = entries(log)[0]["replay"]
    head = git(ws, "rev-parse", "HEAD").strip()
    assert [
        r["git"]["commit"] for r in (replay["rules"], replay["dossier"], replay["history"])
    ] == [head] * 3
    assert asked.count(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) == 1
    toplevel = [a for a in asked if a == ["rev-parse", "--show-toplevel"]]
    assert len(toplevel) == 2  # rules/, and evidence/ruritania/ (the dossier and its history)
    assert sum(a[0] == "status" for a in asked) == 3 and sum(a[0] == "ls-files" for a in asked) == 3


def test_log_location_from_the_environment_and_default_author(ws: Path, log: Path) -> None:
    result = run(ws, "assess", RURITANIA, "--record", env={"TIP_ASSESS_LOG": str(log)})
    assert result.exit_code == 0, result.stderr
    assert entries(log)[0]["by"] == getpass.getuser()


def test_rules_modified_in_the_working_tree_are_not_pinned_to_a_commit(ws: Path, log: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 2)
    record(ws, log, RURITANIA)
    replay = entries(log)[0]["replay"]
    assert replay["rules"]["git"] is None
    assert replay["dossier"]["git"] is not None  # the dossier itself is committed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log", "x.jsonl"], "--log and --by only apply with --record"),
        (["--by", "alice"], "--log and --by only apply with --record"),
        (["--record", "--by", " "], "--by must name someone"),
        (
            ["--record", "--by", "alice\ntier: Tier 1"],
            "Invalid value for '--by': must be one line of printable text",
        ),
        (
            ["--record", "--request-id", "r\x1b[2J"],
            "Invalid value for '--request-id': must be one line of printable text",
        ),
    ],
)
def test_record_usage_errors(ws: Path, log: Path, args: list[str], message: str) -> None:
    result = run(ws, "assess", RURITANIA, *args, env={"TIP_ASSESS_LOG": str(log)})
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert not log.exists() and not (ws / "x.jsonl").exists()


def test_recording_onto_a_damaged_log_is_refused_and_nothing_is_printed(
    ws: Path, log: Path
) -> None:
    record(ws, log, RURITANIA)
    with log.open("a") as handle:
        handle.write('"not an entry"\n')
    before = log.read_bytes()
    result = run(ws, "assess", RURITANIA, "--record", "--log", str(log))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"error: {log}: decision not recorded: {log}:2: last entry is corrupt" in result.stderr
    assert log.read_bytes() == before


# --------------------------------------------------------------------------- show and verify


def test_show_lists_entries_and_one_in_full(ws: Path, log: Path) -> None:
    record(ws, log, RURITANIA)
    record(ws, log, FREEDONIA, by="bob")
    shown = run(ws, "log", "show", "--log", str(log))
    assert shown.exit_code == 0
    out = shown.stdout.splitlines()
    assert out[0] == f"decision log {log}: 2 entries"
    assert out[1].split() == [
        "seq", "time", "by", "country", "year", "tier", "rulebook", "engine", "rules", "evidence",
        "hash",
    ]  # fmt: skip
    assert out[2].split()[2:6] == ["alice", "Ruritania", "2007", "Tier"]
    assert out[2].split()[7:9] == ["1.0.0", __version__]
    assert out[3].split()[2:4] == ["bob", "Freedonia"]

    record(ws, log, RURITANIA, "--year", "2005", by="carol")
    carol = run(ws, "log", "show", "--log", str(log)).stdout.splitlines()[4]
    assert carol.split()[2:8] == ["carol", "Ruritania", "2007", "(rules", "2005)", "Tier"]

    full = run(ws, "log", "show", "2", "--log", str(log), "--format", "json")
    assert json.loads(full.stdout) == entries(log)[1]
    # as text, one field a line in the log's order: text as it is, a nested value as JSON
    lines = run(ws, "log", "show", "2", "--log", str(log)).stdout.splitlines()
    second = entries(log)[1]
    assert [line.split(": ", 1)[0] for line in lines] == list(second)
    assert f"by: {second['by']}" in lines and f"seq: {second['seq']}" in lines
    replay = next(line for line in lines if line.startswith("replay: "))
    assert json.loads(replay.removeprefix("replay: ")) == second["replay"]
    as_json = json.loads(run(ws, "log", "show", "--log", str(log), "--format", "json").stdout)
    assert as_json["entries"] == entries(log)

    missing = run(ws, "log", "show", "4", "--log", str(log))
    assert missing.exit_code == 2 and "no entry 4 (the log has 3 entries)" in missing.stderr


def test_show_and_verify_without_a_log(ws: Path, tmp_path: Path) -> None:
    for command in ("show", "verify"):
        result = run(ws, "log", command, "--log", str(tmp_path / "none.jsonl"))
        assert result.exit_code == 2
        assert "no decision log here" in result.stderr


def three_entries(ws: Path, log: Path) -> None:
    record(ws, log, RURITANIA, by="alice")
    record(ws, log, FREEDONIA, by="bob")
    record(ws, log, RURITANIA, by="carol")


def test_verify_a_sound_log(ws: Path, log: Path) -> None:
    three_entries(ws, log)
    result = run(ws, "log", "verify", "--log", str(log))
    assert result.exit_code == 0
    assert result.stdout == (
        f"ok: 3 entries verified in {log}; head hash {entries(log)[2]['hash']}\n"
    )


def test_verify_names_an_altered_entry(ws: Path, log: Path) -> None:
    three_entries(ws, log)
    text = lines(log)
    text[1] = text[1].replace('"tier":"Tier 1"', '"tier":"Tier 2"')
    log.write_text("".join(text))
    result = run(ws, "log", "verify", "--log", str(log))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        f"FAILED: {log}: entry 2 (line 2): hash does not match its content (altered)",
        "first bad entry: 2 (line 2)",
        f"  as it now reads: Freedonia 2007 -> Tier 2, recorded {entries(log)[1]['time']} by bob",
    ]
    doc = json.loads(run(ws, "log", "verify", "--log", str(log), "--format", "json").stdout)
    assert (doc["ok"], doc["first_bad_seq"], doc["entries_verified"]) == (False, 2, 1)


def test_verify_names_a_forged_entry_by_the_broken_link_after_it(ws: Path, log: Path) -> None:
    three_entries(ws, log)
    text = lines(log)
    forged = json.loads(text[1])
    forged["tier"] = "Tier 3"
    forged["hash"] = entry_hash(forged)
    text[1] = canonical_json(forged) + "\n"
    log.write_text("".join(text))
    result = run(ws, "log", "verify", "--log", str(log))
    assert result.exit_code == 1
    assert "line 3: prev_hash does not match entry 2 (removed or reordered)" in result.stdout
    assert "(entry 2 was rewritten and re-hashed, or entries before line 3 were removed" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (
            lambda t: [t[0], t[2]],
            "entry at line 2 has seq 3, expected 2 (an entry was removed or reordered)",
        ),
        (lambda t: [t[0], t[2], t[1]], "entry at line 2 has seq 3, expected 2"),
        (lambda t: t[1:], "entry at line 1 has seq 2, expected 1"),
    ],
    ids=["removed", "reordered", "first removed"],
)
def test_verify_detects_removal_and_reordering(
    ws: Path, log: Path, tamper: Any, problem: str
) -> None:
    three_entries(ws, log)
    log.write_text("".join(tamper(lines(log))))
    result = run(ws, "log", "verify", "--log", str(log))
    assert result.exit_code == 1
    assert problem in result.stdout


# --------------------------------------------------------------------------- crashes and concurrency


def test_a_truncated_last_line_is_tolerated_and_repaired(ws: Path, log: Path) -> None:
    three_entries(ws, log)
    intact = lines(log)
    log.write_text("".join(intact[:2]) + intact[2][: len(intact[2]) // 2])

    verified = run(ws, "log", "verify", "--log", str(log))
    assert verified.exit_code == 0
    assert verified.stdout.startswith(f"ok: 2 entries verified in {log}")
    assert "last line is incomplete (interrupted write)" in verified.stderr

    shown = run(ws, "log", "show", "--log", str(log))
    assert shown.exit_code == 0 and f"decision log {log}: 2 entries" in shown.stdout
    assert f"{log}:3: incomplete last line" in shown.stderr

    again = record(ws, log, FREEDONIA, by="dave")
    assert "discarded an incomplete last line" in again.stderr
    assert "recorded decision 3" in again.stderr
    assert [e["by"] for e in entries(log)] == ["alice", "bob", "dave"]
    assert lines(log)[:2] == intact[:2]
    final = run(ws, "log", "verify", "--log", str(log))
    assert final.exit_code == 0 and final.stderr == ""


RECORDER = """
import sys, pathlib
from engine.cli.main import main
go, log, dossier, who, count = sys.argv[1:6]
while not pathlib.Path(go).exists():
    pass
for n in range(int(count)):
    try:
        main(["assess", dossier, "--record", "--log", log, "--by", who], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
"""


def start_recorder(ws: Path, go: Path, log: Path, dossier: str, who: str, count: int) -> Any:
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT)}
    env.pop("TIP_ASSESS_RULES", None)
    return subprocess.Popen(
        [sys.executable, "-c", RECORDER, str(go), str(log), dossier, who, str(count)],
        cwd=ws,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_two_processes_recording_at_once_lose_and_break_nothing(
    ws: Path, log: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    per_process = 15
    procs = [
        start_recorder(ws, go, log, dossier, who, per_process)
        for dossier, who in ((RURITANIA, "first"), (FREEDONIA, "second"))
    ]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    recorded = entries(log)
    assert [e["seq"] for e in recorded] == list(range(1, 2 * per_process + 1))
    assert sum(e["by"] == "first" for e in recorded) == per_process
    assert sum(e["by"] == "second" for e in recorded) == per_process
    assert {e["tier"] for e in recorded if e["by"] == "second"} == {"Tier 1"}
    result = run_process(ws, "log", "verify", "--log", str(log))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok: {2 * per_process} entries verified")


def test_a_recorder_killed_mid_run_leaves_a_log_that_verifies(
    ws: Path, log: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    go.touch()
    proc = start_recorder(ws, go, log, RURITANIA, "doomed", 10_000)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not log.exists() or len(lines(log)) < 3):
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert len(DecisionLog(log).entries()) >= 3
    verified = run(ws, "log", "verify", "--log", str(log))
    assert verified.exit_code == 0, verified.stdout
    after = record(ws, log, FREEDONIA, by="survivor")
    assert "recorded decision" in after.stderr
    assert run(ws, "log", "verify", "--log", str(log)).exit_code == 0


# --------------------------------------------------------------------------- replay


def test_replay_reproduces_byte_for_byte_from_the_recorded_commit(
    ws: Path, log: Path, tmp_path: Path
) -> None:
    original = record(ws, log, RURITANIA)
    record(ws, log, FREEDONIA, "--format", "markdown", "--year", "2005", by="bob")
    # Later edits to the working tree do not matter: the rules and evidence come from git.
    set_parameter(ws, "incarceration_min_years", 10)
    edit(ws / RURITANIA, "values: {count: 3}", "values: {count: 4}")

    out = tmp_path / "replayed.txt"
    result = run(ws, "log", "replay", "1", "--log", str(log), "-o", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    lines_out = result.stdout.splitlines()
    assert lines_out[0].startswith("replaying entry 1: Ruritania 2007 -> Tier 2, recorded ")
    assert "  rules from commit " in result.stdout and "  evidence from commit " in result.stdout
    assert all(line.startswith("  ok ") for line in lines_out if "sha256" in line)
    assert lines_out[-1] == "reproduced byte for byte"
    assert out.read_text() == original.stdout

    second = run(ws, "log", "replay", "2", "--log", str(log), "--format", "json")
    assert second.exit_code == 0
    doc = json.loads(second.stdout)
    assert doc["reproduced"] is True
    assert [c["check"] for c in doc["checks"]] == [
        "rules sha256",
        "evidence sha256",
        "rulebook version",
        "engine version",
        "tier",
        "explanation digest",
        "output (markdown) sha256",
    ]


def test_replay_of_an_assessment_without_fragility_reproduces(ws: Path, log: Path) -> None:
    original = record(ws, log, RURITANIA, "--no-fragility", "--format", "json")
    assert "fragility" not in json.loads(original.stdout)
    assert entries(log)[0]["replay"]["fragility"] is False
    result = run(ws, "log", "replay", "1", "--log", str(log))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "reproduced byte for byte"


def test_replay_reports_what_differs_when_unpinned_inputs_changed(ws: Path, log: Path) -> None:
    set_parameter(ws, "incarceration_min_years", 2)  # uncommitted: the rules are not pinned
    record(ws, log, RURITANIA)
    set_parameter(ws, "incarceration_min_years", 10)
    result = run(ws, "log", "replay", "1", "--log", str(log))
    assert result.exit_code == 1
    assert f"rules from {(ws / 'rules').resolve()} (not pinned to a commit)" in (result.stdout)
    assert "  DIFF rules sha256" in result.stdout
    [tier] = [line for line in result.stdout.splitlines() if line.startswith("  DIFF tier ")]
    assert tier.endswith(" now Tier 3, recorded Tier 2")
    assert "  DIFF output (text) sha256" in result.stdout
    assert result.stdout.endswith("NOT reproduced\n")


def test_replay_uses_the_recorded_history_and_notices_when_it_changed(
    ws: Path, log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TIP_ASSESS_CACHE", str(cache))
    record(ws, log, RURITANIA)  # history committed: pinned
    history = ws / "evidence" / "ruritania" / "history.yaml"
    edit(history, "placement: Tier 3", "placement: Tier 2")
    record(ws, log, RURITANIA)  # history modified: read from disk at replay
    edit(history, "placement: Tier 2", "placement: Tier 1")
    cached = support.store_keys(cache, "histories")
    assert len(cached) == 2  # each history assessed was cached
    stored = [support.stored_value(cache, "histories", key) for key in cached]

    pinned = run(ws, "log", "replay", "1", "--log", str(log))
    assert pinned.exit_code == 0, pinned.stdout
    assert "  history from commit " in pinned.stdout
    assert "  ok   history sha256" in pinned.stdout

    unpinned = run(ws, "log", "replay", "2", "--log", str(log))
    assert unpinned.exit_code == 1
    assert "  DIFF history sha256" in unpinned.stdout
    assert "  ok   rules sha256" in unpinned.stdout
    # A replay redoes the work: it neither reads nor writes the cache of loaded inputs.
    assert sorted(support.store_keys(cache, "histories")) == sorted(cached)
    assert [support.stored_value(cache, "histories", key) for key in cached] == stored


def test_replay_of_a_tampered_entry_warns_and_fails(ws: Path, log: Path) -> None:
    three_entries(ws, log)
    text = lines(log)
    text[1] = text[1].replace('"tier":"Tier 1"', '"tier":"Tier 2"')
    log.write_text("".join(text))
    result = run(ws, "log", "replay", "2", "--log", str(log))
    assert result.exit_code == 1
    assert "warning: the log fails verification at entry 2" in result.stdout
    assert "DIFF tier" in result.stdout


def test_replay_bad_input(ws: Path, log: Path) -> None:
    record(ws, log, RURITANIA)
    missing = run(ws, "log", "replay", "5", "--log", str(log))
    assert missing.exit_code == 2 and "no entry 5 (the log has 1 entries)" in missing.stderr
    by_hand = dict(entries(log)[0])
    for key in ("seq", "prev_hash", "hash", "replay"):
        by_hand.pop(key)
    DecisionLog(log).append(by_hand)
    result = run(ws, "log", "replay", "2", "--log", str(log))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {log}: entry 2 has no replay information (it was not recorded by assess --record)\n"
    )


def test_show_prints_a_field_with_a_control_character_quoted(ws: Path, log: Path) -> None:
    """A log written by hand (or by an older version) cannot make a field pass for others."""
    record(ws, log, RURITANIA)
    log.write_text(log.read_text().replace('"by":"alice"', '"by":"alice\\ntier: Tier 1"'))
    shown = run(ws, "log", "show", "1", "--log", str(log)).stdout.splitlines()
    assert 'by: "alice\\ntier: Tier 1"' in shown
    assert [line for line in shown if line.startswith("tier: ")] == [
        f"tier: {entries(log)[0]['tier']}"
    ]


@pytest.mark.parametrize("how", ["hard link", "symbolic link", "dot-dot path"])
def test_the_output_may_not_be_the_log_under_another_name(ws: Path, log: Path, how: str) -> None:
    record(ws, log, RURITANIA)
    before = log.read_bytes()
    other = ws / "other.jsonl"
    if how == "hard link":
        os.link(log, other)
    elif how == "symbolic link":
        other.symlink_to(log)
    else:
        other = log.parent / ".." / log.parent.name / log.name
    result = run(ws, "assess", RURITANIA, "--record", "--log", str(log), "-o", str(other))
    assert result.exit_code == 2
    assert "the output file cannot be the decision log" in result.stderr
    assert log.read_bytes() == before  # nothing recorded


def test_nothing_is_recorded_when_stdout_is_closed(ws: Path, log: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine", "assess", RURITANIA, "--record", "--log", str(log)],
        cwd=ws,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),  # only closes a descriptor: safe before exec
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: standard output: closed")
    assert not log.exists()
