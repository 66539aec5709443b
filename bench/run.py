"""Every figure of the performance targets, measured in one run, printed as one table.

usage: python bench/run.py [--dossiers 4000] [--jobs 2] [--assessments 10000]
                           [--sizes 1000,10000,100000] [--cap 180] [--repeat 7] [--json FILE]

Figures (targets from issue 10; the machine is shared and noisy, so each process-level figure
is given as wall time and as CPU time, and ratios are taken within the run):
- `tip-assess assess DIR --jobs N` over generated country-year dossiers (the corpus dossiers of
  evidence/ replicated across report years 2001-2025, in a temporary directory), first with no
  dossier cached (a corpus never assessed), then again with the dossiers the first run cached
  (`engine/load/dossier_cache.py`: the same corpus assessed again); the same for `impact`;
- beside each batch figure, its floor, measured in this process over the first 400 dossiers:
  the time spent inside durable_rules' C calls (the sessions the engine runs, one per
  assessment and one per probe of the what-if sweep) and libyaml's parse of each file into
  events, projected to all the dossiers on the jobs;
- `tip-assess impact` of a one-parameter change over the same dossiers;
- one warm assessment with its explanation, dossier load and text rendering included;
- `tip-assess assess evidence/peru/2007.yaml` cold, in a new process (the rules, the dossier and
  its history read from the caches, and with the dossier and its history not cached), also as a
  ratio to `python -c pass`, beside the imports of click and pydantic alone (IMPORT_FLOOR);
- in-process figures are CPU time (`time.process_time`), process-level ones both wall and CPU;
  from the warm figures on, this process runs under the command line's garbage-collector policy
  (engine/collector.py), as `tip-assess` and a batch's workers do;
- the whole pipeline against raw durable_rules on the same facts and compiled ruleset
  (bench/raw_durable.py), in facts per second; also `infer` alone, and the parse+validate floor
  (libyaml's C loader and pydantic, nothing else) beside the loader in use;
- one dossier of 1k / 10k / 100k records: time per record at each size and peak memory (each
  size in its own process, stopped after --cap seconds), with raw durable_rules on the same
  facts at each size, so that a slope the engine inherits from durable_rules shows as such;
- 10,000 sequential assessments in one process: resident memory at 1k, 5k and 10k.

Nothing here is a test: no figure fails the run. Generated inputs are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import big_dossier, replicate  # noqa: E402
from raw_durable import RawRunner, engine_facts  # noqa: E402
from table import details, table  # noqa: E402
from timing import load_average, median_ms, median_run, run_process, tip_assess  # noqa: E402

PERU = ROOT / "evidence" / "peru" / "2007.yaml"
PARAMETER_CHANGE = ("value: 100, source", "value: 500, source")  # significant_victims_min
# The change proposed next, over the same corpus: new rules (not in the rulebook cache), the
# dossiers as the first impact cached them.
NEXT_PARAMETER_CHANGE = ("value: 100, source", "value: 400, source")


# --------------------------------------------------------------------------- the figures


# What any command-line tool built on click and pydantic imports before its own code: the
# libraries, and pydantic's model machinery (its first model class loads its plugin loader).
# PyYAML is not in it: `assess` imports it only to parse, and a cold `assess` whose rules and
# inputs all come from the caches parses nothing.
IMPORT_FLOOR = (
    "import click\nfrom pydantic import BaseModel\nclass Model(BaseModel):\n    field: int"
)


INPUT_STORES = ("dossiers", "histories")


def forget_inputs(env: dict[str, str]) -> None:
    """Empty what the tool keeps of the inputs (`engine/load/input_cache.py`: loaded dossiers,
    with their sweeps, and histories): the next run loads and sweeps them afresh."""
    from engine.load.entry_store import remove_files, store_path

    for store in INPUT_STORES:
        remove_files(store_path(Path(env["TIP_ASSESS_CACHE"]), store))


def forget_sweeps(env: dict[str, str]) -> None:
    """Drop the sweeps kept with the dossiers' entries, keeping the loads."""
    from engine.load.dossier_cache import forget_extras

    forget_extras(Path(env["TIP_ASSESS_CACHE"]))


