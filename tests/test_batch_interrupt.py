"""Ctrl-C during a batch: taken up between chunks, never inside the pool's machinery, so the
command ends with click's "Aborted!" (exit 1), its workers gone, and never hangs.

A KeyboardInterrupt raised while the workers were being forked (in a fork handler, or holding
a queue's lock) left the command hanging at exit, or ended it as an internal error.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import support
from batch_jobs import Sleeps

from engine.batch import pool


def test_an_interrupt_stops_the_pool_between_chunks_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGINT)
    seen: list[int] = []
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        pool.run(Sleeps(0.02), list(range(2000)), 2, lambda index, item, got: seen.append(got))
    timer.join()
    # Stopped at once, not after the batch: 2,000 x 0.02 s on two workers would take 20 s.
    assert time.monotonic() - started < 15
    assert 0 < len(seen) < 2000 and seen == list(range(len(seen)))  # in order, then stopped
    assert multiprocessing.active_children() == []
    assert signal.getsignal(signal.SIGINT) is before


def test_where_interrupts_are_ignored_the_pool_leaves_them_ignored() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        seen: list[int] = []
        pool.run(Sleeps(0.0), list(range(40)), 2, lambda index, item, got: seen.append(got))
        assert seen == list(range(40))
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 copies of Peru 2007, each in a country folder of its own: a batch of a few seconds."""
    root = tmp_path_factory.mktemp("interrupted")
    first = support.peru_tree(root)
    for number in range(300):
        folder = root / f"peru-{number:03d}"
        folder.mkdir()
        shutil.copy(first, folder / "2007.yaml")
    return root


@pytest.mark.parametrize("delay", [0.12, 0.16, 0.2, 0.24, 0.3, 0.4, 0.6])
def test_ctrl_c_at_any_moment_of_a_batch_ends_it_with_aborted(corpus: Path, delay: float) -> None:
    """Ctrl-C (SIGINT to the whole process group) while the command starts, forks its workers
    or runs them: "Aborted!" within seconds, whatever the moment, never a hang or a fault."""
    env = {**os.environ, "TIP_ASSESS_CACHE": "off"}
    env.pop("TIP_ASSESS_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "assess", str(corpus), "--jobs", "2", "--no-progress"],
        cwd=support.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    try:
        status = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"the batch hung after Ctrl-C at {delay} s")
    assert process.stderr is not None
    with process.stderr:
        stderr = process.stderr.read().decode()
    assert "internal error" not in stderr, (status, stderr)
    # Python itself still starting, before the command line's own handling (a loaded machine):
    # its site import failing, killed by the signal, or a KeyboardInterrupt while importing.
    if "Fatal Python error" in stderr:
        return
    if status == -signal.SIGINT and "Aborted!" not in stderr:
        assert stderr == "" or stderr.rstrip().endswith(("KeyboardInterrupt", "KeyboardInterrupt:"))
        return
    if status == 0:
        # The interrupt was swallowed where it landed: pydantic-core prints a KeyboardInterrupt
        # raised inside its own callbacks as "Exception ignored" and goes on (rare, at start-up).
        assert "Exception ignored" in stderr, stderr
        return
    # 1 from click; -2 (130 in a shell) when CPython saw the KeyboardInterrupt pass through
    # code run by exec (a dataclass being made), which makes it end by SIGINT after the message.
    assert status in (1, -signal.SIGINT), stderr
    assert stderr.strip().splitlines()[-1:] == ["Aborted!"], stderr


def test_an_interrupt_stops_the_local_sweep_executor_too() -> None:
    from batch_jobs import sleep_then_return

    from engine.whatif.executor import LocalProcesses

    before = signal.getsignal(signal.SIGINT)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        LocalProcesses(2).map(sleep_then_return, 0.02, list(range(2000)))
    timer.join()
    assert time.monotonic() - started < 15  # not the whole sweep: 20 s on two workers
    assert multiprocessing.active_children() == []
    assert signal.getsignal(signal.SIGINT) is before
    # Uninterrupted, every result in item order.
    assert LocalProcesses(2).map(sleep_then_return, 0.0, list(range(50))) == list(range(50))


def test_an_error_a_ctrl_c_caused_is_told_from_a_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import interrupts
    from engine.cli import common

    monkeypatch.setattr(interrupts, "_seen", False)
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise RuntimeError("Error calling __set_name__") from interrupt
    except RuntimeError as wrapped:
        assert common.caused_by_interrupt(wrapped)
    assert not common.caused_by_interrupt(RuntimeError("a fault of the tool"))
    # A library that keeps only the text of the interrupt: the Ctrl-C this process saw decides.
    monkeypatch.setattr(interrupts, "_seen", True)
    assert common.caused_by_interrupt(ValueError("Error building serializer: KeyboardInterrupt"))


