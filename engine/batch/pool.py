"""One job over many items, on worker processes, with every result delivered in item order.

The job is a picklable callable holding what every item needs (the rulebook, say). Each worker
process receives it once, through the pool's initializer, so a worker loads or unpickles one
rulebook and drives one durable_rules host for its whole life, and the items travel alone.
Items are sent in chunks of consecutive items; results are handed to `on_result` strictly in
item order, whatever the order in which workers finish, so the output of a batch does not depend
on the number of jobs. With one job (or one item) everything runs in this process.

The scheduling is the standard library's (`concurrent.futures.ProcessPoolExecutor`); this module
only chooses the start method, the chunk size and how many chunks are in flight at once (a
bounded window, so that a long batch holds only a few results in memory before they are used).
Workers are started with `fork` when this process has a single thread (cheap, and the rulebook is
shared copy-on-write); otherwise with `forkserver` (or `spawn`), since forking a threaded
process may deadlock.

The loaders' process-wide settings travel with the job (the input limits set with `--limit`, the
sources root set with `--sources`), so a worker loads exactly as this process would, whatever
the start method; and the files a worker read for each item come back with its result, so that
this process knows every input of the command and never writes its output over one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing.context import BaseContext
from typing import Any, Generic, Protocol, TypeVar

from engine import collector
from engine.interrupts import seen as ctrl_c_seen
from engine.load import entry_store, inputs, limits

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)

MAX_CHUNK = 16
CHUNKS_PER_WORKER = 8  # aim: this many chunks per worker, for an even finish
WINDOW_PER_WORKER = 4  # chunks in flight per worker


class Job(Protocol[T_contra, R_co]):
    """Work on one item; must be picklable (it is sent once to each worker)."""

    def __call__(self, item: T_contra, /) -> R_co: ...


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_size(items: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, items // (workers * CHUNKS_PER_WORKER)))


# What a worker imports to run any job of the engine: the fork server imports it once, and each
# worker forked from it starts with it (a worker started fresh would import it again).
PRELOAD = [
    "engine.batch.assess",
    "engine.audit.impact",
    "engine.quality.lint",
    "engine.whatif.sensitivity",
]


def start_context() -> BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


# --------------------------------------------------------------------------- worker side

_JOB: Any = None

Reads = frozenset[tuple[int, int]]


def _settings() -> tuple[dict[str, int], Any, bool]:
    return limits.overrides(), inputs.sources_root(), collector.active()


def _install(job: Any, settings: tuple[dict[str, int], Any, bool]) -> None:
    """Pool initializer: keep the job for every chunk, load as the parent would (its limits and
    sources root, its collector policy), and leave Ctrl-C to the parent."""
    global _JOB
    _JOB = job
    overrides, sources, policy = settings
    limits.restore_overrides(overrides)
    inputs.set_sources_root(sources)
    collector.in_worker(policy)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(chunk: Sequence[Any]) -> list[tuple[Any, Reads]]:
    """Each item's result, with the files read for it."""
    done = []
    with entry_store.batched():  # the chunk's cache entries committed together
        for item in chunk:
            inputs.forget_reads()
            done.append((_JOB(item), inputs.reads()))
    return done


# --------------------------------------------------------------------------- parent side


class _InOrder(Generic[T, R]):
    """Hands results on in item order, holding back chunks that finished early."""

    def __init__(self, chunks: list[Sequence[T]], on_result: Callable[[int, T, R], None]) -> None:
        self.chunks = chunks
        self.on_result = on_result
        self.ready: dict[int, list[tuple[R, Reads]]] = {}
        self.next_chunk = 0
        self.next_item = 0

    def add(self, index: int, results: list[tuple[R, Reads]]) -> None:
        self.ready[index] = results
        while self.next_chunk in self.ready:
            done = self.ready.pop(self.next_chunk)
            for item, (result, read) in zip(self.chunks[self.next_chunk], done, strict=True):
                inputs.note_reads(read)
                self.on_result(self.next_item, item, result)
                self.next_item += 1
            self.next_chunk += 1


def run(
    job: Job[T, R],
    items: Sequence[T],
    jobs: int,
    on_result: Callable[[int, T, R], None],
) -> None:
    """Call `job` on every item, on up to `jobs` processes; `on_result(index, item, result)` is
    called in this process, in item order. An exception raised by the job stops the batch and is
    raised here (jobs are expected to turn bad input into results)."""
    workers = min(max(1, jobs), len(items))
    if workers <= 1:
        with entry_store.batched():
            for index, item in enumerate(items):
                if ctrl_c_seen():  # one a library swallowed (`engine.interrupts`)
                    raise KeyboardInterrupt
                on_result(index, item, job(item))
        return
    size = chunk_size(len(items), workers)
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    order: _InOrder[T, R] = _InOrder(chunks, on_result)
    window = workers * WINDOW_PER_WORKER
    with Interrupts() as interrupts:
        _run_on_pool(job, chunks, workers, window, order, interrupts)


POLL_SECONDS = 0.1  # how soon a Ctrl-C is taken up while every worker is busy


class Interrupts:
    """Ctrl-C while the pool runs, noted and taken up between chunks, never raised inside the
    pool's machinery: a KeyboardInterrupt in the middle of starting the workers (a fork's
    handlers, a queue's lock) left the command hanging at exit, or ended it as an internal
    error. Only in the main thread, and not where Ctrl-C is ignored (a background job)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is not signal.SIG_IGN:
                self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum: int, frame: Any) -> None:
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C came while the pool ran, or before, where a library
        swallowed it (`engine.interrupts`)."""
        if self.requested or ctrl_c_seen():
            raise KeyboardInterrupt


def _run_on_pool(
    job: Job[T, R],
    chunks: list[Sequence[T]],
    workers: int,
    window: int,
    order: _InOrder[T, R],
    interrupts: Interrupts,
) -> None:
    context = start_context()
    if context.get_start_method() == "fork":
        collector.before_fork()  # workers share the parent's pages instead of copying them
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_install,
        initargs=(job, _settings()),
    )
    pending: dict[Future[list[tuple[R, Reads]]], int] = {}
    submitted = 0
    try:
        while submitted < len(chunks) or pending:
            interrupts.check()
            while submitted < len(chunks) and len(pending) < window:
                pending[pool.submit(_run_chunk, chunks[submitted])] = submitted
                submitted += 1
            done, _ = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            interrupts.check()
            for future in sorted(done, key=pending.__getitem__):
                order.add(pending.pop(future), future.result())
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
