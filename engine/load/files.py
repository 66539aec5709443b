"""Reading an input file: bounded in size before a byte is read, and decoded as UTF-8 with the
line and column of the first bad byte (dossiers, histories, rules and narratives alike)."""

from __future__ import annotations

import stat
from pathlib import Path

from engine.errors import InputError
from engine.load import inputs, limits


def read_bounded(path: Path, display: str, limit: str = "file_bytes") -> bytes:
    """The bytes of a regular file no larger than the limit; otherwise a located InputError."""
    cap = limits.value(limit)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise InputError.single(display, None, None, f"cannot read: {what}")
        if info.st_size > cap:
            raise InputError.single(
                display, None, None, limits.exceeded(limit, f"a file of {info.st_size} bytes")
            )
        inputs.note_stat(info)  # an input: no output of this command may replace it
        with path.open("rb") as handle:
            # Read what stat promised and one byte more, not `cap + 1` at once: a read of a
            # megabyte allocates a megabyte, four times the cost of reading a dossier. A file
            # that grew since stat is read on, up to the cap and one byte.
            want = min(cap, info.st_size) + 1
            raw = handle.read(want)
            if len(raw) == want and want <= cap:
                raw += handle.read(cap + 1 - want)
    except FileNotFoundError:
        raise InputError.single(display, None, None, "file not found") from None
    except OSError as exc:
        raise InputError.single(
            display, None, None, f"cannot read file: {exc.strerror or exc}"
        ) from None
    if len(raw) > cap:
        raise InputError.single(
            display, None, None, limits.exceeded(limit, f"a file of more than {cap} bytes")
        )
    return raw


def decode_utf8(raw: bytes, display: str) -> str:
    """The text of a UTF-8 file; a bad byte is reported with its line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise InputError.single(
            display,
            line,
            None,
            f"not UTF-8 text: byte 0x{byte} at column {column} ({exc.reason}); save the file as UTF-8",
        ) from None
