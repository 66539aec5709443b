#!/usr/bin/env python3
"""The Python versions tip-assess supports, read from `requires-python` in pyproject.toml, and
where to find an interpreter for each (CI runs the suite on the lowest and the highest).

Usage:
  python tools/pythons.py supported     every supported version, e.g. "3.11 3.12 3.13"
  python tools/pythons.py ends          the lowest and the highest, e.g. "3.11 3.13"
  python tools/pythons.py find 3.13     the path of a working python3.13; exit 1 naming the
                                        places looked at when there is none

An interpreter is looked for in $TIP_ASSESS_PYTHON_3_13 (for 3.13), then as python3.13 on PATH,
then under pyenv ($PYENV_ROOT or ~/.pyenv) as versions/3.13.*/bin/python3.13. Each candidate is
run once to check that it works and is that version (a pyenv shim of an inactive version is not).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
CLAUSE = re.compile(r"^(>=|<|<=)\s*3\.(\d+)$")


class Unsupported(Exception):
    """requires-python has a form this helper does not read, or no interpreter was found."""


def supported(requires: str | None = None) -> list[str]:
    """The 3.x versions `requires` (default: pyproject's requires-python) admits, lowest first.

    Reads clauses of the forms `>=3.A`, `<3.B` and `<=3.B`, comma-separated; an upper bound is
    required, because CI must know the highest supported version.
    """
    if requires is None:
        requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"][
            "requires-python"
        ]
    low: int | None = None
    high: int | None = None
    for clause in (part.strip() for part in requires.split(",")):
        match = CLAUSE.match(clause)
        if match is None:
            raise Unsupported(f"requires-python clause {clause!r} is not >=3.N, <3.N or <=3.N")
        operator, minor = match.group(1), int(match.group(2))
        if operator == ">=":
            low = minor
        else:
            high = minor - 1 if operator == "<" else minor
    if low is None or high is None or high < low:
        raise Unsupported(f"requires-python {requires!r} needs a lower and an upper bound")
    return [f"3.{minor}" for minor in range(low, high + 1)]


def _works(candidate: str, version: str) -> bool:
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def candidates(version: str) -> list[str]:
    """Where an interpreter of `version` may be, in the order they are tried."""
    found: list[str] = []
    explicit = os.environ.get(f"TIP_ASSESS_PYTHON_{version.replace('.', '_')}")
    if explicit:
        found.append(explicit)
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found += [
        str(path)
        for path in sorted(
            (pyenv / "versions").glob(f"{version}.*/bin/python{version}"),
            key=lambda p: [int(n) if n.isdigit() else 0 for n in p.parts[-3].split(".")],
            reverse=True,
        )
    ]
    return found


def find(version: str) -> str:
    tried = candidates(version)
    for candidate in tried:
        if _works(candidate, version):
            return candidate
    variable = f"TIP_ASSESS_PYTHON_{version.replace('.', '_')}"
    raise Unsupported(
        f"no working Python {version} (tried: {', '.join(tried) or 'nothing found'}); install it "
        f"(e.g. pyenv install {version}) or set {variable} to its interpreter"
    )


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["supported"] and len(argv) == 1:
            print(" ".join(supported()))
        elif argv[:1] == ["ends"] and len(argv) == 1:
            versions = supported()
            print(versions[0], versions[-1])
        elif argv[:1] == ["find"] and len(argv) == 2:
            print(find(argv[1]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Unsupported as exc:
        print(f"pythons: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
