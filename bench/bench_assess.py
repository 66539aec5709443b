"""Throughput and memory of assessments, measured in one run (machines are noisy: read ratios).

usage: python bench/bench_assess.py [N]

Assesses the Peru 2007 dossier N times (default 2,000) under the rules for every report year
in turn, one engine session each, and reports:
- compile time per year (once; rulesets are content-addressed and cached);
- assessments per second, and the share of time spent in inference versus the whole call
  (explanations, why-not and the document);
- resident memory growth over the run (sessions are deleted: it should stay flat).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.assessment import assess, dossier_inputs  # noqa: E402
from engine.load.dossier import load_dossier  # noqa: E402
from engine.load.rules import load_rulebook  # noqa: E402
from engine.reason.cache import compiled_for  # noqa: E402
from engine.reason.inference import infer  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    book = load_rulebook(ROOT / "rules")
    loaded = load_dossier(ROOT / "evidence" / "peru" / "2007.yaml", book)
    first, last = book.covered_years()
    years = list(range(first, max(last, 2025) + 1))

    started = time.perf_counter()
    for year in years:
        compiled_for(book, year)
    compile_seconds = time.perf_counter() - started

    inputs = dossier_inputs(loaded)
    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    for number in range(runs):
        year = years[number % len(years)]
        infer(book, compiled_for(book, year), inputs)
    inference_seconds = time.perf_counter() - started
    rss_mid = rss_mb()

    started = time.perf_counter()
    for number in range(runs):
        assess(book, loaded, years[number % len(years)])
    full_seconds = time.perf_counter() - started
    rss_after = rss_mb()

    print(
        json.dumps(
            {
                "runs": runs,
                "years": f"{years[0]}-{years[-1]}",
                "records_per_dossier": len(inputs),
                "compile_ms_per_year": round(1000 * compile_seconds / len(years), 2),
                "inference_per_s": round(runs / inference_seconds),
                "assessments_per_s": round(runs / full_seconds),
                "inference_share_of_assessment": round(inference_seconds / full_seconds, 3),
                "rss_growth_mb_inference": round(rss_mid - rss_before, 1),
                "rss_growth_mb_assessments": round(rss_after - rss_mid, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
