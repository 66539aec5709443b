"""The cyclic garbage collector's policy for a `tip-assess` process.

The engine makes almost no reference cycles: in a run over a dossier of 100,000 records, the
collector found about 2,400 objects to free among millions it examined. Yet with the
interpreter's defaults it runs every 700 new objects, and each full pass walks every object
alive, the imported modules and the rulebook included: about 10 ms of a cold `assess`
(0.2 s), and a cost per record that grows with the dossier (load, inference and explanation of
100,000 records about a fifth slower than with the collector held back).

So the command line (`engine.cli.main.run`, never a library caller or an in-process test) holds
the collector back while it imports and loads the rulebook (:func:`pause`), then moves every
object alive to the permanent generation, which no pass walks again, and collects young objects
in larger steps (:func:`settle`). This is the recipe the Python documentation gives for
`gc.freeze` before `fork`: a batch's worker processes, forked after the rulebook is loaded,
share its pages with their parent instead of copying each page a pass would write to
(:func:`before_fork`, :func:`in_worker`). Cycles are still collected, in steps of
`YOUNG_THRESHOLD` new objects.

Functions here change the process only when :func:`pause` was called in it first (or, in a worker,
when its parent had the policy): a library caller's collector is left as it set it.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # new objects between passes over the youngest generation (default 700)
OLDER_THRESHOLDS = (10, 10)  # passes over one generation between passes over the next (default)

_state = {"paused": False, "active": False}


def pause() -> None:
    """Hold the collector back for the start of a command-line process (imports, rulebook)."""
    _state["paused"] = True
    gc.disable()


def settle() -> None:
    """The start is over: freeze what it built and collect again, in larger steps. Does
    nothing unless :func:`pause` was called, or when it has already run."""
    if not _state["paused"]:
        return
    _state["paused"] = False
    _state["active"] = True
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    gc.enable()


def active() -> bool:
    """Whether this process runs under the policy (paused or settled)."""
    return _state["paused"] or _state["active"]


def before_fork() -> None:
    """Freeze what the parent holds now, so that forked workers' passes never write to (and
    so copy) the pages they share with it. Settles first if the start was still paused."""
    if not active():
        return
    settle()
    gc.freeze()


def in_worker(parent_active: bool) -> None:
    """In a worker process: take the parent's policy, whatever the start method."""
    if not parent_active:
        return
    _state["paused"] = True  # as the parent's start: freeze what the worker imported
    settle()


__all__ = ["YOUNG_THRESHOLD", "active", "before_fork", "in_worker", "pause", "settle"]
