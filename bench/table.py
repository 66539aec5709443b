"""The benchmark's table: every figure with its target and ratio, and the details under it,
written from the figures `bench/run.py` measured (or saved with `--json`)."""

from __future__ import annotations

import os
import platform
from typing import Any


def _count(number: int) -> str:
    return f"{number // 1000}k" if number % 1000 == 0 else f"{number:,}"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def table(f: dict[str, Any]) -> list[str]:
    jobs, assessments = f["jobs"], f["assessments"]
    rows: list[tuple[str, str, str, str]] = []
    b, i, c = f["batch"], f["impact"], f["cold"]
    rows.append(
        (
            f"`tip-assess assess DIR --jobs {jobs}`, {b['rows']:,} dossiers",
            "< 10 s wall",
            f"{fmt_s(b['wall'])} wall, {fmt_s(b['cpu'])} CPU (exit {b['exit']}); idle estimate "
            f"CPU/jobs = {fmt_s(b['cpu'] / jobs)}"
            + _cached_cell(f, "batch", 10, " and their sweeps")
            + _floor_cell(f, "sweep", b["rows"]),
            f"{b['wall'] / 10:.2f}",
        )
    )
    if "batch_plain" in f:
        p = f["batch_plain"]
        rows.append(
            (
                "the same with `--no-fragility` (no what-if sweep per dossier)",
                "< 10 s wall",
                f"{fmt_s(p['wall'])} wall, {fmt_s(p['cpu'])} CPU (exit {p['exit']}); idle "
                f"estimate CPU/jobs = {fmt_s(p['cpu'] / jobs)}"
                + _cached_cell(f, "batch_plain", 10)
                + _floor_cell(f, "plain", p["rows"]),
                f"{p['wall'] / 10:.2f}",
            )
        )
    rows.append(
        (
            f"`tip-assess impact` of a one-parameter change, {i['dossiers']:,} dossiers",
            "< 20 s wall",
            f"{fmt_s(i['wall'])} wall, {fmt_s(i['cpu'])} CPU ({i['moved']:,} placements move); "
            f"idle estimate CPU/jobs = {fmt_s(i['cpu'] / jobs)}"
            + _cached_cell(f, "impact", 20, " (the next change, to 400: new rules)"),
            f"{i['wall'] / 20:.2f}",
        )
    )
    w = f["warm"]
    rows.append(
        (
            "one warm assessment with explanation, dossier load included",
            "< 20 ms",
            f"{w['pipeline_ms']:.1f} ms CPU (load {w['load_ms']:.1f}, assess {w['assess_ms']:.1f}, "
            f"infer {w['infer_ms']:.1f}; with the fragility sweep {w.get('fragility_ms', 0):.0f})"
            + (
                f"; the dossier read from the cache: {w['pipeline_cached_ms']:.1f} ms "
                f"(load {w['load_cached_ms']:.1f})"
                if "pipeline_cached_ms" in w
                else ""
            ),
            f"{w['pipeline_ms'] / 20:.2f}",
        )
    )
    rows.append(
        (
            "`tip-assess assess evidence/peru/2007.yaml` cold, new process",
            "< 0.5 s wall (idle machine)",
            f"{c['wall']:.3f} s wall = {c['wall'] / c['pass_wall']:.1f}x `python -c pass` "
            f"({c['pass_wall']:.3f} s); {c['cpu']:.3f} s CPU = {c['cpu'] / c['pass_cpu']:.1f}x"
            + (
                (
                    f"; the sweep not cached: {c['swept_wall']:.3f} s wall"
                    if "swept_wall" in c
                    else ""
                )
                + f"; the dossier, its history and its sweep not cached: {c['fresh_wall']:.3f} s wall"
                if "fresh_wall" in c
                else ""
            )
            + (
                f"; `--no-fragility` {c['plain_wall']:.3f} s wall, {c['plain_cpu']:.3f} s CPU"
                if "plain_cpu" in c
                else ""
            )
            + (
                f"; importing click and pydantic alone (one model): {c['floor_wall']:.3f} s wall"
                if "floor_wall" in c
                else ""
            ),
            f"{c['wall'] / 0.5:.2f}",
        )
    )
    facts = w["facts"]
    raw = facts / w["raw_ms"] * 1000
    whole = facts / w["pipeline_ms"] * 1000
    rows.append(
        (
            "whole pipeline vs raw durable_rules, same facts and compiled ruleset",
            ">= 50 % of raw facts/s",
            f"{whole / raw:.1%} ({whole:,.0f} vs {raw:,.0f} facts/s; infer alone "
            f"{facts / w['infer_ms'] * 1000 / raw:.0%})"
            + (
                f"; the dossier read from the cache: {w['raw_ms'] / w['pipeline_cached_ms']:.1%} "
                f"({w['raw_ms'] / w['pipeline_cached_ms'] / 0.5:.2f} of the target)"
                if "pipeline_cached_ms" in w
                else ""
            )
            + (
                f"; as a batch row computes it (load, inference and placement; no explanation, "
                f"report or sweep): {w['raw_ms'] / w['pipeline_row_ms']:.1%}"
                if "pipeline_row_ms" in w
                else ""
            )
            + (
                f", {w['raw_ms'] / w['pipeline_row_cached_ms']:.1%} with the dossier read from "
                "the cache"
                if "pipeline_row_cached_ms" in w
                else ""
            ),
            f"{(whole / raw) / 0.5:.2f}",
        )
    )
    sizes = f["scaling"]
    rows.append(
        (
            "one dossier of 1k / 10k / 100k records (CPU per record: load, inference, "
            "assessment with explanation)",
            "time and memory linear in records",
            "; ".join(_scale_cell(s, f["cap"]) for s in sizes),
            _slopes(sizes),
        )
    )
    m = f["memory"]["marks"]
    keys = sorted(m, key=int)  # 1k, 5k and 10k, and the last run
    rows.append(
        (
            f"{assessments:,} sequential assessments in one process",
            "resident memory flat",
            ", ".join(f"{_count(int(k))}: {m[k]:.1f} MB" for k in keys)
            + ("" if f["memory"]["finished"] else f" (stopped at {f['cap'] * 5:.0f} s)"),
            f"{m[keys[-1]] / m[keys[0]]:.2f}" if len(keys) > 1 else "n/a",
        )
    )
    out = [
        "| figure | target | measured | ratio |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {t} | {v} | {r} |" for a, t, v, r in rows),
    ]
    return out


