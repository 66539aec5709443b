"""Ctrl-C as the whole `tip-assess` process has seen it.

Libraries catch a KeyboardInterrupt raised inside their own callbacks and go on: pydantic-core
prints it as "Exception ignored", or, when it lands in the discriminator of a tagged union being
serialized, as a serializer warning. A Ctrl-C there would be lost, and the command would run to
its end with exit 0. The command line's SIGINT handler (`engine.cli.common.watch_interrupts`)
notes each Ctrl-C here before it raises; a batch between its chunks, and every command before it
returns or reports an error, ask whether one was seen (`seen`) and stop with "Aborted!" if so (a
check that failed because the Ctrl-C was swallowed inside it is the Ctrl-C, not bad input). Only the program
installs the handler: a library caller, or a test running `main` in its own process, never sets
the note.
"""

from __future__ import annotations

_seen = False


def note() -> None:
    """Record a Ctrl-C of this process (from the program's SIGINT handler)."""
    global _seen
    _seen = True


def seen() -> bool:
    """Whether this process has had a Ctrl-C since it started (or since `forget`)."""
    return _seen


def forget() -> None:
    """Start afresh (tests)."""
    global _seen
    _seen = False
