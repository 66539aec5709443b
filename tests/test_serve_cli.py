"""`tip-assess serve` from the command line: the address it prints is where it listens (the
port chosen for `--port 0` included), a port in use or an address that is not this machine's is
an input error said at once (exit 2), and Ctrl-C stops it with exit 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import support


def _serve(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ}
    env.pop("TIP_ASSESS_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "engine", "serve", *args],
        cwd=support.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_port_zero_prints_the_port_it_listens_on_and_ctrl_c_stops_it() -> None:
    server = _serve("--port", "0")
    assert server.stderr is not None
    try:
        line = server.stderr.readline().decode()
        assert line.startswith("tip-assess serve: http://127.0.0.1:"), line
        url = line.split()[2]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert port > 0
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            assert "Peru" in response.read().decode()
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
        assert server.stderr.read().decode() == ""  # no "Aborted!", no traceback
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stderr.close()


def test_a_port_in_use_is_an_input_error_said_before_anything_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve("--port", str(port))
        assert server.stderr is not None
        with server.stderr:
            stderr = server.stderr.read().decode()
        assert server.wait(timeout=60) == 2
    assert stderr == f"error: 127.0.0.1:{port}: cannot listen there: Address already in use\n"


def test_an_address_that_does_not_resolve_is_an_input_error() -> None:
    server = _serve("--host", "no-such-host.invalid", "--port", "0")
    assert server.stderr is not None
    with server.stderr:
        stderr = server.stderr.read().decode()
    assert server.wait(timeout=60) == 2
    assert stderr.startswith("error: no-such-host.invalid:0: cannot listen there: "), stderr
    assert "Traceback" not in stderr and "tip-assess serve: http" not in stderr
