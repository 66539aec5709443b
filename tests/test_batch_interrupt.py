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
        pool.run(Sleeps(0.02), list(range(400)), 2, lambda index, item, got: seen.append(got))
    timer.join()
    assert time.monotonic() - started < 3  # 400 x 0.02 s on two workers would be 4 s
    assert 0 < len(seen) < 400 and seen == list(range(len(seen)))  # in order, then stopped
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
    or runs them: "Aborted!" and exit 1 within seconds, whatever the moment."""
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
    assert (status, stderr.strip().splitlines()[-1:]) == (1, ["Aborted!"]), stderr
