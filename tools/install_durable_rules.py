#!/usr/bin/env python3
"""Install durable-rules 2.0.28 into the running Python, built from its source distribution with
the one-line fix it needs on Python 3.13.

durable-rules is published only as a source distribution (no wheels); its C binding
(`src/rulespy/rules.c`) calls `PyEval_CallObject`, which Python 3.13 removed from the C API. A
stock build then fails to import ("undefined symbol: PyEval_CallObject") or, with GCC 14, fails
to compile. The fix, the same as the upstream pull request jruizgit/rules#403 (unreleased), calls
`PyObject_CallObject` instead, which every Python 3 has; so the patched build is also correct on
3.11 and 3.12, where the stock build works as published.

What this does, with the pip of the running Python and the package index pip is configured with:
download the sdist, check its sha256, unpack it in a temporary directory, replace the five calls
(exactly five, or it stops), `pip install` the patched tree, and check that it imports. Nothing
of durable-rules is kept in this repository. Run it in the project's environment before
`pip install -e '.[dev]'`, which then finds durable-rules 2.0.28 installed and keeps it.

Usage: python tools/install_durable_rules.py [--force]
Exit status: 0 installed (or already importable), 1 on any failure (with the reason).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "2.0.28"
REQUIREMENT = f"durable-rules=={VERSION}"
SDIST = f"durable_rules-{VERSION}.tar.gz"
# sha256 of durable_rules-2.0.28.tar.gz as published on PyPI (the only file of the release).
SDIST_SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
BINDING = Path("src") / "rulespy" / "rules.c"
REMOVED_CALL = "PyEval_CallObject("
REPLACEMENT = "PyObject_CallObject("
EXPECTED_CALLS = 5
IMPORT_CHECK = (
    "import importlib.metadata, durable_rules_engine, durable.engine; "
    "print(importlib.metadata.version('durable-rules'))"
)


class Failure(Exception):
    """A step failed; the message says which and why."""


def installed_version() -> str | None:
    """The durable-rules version that imports in this Python, or None if it does not import."""
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", IMPORT_CHECK], capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else None


def pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise Failure(f"pip {args[0]} failed:\n{tail}")


def check_digest(sdist: Path, expected: str = SDIST_SHA256) -> None:
    actual = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if actual != expected:
        raise Failure(f"{sdist.name} has sha256 {actual}, expected {expected}: not the release")


def unpack(sdist: Path, into: Path) -> Path:
    """Unpack the sdist safely (no absolute paths, links out or special files); its top folder."""
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    tree = into / sdist.name.removesuffix(".tar.gz")
    if not (tree / BINDING).is_file():
        raise Failure(f"{sdist.name} has no {BINDING.as_posix()}")
    return tree


def patch_binding(tree: Path) -> int:
    """Replace the removed C-API call in the binding; refuses unless exactly 5 calls are found."""
    source = tree / BINDING
    text = source.read_text(encoding="utf-8")
    calls = text.count(REMOVED_CALL)
    if calls != EXPECTED_CALLS:
        raise Failure(
            f"{BINDING.as_posix()} has {calls} calls of {REMOVED_CALL[:-1]}, expected "
            f"{EXPECTED_CALLS}: not the source this fix was written for"
        )
    source.write_text(text.replace(REMOVED_CALL, REPLACEMENT), encoding="utf-8")
    return calls


def install(force: bool) -> str:
    python = f"Python {sys.version.split()[0]}"
    if not force and installed_version() == VERSION:
        return (
            f"durable-rules {VERSION} already imports on {python}; nothing to do (--force rebuilds)"
        )
    with tempfile.TemporaryDirectory(prefix="durable-rules-") as tmp:
        work = Path(tmp)
        pip("download", "--quiet", "--no-deps", "--no-binary", ":all:", REQUIREMENT, "-d", tmp)
        sdist = work / SDIST
        if not sdist.is_file():
            raise Failure(f"pip download did not produce {SDIST}")
        check_digest(sdist)
        tree = unpack(sdist, work / "src")
        calls = patch_binding(tree)
        pip("install", "--quiet", "--no-deps", "--force-reinstall", str(tree))
    version = installed_version()
    if version != VERSION:
        raise Failure(f"the patched durable-rules was installed but does not import on {python}")
    return (
        f"durable-rules {VERSION} built from its sdist with {calls} calls of "
        f"{REMOVED_CALL[:-1]} replaced; it imports on {python}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if it already imports")
    args = parser.parse_args(argv)
    try:
        print(install(args.force))
    except Failure as exc:
        print(f"install_durable_rules: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
