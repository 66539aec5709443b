"""Plumbing shared by every `tip-assess` command: exit codes, options, error handling, output.

Command modules import this, never `engine.cli`, so `engine.cli` can import them all at the top.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import stat
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from engine import collector, interrupts
from engine.errors import EngineFault, InputError
from engine.load import inputs, limits

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_INPUT = 2
EXIT_FAULT = 3
# The reader of stdout went away (`tip-assess ... | head`): the status a shell reports for a
# command that SIGPIPE stopped (128 + 13), which is how other command-line tools end there.
EXIT_BROKEN_PIPE = 141

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ["text", "json", "markdown", "html"]


def default_rules_dir() -> Path:
    env = os.environ.get("TIP_ASSESS_RULES")
    return Path(env) if env else Path("rules")


def guarded(func: F) -> F:
    """Turn input errors and engine faults into messages and exit codes, never tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inputs.forget_reads()
        try:
            limits.check_environment()
            result = func(*args, **kwargs)
            if interrupts.seen():  # a Ctrl-C a library swallowed: not lost (engine.interrupts)
                raise KeyboardInterrupt  # click says "Aborted!"
            return result
        except InputError as exc:
            # pydantic-core swallows a Ctrl-C inside a check and fails the check: the rules or
            # a dossier then read as invalid. After a Ctrl-C, every error is the Ctrl-C.
            if interrupts.seen():
                raise KeyboardInterrupt from None  # click says "Aborted!"
            for problem in exc.problems:
                click.echo(f"error: {problem.render()}", err=True)
            sys.exit(EXIT_INPUT)
        except EngineFault as exc:
            if interrupts.seen():
                raise KeyboardInterrupt from None
            click.echo(f"internal error in the inference engine: {exc}", err=True)
            sys.exit(EXIT_FAULT)
        except BrokenPipeError:
            stop_on_broken_pipe()
        except SystemExit as exc:
            if exc.code not in (0, None) and interrupts.seen():
                raise KeyboardInterrupt from None  # an exit for a failure the Ctrl-C caused
            raise
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except OSError as exc:
            if exc.errno in REFUSED_BY_THE_SYSTEM:
                stop_on_refused_io(exc)
            report_fault(exc)
        except Exception as exc:
            if caused_by_interrupt(exc):
                raise KeyboardInterrupt from None  # click says "Aborted!"
            report_fault(exc)

    return wrapper  # type: ignore[return-value]


def _interrupted(signum: int, frame: Any) -> None:
    interrupts.note()
    raise KeyboardInterrupt


def watch_interrupts() -> None:
    """Note every Ctrl-C of this process (it still raises KeyboardInterrupt as Python's own
    handler does), so that an error it causes is told from a fault (`caused_by_interrupt`).
    Warnings shown after a Ctrl-C are dropped: they are a library's complaint about the
    interrupt it swallowed (pydantic's "serializer warnings"), and "Aborted!" says it."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
        warnings.showwarning = _quiet_after_interrupt(warnings.showwarning)


def _quiet_after_interrupt(show: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(show)
    def showwarning(*args: Any, **kwargs: Any) -> None:
        if not interrupts.seen():
            show(*args, **kwargs)

    return showwarning


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a Ctrl-C is behind `exc`. Libraries turn a KeyboardInterrupt raised inside them
    into their own errors: Python a RuntimeError when a class is being made (`__set_name__`, a
    pydantic model imported as Ctrl-C lands), pydantic-core a SchemaError naming it only in its
    text. Any error after a Ctrl-C of this process counts as the Ctrl-C."""
    if interrupts.seen():
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def report_fault(exc: Exception) -> NoReturn:
    """An internal error: one line and exit 3 (a traceback with TIP_ASSESS_DEBUG set)."""
    if os.environ.get("TIP_ASSESS_DEBUG"):
        raise exc
    click.echo(
        f"internal error: {type(exc).__name__}: {exc}\n"
        "(set TIP_ASSESS_DEBUG=1 for a traceback, and please report it)",
        err=True,
    )
    sys.exit(EXIT_FAULT)


# Errors of the machine, not of the tool: a full disk or quota, a file too large, a read-only
# file system, a device failing (a terminal hung up), a closed descriptor (`>&-`), a name too
# long. Said in one line, exit 2.
REFUSED_BY_THE_SYSTEM = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EBADF}
    | {errno.ENAMETOOLONG}  # a path the system will not even look up
)


