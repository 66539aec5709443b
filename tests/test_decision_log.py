"""Behaviour of the tamper-evident decision log, exercised against real files."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine import __version__
from engine.audit.decision_log import (
    GENESIS_HASH,
    DecisionLog,
    DecisionLogError,
    canonical_json,
    default_log_path,
    entry_hash,
)

DIGEST = hashlib.sha256(b"explanation").hexdigest()
RULES = hashlib.sha256(b"rules").hexdigest()
EVIDENCE = hashlib.sha256(b"evidence").hexdigest()


def record(n: int = 0, /, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "by": "analyst",
        "country": f"Country {n}",
        "report_year": 2024,
        "tier": "Tier 2",
        "explanation_digest": DIGEST,
        "rules_sha256": RULES,
        "evidence_sha256": EVIDENCE,
        "replay": {"rules_rev": "abc123", "evidence": "evidence/x.yaml", "format": "text"},
    }
    base.update(overrides)
    return base


class FixedClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def make_log(tmp_path: Path, count: int) -> tuple[DecisionLog, Path]:
    path = tmp_path / "state" / "decisions.jsonl"
    log = DecisionLog(path, clock=FixedClock())
    for n in range(count):
        log.append(record(n))
    return log, path


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def rehash(line: str, **changes: object) -> str:
    """Rewrite a line as a forger would: change fields and recompute its own hash."""
    entry: dict[str, Any] = json.loads(line)
    entry.update(changes)
    entry["hash"] = entry_hash(entry)
    return canonical_json(entry) + "\n"


def test_round_trip(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 0)
    first = log.append(record(1))
    second = log.append(record(2, time="2023-01-01T00:00:00Z"))

    assert first["seq"] == 1 and first["prev_hash"] == GENESIS_HASH
    assert second["seq"] == 2 and second["prev_hash"] == first["hash"]
    assert first["time"] == "2024-06-01T12:00:01Z"
    assert second["time"] == "2023-01-01T00:00:00Z"
    assert first["engine_version"] == __version__
    assert first["replay"] == record(1)["replay"]
    assert log.entries() == [first, second]
    assert log.torn_line is None

    lines = read_lines(path)
    assert lines == [canonical_json(first) + "\n", canonical_json(second) + "\n"]
    body = {k: v for k, v in first.items() if k != "hash"}
    assert first["hash"] == hashlib.sha256(canonical_json(body).encode()).hexdigest()

    report = log.verify()
    assert report.ok and report.entries == 2 and report.problem == ""
    assert report.first_bad_seq is None and report.first_bad_line is None
    assert report.head_hash == second["hash"]


def test_missing_file_is_an_empty_valid_log(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "nope.jsonl")
    assert log.entries() == []
    report = log.verify()
    assert report.ok and report.entries == 0 and report.head_hash is None


def test_clock_must_be_timezone_aware(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "d.jsonl", clock=lambda: datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        log.append(record())
    eastern = timezone(timedelta(hours=-5))
    log = DecisionLog(tmp_path / "d.jsonl", clock=lambda: datetime(2024, 1, 1, tzinfo=eastern))
    assert log.append(record())["time"] == "2024-01-01T05:00:00Z"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"seq": 7}, "filled in by the log"),
        ({"hash": DIGEST}, "filled in by the log"),
        ({"colour": "red"}, "unknown fields"),
        ({"tier": ""}, "tier must be"),
        ({"report_year": "2024"}, "report_year"),
        ({"rules_sha256": "ABC"}, "rules_sha256"),
        ({"replay": ["x"]}, "replay must be a dict"),
        ({"replay": {"x": object()}}, "not JSON-serialisable"),
        ({"time": "yesterday"}, "ISO 8601"),
        ({"time": "2024-01-01T00:00:00+02:00"}, "UTC"),
    ],
)
def test_invalid_records_are_rejected(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    log = DecisionLog(tmp_path / "d.jsonl")
    with pytest.raises(ValueError, match=message):
        log.append(record(**overrides))
    assert log.entries() == []


def test_returned_entry_is_independent_of_caller_data(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "d.jsonl")
    rec = record()
    log.append(rec)
    replay = rec["replay"]
    assert isinstance(replay, dict)
    replay["format"] = "json"
    assert log.verify().ok


def test_altered_field_is_detected_and_named(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 5)
    lines = read_lines(path)
    lines[2] = lines[2].replace('"tier":"Tier 2"', '"tier":"Tier 1"')
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok
    assert report.first_bad_seq == 3 and report.first_bad_line == 3
    assert report.entries == 2
    assert report.problem == "entry 3 (line 3): hash does not match its content (altered)"
    # Reading still works; only verify judges integrity.
    assert log.entries()[2]["tier"] == "Tier 1"


def test_altered_and_rehashed_entry_breaks_the_next_link(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 5)
    lines = read_lines(path)
    lines[2] = rehash(lines[2], tier="Tier 1")
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 4
    assert report.problem == "line 4: prev_hash does not match entry 3 (removed or reordered)"


def test_removed_entry_is_detected(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 5)
    lines = read_lines(path)
    del lines[3]
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok
    assert report.first_bad_seq == 4 and report.first_bad_line == 4
    assert report.problem == (
        "entry at line 4 has seq 5, expected 4 (an entry was removed or reordered)"
    )


def test_removed_entry_with_renumbering_is_detected(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 5)
    lines = read_lines(path)
    del lines[1]
    lines[1:] = [rehash(line, seq=i) for i, line in enumerate(lines[1:], start=2)]
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok and report.first_bad_line == 2
    assert report.problem == "line 2: prev_hash does not match entry 1 (removed or reordered)"


def test_removed_first_entry_is_detected(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 3)
    lines = read_lines(path)
    path.write_text("".join(rehash(line, seq=i) for i, line in enumerate(lines[1:], 1)))

    report = log.verify()
    assert not report.ok and report.first_bad_line == 1
    assert "prev_hash is not the genesis value" in report.problem


def test_reordered_entries_are_detected(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 5)
    lines = read_lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok
    assert report.first_bad_seq == 2
    assert report.problem == (
        "entry at line 2 has seq 3, expected 2 (an entry was removed or reordered)"
    )


def test_non_canonical_rewrite_is_detected(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 3)
    lines = read_lines(path)
    lines[1] = json.dumps(json.loads(lines[1]), indent=None) + "\n"
    path.write_text("".join(lines), encoding="utf-8")

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 2
    assert report.problem == "entry 2 (line 2): line is not in canonical form (rewritten)"


def test_corrupt_middle_line(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 3)
    lines = read_lines(path)
    lines[1] = "{garbage\n"
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(DecisionLogError, match=r"decisions\.jsonl:2: corrupt entry"):
        log.entries()
    report = log.verify()
    assert not report.ok and report.first_bad_line == 2
    assert report.problem.startswith("line 2: not valid JSON")


def test_append_refuses_to_chain_onto_corrupt_last_line(tmp_path: Path) -> None:
    log, path = make_log(tmp_path, 2)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('"not an entry"\n')
    before = path.read_bytes()
    with pytest.raises(DecisionLogError, match=r"decisions\.jsonl:3: last entry is corrupt"):
        log.append(record())
    assert path.read_bytes() == before


@pytest.mark.parametrize("complete_json", [False, True])
def test_torn_last_line_tolerated_and_repaired(tmp_path: Path, complete_json: bool) -> None:
    log, path = make_log(tmp_path, 3)
    intact = path.read_bytes()
    would_be = rehash(read_lines(path)[2], seq=4).rstrip("\n")
    torn = would_be if complete_json else would_be[:40]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(torn)

    assert [e["seq"] for e in log.entries()] == [1, 2, 3]
    assert log.torn_line == 4
    report = log.verify()
    assert report.ok and report.entries == 3 and report.torn_line == 4
    assert report.problem == (
        "last line is incomplete (interrupted write); 3 complete entries verified"
    )

    entry = log.append(record(9))
    assert entry["seq"] == 4
    assert log.repaired_tail == torn.encode()
    assert path.read_bytes() == intact + (canonical_json(entry) + "\n").encode()
    report = log.verify()
    assert report.ok and report.entries == 4 and report.problem == ""
    assert report.torn_line is None

    log.append(record(10))
    assert log.repaired_tail is None


def test_torn_only_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"seq":1,')
    log = DecisionLog(path)
    assert log.entries() == [] and log.torn_line == 1
    assert log.verify().ok
    assert log.append(record())["prev_hash"] == GENESIS_HASH
    assert log.verify().entries == 1


def test_parent_directories_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "log.jsonl"
    DecisionLog(path).append(record())
    assert len(read_lines(path)) == 1


def _append_many(path: str, count: int, worker: int, barrier: Any) -> None:
    log = DecisionLog(Path(path))
    barrier.wait()
    for n in range(count):
        log.append(record(n, by=f"worker-{worker}"))


def test_concurrent_appends_from_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "decisions.jsonl"
    workers, per_worker = 4, 100
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=_append_many, args=(str(path), per_worker, w, barrier))
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0] * workers

    log = DecisionLog(path)
    entries = log.entries()
    total = workers * per_worker
    assert [e["seq"] for e in entries] == list(range(1, total + 1))
    for w in range(workers):
        assert sum(e["by"] == f"worker-{w}" for e in entries) == per_worker
    report = log.verify()
    assert report.ok and report.entries == total and report.problem == ""


def test_default_log_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TIP_ASSESS_LOG", str(tmp_path / "custom.jsonl"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_log_path() == tmp_path / "custom.jsonl"

    monkeypatch.delenv("TIP_ASSESS_LOG")
    assert default_log_path() == tmp_path / "xdg" / "tip-assess" / "decisions.jsonl"

    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "state" / "tip-assess" / "decisions.jsonl"
    assert default_log_path() == expected
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_log_path() == expected
