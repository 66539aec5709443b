"""How the fragility sweep answers its probes on the benchmark's dossiers, and (with --check)
whether each recomputed probe agrees with durable_rules.

usage: python bench/bench_probes.py [--dossiers N] [--corpus M] [--seed S] [--check]

Over N of the benchmark's M generated dossiers (the corpus of evidence/ replicated across report
years, as `run.py` makes it; M is 4,000 by default), each dossier is assessed with its sweep and the probes counted: how
many the sweep tried, how many were recomputed in Python (`engine/reason/recompute.py`), how many
it declined, and how many ran in durable_rules. With --check every probe is also run in
durable_rules through its cone (`Prober.outcome`) and the placements and statuses compared (a
placement that stays is compared by placement only: a non-mover's status is never shown). A
disagreement is printed and makes the exit status 1. Not a timed benchmark: it reports counts.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import replicate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=400, help="dossiers swept (default 400)")
    parser.add_argument("--corpus", type=int, default=4000, help="dossiers generated (4000)")
    parser.add_argument("--seed", type=int, default=1, help="which dossiers (default 1)")
    parser.add_argument("--check", action="store_true", help="run every probe in the engine too")
    args = parser.parse_args()
    os.environ["TIP_ASSESS_CACHE"] = "off"  # every sweep done afresh

    import engine.reason.recompute as recompute
    import engine.whatif.sweep as sweep
    from engine.batch.assess import AssessJob
    from engine.load.cache import load_rulebook_cached

    counts: Counter[str] = Counter()
    disagreements: list[str] = []

    real_probe = sweep.Prober.probe
    real_outcome = sweep.Prober.outcome
    real_conclusions = recompute.Recomputer.conclusions

    def outcome(self: sweep.Prober, changes: object) -> tuple[str | None, str]:
        counts["run in durable_rules"] += 1
        return real_outcome(self, changes)  # type: ignore[arg-type]

    def conclusions(self: recompute.Recomputer, cone: object, changed: object) -> object:
        found = real_conclusions(self, cone, changed)  # type: ignore[arg-type]
        counts["recomputed" if found is not None else "declined (run in durable_rules)"] += 1
        return found

    def probe(self: sweep.Prober, changes: object, *rest: object) -> tuple[str | None, str]:
        counts["probes"] += 1
        found = real_probe(self, changes, *rest)  # type: ignore[arg-type]
        if args.check:
            engine = real_outcome(self, list(changes))  # type: ignore[call-overload]
            same = found == engine or found[0] == engine[0] == self.base.tier
            counts["agree with durable_rules" if same else "DISAGREE"] += 1
            if not same:
                text = ", ".join(c.text for c in changes)  # type: ignore[attr-defined]
                disagreements.append(f"{self.loaded.path}: {text}: {found} != {engine}")
        return found

    sweep.Prober.probe = probe  # type: ignore[method-assign]
    sweep.Prober.outcome = outcome  # type: ignore[method-assign]
    recompute.Recomputer.conclusions = conclusions  # type: ignore[method-assign]

    book = load_rulebook_cached(ROOT / "rules", "rules")
    with tempfile.TemporaryDirectory(prefix="tip-assess-probes-") as tmp:
        corpus = replicate(Path(tmp) / "dossiers", args.corpus)
        paths = sorted(p for p in corpus.glob("*/*.yaml") if p.name != "history.yaml")
        random.seed(args.seed)
        chosen = random.sample(paths, min(args.dossiers, len(paths)))
        job = AssessJob(book, with_fragility=True)
        failed = [row for row in map(job, map(str, chosen)) if row.failed]
    print(f"{len(chosen)} dossiers swept (seed {args.seed})")
    for name, count in counts.items():
        print(f"  {name}: {count} ({count / len(chosen):.2f} a dossier)")
    for line in disagreements:
        print(f"DISAGREE {line}", file=sys.stderr)
    for row in failed:  # a sweep that failed counts nothing: never a silent pass
        print(f"FAILED {row.dossier}: {'; '.join(row.problems)}", file=sys.stderr)
    if not counts["probes"]:
        print("no probe was counted", file=sys.stderr)
    return 1 if disagreements or failed or not counts["probes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
