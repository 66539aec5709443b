"""Jobs for the pool tests; importable by name, so that worker processes can unpickle them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class SlowFirst:
    """Returns (item, worker pid); early items take longest, so later chunks finish first."""

    items: int
    step: float = 0.02

    def __call__(self, item: int) -> tuple[int, int]:
        time.sleep(self.step * max(0, self.items - item) / self.items)
        return item, os.getpid()


@dataclass(frozen=True)
class Fails:
    """Raises on one item: an error the job did not turn into a result."""

    bad: int

    def __call__(self, item: int) -> int:
        if item == self.bad:
            raise ValueError(f"item {item} is bad")
        return item


@dataclass(frozen=True)
class Settings:
    """Returns the loaders' settings as a worker sees them, and reads the file it is given."""

    def __call__(self, item: str) -> tuple[int, str | None]:
        from engine.load import inputs, limits

        with open(item, "rb"):
            pass
        inputs.note_input(__import__("pathlib").Path(item))
        root = inputs.sources_root()
        return limits.value("records"), None if root is None else str(root)


@dataclass(frozen=True)
class CollectorState:
    """Returns the collector's state as a worker sees it: on, its thresholds, objects frozen."""

    def __call__(self, item: int) -> tuple[bool, tuple[int, int, int], bool]:
        import gc

        return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count() > 0


@dataclass(frozen=True)
class Sleeps:
    """Takes `seconds` per item: a batch long enough to be interrupted."""

    seconds: float

    def __call__(self, item: int) -> int:
        time.sleep(self.seconds)
        return item


def sleep_then_return(seconds: float, item: int) -> int:
    """A what-if executor's function (shared object first): sleeps, then gives the item back."""
    time.sleep(seconds)
    return item
