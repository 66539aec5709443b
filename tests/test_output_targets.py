"""Where an output goes: `-o` through a link, to a device or a pipe, and a stdout the system
refuses to write (a full disk). Nothing is replaced that is not a file, and a refused write is
one line on stderr and exit 2, never an internal error."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import support

PERU = "evidence/peru/2007.yaml"
FULL = Path("/dev/full")  # every write fails with ENOSPC (Linux)
needs_full = pytest.mark.skipif(
    not FULL.exists() or not stat.S_ISCHR(FULL.stat().st_mode), reason="no /dev/full device"
)


def _to(stdout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("TIP_ASSESS_DEBUG", None)
    with open(stdout, "w") as target:
        return subprocess.run(
            [sys.executable, "-m", "engine", *args],
            cwd=support.ROOT,
            env=env,
            stdout=target,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )


@needs_full
@pytest.mark.parametrize(
    "args",
    [("assess", PERU), ("assess", "evidence", "--no-progress", "--no-fragility"), ("--help",)],
    ids=["report", "batch", "help"],
)
def test_a_full_disk_on_stdout_is_an_error_not_a_fault(args: tuple[str, ...]) -> None:
    done = _to(FULL, *args)
    assert done.stderr == "error: standard output: No space left on device\n"
    assert done.returncode == 2


def test_output_through_a_link_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "peru.txt"
    target.parent.mkdir()
    target.write_text("last week's report\n", encoding="utf-8")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    done = support.run_cli("assess", PERU, "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8").startswith("Peru, report year 2007: Tier 2")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_output_to_a_pipe_is_written_to_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(
        target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True
    )
    reader.start()
    done = support.run_cli("assess", PERU, "-o", str(fifo))
    reader.join(timeout=20)
    assert done.returncode == 0, done.stderr
    assert received and received[0].startswith("Peru, report year 2007: Tier 2")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe, not a file in its place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]  # no temporary left


def _run_bytes(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, **env}
    full.pop("TIP_ASSESS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=support.ROOT,
        env=full,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_a_report_to_a_pipe_is_utf8_whatever_the_locale(fmt: str) -> None:
    """A Latin-1 (or cp1252) locale cannot encode the reports' arrows and signs: they are
    UTF-8 documents (the HTML declares it, JSON requires it), written as such."""
    native = _run_bytes({"PYTHONIOENCODING": "utf-8"}, "assess", PERU, "--format", fmt)
    latin = _run_bytes({"PYTHONIOENCODING": "latin-1"}, "assess", PERU, "--format", fmt)
    assert latin.returncode == native.returncode == 0, latin.stderr.decode()
    assert latin.stdout == native.stdout
    text = latin.stdout.decode("utf-8")
    assert any(ord(c) > 0xFF for c in text)  # characters Latin-1 cannot encode (an arrow, a dash)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals")
def test_a_terminal_keeps_its_encoding_and_shows_what_it_cannot_as_a_question_mark() -> None:
    primary, secondary = os.openpty()
    try:
        env = {**os.environ, "PYTHONIOENCODING": "latin-1", "NO_COLOR": "1"}
        env.pop("TIP_ASSESS_DEBUG", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "engine", "assess", PERU, "--no-fragility"],
            cwd=support.ROOT,
            env=env,
            stdout=secondary,
            stderr=subprocess.PIPE,
        )
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            shown += chunk
        assert process.stderr is not None
        with process.stderr:
            stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, stderr
    finally:
        os.close(primary)
    text = shown.decode("latin-1")
    assert text.startswith("Peru, report year 2007: Tier 2")
    assert "§" in text  # Latin-1 has it
    assert "→" not in text and "?" in text  # it has no arrow


def _refused_over(target: Path, *args: str) -> None:
    """`args` write their output over `target`, an input of the command: exit 2, the file
    named, and not a byte of it changed."""
    before = target.read_bytes()
    done = support.run_cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"{target}: refusing to write the output over an input" in done.stderr
    assert target.read_bytes() == before


def test_no_command_writes_over_the_placements_it_checks_against(tmp_path: Path) -> None:
    expected = tmp_path / "expected.csv"
    expected.write_text((support.ROOT / "evidence" / "expected.csv").read_text())
    for command in ("validate", "consistency"):
        _refused_over(
            expected, command, "evidence", "--expected", str(expected), "-o", str(expected)
        )


def test_no_command_writes_over_the_decision_log_it_reads(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    recorded = support.run_cli("assess", PERU, "--record", "--log", str(log))
    assert recorded.returncode == 0, recorded.stderr
    _refused_over(log, "log", "replay", "1", "--log", str(log), "-o", str(log))


def test_whatif_does_not_write_over_the_changes_it_applies(tmp_path: Path) -> None:
    changes = tmp_path / "changes.yaml"
    changes.write_text("records: []\n")
    _refused_over(changes, "whatif", PERU, "--with", str(changes), "-o", str(changes))


def test_the_rules_schema_is_not_written_over_a_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    for file in (support.ROOT / "rules").glob("*.yaml"):
        (rules / file.name).write_bytes(file.read_bytes())
    target = rules / "tiers.yaml"
    _refused_over(target, "schema", "rules", "--rules", str(rules), "-o", str(target))
    fresh = support.run_cli("schema", "rules", "--rules", str(rules), "-o", str(rules / "x.json"))
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads((rules / "x.json").read_text())["$defs"]


def _stdout_closed(*args: str) -> subprocess.CompletedProcess[str]:
    """`tip-assess ARGS >&-`: the process starts with no standard output at all."""
    env = {**os.environ}
    env.pop("TIP_ASSESS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=support.ROOT,
        env=env,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),  # only closes a descriptor: safe before exec
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args", [("assess", PERU), ("rules", "list"), ("--help",)], ids=["assess", "rules", "help"]
)
def test_a_closed_stdout_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = _stdout_closed(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "error: standard output: closed (redirect it, or give -o FILE to a command that takes it)\n"
    )


def test_with_stdout_closed_the_output_file_is_still_written(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    done = _stdout_closed("assess", PERU, "-o", str(report))
    assert done.returncode == 0, done.stderr
    assert "Tier 2" in report.read_text()


LONG = "a" * 300  # longer than any file system allows one name to be


@pytest.mark.parametrize(
    "args",
    [
        ["assess", f"{LONG}.yaml"],
        ["assess", PERU, "-o", LONG],
        ["rules", "list", "--rules", LONG],
        ["log", "show", "--log", LONG],
    ],
    ids=["dossier", "output", "rules", "log"],
)
def test_a_name_too_long_is_said_and_exit_2(args: list[str]) -> None:
    done = support.run_cli(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.endswith(": File name too long\n"), done.stderr
    assert done.stderr.startswith("error: ") and LONG in done.stderr
    assert done.stderr.count("\n") == 1
