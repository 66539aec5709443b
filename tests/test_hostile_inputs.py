"""The bad-input corpus: over 200 broken dossiers, histories and rules files, each refused cleanly.

Every case runs the real command line in-process on a small workspace (the toy rulebook and
the fixtures of tests/fixtures/hostile, copied afresh) and must give:
- exit status 2, nothing on stdout, no traceback;
- one message per problem (one, for almost every case), naming the file, and the line where
  the problem has one, with the expected words; a case about a limit names that limit;
- nothing written: no output file, no decision-log entry, and every file of the workspace
  byte for byte as it was;
- a bound on work, checked by counting work, never by the clock: the YAML events parsed and
  values built stay within what a valid assessment of the workspace costs plus the 'nodes'
  limit (a billion-laughs file would build 10^9 values), and no inference session is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bad_cases import malformed_cases
from bad_cases_dossier import structure_cases
from bad_cases_history import history_cases
from bad_cases_paths import path_cases, quote_cases
from bad_cases_rules import check_cases, rules_cases
from click.testing import CliRunner
from hostile_cases import LOG, OUT, Case, D, Expect, H, hostile_cases, special_file_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import main
from engine.durable_host import DurableHost
from engine.load import limits, yamlsource

TESTS = Path(__file__).resolve().parent
TOY_RULES = TESTS / "fixtures" / "audit" / "rules"
FIXTURES = TESTS / "fixtures" / "hostile"

CASES: list[Case] = [
    *hostile_cases(),
    *special_file_cases(),
    *malformed_cases(),
    *structure_cases(),
    *quote_cases(),
    *path_cases(),
    *history_cases(),
    *rules_cases(),
    *check_cases(),
]


def build_workspace(path: Path) -> Path:
    """The toy rulebook with a judgment kind and a toy automatic downgrade, and the fixtures."""
    shutil.copytree(TOY_RULES, path / "rules")
    shutil.copy(FIXTURES / "rules_extra.yaml", path / "rules" / "rules_extra.yaml")
    book = path / "rules" / "rulebook.yaml"
    text = book.read_text()
    marker = "    waived_field: downgrade_waived\n"
    assert marker in text
    book.write_text(
        text.replace(
            marker,
            marker
            + "    downgrade_field: automatic_downgrade\n"
            + "    downgrade_values: {placement: Tier 3}\n",
        )
    )
    shutil.copytree(FIXTURES / "evidence", path / "evidence")
    (path / "out").mkdir()
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "ws", symlinks=True))


@dataclass
class Work:
    events: int = 0
    nodes: int = 0
    sessions: int = 0

    @property
    def total(self) -> int:
        return self.events + self.nodes


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    work: Work


def invoke(ws: Path, args: list[str], env: dict[str, str], monkeypatch: Any) -> Run:
    """`tip-assess ARGS` in-process from `ws`, counting YAML events, values and sessions."""
    work = Work()
    parser = yamlsource._PARSER

    class CountingParser(parser):  # type: ignore[misc, valid-type]
        def get_event(self) -> Any:
            work.events += 1
            return super().get_event()

    count = yamlsource._Builder._count

    def counting(self: Any, line: int, added: int = 1) -> None:
        work.nodes += added
        count(self, line, added)

    run = DurableHost.run

    def counted_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        work.sessions += 1
        return run(self, *args, **kwargs)

    monkeypatch.setattr(yamlsource, "_PARSER", CountingParser)
    monkeypatch.setattr(yamlsource._Builder, "_count", counting)
    monkeypatch.setattr(DurableHost, "run", counted_run)
    environment: dict[str, str | None] = {
        name: None for name in ("TIP_ASSESS_RULES", "TIP_ASSESS_LOG", "TIP_ASSESS_SOURCES")
    }
    environment.update({limit.env: None for limit in limits.LIMITS.values()})
    environment.update(env)
    with contextlib.chdir(ws):
        result = CliRunner().invoke(main, args, env=environment, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr, work)


def command_line(case: Case, expect: Expect) -> list[str]:
    record = ["--record", "--log", LOG, "--request-id", "corpus"]
    dossier, history = D, []
    if case.command == "history":
        history = ["--history", H]
    elif case.command == "history-arg":
        history = ["--history", expect.file]
    elif case.command == "dossier-arg":
        dossier = expect.file
    elif case.command == "check":
        return ["check", expect.file, "--rules", "rules"]
    output = expect.file if case.command == "output" else OUT
    return ["assess", dossier, "--rules", "rules", *history, "-o", output, *record]


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under `root`: content hash of regular files, link targets, other types."""
    seen: dict[str, object] = {}
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(directory) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISREG(info.st_mode):
                seen[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), info.st_mode)
            elif stat.S_ISLNK(info.st_mode):
                seen[rel] = ("link", os.readlink(path))
            else:
                seen[rel] = ("type", stat.S_IFMT(info.st_mode))
    return seen


