"""Measurements that need a process of their own (peak memory, a time limit), run by run.py.

usage: python bench/probes.py scale DOSSIER
       python bench/probes.py memory N

`scale` loads one (large) dossier, runs the inference alone, raw durable_rules on the same
facts (bench/raw_durable.py), then the whole assessment with its explanation, and prints the CPU
times and the peak resident memory as JSON. `memory` runs N assessments of the Peru dossier in
one process, cycling through report years 2001-2025, and prints the resident memory after 1k,
5k and 10k (and at N). Both run with the garbage collector's policy of `tip-assess`.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The garbage collector as `tip-assess` runs it (engine/collector.py): held back while the
# process starts, then the start frozen and young objects collected in larger steps.
from engine import collector  # noqa: E402

collector.pause()

from raw_durable import RawRunner, engine_facts  # noqa: E402

from engine.assessment import assess, dossier_inputs  # noqa: E402
from engine.load.cache import load_rulebook_cached  # noqa: E402
from engine.load.dossier import load_dossier  # noqa: E402
from engine.reason.cache import compiled_for  # noqa: E402
from engine.reason.inference import infer  # noqa: E402

YEARS = list(range(2001, 2026))


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale(path: Path) -> dict[str, float | int]:
    book = load_rulebook_cached(ROOT / "rules", "rules")
    collector.settle()
    base = peak_mb()
    started = time.process_time()
    loaded = load_dossier(path, book)
    load_s = time.process_time() - started
    print(json.dumps({"records": len(loaded.dossier.records), "load_s": load_s}), flush=True)
    year = loaded.dossier.report_year
    compiled_for(book, year)
    started = time.process_time()
    infer(book, compiled_for(book, year), dossier_inputs(loaded, book))
    infer_s = time.process_time() - started
    print(json.dumps({"infer_s": infer_s}), flush=True)
    runner = RawRunner(compiled_for(book, year))
    session = runner.session_facts(engine_facts(book, dossier_inputs(loaded, book)))
    started = time.process_time()
    runner.run(session)
    raw_s = time.process_time() - started
    print(json.dumps({"raw_s": raw_s}), flush=True)
    started = time.process_time()
    assess(book, loaded)
    assess_s = time.process_time() - started
    return {
        "records": len(loaded.dossier.records),
        "load_s": load_s,
        "infer_s": infer_s,
        "raw_s": raw_s,
        "assess_s": assess_s,
        "peak_mb": peak_mb(),
        "peak_growth_mb": peak_mb() - base,
    }


def memory(runs: int) -> dict[str, float]:
    book = load_rulebook_cached(ROOT / "rules", "rules")
    collector.settle()
    loaded = load_dossier(ROOT / "evidence" / "peru" / "2007.yaml", book)
    marks = {1000, 5000, 10000, runs}
    found: dict[str, float] = {"start": rss_mb()}
    started = time.process_time()
    for number in range(1, runs + 1):
        assess(book, loaded, YEARS[number % len(YEARS)])
        if number in marks:
            found[str(number)] = rss_mb()
            print(json.dumps({"at": number, "rss_mb": found[str(number)]}), flush=True)
    found["seconds"] = time.process_time() - started
    return found


MEMORY_LIMIT = 4 * 2**30  # address space: a runaway probe fails alone, not the machine

if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    what, argument = sys.argv[1], sys.argv[2]
    result = scale(Path(argument)) if what == "scale" else memory(int(argument))
    print(json.dumps(result), flush=True)
