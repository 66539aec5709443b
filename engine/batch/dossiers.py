"""Which files a batch assesses: dossiers named directly, or found under directories."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from engine.errors import InputError

DOSSIER_NAME = re.compile(r"^\d{4}\.yaml$")


def find_dossiers(paths: Sequence[Path]) -> list[Path]:
    """Dossier files named directly, or every <year>.yaml under a directory, in path order.

    Directories are searched by the project's naming (evidence/<country>/<year>.yaml), so that
    other YAML kept beside the dossiers (e.g. a country's placement history) is not taken for one.
    Hidden directories are skipped.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*.yaml")
                if p.is_file()
                and DOSSIER_NAME.match(p.name)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise InputError.single(
                    str(path), None, None, "no dossiers (<year>.yaml files) found"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError.single(str(path), None, None, "no such file or directory")
    return files


def sorted_unique(files: Sequence[Path]) -> list[Path]:
    """Each file once, in path order: the order of a batch's output whatever the job count."""
    return sorted(dict.fromkeys(files), key=lambda p: p.as_posix())