def _cached_cell(f: dict[str, Any], key: str, target: float, what: str = "") -> str:
    """The command run again, with the dossiers its first run cached (a run saved before the
    dossier cache has none)."""
    again = f.get(f"{key}_cached")
    if not again:
        return ""
    return (
        f"; again with the dossiers cached{what}: {fmt_s(again['wall'])} wall, "
        f"{fmt_s(again['cpu'])} CPU ({again['wall'] / target:.2f} of the target)"
    )


def _floor_cell(f: dict[str, Any], name: str, rows: int) -> str:
    """The batch's floor, projected from the in-process sample to `rows` dossiers on the jobs:
    durable_rules' own C calls and libyaml's events, which no change to the engine's Python
    removes (a run saved before the floor was measured has none)."""
    floor = f.get("batch_floor")
    if not floor or not rows:
        return ""
    c_ms, parse_ms = floor[f"{name}_c_ms"], floor["parse_ms"]
    projected = (c_ms + parse_ms) * rows / f["jobs"] / 1000
    session_ms = floor.get(f"{name}_session_ms")
    sessions = (
        ""
        if session_ms is None
        else f", {session_ms:.1f} ms of them creating and deleting sessions' state"
    )
    return (
        f"; floor (in one process, {floor['sample']} dossiers): a row {floor[f'{name}_ms']:.1f} ms "
        f"CPU, of which durable_rules' C calls {c_ms:.1f} ms ({floor[f'{name}_c_calls']:.0f} "
        f"calls{sessions}) and libyaml's events {parse_ms:.1f} ms, so at least "
        f"{fmt_s(projected)} for {rows:,} dossiers on {f['jobs']} jobs "
        f"({projected / 10:.2f} of the target)"
    )