def cold_start(env: dict[str, str], repeat: int) -> dict[str, float]:
    command = [*tip_assess(), "assess", str(PERU)]
    run_process(command, env)  # fills the rulebook cache (and the dossier cache)
    wall, cpu = median_run(command, env, repeat)
    swept_wall, _ = median_run(command, env, repeat, lambda: forget_sweeps(env))
    fresh_wall, fresh_cpu = median_run(command, env, repeat, lambda: forget_inputs(env))
    plain_wall, plain_cpu = median_run([*command, "--no-fragility"], env, repeat)
    pass_wall, pass_cpu = median_run([sys.executable, "-c", "pass"], env, repeat)
    floor_wall, floor_cpu = median_run([sys.executable, "-c", IMPORT_FLOOR], env, repeat)
    return {
        "wall": wall,
        "cpu": cpu,
        "swept_wall": swept_wall,
        "fresh_wall": fresh_wall,
        "fresh_cpu": fresh_cpu,
        "plain_wall": plain_wall,
        "plain_cpu": plain_cpu,
        "pass_wall": pass_wall,
        "floor_wall": floor_wall,
        "floor_cpu": floor_cpu,
        "pass_cpu": pass_cpu,
    }


def in_process(runs: int) -> dict[str, float]:
    """Warm figures, in this process: one assessment, the loading floor, raw durable_rules.

    From here on this process runs under the command line's garbage-collector policy
    (engine/collector.py), as `tip-assess` and a batch's workers do: held back while the engine
    is imported and the rulebook loaded, then what they built frozen and young objects
    collected in larger steps. The raw durable_rules baseline runs under the same policy."""
    from engine import collector

    collector.pause()
    import yaml

    from engine.assessment import assess_with_history, dossier_inputs
    from engine.load.cache import load_rulebook_cached
    from engine.load.dossier import load_dossier
    from engine.load.dossier_cache import load_dossier_cached
    from engine.load.yamlsource import load_yaml_file
    from engine.models import Dossier
    from engine.reason.cache import compiled_for
    from engine.reason.inference import infer
    from engine.report.assessment import render
    from engine.whatif.fragility import assess_with_fragility

    book = load_rulebook_cached(ROOT / "rules", "rules")
    collector.settle()
    loaded = load_dossier(PERU, book)
    year = loaded.dossier.report_year
    compiled = compiled_for(book, year)
    inputs = dossier_inputs(loaded, book)

    def pipeline() -> None:
        fresh = load_dossier(PERU, book)
        render(assess_with_history(book, fresh, PERU).document, "text")

    def pipeline_cached() -> None:  # as `assess` runs it on a dossier it has seen before
        again = load_dossier_cached(PERU, book)
        render(assess_with_history(book, again, PERU).document, "text")

    def pipeline_row() -> None:  # as a batch row with --no-fragility: no explanation, no report
        fresh = load_dossier(PERU, book)
        assess_with_history(book, fresh, PERU, explain=False, findings=False, traces=False)

    def pipeline_row_cached() -> None:  # the same row, its dossier read from the cache
        again = load_dossier_cached(PERU, book)
        assess_with_history(book, again, PERU, explain=False, findings=False, traces=False)

    def floor() -> None:
        Dossier.model_validate(yaml.load(PERU.read_bytes(), Loader=yaml.CSafeLoader))

    def current_parse() -> None:
        data, _, _ = load_yaml_file(PERU)
        Dossier.model_validate(data)

    def swept_afresh(book: Any, loaded: Any) -> None:  # the sweep itself, never a stored one
        setting = os.environ.get("TIP_ASSESS_CACHE")
        os.environ["TIP_ASSESS_CACHE"] = "off"
        try:
            assess_with_fragility(book, loaded, PERU)
        finally:
            if setting is None:
                os.environ.pop("TIP_ASSESS_CACHE", None)
            else:
                os.environ["TIP_ASSESS_CACHE"] = setting

    runner = RawRunner(compiled)
    session = runner.session_facts(engine_facts(book, inputs))
    raw_ms = median_ms(lambda: runner.run(session), runs * 4)
    raw_firings = runner.firings
    runner.firings = 0
    runner.run(session)
    infer_ms = median_ms(lambda: infer(book, compiled, inputs), runs * 4)
    firings = infer(book, compiled, inputs).firings
    return {
        "facts": len(session),
        "records": len(inputs),
        "firings_engine": firings,
        "firings_raw": runner.firings,
        "raw_ms": raw_ms,
        "infer_ms": infer_ms,
        "assess_ms": median_ms(lambda: assess_with_history(book, loaded, PERU), runs),
        "load_ms": median_ms(lambda: load_dossier(PERU, book), runs),
        "pipeline_ms": median_ms(pipeline, runs),
        "load_cached_ms": median_ms(lambda: load_dossier_cached(PERU, book), runs),
        "pipeline_cached_ms": median_ms(pipeline_cached, runs),
        "pipeline_row_ms": median_ms(pipeline_row, runs),
        "pipeline_row_cached_ms": median_ms(pipeline_row_cached, runs),
        "floor_ms": median_ms(floor, runs),
        "current_parse_ms": median_ms(current_parse, runs),
        "raw_firings_total": raw_firings,
        "fragility_ms": median_ms(lambda: swept_afresh(book, loaded), max(3, runs // 5), warmup=1),
    }


def batch(
    corpus: Path, env: dict[str, str], jobs: int, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    out = corpus.parent / "batch.csv"
    wall, cpu, done = run_process(
        [
            *tip_assess(),
            "assess",
            str(corpus),
            "--jobs",
            str(jobs),
            "--format",
            "csv",
            "--no-progress",
            "-o",
            str(out),
            *extra,
        ],
        env,
    )
    rows = max(0, len(out.read_text().splitlines()) - 1) if out.exists() else 0
    return {
        "wall": wall,
        "cpu": cpu,
        "exit": done.returncode,
        "rows": rows,
        "stderr": done.stderr[-400:],
    }


class _TimedNative:
    """durable_rules' C module, each call timed: what the engine's own driving cannot remove.

    Creating and deleting a session's state is timed apart: a session's first fact (the host's
    opening fact) makes durable_rules allocate and clear indexes for every node of the ruleset,
    and `delete_state` frees them, whatever the session then holds."""

    def __init__(self, native: Any, opening: str) -> None:
        self._native = native
        self._opening = opening  # how the text of a session's opening fact starts
        self.seconds = 0.0
        self.calls = 0
        self.session_seconds = 0.0

    def reset(self) -> None:
        self.seconds, self.calls, self.session_seconds = 0.0, 0, 0.0

    def __getattr__(self, name: str) -> Any:
        function = getattr(self._native, name)
        if not callable(function):
            return function

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args)
            finally:
                spent = time.perf_counter() - started
                self.seconds += spent
                self.calls += 1
                if name == "delete_state" or (
                    name == "assert_fact" and str(args[1]).startswith(self._opening)
                ):
                    self.session_seconds += spent

        return timed


def batch_floor(corpus: Path, sample: int) -> dict[str, Any]:
    """Per dossier of the batch, in this process, over its first `sample` dossiers: the row
    with and without the what-if sweep, the time spent inside durable_rules' C calls for each
    (the sessions the engine runs: one per assessment, one per probe of the sweep), and libyaml
    reading the file into events (the C parse any loader that keeps line marks needs). The two
    C figures are a floor no engine-side change of the driving code can go under."""
    import yaml

    import engine.durable_host as host
    from engine.batch.assess import AssessJob
    from engine.load.cache import load_rulebook_cached
    from engine.reason.compiler import OPEN_TYPE

    paths = sorted(p for p in corpus.glob("*/*.yaml") if p.name != "history.yaml")[:sample]
    book = load_rulebook_cached(ROOT / "rules", "rules")
    # The one module that calls durable_rules reaches it through its module global `_native`.
    module = vars(host)
    original = module["_native"]
    timed = _TimedNative(original, '{"t": ' + json.dumps(OPEN_TYPE) + ",")
    figures: dict[str, Any] = {"sample": len(paths)}
    module["_native"] = timed
    # The floor of a fresh load: libyaml parses every file (a cached load parses nothing).
    cache_setting = os.environ.get("TIP_ASSESS_CACHE")
    os.environ["TIP_ASSESS_CACHE"] = "off"
    try:
        for name, sweep in (("plain", False), ("sweep", True)):
            job = AssessJob(book, with_fragility=sweep)
            for path in paths[:20]:  # warm: rulesets registered, validators built
                job(str(path))
            timed.reset()
            started = time.process_time()
            for path in paths:
                job(str(path))
            figures[f"{name}_ms"] = (time.process_time() - started) / len(paths) * 1000
            figures[f"{name}_c_ms"] = timed.seconds / len(paths) * 1000
            figures[f"{name}_c_calls"] = timed.calls / len(paths)
            figures[f"{name}_session_ms"] = timed.session_seconds / len(paths) * 1000
    finally:
        module["_native"] = original
        if cache_setting is None:
            os.environ.pop("TIP_ASSESS_CACHE", None)
        else:
            os.environ["TIP_ASSESS_CACHE"] = cache_setting
    texts = [path.read_bytes() for path in paths]
    parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def parse_all() -> None:
        for text in texts:
            for _ in yaml.parse(text, Loader=parser):
                pass

    figures["parse_ms"] = median_ms(parse_all, 3, warmup=1) / len(paths)
    return figures


def impact(
    tmp: Path,
    env: dict[str, str],
    corpus: Path,
    jobs: int,
    change: tuple[str, str] = PARAMETER_CHANGE,
) -> dict[str, Any]:
    base, head = tmp / "rules-base", tmp / "rules-head"
    for made in (base, head):  # from a run before
        shutil.rmtree(made, ignore_errors=True)
    shutil.copytree(ROOT / "rules", base)
    shutil.copytree(ROOT / "rules", head)
    parameters = head / "parameters.yaml"
    text = parameters.read_text()
    assert change[0] in text, "the benchmark's parameter change no longer applies"
    parameters.write_text(text.replace(*change, 1))
    out = tmp / "impact.json"
    wall, cpu, done = run_process(
        [
            *tip_assess(),
            "impact",
            str(corpus),
            "--base",
            str(base),
            "--rules",
            str(head),
            "--jobs",
            str(jobs),
            "--format",
            "json",
            "--no-progress",
            "-o",
            str(out),
        ],
        env,
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return {
        "wall": wall,
        "cpu": cpu,
        "exit": done.returncode,
        "dossiers": report.get("dossiers", 0),
        "moved": len(report.get("placements_changed", [])),
        "stderr": done.stderr[-400:],
    }


def probe(args: list[str], env: dict[str, str], cap: float) -> tuple[list[dict[str, Any]], bool]:
    """Run bench/probes.py; its JSON lines (the last one says why it stopped, if it failed), and
    whether it finished within `cap` seconds."""
    command = [sys.executable, str(ROOT / "bench" / "probes.py"), *args]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = process.communicate(timeout=cap)
        finished = process.returncode == 0
        failure = None if finished else (err.strip().splitlines() or ["no message"])[-1]
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        finished, failure = False, None
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if failure is not None:
        lines.append({"failed": failure[:200]})
    return lines, finished


def scaling(tmp: Path, env: dict[str, str], sizes: list[int], cap: float) -> list[dict[str, Any]]:
    results = []
    for size in sizes:
        path = big_dossier(tmp / "big", size)
        # The input limits (docs/limits.md) refuse a dossier this large by default: raise them,
        # never below their defaults (the limits apply to the rules files too).
        raised = {
            **env,
            "TIP_ASSESS_MAX_RECORDS": str(max(2 * size, 500)),
            "TIP_ASSESS_MAX_FILE_BYTES": str(max(2 * path.stat().st_size, 2**20)),
            "TIP_ASSESS_MAX_NODES": str(max(100 * size, 50_000)),
        }
        started = time.perf_counter()
        lines, finished = probe(["scale", str(path)], raised, cap)
        merged: dict[str, Any] = {"size": size, "finished": finished}
        for line in lines:
            merged.update(line)
        merged["elapsed"] = time.perf_counter() - started
        results.append(merged)
        path.unlink()
    return results


def memory(env: dict[str, str], runs: int, cap: float) -> dict[str, Any]:
    lines, finished = probe(["memory", str(runs)], env, cap)
    marks = {str(line["at"]): line["rss_mb"] for line in lines if "at" in line}
    return {"marks": marks, "finished": finished}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=4000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assessments", type=int, default=10000)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--cap", type=float, default=300, help="seconds per record-size probe")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each cold start")
    parser.add_argument("--runs", type=int, default=50, help="runs of each warm figure")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    parser.add_argument(
        "--from-json", type=Path, default=None, help="print the table of a run saved with --json"
    )
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        print("\n".join(table(saved) + details(saved)))
        return
    started = time.perf_counter()
    figures: dict[str, Any] = {"load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="tip-assess-bench-") as name:
        tmp = Path(name)
        env = {**os.environ, "TIP_ASSESS_CACHE": str(tmp / "cache")}
        env.pop("TIP_ASSESS_RULES", None)
        # As on a user's machine, Python keeps its bytecode (the first run writes it): some
        # workplaces set PYTHONDONTWRITEBYTECODE, which recompiles every module on every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["TIP_ASSESS_CACHE"] = env["TIP_ASSESS_CACHE"]
        step = lambda text: print(f"bench: {text}", file=sys.stderr, flush=True)  # noqa: E731
        step("cold start")
        figures["cold"] = cold_start(env, args.repeat)
        step("warm figures and raw durable_rules")
        figures["warm"] = in_process(args.runs)
        corpus = replicate(tmp / "corpus", args.dossiers)
        # Each command first with no dossier cached (a corpus never assessed), then again with
        # the dossiers (and, with the sweep, their sweeps) its first run cached (the corpus
        # assessed again, nothing changed).
        for key, extra in (("batch", ()), ("batch_plain", ("--no-fragility",))):
            step(f"assess {args.dossiers} dossiers, --jobs {args.jobs} {' '.join(extra)}")
            forget_inputs(env)
            figures[key] = batch(corpus, env, args.jobs, extra)
            step("the same again, the dossiers cached")
            figures[f"{key}_cached"] = batch(corpus, env, args.jobs, extra)
        step(f"the batch's floors, in this process, over {min(400, args.dossiers)} dossiers")
        figures["batch_floor"] = batch_floor(corpus, 400)
        step(f"impact over {args.dossiers} dossiers")
        forget_inputs(env)
        figures["impact"] = impact(tmp, env, corpus, args.jobs)
        step("impact of another value (new rules), the dossiers cached")
        figures["impact_cached"] = impact(tmp, env, corpus, args.jobs, NEXT_PARAMETER_CHANGE)
        step(f"records scaling {args.sizes}")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        figures["scaling"] = scaling(tmp, env, sizes, args.cap)
        step(f"{args.assessments} sequential assessments")
        figures["memory"] = memory(env, args.assessments, args.cap * 5)
    figures["load_after"] = load_average()
    figures.update(cap=args.cap, jobs=args.jobs, assessments=args.assessments)
    figures["elapsed"] = time.perf_counter() - started
    print("\n".join(table(figures) + details(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
