"""One interface for sweeps: this process, local worker processes, or a Dask cluster.

`Executor.map(fn, shared, items)` returns `[fn(shared, item) for item in items]`, in order,
wherever it runs: `shared` (the rulebook) is sent to each worker once, `fn` must be a module-level
function (workers import it by name) and its results plain data. Because results come back in
the order of `items` and are computed by the same code from the same inputs, every executor gives
the same results; tests hold the Dask path to the local one, byte for byte.

- :class:`InProcess`: no worker (the default for one worker).
- :class:`LocalProcesses`: `concurrent.futures` worker processes from the standard library,
  started as the batch pool starts them (`engine.batch.pool.start_context`: forked from a
  single-threaded process, so they need not import the engine again; else a fork server).
- :class:`DaskCluster`: a running Dask `distributed` scheduler (`--scheduler ADDRESS`); its
  workers need tip-assess installed. Dask does the scheduling and the transport.
"""

from __future__ import annotations

import importlib
import re
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from engine.batch.pool import POLL_SECONDS, Interrupts, start_context
from engine.errors import InputError

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Runs one function over many items, with one shared object sent to every worker."""

    description: str

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        progress: Progress | None = None,
    ) -> list[Any]: ...


class InProcess:
    """Every item in this process, one after the other."""

    description = "this process"

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        progress: Progress | None = None,
    ) -> list[Any]:
        results = []
        for done, item in enumerate(items, 1):
            results.append(fn(shared, item))
            if progress is not None:
                progress(done, len(items))
        return results


_SHARED: Any = None


def _install(shared: Any) -> None:
    """Pool initializer: keep the shared object, and leave Ctrl-C to the parent."""
    global _SHARED
    _SHARED = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


class LocalProcesses:
    """Worker processes on this machine (standard library); `shared` is sent once to each."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker processes"

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        progress: Progress | None = None,
    ) -> list[Any]:
        results: list[Any] = [None] * len(items)
        context = start_context()
        with Interrupts() as interrupts:  # Ctrl-C taken up between results (engine.batch.pool)
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_install,
                initargs=(shared,),
            )
            try:
                futures = {pool.submit(_call, fn, item): index for index, item in enumerate(items)}
                pending = set(futures)
                done = 0
                while pending:
                    finished, pending = wait(
                        pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED
                    )
                    interrupts.check()
                    for future in finished:
                        results[futures[future]] = future.result()
                        done += 1
                        if progress is not None:
                            progress(done, len(items))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
        return results


# [tcp://]host:port, the host a name, an IPv4 address or a bracketed IPv6 one. Other protocols
# (tls://, ucx://, inproc://) need settings this command does not take.
_SCHEDULER_ADDRESS = re.compile(r"(?:tcp://)?(?:\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):(?P<port>\d{1,5})")


class DaskCluster:
    """A Dask `distributed` scheduler at `address` (e.g. tcp://127.0.0.1:8786)."""

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        found = _SCHEDULER_ADDRESS.fullmatch(address)  # checked here: Dask fails noisily
        if found is None or not 0 < int(found["port"]) < 65536:
            raise InputError.single(
                "--scheduler",
                None,
                None,
                f"not a scheduler address: {address!r}; expected [tcp://]HOST:PORT with a "
                "port from 1 to 65535, e.g. tcp://127.0.0.1:8786",
            )
        self.address = address
        self.timeout = timeout
        self.description = f"the Dask scheduler at {address}"

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        progress: Progress | None = None,
    ) -> list[Any]:
        try:
            # Imported by name: `distributed` is an optional extra and ships no type hints.
            dask: Any = importlib.import_module("distributed")
        except ImportError:
            raise InputError.single(
                "--scheduler",
                None,
                None,
                "a Dask scheduler needs the 'distributed' package: pip install 'tip-assess[dask]'",
            ) from None
        try:
            client = dask.Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError.single(
                "--scheduler",
                None,
                None,
                f"cannot reach the Dask scheduler at {self.address}: {exc}",
            ) from None
        try:
            shared_future = client.scatter(shared, broadcast=True, hash=False)
            futures = client.map(fn, [shared_future] * len(items), list(items), pure=False)
            results: list[Any] = []
            for done, future in enumerate(futures, 1):
                results.append(future.result())
                if progress is not None:
                    progress(done, len(items))
            return results
        finally:
            client.close()


def executor_for(
    workers: int = 1, scheduler: str | None = None, scheduler_timeout: float = 10.0
) -> Executor:
    """The executor the command line asks for: `--scheduler` wins over `--workers`."""
    if scheduler is not None:  # an empty address is refused, not read as "none given"
        return DaskCluster(scheduler, scheduler_timeout)
    if workers > 1:
        return LocalProcesses(workers)
    return InProcess()
