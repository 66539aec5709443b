"""A reader of stdout that goes away (`tip-assess ... | head`) stops the command quietly.

The pipe's read end is closed before the command writes a byte, so every write fails: the
command ends with 141 (as a command stopped by SIGPIPE) and says nothing on stderr, neither an
"internal error" nor Python's "Exception ignored" at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import support

from engine.cli.common import EXIT_BROKEN_PIPE


def _with_reader_gone(*args: str) -> tuple[int, str]:
    env = {**os.environ}
    env.pop("TIP_ASSESS_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", *args],
        cwd=support.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command has started
    with process.stderr:
        stderr = process.stderr.read().decode()
    return process.wait(timeout=120), stderr


@pytest.mark.parametrize(
    "args",
    [
        ("assess", "evidence/peru/2007.yaml"),
        ("assess", "evidence/peru/2007.yaml", "--format", "json"),
        ("assess", "evidence", "--jobs", "2", "--no-progress", "--no-fragility"),
        ("rules", "list", "--year", "2007"),
    ],
    ids=["report", "json", "batch on two workers", "rules list"],
)
def test_a_reader_gone_stops_the_command_quietly(args: tuple[str, ...]) -> None:
    status, stderr = _with_reader_gone(*args)
    assert stderr == ""
    assert status == EXIT_BROKEN_PIPE == 141


def test_with_the_reader_there_the_same_command_succeeds() -> None:
    """The other side: the exit status above comes from the closed pipe, not the command."""
    done = support.run_process("rules", "list", "--year", "2007")
    assert done.returncode == 0, done.stderr
    assert done.stdout and done.stderr == ""