def _us(size: dict[str, Any], key: str) -> float:
    return 1e6 * float(size[key]) / float(size["records"])


def _scale_cell(s: dict[str, Any], cap: float) -> str:
    if s.get("finished"):
        return (
            f"{s['size']:,}: load {_us(s, 'load_s'):,.0f} µs, infer {_us(s, 'infer_s'):,.0f} µs "
            + (f"(raw durable_rules {_us(s, 'raw_s'):,.0f} µs), " if "raw_s" in s else ", ")
            + f"assess {_us(s, 'assess_s'):,.0f} µs; peak {s['peak_mb']:.0f} MB"
        )
    # Without a message, a probe that stopped well before the cap failed (older runs).
    failed = s.get("failed") or ("failed" if s["elapsed"] < cap - 5 else None)
    if "load_s" in s:
        after = f"{s['elapsed'] - s['load_s']:.0f} s later"
        ending = (
            f"failed {after} ({failed})" if failed else f"not done {after} (stopped at {cap:.0f} s)"
        )
        return f"{s['size']:,}: load {_us(s, 'load_s'):,.0f} µs ({s['load_s']:.0f} s); inference {ending}"
    if failed:
        return f"{s['size']:,}: failed before the load ended ({failed})"
    return f"{s['size']:,}: not loaded in {cap:.0f} s (stopped)"


def _slopes(sizes: list[dict[str, Any]]) -> str:
    """Per-record time at the largest size over the smallest (1.0 = linear), by phase."""
    parts = []
    for key, label in (("load_s", "load"), ("infer_s", "infer"), ("raw_s", "raw durable_rules")):
        measured = [s for s in sizes if key in s and "records" in s]
        if key == "raw_s" and not measured:
            continue  # a run saved before the raw baseline was measured per size
        if len(measured) > 1:
            first, last = measured[0], measured[-1]
            parts.append(
                f"{label} {_us(last, key) / _us(first, key):.2f} "
                f"({_count(last['size'])}/{_count(first['size'])})"
            )
        else:
            parts.append(f"{label} n/a")
    return "; ".join(parts)


def details(f: dict[str, Any]) -> list[str]:
    w = f["warm"]
    facts = w["facts"]
    return [
        "",
        f"Same facts: {w['records']} records of evidence/peru/2007.yaml, {facts} facts per session "
        f"(with $open and the negation phases); firings per session: engine "
        f"{w['firings_engine']}, raw {w['firings_raw']}.",
        f"Raw durable_rules {w['raw_ms']:.2f} ms/session ({facts / w['raw_ms'] * 1000:,.0f} facts/s); "
        f"infer {w['infer_ms']:.2f} ms ({facts / w['infer_ms'] * 1000:,.0f} facts/s); assess "
        f"{w['assess_ms']:.2f} ms; load {w['load_ms']:.2f} ms; whole pipeline {w['pipeline_ms']:.2f} ms "
        f"({facts / w['pipeline_ms'] * 1000:,.0f} facts/s)"
        + (
            f"; with the dossier read from the cache {w['pipeline_cached_ms']:.2f} ms"
            if "pipeline_cached_ms" in w
            else ""
        )
        + (
            f"; as a batch row computes it {w['pipeline_row_ms']:.2f} ms"
            if "pipeline_row_ms" in w
            else ""
        )
        + (
            f" ({w['pipeline_row_cached_ms']:.2f} ms with the dossier read from the cache)"
            if "pipeline_row_cached_ms" in w
            else ""
        )
        + ".",
        f"Parse+validate floor (libyaml C loader + pydantic, no line map, no quote location): "
        f"{w['floor_ms']:.2f} ms per dossier; the loader in use parses and validates in "
        f"{w['current_parse_ms']:.2f} ms, and loads (quotes located) in {w['load_ms']:.2f} ms.",
        f"Machine: {os.cpu_count()} cores, load average {f['load_before']} before and "
        f"{f['load_after']} after; Python {platform.python_version()}; total bench time "
        f"{f['elapsed']:.0f} s.",
    ]
