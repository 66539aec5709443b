"""Timing helpers of the benchmark: commands in new processes (wall and CPU time, with the
workers they wait for) and calls in this process (CPU time), each the median of its runs."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(
    command: list[str], env: dict[str, str], cwd: Path = ROOT, timeout: float | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (the process and the workers it waited for) of one command."""
    cpu = child_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    return time.perf_counter() - started, child_cpu() - cpu, done


def median_run(
    command: list[str],
    env: dict[str, str],
    repeat: int,
    before: Callable[[], None] | None = None,
) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        wall, cpu, _ = run_process(command, env)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def median_ms(action: Callable[[], Any], runs: int, warmup: int = 3) -> float:
    """Median CPU milliseconds of one call, in this process (single-threaded work: the wall
    time on an idle machine; unlike wall time, not inflated by other processes)."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return 1000 * statistics.median(times)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def tip_assess() -> list[str]:
    script = Path(sys.executable).parent / "tip-assess"
    return [str(script)] if script.exists() else [sys.executable, "-m", "engine"]
