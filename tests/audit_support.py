"""Helpers for the audit tests: a toy rulebook and dossiers under git, and a CLI runner.

The toy fixture (tests/fixtures/audit) is independent of the real rules, which change as the
rulebook is developed; its outcomes are fixed: Ruritania 2007 is on Tier 2 (a 5-year sentence,
general shelters), Freedonia 2007 on Tier 1 (a 12-year sentence, a dedicated shelter). Raising
`incarceration_min_years` above 5 moves Ruritania to Tier 3; above 12 moves Freedonia too.
Raising `severe_sentence_min_years` flips the finding `sentencing` but moves no placement.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "audit"
ROOT = Path(__file__).resolve().parent.parent

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(workspace: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}
    done = subprocess.run(
        ["git", "-C", str(workspace), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def make_workspace(path: Path, commit: bool = True) -> Path:
    """Copy the toy rules, dossiers and features to `path`, as a git repository."""
    for part in ("rules", "evidence", "features"):
        shutil.copytree(FIXTURE / part, path / part)
    if commit:
        git(path, "init", "-q", "-b", "main")
        git(path, "add", ".")
        git(path, "commit", "-q", "-m", "toy rulebook")
    return path


def set_parameter(workspace: Path, name: str, value: float, file: str = "parameters.yaml") -> None:
    """Set the first dated value of a parameter in the workspace's rules/parameters.yaml (or
    another file under rules/)."""
    path = workspace / "rules" / file
    text = path.read_text()
    block = text.index(f"  {name}:")
    pattern = re.compile(r"value: [^,}]+")
    match = pattern.search(text, block)
    assert match is not None
    path.write_text(text[: match.start()] + f"value: {value}" + text[match.end() :])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run(workspace: Path, *args: str, env: dict[str, str | None] | None = None) -> Run:
    """Run `tip-assess ARGS` in-process from `workspace`, as a user would from that directory."""
    environment: dict[str, str | None] = {
        "TIP_ASSESS_RULES": None,
        "TIP_ASSESS_LOG": None,
        "TIP_ASSESS_DEBUG": None,
        **GIT_ENV,
        **(env or {}),
    }
    runner = CliRunner()
    with contextlib.chdir(workspace):
        result = runner.invoke(main, list(args), env=environment, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(
    workspace: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m engine ARGS` in a real process (real exit codes, real stderr)."""
    environment = {**os.environ, **GIT_ENV, **(env or {})}
    for name in ("TIP_ASSESS_RULES", "TIP_ASSESS_LOG", "TIP_ASSESS_DEBUG"):
        if env is None or name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=workspace,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
