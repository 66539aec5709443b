"""Throughput of a sensitivity sweep, measured in one run, on three executors.

usage: python bench/bench_sweep.py [COPIES] [--depth 2]

Sweeps every dossier under evidence/ COPIES times (default 4; each copy is one more task, so the
work scales without new data) and reports, for
- 1 local worker (this process),
- 2 local worker processes (standard library, started fresh for the sweep),
- a Dask `distributed.LocalCluster` with 2 single-threaded worker processes (started before the
  clock; the client connection and the rulebook's transfer are inside it),
the wall time, dossiers per second and single changes tried per second, and checks that all
three gave identical results. Machines are noisy, and this one may be shared: read the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.assessment import canonical_json  # noqa: E402
from engine.corpus.validation import find_dossiers, load_all  # noqa: E402
from engine.load.rules import load_rulebook  # noqa: E402
from engine.whatif.executor import DaskCluster, Executor, InProcess, LocalProcesses  # noqa: E402
from engine.whatif.sensitivity import sensitivity  # noqa: E402


def measure(label: str, executor: Executor, book, dossiers, depth: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    report = sensitivity(book, dossiers, depth, executor)
    seconds = time.perf_counter() - started
    summary = report.summary()
    tried = summary["changes_tried"] + summary["pairs_tried"]
    print(
        f"{label:<34} {seconds:7.2f} s  {len(dossiers) / seconds:7.2f} dossiers/s  "
        f"{tried / seconds:8.1f} changes/s",
        flush=True,
    )
    return label, canonical_json(report.to_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("copies", nargs="?", type=int, default=4)
    parser.add_argument("--depth", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()

    book = load_rulebook(ROOT / "rules", display_root="rules")
    corpus = load_all(book, find_dossiers([ROOT / "evidence"]))
    dossiers = corpus * args.copies
    print(
        f"sweep of {len(corpus)} dossiers x {args.copies} copies = {len(dossiers)} tasks, "
        f"depth {args.depth}, rules sha256 {book.sha256[:12]}",
        flush=True,
    )
    # Warm this process's compiled-ruleset cache, as a long-lived worker's would be.
    sensitivity(book, corpus[:1], args.depth)

    results = [
        measure("1 local worker (this process)", InProcess(), book, dossiers, args.depth),
        measure("2 local worker processes", LocalProcesses(2), book, dossiers, args.depth),
    ]
    try:
        from distributed import LocalCluster
    except ImportError:
        print("Dask LocalCluster: skipped (pip install 'tip-assess[dask]')")
    else:
        started = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        print(f"(LocalCluster of 2 workers started in {time.perf_counter() - started:.2f} s)")
        try:
            executor = DaskCluster(str(cluster.scheduler_address))
            results.append(
                measure("Dask LocalCluster, 2 workers", executor, book, dossiers, args.depth)
            )
        finally:
            cluster.close()
    identical = len({text for _, text in results}) == 1
    print(f"results identical across executors: {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