@pytest.fixture(scope="module")
def baseline_work(template: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    """The work of a valid assessment of the workspace (the rulebook, the dossier, the history)."""
    ws = Path(shutil.copytree(template, tmp_path_factory.mktemp("base") / "ws", symlinks=True))
    with pytest.MonkeyPatch.context() as patch:
        args = ["assess", D, "--rules", "rules", "--history", H, "--no-fragility"]
        result = invoke(ws, args, {}, patch)  # one assessment: no what-if variants
    assert result.exit_code == 0, result.stderr
    assert result.work.sessions == 1  # one assessment, without the fragility sweep
    return result.work.total


def test_the_corpus_has_over_200_distinct_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 200, len(ids)
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})


def test_the_workspace_is_valid_as_it_stands(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(ws, ["check", "evidence", "--rules", "rules"], {}, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert "1 dossier(s), 1 placement history(ies)" in result.stdout
    result = invoke(ws, ["assess", D, "--rules", "rules", "-o", OUT], {}, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert (ws / OUT).read_text().startswith("Ruritania, report year 2011")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_cleanly(
    case: Case, ws: Path, baseline_work: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expect = case.build(ws)
    before = snapshot(ws)
    result = invoke(ws, command_line(case, expect), case.env, monkeypatch)

    assert result.exit_code == 2, result.stderr + result.stdout
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    assert len(lines) == expect.count, result.stderr
    where = f"error: {expect.file}" + ("" if expect.line is None else f":{expect.line}") + ": "
    located = [line for line in lines if line.startswith(where)]
    assert located, f"no message starts with {where!r}:\n{result.stderr}"
    message = located[0]
    for fragment in expect.fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    if case.limit is not None:
        assert f"limit '{case.limit}'" in message and "docs/limits.md" in message

    assert snapshot(ws) == before, "the workspace changed"
    assert not (ws / OUT).exists() and not (ws / LOG).exists()
    assert result.work.sessions == 0, "inference ran on bad input"
    bound = baseline_work + 2 * limits.LIMITS["nodes"].default
    assert result.work.total <= bound, f"work {result.work.total} over {bound}"


# --------------------------------------------------------------------------- generated damage

BASE = (FIXTURES / "evidence" / "ruritania" / "2011.yaml").read_text()


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """The base dossier with a slice removed, replaced or repeated."""
    start = draw(st.integers(0, len(BASE)))
    end = draw(st.integers(start, min(len(BASE), start + 40)))
    filler = draw(
        st.sampled_from(
            ["", "&a ", "*a", "[", "]", "{", ":", "- ", "\t", "'", '"', "\n", "é", "!!"]
        )
    )
    repeat = draw(st.integers(0, 3))
    return BASE[:start] + filler + BASE[start:end] * repeat + BASE[end:]


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=damaged())
def test_damaged_dossiers_never_crash(
    text: str, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "damaged"
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(template, ws)
    (ws / D).write_text(text, encoding="utf-8")
    before = snapshot(ws)
    result = invoke(ws, ["assess", D, "--rules", "rules", "-o", OUT], {}, monkeypatch)
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.exit_code == 2:
        assert all(line.startswith("error: ") for line in result.stderr.splitlines())
        assert result.stderr.startswith(f"error: {D}")
        after = snapshot(ws)
        assert after == before