def stop_on_refused_io(exc: OSError) -> NoReturn:
    """Say what the system refused, where (standard output when no file is named), and stop
    with exit 2; what is still buffered for stdout is dropped (it would fail again at exit)."""
    where = exc.filename if exc.filename is not None else "standard output"
    click.echo(f"error: {where}: {exc.strerror}", err=True)
    _drop_stdout()
    sys.exit(EXIT_INPUT)


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (a test's capture): nothing to flush
        pass


def stop_on_broken_pipe() -> NoReturn:
    """End the process quietly: stdout's reader has gone, so what is still buffered goes to
    /dev/null (else the flush at exit raises again), and nothing is said on stderr."""
    _drop_stdout()
    sys.exit(EXIT_BROKEN_PIPE)


def check_output(output: Path | None) -> None:
    """Refuse an output file that is one of the command's inputs (nothing is written)."""
    if output is not None and inputs.is_input(output):
        raise InputError.single(
            str(output),
            None,
            None,
            "refusing to write the output over an input of this command; choose another file",
        )


def check_stdout() -> None:
    """Before work that cannot be undone (a decision recorded): a standard output the process
    started without refuses now what it would refuse at the end."""
    if getattr(sys.stdout, "refuses_writes", False):
        sys.stdout.write(" ")  # raises as every write to it does


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: through links (hard or symbolic) and `..` steps."""
    try:
        if first.exists() and second.exists():
            return os.path.samefile(first, second)
        return first.resolve() == second.resolve()
    except (OSError, RuntimeError):
        return first.absolute() == second.absolute()


def _new_file_mode(output: Path) -> int:
    """An existing file keeps its mode; a new one gets the usual 0666 less the umask."""
    try:
        return output.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_output(text: str, output: Path | None) -> None:
    """Write to stdout, or atomically to a file: a failure never leaves half a file behind.

    The file never replaces an input of the command, and is created with the permissions any
    new file gets (the umask), not the private mode of the temporary file. A link is followed:
    the file it points to is replaced, the link stays. What is not a file (a device such as
    /dev/null or /dev/stdout, a named pipe) is written to, never replaced.
    """
    if output is None:
        click.echo(text, nl=False)
        return
    check_output(output)
    try:
        kind: int | None = output.stat().st_mode  # through any link
    except OSError:  # not there yet (or a dangling link): a new file
        kind = None
    if kind is not None and not stat.S_ISREG(kind):
        if stat.S_ISDIR(kind):
            raise InputError.single(str(output), None, None, "cannot write output: a directory")
        try:  # a device or a pipe (/dev/null, /dev/stdout): written to, never replaced
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            raise InputError.single(
                str(output), None, None, f"cannot write output: {exc.strerror}"
            ) from None
        return
    if output.is_symlink():  # the file it points to is replaced; the link stays
        try:
            output = output.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # a loop of links
            raise InputError.single(
                str(output), None, None, f"cannot write output: {exc}"
            ) from None
    mode = _new_file_mode(output)
    import tempfile  # only when writing a file: kept out of every command's start-up

    directory = output.parent if str(output.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            "w", encoding="utf-8", dir=directory, prefix=f".{output.name}.", delete=False
        )
    except OSError as exc:
        raise InputError.single(
            str(output), None, None, f"cannot write output: {exc.strerror}"
        ) from None
    try:
        with handle:
            handle.write(text)
        os.chmod(handle.name, mode)
        os.replace(handle.name, output)
    except OSError as exc:  # the disk full, say: the old file stays as it was
        Path(handle.name).unlink(missing_ok=True)
        raise InputError.single(
            str(output), None, None, f"cannot write output: {exc.strerror}"
        ) from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def format_choice(formats: list[str], help_text: str = "Output format.") -> Callable[[F], F]:
    """A `--format` option restricted to the formats a command can produce."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help=help_text,
    )


def rules_dir_option(
    help_text: str = "Rules directory (default: $TIP_ASSESS_RULES or ./rules).",
) -> Callable[[F], F]:
    """`--rules DIR`, passed to the command as `rules_dir` (None when not given)."""
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=help_text,
    )


rules_option = rules_dir_option()
format_option = format_choice(FORMATS)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)


def _set_limits(ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> None:
    for setting in values:
        try:
            limits.override(setting)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    if values:
        ctx.call_on_close(limits.reset_overrides)


def _set_sources(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        inputs.set_sources_root(value)
        ctx.call_on_close(lambda: inputs.set_sources_root(None))


limit_option = click.option(
    "--limit",
    multiple=True,
    metavar="NAME=N",
    expose_value=False,
    callback=_set_limits,
    help="Change a limit on input size, e.g. --limit records=5000 (names and defaults: "
    "docs/limits.md; also TIP_ASSESS_MAX_<NAME>).",
)
sources_option = click.option(
    "--sources",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    expose_value=False,
    callback=_set_sources,
    help="Directory the dossiers' source texts must lie in (default: $TIP_ASSESS_SOURCES, "
    "else the directory that holds the dossier's country folder).",
)


def one_printable_line(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """Text the decision log keeps and `log show` prints a field a line: a newline or another
    control character would let it pass for fields of its own."""
    if value is not None and not value.isprintable():
        raise click.BadParameter("must be one line of printable text")
    return value


def existing_if_given(ctx: click.Context, param: click.Parameter, value: Path | None) -> Any:
    """A directory option whose default may be absent (nothing to read there), but which,
    when given on the command line, must name a directory that exists: a typo is said, not
    read as "nothing there"."""
    given = ctx.get_parameter_source(param.name or "") is click.core.ParameterSource.COMMANDLINE
    if given and value is not None and not value.is_dir():
        what = "is a file" if value.exists() else "does not exist"
        raise click.BadParameter(f"Directory '{value}' {what}.")  # as click says it
    return value


def load_rules(rules_dir: Path | None) -> Any:
    """The rulebook, from the on-disk cache when these rules were loaded before."""
    from engine.load.cache import load_rulebook_cached

    book = load_rulebook_cached(rules_dir or default_rules_dir())
    collector.settle()  # the process has started: what it holds now lives to its end
    return book


def resolve_rules_dir(rules_dir: Path | None) -> Path:
    return rules_dir or default_rules_dir()
