"""`tip-assess serve`: the local web app over the evidence tree (engine/web)."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import click

from engine import collector, interrupts
from engine.cli.common import default_rules_dir, guarded, rules_option
from engine.errors import InputError


@click.command("serve")
@click.option(
    "--evidence",
    "evidence_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("evidence"),
    show_default=True,
    help="The evidence tree: dossiers (with history.yaml beside them) and their sources.",
)
@rules_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (local only by default).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Decision log to show (default: $TIP_ASSESS_LOG, else the XDG state directory).",
)
@guarded
def serve(
    evidence_dir: Path, rules_dir: Path | None, host: str, port: int, log_path: Path | None
) -> None:
    """Browse the dossiers, their reports and narratives, the rules and the decision log.

    \b
    Read-only: it never writes into the evidence tree. Open the address it prints:
      tip-assess serve            then http://127.0.0.1:8000/
    Placements are those of `tip-assess assess` (the same rules, history and JSON).
    """
    import uvicorn

    from engine.web.app import create_app

    if not evidence_dir.is_dir():
        raise InputError.single(str(evidence_dir), None, None, "evidence directory not found")
    rules = rules_dir or default_rules_dir()
    if not rules.is_dir():
        raise InputError.single(str(rules), None, None, "rules directory not found")
    listener = _listen(host, port)  # before the app is built: a busy port is said at once
    app = create_app(evidence_dir, rules, log_path)
    collector.settle()  # a long-lived process: collect as it runs
    bound = listener.getsockname()[1]  # the port given, or the one chosen for --port 0
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"tip-assess serve: http://{shown}:{bound}/ (evidence {evidence_dir}, rules {rules}); "
        "Ctrl-C stops",
        err=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops: exit 0
        server.run(sockets=[listener])
    interrupts.forget()  # that Ctrl-C was the stop asked for, not an interruption


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or an input error saying why not (a port in use, an
    address that does not resolve or is not this machine's): exit 2, before anything starts."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise InputError.single(
            f"{host}:{port}", None, None, f"cannot listen there: {_reason(exc)}"
        ) from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)  # connections wait from the moment the address is printed
    except OSError as exc:
        listener.close()
        raise InputError.single(
            f"{host}:{port}", None, None, f"cannot listen there: {_reason(exc)}"
        ) from None
    return listener


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def register(main: click.Group) -> None:
    main.add_command(serve)
