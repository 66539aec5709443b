"""The garbage collector's policy of a `tip-assess` process (engine/collector.py).

The command line holds the collector back while it starts, then freezes what it built and
collects in larger steps; its batch workers take the same policy. A library caller, and a test
that runs `main` in its own process, keep the collector as they set it.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
import support

from engine import collector

# Prints the collector's state when the process ends, after running the given script body.
PROBE = """
import atexit, gc, json, sys
atexit.register(lambda: print(json.dumps({"enabled": gc.isenabled(),
    "threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}), file=sys.stderr))
"""


def _state_at_exit(body: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE + textwrap.dedent(body)],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stderr.strip().splitlines()
    assert lines, done.stderr
    state: dict[str, object] = json.loads(lines[-1])
    state["exit"] = done.returncode
    state["stdout"] = done.stdout
    return state


@pytest.fixture
def restored() -> Iterator[None]:
    """Whatever a test does to this process's collector, it is undone after."""
    enabled, threshold, state = gc.isenabled(), gc.get_threshold(), dict(collector._state)
    frozen = gc.get_freeze_count()
    yield
    gc.unfreeze()
    if frozen:  # the test processes freeze what they collected (conftest): so again
        gc.freeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()
    collector._state.update(state)


def test_the_program_freezes_its_start_and_collects_in_larger_steps() -> None:
    state = _state_at_exit(
        """
        sys.argv = ["tip-assess", "assess", "evidence/peru/2007.yaml", "--no-fragility"]
        from engine.cli.main import run
        run()
        """
    )
    assert state["exit"] == 0
    assert "Tier 2" in str(state["stdout"])
    assert state["enabled"] is True
    assert state["threshold"] == [collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS]
    assert isinstance(state["frozen"], int) and state["frozen"] > 10_000  # modules, rulebook


def test_main_run_in_a_callers_process_leaves_its_collector_alone() -> None:
    enabled, threshold, frozen = gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()
    result = support.run_cli("assess", "evidence/peru/2007.yaml", "--no-fragility")
    assert result.returncode == 0, result.stderr
    assert (gc.isenabled(), gc.get_threshold()) == (enabled, threshold)
    # Nothing more frozen (frozen objects may have been freed meanwhile: the count can drop).
    assert gc.get_freeze_count() <= frozen


def test_settle_without_pause_changes_nothing(restored: None) -> None:
    gc.set_threshold(700, 10, 10)
    collector._state.update(paused=False, active=False)
    collector.settle()
    collector.before_fork()
    collector.in_worker(False)
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)
    assert not collector.active()


def test_cycles_are_still_collected_once_settled() -> None:
    # Without a call to gc.collect: the policy must leave the automatic collection on.
    state = _state_at_exit(
        """
        import weakref
        from engine import collector
        collector.pause()
        collector.settle()
        class Node:
            pass
        first = Node()
        first.me = first
        alive = weakref.ref(first)
        del first
        for _ in range(5 * collector.YOUNG_THRESHOLD * 10):
            node = Node()
            node.me = node
        print("freed" if alive() is None else "kept")
        """
    )
    assert state["exit"] == 0
    assert state["stdout"].strip() == "freed"


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_batch_workers_take_the_parents_policy_whatever_the_start_method(method: str) -> None:
    state = _state_at_exit(
        f"""
        sys.path.insert(0, "tests")
        import multiprocessing
        from batch_jobs import CollectorState
        from engine import collector
        from engine.batch import pool
        pool.start_context = lambda: multiprocessing.get_context("{method}")
        collector.pause()
        collector.settle()
        seen = []
        pool.run(CollectorState(), list(range(8)), 2, lambda i, item, got: seen.append(got))
        print(json.dumps(sorted(set(map(json.dumps, seen)))))
        """
    )
    assert state["exit"] == 0, state
    [worker] = [json.loads(item) for item in json.loads(str(state["stdout"]))]
    assert worker == [True, [collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS], True]


def test_batch_workers_of_a_library_caller_keep_the_defaults() -> None:
    from batch_jobs import CollectorState

    from engine.batch import pool

    seen: list[object] = []
    pool.run(CollectorState(), list(range(8)), 2, lambda index, item, got: seen.append(got))
    assert {(enabled, threshold) for enabled, threshold, _ in seen} == {(True, gc.get_threshold())}
