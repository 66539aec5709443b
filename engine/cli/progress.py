"""Progress of a batch on stderr: a bar on a terminal, a quiet periodic line otherwise.

- `bar`: one line redrawn in place (a terminal);
- `lines`: one line per dossier (asked for with --progress when stderr is not a terminal);
- `periodic`: a line every `interval` seconds at most, nothing for a short run (the default
  when stderr is not a terminal, e.g. in a log or CI).

Progress is reported in path order (the order of the output), so even its lines do not depend on
the number of jobs; only the periodic line carries a time, and it goes to stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO

BAR, LINES, PERIODIC = "bar", "lines", "periodic"


class Progress:
    """Called with (index, total, name) for each dossier done, index from 1."""

    def __init__(
        self,
        stream: IO[str],
        mode: str,
        label: str,
        width: int = 30,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.mode = mode
        self.label = label
        self.width = width
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last = self.started
        self.drawn = 0

    def __call__(self, index: int, total: int, name: str) -> None:
        if self.mode == LINES:
            self.stream.write(f"{self.label}: [{index}/{total}] {name}\n")
        elif self.mode == PERIODIC:
            now = self.clock()
            if now - self.last < self.interval:
                return
            self.last = now
            share = index / max(total, 1)
            self.stream.write(
                f"{self.label}: {index}/{total} done ({share:.0%}), {now - self.started:.0f} s\n"
            )
        else:
            done = self.width * (index - 1) // max(total, 1)
            line = f"[{'#' * done}{'.' * (self.width - done)}] {index}/{total} {name}"[:119]
            self.stream.write("\r" + line.ljust(self.drawn))
            self.drawn = len(line)
        self.stream.flush()

    def finish(self) -> None:
        if self.mode == BAR and self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0


def progress_for(label: str, wanted: bool | None, stream: IO[str] | None = None) -> Progress | None:
    """The reporter for `--progress/--no-progress` (None: the default for the stream)."""
    stream = stream if stream is not None else sys.stderr
    if wanted is False:
        return None
    if stream.isatty():
        return Progress(stream, BAR, label)
    return Progress(stream, LINES if wanted else PERIODIC, label)
