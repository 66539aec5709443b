"""The `tip-assess` command line.

Conventions: results on stdout, diagnostics on stderr; exit 0 ok, 1 a finding or failed check
(and click's "Aborted!" on Ctrl-C), 2 usage or input error (a write the system refuses too), 3
an internal fault, 141 stdout's reader gone. Bad input never shows a traceback.
"""

from __future__ import annotations

import codecs
import errno
import importlib
import io
import os
import sys

import click

from engine import __version__, collector
from engine.cli.common import (
    REFUSED_BY_THE_SYSTEM,
    limit_option,
    sources_option,
    stop_on_broken_pipe,
    stop_on_refused_io,
    watch_interrupts,
)

# Each command by the module that defines it; a module's `register(group)` adds all of its
# commands. Only the module of the command run is imported (the others would cost each new
# process about 10 ms); `--help` imports them all to list them.
COMMAND_MODULES = {
    "assess": "engine.cli.assess",  # assess, check
    "check": "engine.cli.assess",
    "rules": "engine.cli.rulebook",  # rules list|show, lint, coverage, schema
    "lint": "engine.cli.rulebook",
    "coverage": "engine.cli.rulebook",
    "schema": "engine.cli.rulebook",
    "diff": "engine.cli.audit",  # diff, impact
    "impact": "engine.cli.audit",
    "log": "engine.cli.log",  # log show|verify|replay
    "validate": "engine.cli.validate",
    "whatif": "engine.cli.whatif",  # whatif, sensitivity, consistency
    "sensitivity": "engine.cli.whatif",
    "consistency": "engine.cli.whatif",
    "serve": "engine.cli.serve",  # the local web app
    "cache": "engine.cli.cache",  # cache info|clear
}


class LazyGroup(click.Group):
    """A group whose commands are registered by their module when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if cmd_name not in self.commands and module is not None:
            importlib.import_module(module).register(self)
        return super().get_command(ctx, cmd_name)

    def load_all(self) -> None:
        """Registers every command (for code that walks `commands`)."""
        for name in sorted(COMMAND_MODULES):
            self.get_command(click.Context(self), name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="tip-assess")
@limit_option
@sources_option
def main() -> None:
    """Assess a government against the TVPA minimum standards and explain the tier placement.

    \b
    Typical use:
      tip-assess assess evidence/peru/2007.yaml
      tip-assess assess evidence/peru/2007.yaml --format json
      tip-assess rules list --year 2007
      tip-assess --limit records=5000 assess big-dossier.yaml
      tip-assess serve            (the local web app)

    Inputs are bounded (file size, nesting, records, ...): see docs/limits.md.

    \b
    Environment:
      TIP_ASSESS_RULES       the rules directory (default ./rules)
      TIP_ASSESS_SOURCES     the directory source texts must lie in (as --sources)
      TIP_ASSESS_MAX_<NAME>  a limit on input size (as --limit NAME=N)
      TIP_ASSESS_CACHE       where loaded rules and inputs are kept (default
                             $XDG_CACHE_HOME/tip-assess or ~/.cache/tip-assess); 'off': none;
                             see `tip-assess cache`
      TIP_ASSESS_LOG         the decision log (see `tip-assess log --help`)
      TIP_ASSESS_DEBUG=1     a traceback for an internal error
    """
    # An assessment rests on the rules and the evidence, not on what else is installed: this
    # command loads no pydantic plugin (code that observes every validation) unless
    # PYDANTIC_DISABLE_PLUGINS says otherwise. Looking for plugins also scans every installed
    # package's metadata: about 25 ms of each new process.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def run() -> None:
    """The `tip-assess` program: `main`, with what only a process of its own may set (in-process
    callers of `main`, such as tests, keep theirs): the collector held back while it starts
    (`engine.collector`), every Ctrl-C noted (`watch_interrupts`), reports in UTF-8 to files and
    pipes, and a failing stdout ended with a message, not Python's "Exception ignored"."""
    collector.pause()
    watch_interrupts()
    _utf8_stdout()
    try:
        main()
    except OSError as exc:  # from click's own output (`--help`), before any command runs
        _stop_on_output_error(exc)
    finally:
        # Flushed here, not at exit, so that a failing stdout ends the process with a message
        # (or, for a reader gone away, quietly) rather than with Python's "Exception ignored".
        try:
            sys.stdout.flush()
        except OSError as exc:
            _stop_on_output_error(exc)


def _utf8_stdout() -> None:
    """Reports are UTF-8 documents (the HTML says so, JSON requires it): to a file or a pipe
    they are written in UTF-8 whatever the locale's encoding (cp1252 or Latin-1 would fail on
    their first arrow, or garble it). A terminal keeps its encoding; a character it cannot show
    is written as '?'."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`): a write fails, saying so
        sys.stdout = _ClosedStdout()
        return
    if not isinstance(stream, io.TextIOWrapper):
        return
    if stream.isatty():
        stream.reconfigure(errors="replace")
    elif codecs.lookup(stream.encoding).name != "utf-8":
        stream.reconfigure(encoding="utf-8")


class _ClosedStdout(io.TextIOBase):
    """Standard output when the process started without one (Python then sets `sys.stdout` to
    None): every write is refused as the system refuses a write to a closed descriptor, so
    the command stops with a message and exit 2 (`-o FILE` still works)."""

    refuses_writes = True  # `common.check_stdout` asks before work it could not undo

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(
            errno.EBADF, "closed (redirect it, or give -o FILE to a command that takes it)"
        )


def _stop_on_output_error(exc: OSError) -> None:
    if isinstance(exc, BrokenPipeError):
        stop_on_broken_pipe()
    if exc.errno in REFUSED_BY_THE_SYSTEM:
        stop_on_refused_io(exc)
    raise exc


if __name__ == "__main__":  # pragma: no cover
    run()
