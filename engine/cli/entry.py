"""The `tip-assess` program's entry point: as small as can be, so that a Ctrl-C while Python is
still importing the command line ends as any other Ctrl-C does ("Aborted!"), not with a
traceback of the import machinery."""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from engine.cli.main import run as run_command_line

        run_command_line()
    except KeyboardInterrupt:  # before click took over (it says "Aborted!" itself after)
        _aborted()
    except Exception as exc:  # a command's module imported as Ctrl-C landed (see common.py)
        from engine.cli.common import caused_by_interrupt

        if caused_by_interrupt(exc):
            _aborted()
        raise


def _aborted() -> None:
    print("\nAborted!", file=sys.stderr)
    sys.exit(1)
