"""`--help` on every command, and the environment the tool reads named in the top-level help."""

from __future__ import annotations

import importlib
import re

import click
import pytest
import support
from click.testing import CliRunner

from engine.cli.main import COMMAND_MODULES, main


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
    return found


def test_each_command_is_found_in_the_module_that_registers_it() -> None:
    """The table the top-level group imports commands by is the modules' own registration."""
    for module in sorted(set(COMMAND_MODULES.values())):
        group = click.Group()
        importlib.import_module(module).register(group)
        expected = {name for name, owner in COMMAND_MODULES.items() if owner == module}
        assert set(group.commands) == expected, module


def test_every_command_answers_help() -> None:
    runner = CliRunner()
    main.load_all()
    every = commands(main)
    assert ("assess",) in every and ("log", "show") in every
    for path in every:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"Usage: main {' '.join(path)} "), (path, result.output)


def test_the_help_names_every_environment_variable_the_engine_reads() -> None:
    read = set()
    for source in (support.ROOT / "engine").rglob("*.py"):
        for name in re.findall(r"TIP_ASSESS_[A-Z_]+", source.read_text(encoding="utf-8")):
            read.add("TIP_ASSESS_MAX_<NAME>" if name.startswith("TIP_ASSESS_MAX_") else name)
    assert {"TIP_ASSESS_CACHE", "TIP_ASSESS_RULES"} <= read
    shown = CliRunner().invoke(main, ["--help"]).output
    environment = shown[shown.index("Environment:") :]
    missing = sorted(name for name in read if name not in environment)
    assert not missing, missing


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["impact", "--base", "git:HEAD", "--features", "no-such-dir"], "--features"),
        (["lint", "--evidence", "no-such-dir"], "--evidence"),
        (["coverage", "--features", "no-such-dir"], "--features"),
    ],
)
def test_a_directory_option_naming_nothing_is_a_usage_error(args: list[str], option: str) -> None:
    """A typo in a directory option is said (exit 2), not read as a directory with nothing in
    it (impact and lint said nothing; coverage failed its threshold)."""
    done = support.run_cli(*args)
    assert done.returncode == 2, done.stdout
    assert f"Error: Invalid value for '{option}': Directory 'no-such-dir' does not exist" in (
        done.stderr
    )
    assert done.stdout == ""