def test_a_ctrl_c_a_library_swallowed_before_the_pool_stops_it_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pydantic-core catches a KeyboardInterrupt raised in its own callbacks and goes on; the
    program's handler noted the Ctrl-C (`engine.interrupts`), and the pool takes it up before
    its first result."""
    from engine import interrupts

    monkeypatch.setattr(interrupts, "_seen", True)
    seen: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        pool.run(Sleeps(0.02), list(range(200)), 2, lambda index, item, got: seen.append(got))
    assert seen == [] and multiprocessing.active_children() == []


# A new process whose rules load has a Ctrl-C swallowed, as pydantic-core does with a
# KeyboardInterrupt raised inside its callbacks (`{ctrl_c}`), and then does `{after}`.
SWALLOWING = """
import os, signal, sys
from engine.errors import InputError
from engine.load import cache

real = cache.load_rulebook_cached

def load_and_swallow(*args, **kwargs):
    try:
        {ctrl_c}
        signal.pthread_sigmask(signal.SIG_BLOCK, [])  # lets the handler run here
    except KeyboardInterrupt:
        pass
    {after}

cache.load_rulebook_cached = load_and_swallow
sys.argv = ["tip-assess", *sys.argv[1:]]
from engine.cli.entry import run
run()
"""


def _swallowing(
    after: str, *arguments: str, ctrl_c: bool = True
) -> subprocess.CompletedProcess[str]:
    """`tip-assess ARGUMENTS` in a new process whose rules load swallows a Ctrl-C (none when
    `ctrl_c` is false)."""
    interrupt = "os.kill(os.getpid(), signal.SIGINT)" if ctrl_c else "pass"
    return subprocess.run(
        [sys.executable, "-c", SWALLOWING.format(after=after, ctrl_c=interrupt), *arguments],
        cwd=support.ROOT,
        env={**os.environ, "TIP_ASSESS_CACHE": "off"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["batch", "single"])
def test_a_ctrl_c_a_library_swallowed_still_ends_the_command_with_aborted(command: str) -> None:
    """The Ctrl-C lands while the rules load and is swallowed there: the command still ends
    with "Aborted!" (exit 1): the batch before its first row, a single assessment when it
    returns. Without the note it ran to its end with exit 0."""
    target = ["evidence", "--jobs", "2"] if command == "batch" else ["evidence/peru/2007.yaml"]
    done = _swallowing("return real(*args, **kwargs)", "assess", *target, "--no-fragility")
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1:] == ["Aborted!"], done.stderr
    if command == "batch":
        assert "dossier(s)" not in done.stdout and "evidence/" not in done.stdout  # no row


@pytest.mark.parametrize(
    "arguments",
    [
        ["assess", "evidence/peru/2007.yaml", "--no-fragility"],
        ["assess", "evidence", "--jobs", "2", "--no-fragility"],
        ["check", "evidence/peru/2007.yaml", "--format", "json"],
    ],
)
def test_errors_a_swallowed_ctrl_c_caused_end_the_command_with_aborted(
    arguments: list[str],
) -> None:
    """Seen in a test run: Ctrl-C landed while pydantic checked a rule's pattern, pydantic-core
    printed it as "Exception ignored" and failed the check, and the command reported eight
    invalid rules with exit 2. Any error after a Ctrl-C of the process is the Ctrl-C."""
    failing_check = (
        'raise InputError.single("rules/weighing.yaml", 33, "rules.0.weigh.conclude", '
        "\"String should match pattern '<unprintable str object>'\")"
    )
    done = _swallowing(failing_check, *arguments)
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1:] == ["Aborted!"], done.stderr
    assert "should match pattern" not in done.stderr


def test_a_warning_a_swallowed_ctrl_c_caused_is_not_shown() -> None:
    """pydantic-core, when the Ctrl-C lands in a tagged union's discriminator, goes on and
    warns ("Pydantic serializer warnings"): noise before "Aborted!", which says it all."""
    warn = (
        "import warnings; warnings.warn('Pydantic serializer warnings: "
        "PydanticSerializationUnexpectedValue', UserWarning); return real(*args, **kwargs)"
    )
    done = _swallowing(warn, "assess", "evidence/peru/2007.yaml", "--no-fragility")
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines() == ["Aborted!"], done.stderr


def test_warnings_without_a_ctrl_c_are_still_shown() -> None:
    warn = (
        "import warnings; warnings.warn('a real warning', UserWarning); "
        "return real(*args, **kwargs)"
    )
    done = _swallowing(warn, "assess", "evidence/peru/2007.yaml", "--no-fragility", ctrl_c=False)
    assert done.returncode == 0, done.stderr
    assert "UserWarning: a real warning" in done.stderr
